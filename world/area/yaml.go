package area

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// str is a scalar with the line it was written on, for error messages.
type str struct {
	value string
	line  int
}

// errorList gathers builder-facing problems as "file:line: message".
type errorList struct {
	msgs []string
}

func (e *errorList) add(file string, line int, msg string) {
	if len(e.msgs) == maxErrors {
		e.msgs = append(e.msgs, "too many errors; fix these first")
	}
	if len(e.msgs) > maxErrors {
		return
	}
	if line > 0 {
		e.msgs = append(e.msgs, fmt.Sprintf("%s:%d: %s", file, line, msg))
	} else {
		e.msgs = append(e.msgs, fmt.Sprintf("%s: %s", file, msg))
	}
}

func (e *errorList) err() error {
	if len(e.msgs) == 0 {
		return nil
	}
	return errors.New("load world: " + strings.Join(e.msgs, "\n  "))
}

// parseDoc parses one YAML document and returns its top mapping.
func parseDoc(file string, data []byte, errs *errorList) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		// yaml's messages already carry "line N"; strip its prefix.
		errs.add(file, 0, strings.TrimPrefix(err.Error(), "yaml: "))
		return nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		errs.add(file, 0, "empty file")
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		errs.add(file, root.Line, "the file must be a mapping of keys to values")
		return nil
	}
	return root
}

// fields reads a mapping whose keys must be among allowed; unknown and
// repeated keys are errors, so typos do not silently vanish.
func fields(file string, n *yaml.Node, errs *errorList, allowed ...string) map[string]*yaml.Node {
	out := make(map[string]*yaml.Node)
	if n == nil {
		return out
	}
	if n.Kind != yaml.MappingNode {
		errs.add(file, n.Line, fmt.Sprintf("expected a mapping with keys %s", strings.Join(allowed, ", ")))
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case !contains(allowed, k.Value):
			errs.add(file, k.Line, fmt.Sprintf("unknown key %q (allowed here: %s)", k.Value, strings.Join(allowed, ", ")))
		case out[k.Value] != nil:
			errs.add(file, k.Line, fmt.Sprintf("key %q appears twice", k.Value))
		default:
			out[k.Value] = v
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// eachEntry walks a mapping of builder-chosen keys (room keys, prototype
// keys, directions), checking the keys' form and uniqueness.
func eachEntry(file string, n *yaml.Node, errs *errorList, fn func(key str, v *yaml.Node)) {
	if n == nil {
		return
	}
	if n.Kind != yaml.MappingNode {
		errs.add(file, n.Line, "expected a mapping of keys to entries")
		return
	}
	seen := make(map[string]bool)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := str{value: k.Value, line: k.Line}
		if k.Kind != yaml.ScalarNode || !keyRE.MatchString(k.Value) {
			errs.add(file, k.Line, fmt.Sprintf("key %q must be 1 to 40 lower-case letters, digits or underscores", k.Value))
			continue
		}
		if seen[k.Value] {
			errs.add(file, k.Line, fmt.Sprintf("%q is defined twice", k.Value))
			continue
		}
		seen[k.Value] = true
		fn(key, v)
	}
}

// text reads a scalar string.
func text(file string, n *yaml.Node, errs *errorList) str {
	if n == nil {
		return str{}
	}
	if n.Kind != yaml.ScalarNode {
		errs.add(file, n.Line, "expected text")
		return str{line: n.Line}
	}
	return str{value: n.Value, line: n.Line}
}

// list reads a sequence of strings; a single scalar counts as a list of one.
func list(file string, n *yaml.Node, errs *errorList) []str {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return []str{{value: n.Value, line: n.Line}}
	}
	if n.Kind != yaml.SequenceNode {
		errs.add(file, n.Line, "expected a list, like [a, b]")
		return nil
	}
	var out []str
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode {
			errs.add(file, c.Line, "expected a name in the list")
			continue
		}
		out = append(out, str{value: c.Value, line: c.Line})
	}
	return out
}
