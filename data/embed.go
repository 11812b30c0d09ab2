// Package data embeds the built-in world: world.yaml, the area files under
// areas/ and help.yaml, in the format package world/area reads.
package data

import "embed"

// FS holds the default world so the server runs from any folder.
//
//go:embed world.yaml help.yaml socials.yaml areas/*.yaml
var FS embed.FS
