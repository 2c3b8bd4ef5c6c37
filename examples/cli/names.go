package cli

import (
	"fmt"
	"slices"
	"strings"
)

// SplitNames splits -flag's comma-separated list of names s, refusing a
// name given twice: a program would do the same work twice, or print one
// row twice, and a repeated name is more likely a typo for another. (Lists
// of sizes, such as -hidden's widths, may repeat.)
func SplitNames(flag, s string) ([]string, error) {
	names := strings.Split(s, ",")
	for i, n := range names {
		if slices.Contains(names[:i], n) {
			return nil, fmt.Errorf("-%s %q: %q is given twice", flag, s, n)
		}
	}
	return names, nil
}
