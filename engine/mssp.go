package engine

import (
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"

	"shardmud/telnet"
)

// msspVar is one MSSP variable: a name and its values.
type msspVar struct {
	name   string
	values []string
}

// msspVars are what MUD listing sites ask for (MSSP, telnet option 70, or
// the plain-text MSSP-REQUEST): the live figures, then the world's own
// entries from world.yaml. Safe from any goroutine.
func (s *Server) msspVars() []msspVar {
	vars := []msspVar{
		{"NAME", []string{s.worldName}},
		{"PLAYERS", []string{strconv.FormatInt(s.stats.players.Load()+s.playersElsewhere.Load(), 10)}}, // every linked shard's
		{"UPTIME", []string{strconv.FormatInt(s.stats.started.Unix(), 10)}},
		{"CODEBASE", []string{"shardmud"}},
	}
	if addr, ok := s.telnetAddr.(*net.TCPAddr); ok {
		vars = append(vars, msspVar{"PORT", []string{strconv.Itoa(addr.Port)}})
	}
	if addr, ok := s.sshAddr.(*net.TCPAddr); ok {
		vars = append(vars, msspVar{"SSH", []string{strconv.Itoa(addr.Port)}})
	}
	live := map[string]bool{"NAME": true, "PLAYERS": true, "UPTIME": true, "PORT": true}
	given := maps.Clone(s.mssp)
	if given == nil {
		given = make(map[string][]string)
	}
	for name, values := range msspDefaults {
		if _, ok := given[name]; !ok {
			given[name] = values
		}
	}
	for _, name := range slices.Sorted(maps.Keys(given)) {
		if !live[name] {
			vars = append(vars, msspVar{name, given[name]})
		}
	}
	return vars
}

// msspDefaults are sent for what the world's mssp section does not say,
// so a world without one is still listed sensibly: every variable listing
// sites require is there. CONTACT is empty (MSSP's "not given" for text)
// until the world names someone; CREATED is the year shardmud began.
var msspDefaults = map[string][]string{
	"CONTACT":  {""},
	"CREATED":  {"2026"},
	"LANGUAGE": {"English"},
	"GENRE":    {"Fantasy"},
	"GAMEPLAY": {"Adventure"},
	"STATUS":   {"Alpha"},
}

// msspText is the plain-text form: MSSP-REPLY-START, a NAME<TAB>value line
// for each value, MSSP-REPLY-END, with CRLF line ends.
func (s *Server) msspText() string {
	var b strings.Builder
	b.WriteString("MSSP-REPLY-START\r\n")
	clean := strings.NewReplacer("\r", " ", "\n", " ", "\t", " ")
	for _, v := range s.msspVars() {
		for _, val := range v.values {
			b.WriteString(v.name + "\t" + clean.Replace(val) + "\r\n")
		}
	}
	b.WriteString("MSSP-REPLY-END\r\n")
	return b.String()
}

// telnetMSSP is msspVars for the telnet codec (option 70).
func (s *Server) telnetMSSP() []telnet.MSSPVar {
	vars := s.msspVars()
	out := make([]telnet.MSSPVar, len(vars))
	for i, v := range vars {
		out[i] = telnet.MSSPVar{Name: v.name, Values: v.values}
	}
	return out
}
