package world

import "fmt"

// Role orders what a character may do; each role includes the ones below it.
type Role int8

const (
	RolePlayer Role = iota
	RoleBuilder
	RoleAdmin
)

var roleNames = [...]string{"player", "builder", "admin"}

func (r Role) String() string {
	if r < 0 || int(r) >= len(roleNames) {
		return fmt.Sprintf("role(%d)", int8(r))
	}
	return roleNames[r]
}

// ParseRole reads a role name as stored in the database and typed by admins.
func ParseRole(s string) (Role, error) {
	for i, n := range roleNames {
		if s == n {
			return Role(i), nil
		}
	}
	return RolePlayer, fmt.Errorf("unknown role %q (want player, builder or admin)", s)
}

// roleAudience names who may use what needs role r, for help texts.
func roleAudience(r Role) string {
	if r == RolePlayer {
		return "everyone"
	}
	return r.String() + "s"
}
