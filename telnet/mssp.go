package telnet

// MSSP (option 70): when Config.MSSP is set we offer WILL MSSP at Start,
// and when the client agrees we send IAC SB MSSP (VAR name (VAL value)+)+
// IAC SE with the variables Config.MSSP returns at that moment.

// MSSPVar is one MSSP variable. A variable with several values (PORT,
// GENRE...) sends its VAL once per value; one without values sends a
// single empty VAL. Names and values are text: the bytes 0, 1, 2 and 255
// cannot appear in them and are dropped (MSSP gives them no escape).
type MSSPVar struct {
	Name   string
	Values []string
}

func (p *protocol) msspChanged(on bool) {
	// The variables come from the engine, which must not be called under
	// the Conn's lock: the Conn fetches them after parsing (consume).
	p.msspDue = on
}

// AppendMSSP appends the whole MSSP frame for vars to dst: IAC SB 70, then
// for each variable MSSP_VAR name MSSP_VAL value [MSSP_VAL value...], then
// IAC SE. Bytes 0, 1, 2 and 255 are stripped from names and values; a
// variable whose name is empty after that is left out. The result needs
// no further escaping.
func AppendMSSP(dst []byte, vars []MSSPVar) []byte {
	dst = append(dst, IAC, SB, OptMSSP)
	for _, v := range vars {
		start := len(dst)
		dst = append(dst, msspVar)
		dst = appendMSSPText(dst, v.Name)
		if len(dst) == start+1 {
			dst = dst[:start]
			continue
		}
		if len(v.Values) == 0 {
			dst = append(dst, msspVal)
		}
		for _, val := range v.Values {
			dst = append(dst, msspVal)
			dst = appendMSSPText(dst, val)
		}
	}
	return append(dst, IAC, SE)
}

// appendMSSPText appends s without the bytes MSSP uses as delimiters (0,
// 1, 2) or telnet reserves (255).
func appendMSSPText(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case 0, msspVar, msspVal, IAC:
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
