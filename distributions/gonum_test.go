package distributions_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat/distmv"
	"gonum.org/v1/gonum/stat/samplemv"
	"gorgonia.org/tensor"
)

var (
	_ distmv.RandLogProber = (*distributions.GonumAdapter)(nil)
	_ samplemv.MHProposal  = (*distributions.GonumAdapter)(nil)
)

// smallFlow is a one-block FFJORD flow with fixed random parameters
// behind an Affine, on a N(0, I) base sampling from src.
func smallFlow(t testing.TB, src rand.Source) *distributions.TransformedDistribution {
	t.Helper()
	net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2, Hidden: []int{8}}, rand.NewPCG(5, 6))
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(7, 8))
	for _, p := range net.Params() {
		for i := range p.Float64s() {
			p.Float64s()[i] += 0.5 * r.NormFloat64()
		}
	}
	block, err := ffjord.New(net, ffjord.Options{Solver: ode.Settings{Controller: ode.Adaptive{RTol: 1e-6, ATol: 1e-8}}})
	require.NoError(t, err)
	affine, err := distributions.NewAffine([]float64{0.5, -0.25}, []float64{0.2, -0.1})
	require.NoError(t, err)
	chain, err := distributions.NewChain(affine, block)
	require.NoError(t, err)
	base, err := distributions.NewNormal([]float64{0, 0}, []float64{1, 1}, src)
	require.NoError(t, err)
	d, err := distributions.NewTransformed(base, chain)
	require.NoError(t, err)
	return d
}

// TestGonumLogProbIsTheDistributions: the adapter's log p of one point is
// the distribution's LogProb (LogProbContext) of the same row, bit for bit.
func TestGonumLogProbIsTheDistributions(t *testing.T) {
	pts := [][]float64{{0, 0}, {1.5, -0.7}, {-2, 3}}
	flow := smallFlow(t, nil)
	normal, err := distributions.NewNormal([]float64{1, -1}, []float64{0.5, 2}, nil)
	require.NoError(t, err)
	for name, d := range map[string]distributions.Distribution{"normal": normal, "flow": flow} {
		g, err := distributions.Gonum(d, rand.NewPCG(1, 1))
		require.NoError(t, err)
		want, err := distributions.LogProbRows(d, pts)
		require.NoError(t, err)
		for i, p := range pts {
			assert.Equal(t, want[i], g.LogProb(p), "%s at %v", name, p)
		}
		require.NoError(t, g.Err())
	}

	cond := conditionalFlow(t, ode.Settings{Controller: ode.Adaptive{RTol: 1e-7, ATol: 1e-9}}, nil)
	ctx := []float64{1, -0.5}
	g, err := distributions.GonumConditional(cond, ctx, rand.NewPCG(1, 1))
	require.NoError(t, err)
	want, err := distributions.LogProbContextRows(cond, pts, [][]float64{ctx, ctx, ctx})
	require.NoError(t, err)
	for i, p := range pts {
		assert.Equal(t, want[i], g.LogProb(p), "conditional at %v", p)
	}
	require.NoError(t, g.Err())
}

// TestGonumRandMoments: a Normal's adapter draws with its own source; the
// sample mean and standard deviation of 20 000 points are within 4.5
// standard errors of the truth.
func TestGonumRandMoments(t *testing.T) {
	mean, std := []float64{1, -2, 0.5}, []float64{0.5, 2, 1}
	d, err := distributions.NewNormal(mean, std, nil)
	require.NoError(t, err)
	g, err := distributions.Gonum(d, rand.NewPCG(3, 4))
	require.NoError(t, err)
	const n = 20000
	var s, s2 [3]float64
	x := make([]float64, 3)
	for range n {
		g.Rand(x)
		for i, v := range x {
			s[i] += v
			s2[i] += v * v
		}
	}
	require.NoError(t, g.Err())
	for i := range mean {
		m := s[i] / n
		sd := math.Sqrt(s2[i]/n - m*m)
		assert.InDelta(t, mean[i], m, 4.5*std[i]/math.Sqrt(n), "mean %d", i)
		assert.InDelta(t, std[i], sd, 4.5*std[i]/math.Sqrt(2*n), "std %d", i)
	}
}

// TestGonumRandFlow: a flow's adapter draws z with its source and pushes
// it through the bijector, so one seed gives the same points, nil dst
// allocates, and the points are the flow's samples (log p finite).
func TestGonumRandFlow(t *testing.T) {
	flow := smallFlow(t, nil)
	a, err := distributions.Gonum(flow, rand.NewPCG(9, 9))
	require.NoError(t, err)
	b, err := distributions.Gonum(flow, rand.NewPCG(9, 9))
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(9, 9))
	for range 3 {
		x := a.Rand(nil)
		require.Len(t, x, 2)
		assert.Equal(t, x, b.Rand(make([]float64, 2)))
		z := []float64{r.NormFloat64(), r.NormFloat64()}
		want, err := flow.Bijector.Forward(batch.New(1, 2, z))
		require.NoError(t, err)
		assert.Equal(t, want.Float64s(), x)
		assert.False(t, math.IsNaN(a.LogProb(x)))
	}
	require.NoError(t, a.Err())

	// Without a source the distribution's own Sample draws.
	own := smallFlow(t, rand.NewPCG(2, 2))
	c, err := distributions.Gonum(own, nil)
	require.NoError(t, err)
	x := c.Rand(nil)
	require.NoError(t, c.Err())
	assert.False(t, math.IsNaN(x[0]) || math.IsNaN(x[1]))
}

// TestGonumConditionalRand: the fixed context is the one the points are
// drawn with: the same seed under two contexts gives different points, and
// each is T(z | c) of the same z.
func TestGonumConditionalRand(t *testing.T) {
	cond := conditionalFlow(t, ode.Settings{}, nil)
	var got [][]float64
	for _, ctx := range [][]float64{{0, 0}, {2, -1}} {
		g, err := distributions.GonumConditional(cond, ctx, rand.NewPCG(4, 4))
		require.NoError(t, err)
		x := g.Rand(nil)
		require.NoError(t, g.Err())
		r := rand.New(rand.NewPCG(4, 4))
		z := batch.New(1, 2, []float64{r.NormFloat64(), r.NormFloat64()})
		want, err := cond.Bijector.(distributions.Chain).ForwardContext(z, batch.New(1, 2, ctx))
		require.NoError(t, err)
		assert.Equal(t, want.Float64s(), x)
		got = append(got, x)
	}
	assert.NotEqual(t, got[0], got[1])
}

// TestGonumErrors: every failure gives NaN (−Inf outside the support),
// records its error and never panics.
func TestGonumErrors(t *testing.T) {
	normal, err := distributions.NewNormal([]float64{0, 0}, []float64{1, 1}, nil)
	require.NoError(t, err)
	g, err := distributions.Gonum(normal, nil)
	require.NoError(t, err)

	assert.True(t, math.IsNaN(g.LogProb([]float64{1})))
	assert.ErrorIs(t, g.Err(), distributions.ErrShape)
	g.ClearErr()
	assert.True(t, math.IsNaN(g.LogProb([]float64{math.NaN(), 0})))
	assert.ErrorIs(t, g.Err(), distributions.ErrNonFinite)
	g.ClearErr()
	dst := g.Rand(make([]float64, 3))
	assert.Len(t, dst, 3)
	for _, v := range dst {
		assert.True(t, math.IsNaN(v))
	}
	assert.ErrorIs(t, g.Err(), distributions.ErrShape)
	// The first error stays until cleared.
	g.LogProb([]float64{math.Inf(1), 0})
	assert.ErrorIs(t, g.Err(), distributions.ErrShape)
	g.ClearErr()
	assert.NoError(t, g.Err())

	// A point outside a Sigmoid's interval has density 0.
	sig, err := distributions.NewSigmoid(2, 0, 1, 0)
	require.NoError(t, err)
	bounded, err := distributions.NewTransformed(normal, sig)
	require.NoError(t, err)
	gb, err := distributions.Gonum(bounded, nil)
	require.NoError(t, err)
	assert.Equal(t, math.Inf(-1), gb.LogProb([]float64{2, 0.5}))
	assert.ErrorIs(t, gb.Err(), distributions.ErrDomain)
	gb.ClearErr()
	assert.False(t, math.IsInf(gb.LogProb([]float64{0.3, 0.5}), 0))
	assert.NoError(t, gb.Err())

	// A distribution that cannot sample: Rand fills NaN.
	noBase, err := distributions.Gonum(&distributions.TransformedDistribution{Base: normal, Bijector: failing{}}, rand.NewPCG(1, 1))
	require.NoError(t, err)
	x := noBase.Rand(nil)
	assert.True(t, math.IsNaN(x[0]) && math.IsNaN(x[1]))
	assert.ErrorIs(t, noBase.Err(), distributions.ErrInvalidParameter)

	// Constructors refuse what they cannot adapt.
	_, err = distributions.Gonum(nil, nil)
	assert.ErrorIs(t, err, distributions.ErrInvalidParameter)
	cond := conditionalFlow(t, ode.Settings{}, nil)
	_, err = distributions.Gonum(cond, nil)
	assert.ErrorIs(t, err, distributions.ErrInvalidParameter)
	_, err = distributions.GonumConditional(cond, []float64{1}, nil)
	assert.ErrorIs(t, err, distributions.ErrShape)
	_, err = distributions.GonumConditional(cond, []float64{1, math.NaN()}, nil)
	assert.ErrorIs(t, err, distributions.ErrNonFinite)
	_, err = distributions.GonumConditional(nil, nil, nil)
	assert.ErrorIs(t, err, distributions.ErrInvalidParameter)
	_, err = distributions.GonumConditional(bounded, nil, nil)
	assert.ErrorIs(t, err, distributions.ErrInvalidParameter)
}

// failing is a bijector whose maps all fail.
type failing struct{}

func (failing) Forward(*tensor.Dense) (*tensor.Dense, error) {
	return nil, distributions.ErrInvalidParameter
}
func (failing) Inverse(*tensor.Dense) (*tensor.Dense, error) {
	return nil, distributions.ErrInvalidParameter
}
func (failing) ForwardWithLogDet(*tensor.Dense) (*tensor.Dense, []float64, error) {
	return nil, nil, distributions.ErrInvalidParameter
}
func (failing) InverseWithLogDet(*tensor.Dense) (*tensor.Dense, []float64, error) {
	return nil, nil, distributions.ErrInvalidParameter
}

// BenchmarkGonumLogProbFlow is the cost of one point's log p through the
// adapter: one solve.
func BenchmarkGonumLogProbFlow(b *testing.B) {
	g, err := distributions.Gonum(smallFlow(b, nil), rand.NewPCG(1, 1))
	require.NoError(b, err)
	x := []float64{0.3, -0.2}
	b.ReportAllocs()
	for b.Loop() {
		g.LogProb(x)
	}
}

// TestGonumBaseAllocatesNothing: a base distribution's adapter evaluates
// and draws one point without allocating.
func TestGonumBaseAllocatesNothing(t *testing.T) {
	d, err := distributions.NewNormal([]float64{1, 2}, []float64{1, 3}, nil)
	require.NoError(t, err)
	g, err := distributions.Gonum(d, rand.NewPCG(1, 2))
	require.NoError(t, err)
	x := []float64{0.5, 0.5}
	assert.Zero(t, testing.AllocsPerRun(100, func() { g.LogProb(x) }))
	assert.Zero(t, testing.AllocsPerRun(100, func() { g.Rand(x) }))
	require.NoError(t, g.Err())
}
