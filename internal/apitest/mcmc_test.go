package apitest

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/train/mcmc"
	"github.com/stretchr/testify/require"
)

// Hostile arguments of package mcmc: targets, settings and starts that
// define no run, sizes checked before allocation, and draws whose sums of
// squares overflow.

// gaussTarget is N(0, I) in d dimensions, an mcmc.Target.
type gaussTarget struct{ d int }

func (g gaussTarget) Dim() int { return g.d }
func (g gaussTarget) LogDensityGrad(grad, theta []float64) float64 {
	var s float64
	for i, v := range theta {
		grad[i] = -v
		s -= v * v / 2
	}
	return s
}

// flatTarget is log π̃ = 0 everywhere, even at NaN.
type flatTarget struct{ d int }

func (f flatTarget) Dim() int { return f.d }
func (f flatTarget) LogDensityGrad(grad, _ []float64) float64 {
	clear(grad)
	return 0
}

// ptrTarget is a Target with pointer receivers, to be given as a typed nil.
type ptrTarget struct{ d int }

func (p *ptrTarget) Dim() int                                     { return p.d }
func (p *ptrTarget) LogDensityGrad(grad, theta []float64) float64 { return 0 }

// TestHostileHMCArguments: each Run returns ErrInvalidArgument before it
// allocates, and none panics.
func TestHostileHMCArguments(t *testing.T) {
	var nilTarget *ptrTarget
	src := rand.NewPCG(1, 1)
	cases := []apiCase{
		{"HMC nil target", mcmc.ErrInvalidArgument, func() error { _, err := mcmc.HMC{}.Run(nil, nil, src); return err }},
		{"HMC typed nil target", mcmc.ErrInvalidArgument, func() error { _, err := mcmc.HMC{}.Run(nilTarget, nil, src); return err }},
		{"HMC dimension 0", mcmc.ErrInvalidArgument, func() error {
			_, err := mcmc.HMC{Warmup: 1, Samples: 5}.Run(gaussTarget{0}, nil, src)
			return err
		}},
		{"HMC dimension 2^20", mcmc.ErrInvalidArgument, func() error {
			_, err := mcmc.HMC{Warmup: 1, Samples: 5}.Run(gaussTarget{1 << 20}, make([]float64, 1<<20), src)
			return err
		}},
		{"HMC 2^62 samples", mcmc.ErrInvalidArgument, func() error {
			_, err := mcmc.HMC{Warmup: 1, Samples: 1 << 62}.Run(gaussTarget{2}, []float64{0, 0}, src)
			return err
		}},
		{"HMC 2^40 samples", mcmc.ErrInvalidArgument, func() error {
			_, err := mcmc.HMC{Warmup: 1, Samples: 1 << 40}.Run(gaussTarget{2}, []float64{0, 0}, src)
			return err
		}},
		{"HMC NaN start of a flat target", mcmc.ErrInvalidArgument, func() error {
			_, err := mcmc.HMC{Warmup: 1, Samples: 5}.Run(flatTarget{2}, []float64{math.NaN(), 0}, src)
			return err
		}},
		{"HMC +Inf start of a flat target", mcmc.ErrInvalidArgument, func() error {
			_, err := mcmc.HMC{Warmup: 1, Samples: 5}.Run(flatTarget{2}, []float64{0, math.Inf(1)}, src)
			return err
		}},
	}
	for _, c := range cases {
		err := errOf(t, c.name, c.call)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want an error wrapping %q", c.name, err, c.want)
		}
	}
	countCases(t, "mcmc_test.go", len(cases))
}

// TestHostileHMCLongTrajectory: a Length over ε·MaxInt takes MaxSteps
// steps, not one (Length/ε overflowed the int conversion).
func TestHostileHMCLongTrajectory(t *testing.T) {
	c, err := mcmc.HMC{Warmup: 1, Samples: 5, Length: 1e300, MaxSteps: 7}.Run(gaussTarget{2}, []float64{0, 0}, rand.NewPCG(1, 1))
	require.NoError(t, err)
	require.Equal(t, 7, c.Steps)
	countCases(t, "mcmc_test.go", 1)
}

// TestHostileDiagnosticsOfHugeDraws: finite draws near the largest
// float64 have a finite ESS and MCSE, those of the draws scaled down.
func TestHostileDiagnosticsOfHugeDraws(t *testing.T) {
	huge := [][]float64{{1e308, -1e308, 1e308, -0.5e308, 3}, {1e307, 2e307, -3e307, 4e307, 5e307}}
	small := make([][]float64, len(huge))
	const k = 1024
	for c, ch := range huge {
		for _, v := range ch {
			small[c] = append(small[c], math.Ldexp(v, -k))
		}
	}
	for name, fn := range map[string]func([][]float64) (float64, error){"ESS": mcmc.ESS, "BulkESS": mcmc.BulkESS, "RHat": mcmc.RHat} {
		got, err := fn(huge)
		require.NoError(t, err, name)
		want, err := fn(small)
		require.NoError(t, err, name)
		require.InEpsilon(t, want, got, 1e-12, name)
	}
	got, err := mcmc.MCSE(huge)
	require.NoError(t, err)
	want, err := mcmc.MCSE(small)
	require.NoError(t, err)
	require.False(t, math.IsNaN(got) || math.IsInf(got, 0), "MCSE = %g", got)
	require.InEpsilon(t, math.Ldexp(want, k), got, 1e-12)
	countCases(t, "mcmc_test.go", 4)
}
