package apitest

import (
	"errors"
	"strings"
	"testing"

	"github.com/ffjord-go/ffjord-go/train/targets"
)

// Hostile arguments of package targets: grids past any memory, nil and
// zero-value targets, points of the wrong length, log-weights that
// overflow.

// TestHostileTargetsErrorText: an error names the package once.
func TestHostileTargetsErrorText(t *testing.T) {
	_, err := targets.Grid{}.Points()
	if !errors.Is(err, targets.ErrInvalidArgument) {
		t.Fatalf("got %v, want ErrInvalidArgument", err)
	}
	if strings.Count(err.Error(), "targets:") != 1 {
		t.Errorf("%q names the package more than once", err)
	}
	countCases(t, "targets_test.go", 1)
}
