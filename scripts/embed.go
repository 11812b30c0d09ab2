// Package scripts embeds the built-in world's Lua behaviours, one file per
// behaviour under a folder per area (thornwick/crier.lua). Area files name
// them with script: keys; docs/lua.md is the builders' guide.
package scripts

import "embed"

// FS holds the default behaviours, so the server runs from any folder.
//
//go:embed */*.lua
var FS embed.FS
