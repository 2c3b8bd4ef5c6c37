package apitest

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/distributions"
)

// Hostile arguments of the gonum adapters.

// wideDist claims a dimension no adapter should allocate.
type wideDist struct{ distributions.Distribution }

func (wideDist) Dim() int { return math.MaxInt / 2 }

type wideCondDist struct {
	distributions.ContextDistribution
}

func (wideCondDist) Dim() int        { return math.MaxInt / 2 }
func (wideCondDist) ContextDim() int { return 1 }

// TestHostileGonumAdapters: a typed nil distribution, or one whose
// dimension is beyond the limit, is an ErrInvalidParameter error, before
// the adapter allocates its buffers.
func TestHostileGonumAdapters(t *testing.T) {
	var nilNormal *distributions.Normal
	var nilTransformed *distributions.TransformedDistribution
	src := rand.NewPCG(1, 1)
	cases := []apiCase{
		{"Gonum(typed nil)", distributions.ErrInvalidParameter, func() error { _, err := distributions.Gonum(nilNormal, src); return err }},
		{"Gonum(typed nil transformed)", distributions.ErrInvalidParameter, func() error { _, err := distributions.Gonum(nilTransformed, src); return err }},
		{"Gonum(huge dimension)", distributions.ErrInvalidParameter, func() error { _, err := distributions.Gonum(wideDist{}, src); return err }},
		{"GonumConditional(typed nil)", distributions.ErrInvalidParameter, func() error {
			_, err := distributions.GonumConditional(nilTransformed, []float64{1}, src)
			return err
		}},
		{"GonumConditional(huge dimension)", distributions.ErrInvalidParameter, func() error {
			_, err := distributions.GonumConditional(wideCondDist{}, []float64{1}, src)
			return err
		}},
	}
	for _, c := range cases {
		err := errOf(t, c.name, c.call)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want an error wrapping %q", c.name, err, c.want)
		}
	}
	countCases(t, "gonum_test.go", len(cases))
}
