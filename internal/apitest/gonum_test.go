package apitest

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/stretchr/testify/require"
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

// TestHostileGonumOfAFlowIsSeeded: the adapter of a train.Flow ignored
// its source (a Flow is neither a Drawer nor a TransformedDistribution),
// so two adapters of one seed drew different points. They now draw the
// points the flow's own distribution draws with that seed, bit for bit,
// for a conditional flow too.
func TestHostileGonumOfAFlowIsSeeded(t *testing.T) {
	for _, context := range []int{0, 1} {
		flow, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}, Context: context}, train.Settings{}, rand.NewPCG(1, 2))
		require.NoError(t, err)
		var td *distributions.TransformedDistribution
		require.NoError(t, flow.Use(func(d *distributions.TransformedDistribution) error { td = d; return nil }))
		adapt := func(d interface {
			distributions.Distribution
			distributions.ContextDistribution
		}) *distributions.GonumAdapter {
			var g *distributions.GonumAdapter
			var err error
			if context > 0 {
				g, err = distributions.GonumConditional(d, []float64{0.5}, rand.NewPCG(7, 8))
			} else {
				g, err = distributions.Gonum(d, rand.NewPCG(7, 8))
			}
			require.NoError(t, err)
			return g
		}
		a, b, c := adapt(flow), adapt(flow), adapt(td)
		for range 3 {
			x, y, z := a.Rand(nil), b.Rand(nil), c.Rand(nil)
			require.NoError(t, errors.Join(a.Err(), b.Err(), c.Err()))
			require.Equal(t, x, y, "context %d: two adapters of one seed", context)
			require.Equal(t, z, x, "context %d: the flow and its distribution", context)
		}
	}
	countCases(t, "gonum_test.go", 2)
}
