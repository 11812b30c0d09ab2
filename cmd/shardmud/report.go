package main

import (
	"fmt"
	"io"
)

// runReport is `shardmud report`: see engine/report.
func runReport(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "shardmud report: not written yet")
	return 2
}
