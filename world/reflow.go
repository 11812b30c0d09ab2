package world

import "strings"

// Reflow joins the lines of each paragraph, so text wrapped by its author
// is wrapped again at each reader's width. Paragraphs are separated by a
// blank line; a line that starts with a space is kept as written (signs,
// maps, verse).
func Reflow(s string) string {
	var b strings.Builder
	joining := false
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
			b.WriteString("\n")
			if joining {
				b.WriteString("\n")
			}
			joining = false
		case line[0] == ' ' || line[0] == '\t':
			if joining {
				b.WriteString("\n")
			}
			b.WriteString(strings.TrimRight(line, " \t"))
			b.WriteString("\n")
			joining = false
		default:
			if joining {
				b.WriteString(" ")
			}
			b.WriteString(trimmed)
			joining = true
		}
	}
	return strings.TrimRight(b.String(), "\n")
}
