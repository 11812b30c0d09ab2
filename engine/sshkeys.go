package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gliderlabs/ssh"
	gossh "golang.org/x/crypto/ssh"

	"shardmud/engine/store"
	"shardmud/world"
)

// sshPublicKey lets a character in with a key it registered (sshkey add).
func (s *Server) sshPublicKey(ctx ssh.Context, key ssh.PublicKey) bool {
	if strings.EqualFold(ctx.User(), sshUserNew) {
		return false
	}
	name, problem := validName(ctx.User())
	if problem != "" {
		return false
	}
	keys, err := s.store.SSHKeys(context.Background(), name)
	if err != nil || len(keys) == 0 {
		return false
	}
	for _, k := range keys {
		pub, _, _, _, err := gossh.ParseAuthorizedKey([]byte(k.Key))
		if err == nil && ssh.KeysEqual(pub, key) {
			c, err := s.store.Character(context.Background(), name)
			if err != nil {
				return false
			}
			ctx.SetValue(recKey, c.Record)
			return true
		}
	}
	return false
}

func (s *Server) sshkeyCommand() *world.Command {
	return &world.Command{
		Name: "sshkey", Usage: "sshkey add <public key line> | sshkey list | sshkey remove <n>",
		Help: "Manages the SSH public keys that log in as your character (ssh -p 4022 name@host). " +
			"Add the line from your ~/.ssh/id_ed25519.pub; list shows them numbered; remove takes a number from the list.",
		Run: func(c *world.Ctx) {
			name := c.P.Name
			sub, rest, _ := strings.Cut(c.Args, " ")
			rest = strings.TrimSpace(rest)
			ctx := context.Background()
			switch strings.ToLower(sub) {
			case "add":
				pub, comment, _, _, err := gossh.ParseAuthorizedKey([]byte(rest))
				if err != nil {
					c.Send("That is not a public key line (it looks like: ssh-ed25519 AAAA... you@host).")
					return
				}
				key := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pub)))
				s.background(c.P, func() string {
					switch err := s.store.AddSSHKey(ctx, name, store.SSHKey{Key: key, Comment: comment}); {
					case errors.Is(err, store.ErrExists):
						return "That key is already registered."
					case err != nil:
						return "Could not add the key: " + err.Error()
					}
					return fmt.Sprintf("Key added (%s). Log in with: ssh -p <port> %s@<host>", gossh.FingerprintSHA256(pub), strings.ToLower(name))
				})
			case "list", "":
				s.background(c.P, func() string {
					keys, err := s.store.SSHKeys(ctx, name)
					if err != nil {
						return "Could not list keys: " + err.Error()
					}
					if len(keys) == 0 {
						return "You have no SSH keys. (sshkey add <public key line>)"
					}
					var b strings.Builder
					b.WriteString("Your SSH keys:")
					for i, k := range keys {
						fp := "?"
						if pub, _, _, _, err := gossh.ParseAuthorizedKey([]byte(k.Key)); err == nil {
							fp = gossh.FingerprintSHA256(pub)
						}
						fmt.Fprintf(&b, "\n  %d. %s %s", i+1, fp, k.Comment)
					}
					return b.String()
				})
			case "remove":
				n, err := strconv.Atoi(rest)
				if err != nil || n < 1 {
					c.Send("Remove which key? (sshkey remove <number from sshkey list>)")
					return
				}
				s.background(c.P, func() string {
					keys, err := s.store.SSHKeys(ctx, name)
					if err != nil {
						return "Could not remove the key: " + err.Error()
					}
					if n > len(keys) {
						return fmt.Sprintf("You have %d key(s).", len(keys))
					}
					if err := s.store.RemoveSSHKey(ctx, name, keys[n-1].Key); err != nil {
						return "Could not remove the key: " + err.Error()
					}
					return fmt.Sprintf("Key %d removed.", n)
				})
			default:
				c.Send("Usage: sshkey add <public key line> | sshkey list | sshkey remove <n>")
			}
		},
	}
}
