package viz

import (
	"strings"
	"testing"
)

func TestRoundTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		want   string
	}{
		{-3, 3, "-3 -2 -1 0 1 2 3"},
		{-1.5, 2.5, "-1 0 1 2"},
		{-0.75, 1.25, "-0.5 0.0 0.5 1.0"},
		{-0.6, 1.2, "-0.5 0.0 0.5 1.0"},
		{1, 40, "10 20 30 40"},
		{0, 0.435, "0.0 0.1 0.2 0.3 0.4"},
		{0, 0.75, "0.0 0.2 0.4 0.6"},
		{-3, 2.5, "-3 -2 -1 0 1 2"},
		{0, 15, "0.0 2.5 5.0 7.5 10.0 12.5 15.0"},
		{0, 0.025, "0.000 0.005 0.010 0.015 0.020 0.025"},
		{2, 2, "2"},
	} {
		var labels []string
		for _, tk := range (RoundTicks{}).Ticks(c.lo, c.hi) {
			labels = append(labels, tk.Label)
		}
		if got := strings.Join(labels, " "); got != c.want {
			t.Errorf("Ticks(%g, %g) = %q, want %q", c.lo, c.hi, got, c.want)
		}
	}
}
