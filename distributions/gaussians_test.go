package distributions

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/internal/fdtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distmv"
	"gorgonia.org/tensor"
)

// randomTriL returns a random D×D lower-triangular scale with a positive
// diagonal.
func randomTriL(r *rand.Rand, D int) []float64 {
	l := make([]float64, D*D)
	for i := range D {
		for j := range i {
			l[i*D+j] = r.NormFloat64() * 0.5
		}
		l[i*D+i] = 0.5 + r.Float64()
	}
	return l
}

func randomVec(r *rand.Rand, n int, s float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = s * r.NormFloat64()
	}
	return v
}

// gonumNormal is the independent closed form: gonum's N(μ, L·Lᵀ).
func gonumNormal(t *testing.T, mu, l []float64) *distmv.Normal {
	D := len(mu)
	L := mat.NewDense(D, D, l)
	var cov mat.SymDense
	cov.SymOuterK(1, L)
	n, ok := distmv.NewNormal(mu, &cov, nil)
	require.True(t, ok)
	return n
}

func testMixture(t *testing.T, r *rand.Rand, K, D int) (*GaussianMixture, []*MultivariateNormalTriL, []float64) {
	cs := make([]*MultivariateNormalTriL, K)
	for k := range cs {
		var err error
		cs[k], err = NewMultivariateNormalTriL(randomVec(r, D, 2), randomTriL(r, D), nil)
		require.NoError(t, err)
	}
	logits := randomVec(r, K, 1)
	g, err := NewGaussianMixture(logits, cs, rand.NewPCG(3, 4))
	require.NoError(t, err)
	return g, cs, logits
}

// TestGaussiansMatchClosedForm: the log-densities equal gonum's
// multivariate normal, and its log-sum-exp mixture, to 1e-12.
func TestGaussiansMatchClosedForm(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const D, K, N = 5, 3, 20
	g, cs, logits := testMixture(t, r, K, D)
	x := randomVec(r, N*D, 2)
	lse := logSumExp(logits)
	for k, c := range cs {
		ref := gonumNormal(t, c.Loc(), c.ScaleTriL())
		lp, err := c.LogProb(tensor.New(tensor.WithShape(N, D), tensor.WithBacking(x)))
		require.NoError(t, err)
		for i := range N {
			assert.InDelta(t, ref.LogProb(x[i*D:(i+1)*D]), lp[i], 1e-12, "component %d row %d", k, i)
		}
	}
	lp, err := g.LogProb(tensor.New(tensor.WithShape(N, D), tensor.WithBacking(x)))
	require.NoError(t, err)
	for i := range N {
		terms := make([]float64, K)
		for k, c := range cs {
			terms[k] = logits[k] - lse + gonumNormal(t, c.Loc(), c.ScaleTriL()).LogProb(x[i*D:(i+1)*D])
		}
		want := math.Log(math.Exp(terms[0]) + math.Exp(terms[1]) + math.Exp(terms[2]))
		assert.InDelta(t, want, lp[i], 1e-12, "row %d", i)
	}
}

// TestGaussiansIntegrateToOne: in 2-D the densities integrate to 1 by the
// midpoint rule over ±12 standard deviations.
func TestGaussiansIntegrateToOne(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	g, cs, _ := testMixture(t, r, 3, 2)
	for name, d := range map[string]Distribution{"mvn": cs[0], "mixture": g} {
		const m = 600
		lo, hi := -14.0, 14.0
		h := (hi - lo) / m
		pts := make([]float64, 0, 2*m*m)
		for i := range m {
			for j := range m {
				pts = append(pts, lo+(float64(i)+0.5)*h, lo+(float64(j)+0.5)*h)
			}
		}
		lp, err := d.LogProb(tensor.New(tensor.WithShape(m*m, 2), tensor.WithBacking(pts)))
		require.NoError(t, err)
		s := 0.0
		for _, v := range lp {
			s += math.Exp(v) * h * h
		}
		assert.InDelta(t, 1, s, 1e-6, name)
	}
}

// TestGaussiansGradients: LogProbBackward gives ∂/∂z and ∂/∂θ of
// Σ_r w_r log p(z_r), checked against central differences.
func TestGaussiansGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const D, K, N = 4, 3, 6
	g, cs, _ := testMixture(t, r, K, D)
	z := randomVec(r, N*D, 2)
	w := randomVec(r, N, 1)
	for name, b := range map[string]DifferentiableBase{"mvn": cs[1], "mixture": g} {
		loss := func() float64 {
			lp := make([]float64, N)
			b.LogProbTo(lp, z)
			s := 0.0
			for i, v := range lp {
				s += w[i] * v
			}
			return s
		}
		var grads [][]float64
		for _, p := range b.Params() {
			grads = append(grads, make([]float64, p.Shape().TotalSize()))
		}
		zbar := randomVec(r, N*D, 1) // overwritten
		b.LogProbBackward(zbar, z, w, grads)
		want := fdtest.Gradient(z, 1e-6, loss)
		for i := range zbar {
			assert.InDelta(t, want[i], zbar[i], 1e-6*(1+math.Abs(want[i])), "%s ∂/∂z[%d]", name, i)
		}
		for k, p := range b.Params() {
			want := fdtest.Gradient(p.Float64s(), 1e-6, loss)
			for i := range want {
				assert.InDelta(t, want[i], grads[k][i], 1e-6*(1+math.Abs(want[i])), "%s param %d [%d]", name, k, i)
			}
		}
	}
}

// TestGaussiansSampleMoments: samples have the model's mean and
// covariance, and the mixture's components their weights, within five
// standard errors.
func TestGaussiansSampleMoments(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	const D, N = 3, 200_000
	l := randomTriL(r, D)
	mu := randomVec(r, D, 1)
	m, err := NewMultivariateNormalTriL(mu, l, rand.NewPCG(1, 1))
	require.NoError(t, err)
	s, err := m.Sample(N)
	require.NoError(t, err)
	x := s.Float64s()
	ref := gonumNormal(t, mu, l)
	var cov mat.SymDense
	ref.CovarianceMatrix(&cov)
	for i := range D {
		mean := 0.0
		for r := range N {
			mean += x[r*D+i] / N
		}
		assert.InDelta(t, mu[i], mean, 5*math.Sqrt(cov.At(i, i)/N), "mean %d", i)
		for j := range D {
			c := 0.0
			for r := range N {
				c += (x[r*D+i] - mu[i]) * (x[r*D+j] - mu[j]) / N
			}
			se := math.Sqrt((cov.At(i, i)*cov.At(j, j) + cov.At(i, j)*cov.At(i, j)) / N)
			assert.InDelta(t, cov.At(i, j), c, 5*se, "cov %d %d", i, j)
		}
	}
	// Well separated components: each sample belongs to the nearest mean.
	cs := make([]*MultivariateNormalTriL, 3)
	for k := range cs {
		loc := []float64{20 * float64(k), 0}
		cs[k], err = NewMultivariateNormalTriL(loc, []float64{1, 0, 0.3, 1}, nil)
		require.NoError(t, err)
	}
	g, err := NewGaussianMixture([]float64{0, 1, -0.5}, cs, rand.NewPCG(2, 2))
	require.NoError(t, err)
	s, err = g.Sample(N)
	require.NoError(t, err)
	counts := make([]float64, 3)
	for r := range N {
		counts[int(math.Round(s.Float64s()[2*r]/20))]++
	}
	for k, p := range g.Weights() {
		assert.InDelta(t, p, counts[k]/N, 5*math.Sqrt(p*(1-p)/N), "component %d", k)
	}
}

// TestGaussiansBadInput: constructors refuse what defines no distribution.
func TestGaussiansBadInput(t *testing.T) {
	_, err := NewMultivariateNormalTriL([]float64{0, 0}, []float64{1, 1, 0, 1}, nil)
	assert.ErrorIs(t, err, ErrInvalidParameter, "upper triangle")
	_, err = NewMultivariateNormalTriL([]float64{0, 0}, []float64{1, 0, 0, -1}, nil)
	assert.ErrorIs(t, err, ErrInvalidParameter, "negative diagonal")
	_, err = NewMultivariateNormalTriL([]float64{math.NaN()}, []float64{1}, nil)
	assert.ErrorIs(t, err, ErrInvalidParameter, "NaN loc")
	m, err := NewMultivariateNormalTriL([]float64{0}, []float64{1}, nil)
	require.NoError(t, err)
	_, err = m.Sample(3)
	assert.ErrorIs(t, err, ErrInvalidParameter, "no source")
	_, err = NewGaussianMixture([]float64{0}, nil, nil)
	assert.ErrorIs(t, err, ErrInvalidParameter)
	m2, err := NewMultivariateNormalTriL([]float64{0, 0}, []float64{1, 0, 0, 1}, nil)
	require.NoError(t, err)
	_, err = NewGaussianMixture([]float64{0, 0}, []*MultivariateNormalTriL{m, m2}, nil)
	assert.ErrorIs(t, err, ErrShape)
	_, err = m.RecordLogProb([]float64{1, 2}, 2, Request{Context: []float64{1, 1}})
	assert.ErrorIs(t, err, ErrInvalidParameter, "context")
	_, err = m.LogProb(tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float64{1, 2})))
	assert.ErrorIs(t, err, ErrShape)
}

// TestDrawIsSample: Draw with a generator gives the points Sample gives
// from the same stream.
func TestDrawIsSample(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	g, _, _ := testMixture(t, r, 3, 2)
	g2 := g.WithSource(rand.NewPCG(5, 5))
	s, err := g2.Sample(50)
	require.NoError(t, err)
	dst := make([]float64, 100)
	g.Draw(dst, rand.New(rand.NewPCG(5, 5)))
	assert.Equal(t, s.Float64s(), dst)
}

// TestTempered: each component of the tempered mixture is N(μ, t²Σ) (its
// log-density against gonum's), with the same weights.
func TestTempered(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	g, cs, logits := testMixture(t, r, 2, 3)
	const temp = 0.7
	h, err := g.Tempered(temp)
	require.NoError(t, err)
	x := randomVec(r, 3, 1)
	lp, err := h.LogProb(tensor.New(tensor.WithShape(1, 3), tensor.WithBacking(x)))
	require.NoError(t, err)
	terms := make([]float64, 2)
	for k, c := range cs {
		l := c.ScaleTriL()
		for i := range l {
			l[i] *= temp
		}
		terms[k] = logits[k] - logSumExp(logits) + gonumNormal(t, c.Loc(), l).LogProb(x)
	}
	assert.InDelta(t, logSumExp(terms), lp[0], 1e-12)
	assert.InDeltaSlice(t, g.Weights(), h.Weights(), 1e-15)
	for _, bad := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		_, err := g.Tempered(bad)
		assert.ErrorIs(t, err, ErrInvalidParameter, "%g", bad)
	}
}
