package viz

import (
	"image/color"
	"testing"
)

func TestViridisMatchesMatplotlib(t *testing.T) {
	// matplotlib.colors.to_hex(viridis(t)) for entries 0, 64, 128, 192, 255
	// of the 256-entry table.
	for _, c := range []struct {
		t    float64
		want color.NRGBA
	}{
		{0, color.NRGBA{0x44, 0x01, 0x54, 0xff}},
		{64.0 / 255, color.NRGBA{0x3b, 0x52, 0x8b, 0xff}},
		{128.0 / 255, color.NRGBA{0x21, 0x91, 0x8c, 0xff}},
		{192.0 / 255, color.NRGBA{0x5e, 0xc9, 0x62, 0xff}},
		{1, color.NRGBA{0xfd, 0xe7, 0x25, 0xff}},
	} {
		if got := ViridisAt(c.t); !near(got, c.want, 1) {
			t.Errorf("ViridisAt(%.4f) = %v, want %v", c.t, got, c.want)
		}
	}
	p := Viridis(10).Colors()
	if len(p) != 10 || !near(p[0], ViridisAt(0), 0) || !near(p[9], ViridisAt(1), 0) {
		t.Errorf("Viridis(10) = %v, want 10 colours from ViridisAt(0) to ViridisAt(1)", p)
	}
	if got := len(Viridis(0).Colors()); got != 256 {
		t.Errorf("Viridis(0) has %d colours, want 256", got)
	}
}

func TestDistinctColours(t *testing.T) {
	for _, n := range []int{5, 12, 20, 31} {
		p := Distinct(n).Colors()
		if len(p) != n {
			t.Fatalf("Distinct(%d) has %d colours", n, len(p))
		}
		for i := range p {
			for j := range i {
				if near(p[i], p[j], 24) {
					t.Errorf("Distinct(%d): colours %d and %d are alike: %v, %v", n, j, i, rgba(p[j]), rgba(p[i]))
				}
			}
		}
	}
}
