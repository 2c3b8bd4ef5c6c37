package distributions_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/internal/fdtest"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// sampleFlow is N(0, I) pushed through a learnable AffineTriL, an FFJORD
// block solved tightly and a learnable Affine, applied in that order.
func sampleFlow(t *testing.T, g ode.Gradient, ctl ode.StepControl) *distributions.TransformedDistribution {
	net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2, Hidden: []int{6}}, rand.NewPCG(3, 4))
	require.NoError(t, err)
	block, err := ffjord.New(net, ffjord.Options{Gradient: g,
		Solver: ode.Settings{Controller: ode.Adaptive{RTol: 1e-10, ATol: 1e-10}, StepControl: ctl}})
	require.NoError(t, err)
	tril, err := distributions.NewLearnableAffineTriL([]float64{0.3, -0.2}, []float64{1.2, 0, 0.4, 0.7})
	require.NoError(t, err)
	aff, err := distributions.NewAffine([]float64{0.5, -1}, []float64{0.2, -0.3})
	require.NoError(t, err)
	chain, err := distributions.NewChain(aff, block, tril)
	require.NoError(t, err)
	base, err := distributions.NewNormal([]float64{0, 0}, []float64{1, 1}, rand.NewPCG(1, 1))
	require.NoError(t, err)
	d, err := distributions.NewTransformed(base, chain)
	require.NoError(t, err)
	return d
}

// maxRelErr is max|a−b| / max(max|b|, 1e-3).
func maxRelErr(a, b []float64) float64 {
	var diff, scale float64
	for i := range a {
		diff = math.Max(diff, math.Abs(a[i]-b[i]))
		scale = math.Max(scale, math.Abs(b[i]))
	}
	return diff / math.Max(scale, 1e-3)
}

// TestRecordSampleGradients: with the noise fixed by the source's seed,
// the gradient of L = Σ w⊙x + Σ v⊙log q(x) from RecordSample's backward
// pass matches central differences in every parameter, for both
// gradients and both step controls; and ∂L/∂z matches those of the chain's
// forward pass with log p_base(z) added.
func TestRecordSampleGradients(t *testing.T) {
	const n = 4
	r := rand.New(rand.NewPCG(5, 6))
	w, v := make([]float64, 2*n), make([]float64, n)
	for i := range w {
		w[i] = r.NormFloat64()
	}
	for i := range v {
		v[i] = r.NormFloat64()
	}
	for _, ctl := range []ode.StepControl{ode.WholeBatch, ode.PerRow} {
		for _, g := range []ode.Gradient{ode.BacksolveAdjoint{}, ode.Discrete{}} {
			name := fmt.Sprintf("%v/%T", ctl, g)
			d := sampleFlow(t, g, ctl)
			loss := func() float64 {
				p, err := d.RecordSample(n, rand.NewPCG(7, 8), distributions.Request{Training: true})
				require.NoError(t, err)
				l := 0.0
				for i, x := range p.X {
					l += w[i] * x
				}
				for i, lq := range p.LogProb {
					l += v[i] * lq
				}
				return l
			}
			p, err := d.RecordSample(n, rand.NewPCG(7, 8), distributions.Request{Training: true})
			require.NoError(t, err)
			grads := make([][]float64, len(d.Params()))
			for i, q := range d.Params() {
				grads[i] = make([]float64, q.Shape().TotalSize())
			}
			zbar, err := p.Backward(distributions.Cotangents{X: w, LogDet: v}, grads)
			require.NoError(t, err)
			worst := 0.0
			for i, q := range d.Params() {
				worst = math.Max(worst, maxRelErr(grads[i], fdtest.Gradient(q.Float64s(), 1e-5, loss)))
			}

			// ∂L/∂z through the chain's forward pass and the base's log-density.
			chain := d.Bijector.(distributions.Chain)
			z := append([]float64(nil), p.Z...)
			zloss := func() float64 {
				f, err := chain.RecordForward(z, n, distributions.Request{Training: true})
				require.NoError(t, err)
				lb, err := d.Base.LogProb(tensorOf(z, n))
				require.NoError(t, err)
				l := 0.0
				for i, x := range f.X {
					l += w[i] * x
				}
				for i := range f.LogDet {
					l += v[i] * (lb[i] - f.LogDet[i])
				}
				return l
			}
			worst = math.Max(worst, maxRelErr(zbar, fdtest.Gradient(z, 1e-5, zloss)))
			t.Logf("%s: worst relative error %.2g", name, worst)
			assert.Less(t, worst, 1e-5, name)
		}
	}
}

// TestRecordSampleConsistent: the same seed draws the same points; log q
// of a draw is the distribution's LogProb of its X; the chain's inverse
// pass takes X back to Z with minus the forward log-det.
func TestRecordSampleConsistent(t *testing.T) {
	d := sampleFlow(t, nil, ode.WholeBatch)
	const n = 6
	a, err := d.RecordSample(n, rand.NewPCG(9, 9), distributions.Request{})
	require.NoError(t, err)
	b, err := d.RecordSample(n, rand.NewPCG(9, 9), distributions.Request{})
	require.NoError(t, err)
	assert.Equal(t, a.X, b.X)
	lp, err := d.LogProb(tensorOf(a.X, n))
	require.NoError(t, err)
	assert.InDeltaSlice(t, lp, a.LogProb, 1e-7)

	chain := d.Bijector.(distributions.Chain)
	f, err := chain.RecordForward(a.Z, n, distributions.Request{})
	require.NoError(t, err)
	i, err := chain.RecordInverse(f.X, n, distributions.Request{})
	require.NoError(t, err)
	assert.InDeltaSlice(t, a.Z, i.X, 1e-8)
	for r := range f.LogDet {
		assert.InDelta(t, -f.LogDet[r], i.LogDet[r], 1e-8)
	}
}

// TestRecordForwardRefuses: a chain with a bijector that has no recorded
// forward pass names it.
func TestRecordForwardRefuses(t *testing.T) {
	sig, err := distributions.NewSigmoid(2, 0, 1, 0)
	require.NoError(t, err)
	aff, err := distributions.NewAffine([]float64{0, 0}, []float64{0, 0})
	require.NoError(t, err)
	chain, err := distributions.NewChain(sig, aff)
	require.NoError(t, err)
	_, err = chain.RecordForward([]float64{0.1, 0.2}, 1, distributions.Request{})
	require.ErrorIs(t, err, distributions.ErrInvalidParameter)
	assert.Contains(t, err.Error(), "bijector 0 (*distributions.Sigmoid)")
}

func tensorOf(x []float64, n int) *tensor.Dense {
	return tensor.New(tensor.WithShape(n, len(x)/n), tensor.WithBacking(append([]float64(nil), x...)))
}
