package telnet

import "bytes"

// AppendEscaped appends src to dst doubling every IAC byte, so a 255 in
// text reaches the client as data rather than starting a command. It does
// not allocate when dst has room for the result.
func AppendEscaped(dst, src []byte) []byte {
	for {
		i := bytes.IndexByte(src, IAC)
		if i < 0 {
			return append(dst, src...)
		}
		dst = append(dst, src[:i+1]...)
		dst = append(dst, IAC)
		src = src[i+1:]
	}
}
