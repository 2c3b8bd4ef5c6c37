package distributions

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/internal/fdtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// Tests of the preprocessing bijectors, AffineTriL and Sigmoid, and of
// FitWhitening.

// testTriL is a well-conditioned lower-triangular 3×3 matrix.
var testTriL = []float64{
	1.3, 0, 0,
	-0.4, 0.7, 0,
	0.9, 0.25, 1.8,
}

// preprocessors returns one bijector of each kind under test, D = 3, and
// data on its data side.
func preprocessors(t *testing.T) map[string]struct {
	b Differentiable
	y []float64
} {
	t.Helper()
	shift := []float64{0.5, -1, 2}
	fixed, err := NewAffineTriL(shift, testTriL)
	require.NoError(t, err)
	learn, err := NewLearnableAffineTriL(shift, testTriL)
	require.NoError(t, err)
	// Move the learnable one's parameters off nice values, the ignored
	// upper triangle included.
	r := rand.New(rand.NewPCG(7, 8))
	for _, p := range learn.Params() {
		for i := range p.Float64s() {
			p.Float64s()[i] += 0.1 * r.NormFloat64()
		}
	}
	sig, err := NewSigmoid(3, -2, 5, 0.05)
	require.NoError(t, err)
	sig0, err := NewSigmoid(3, 0, 17, 0)
	require.NoError(t, err)
	y := []float64{1, 2, -0.5, 0.25, 3, -1, 4, 0.1, 2.2, -1.5, 4.5, 0.7}
	bounded := func(lo, hi float64) []float64 {
		out := make([]float64, len(y))
		for i := range out {
			out[i] = lo + (hi-lo)*r.Float64()
		}
		return out
	}
	return map[string]struct {
		b Differentiable
		y []float64
	}{
		"fixed AffineTriL":     {fixed, y},
		"learnable AffineTriL": {learn, y},
		"Sigmoid":              {sig, bounded(-2, 5)},
		"Sigmoid alpha 0":      {sig0, bounded(0, 17)},
	}
}

// TestPreprocessRoundTrip: Forward undoes Inverse and Inverse undoes
// Forward to 1e-12, and the two log-dets cancel.
func TestPreprocessRoundTrip(t *testing.T) {
	for name, c := range preprocessors(t) {
		n := len(c.y) / 3
		x, ild, err := c.b.InverseWithLogDet(batchOf(t, n, 3, c.y))
		require.NoError(t, err, name)
		y, fld, err := c.b.ForwardWithLogDet(x)
		require.NoError(t, err, name)
		assert.InDeltaSlice(t, c.y, y.Float64s(), 1e-12, name)
		for r := range ild {
			assert.InDelta(t, -ild[r], fld[r], 1e-12, "%s: row %d", name, r)
		}
		z := []float64{0.3, -1.2, 2.5, -4, 0, 1}
		y, err = c.b.Forward(batchOf(t, 2, 3, z))
		require.NoError(t, err, name)
		back, err := c.b.Inverse(y)
		require.NoError(t, err, name)
		assert.InDeltaSlice(t, z, back.Float64s(), 1e-12, name)
	}
}

// jacobianLogDet returns log|det ∂f/∂x| at x (one row of D) by central
// differences and gonum's LU.
func jacobianLogDet(t *testing.T, f func(x []float64) []float64, x []float64) float64 {
	t.Helper()
	D := len(x)
	J := mat.NewDense(D, D, nil)
	for k := range D {
		for i := range D {
			J.Set(i, k, fdtest.Central(x, k, 1e-6, func() float64 { return f(x)[i] }))
		}
	}
	ld, _ := mat.LogDet(J)
	return ld
}

// TestPreprocessLogDetBruteForce: the log-dets of Forward and Inverse
// equal log|det| of their Jacobians by central differences, D = 3.
func TestPreprocessLogDetBruteForce(t *testing.T) {
	for name, c := range preprocessors(t) {
		fwd := func(x []float64) []float64 {
			y, err := c.b.Forward(batchOf(t, 1, 3, x))
			require.NoError(t, err)
			return y.Float64s()
		}
		inv := func(y []float64) []float64 {
			x, err := c.b.Inverse(batchOf(t, 1, 3, y))
			require.NoError(t, err)
			return x.Float64s()
		}
		for r := 0; r < len(c.y); r += 3 {
			y := append([]float64(nil), c.y[r:r+3]...)
			_, ild, err := c.b.InverseWithLogDet(batchOf(t, 1, 3, y))
			require.NoError(t, err)
			assert.InDelta(t, jacobianLogDet(t, inv, y), ild[0], 1e-7, "%s: inverse, row %d", name, r/3)
			z := []float64{0.2 * float64(r), -0.7, 1.1}
			_, fld, err := c.b.ForwardWithLogDet(batchOf(t, 1, 3, z))
			require.NoError(t, err)
			assert.InDelta(t, jacobianLogDet(t, fwd, z), fld[0], 1e-7, "%s: forward, row %d", name, r/3)
		}
	}
}

// TestPreprocessRecordedGradient: the backward pass of a recorded inverse
// gives ∂L/∂y and ∂L/∂θ of a random L = Σ c_x·x + Σ c_ℓ·ℓ, checked against
// central differences; for a learnable AffineTriL the ignored upper
// triangle gets zero.
func TestPreprocessRecordedGradient(t *testing.T) {
	for name, c := range preprocessors(t) {
		n := len(c.y) / 3
		r := rand.New(rand.NewPCG(3, 4))
		cx, cl := make([]float64, n*3), make([]float64, n)
		for i := range cx {
			cx[i] = r.NormFloat64()
		}
		for i := range cl {
			cl[i] = r.NormFloat64()
		}
		loss := func() float64 {
			p, err := c.b.RecordInverse(c.y, n, Request{})
			require.NoError(t, err)
			l := 0.0
			for i, x := range p.X {
				l += cx[i] * x
			}
			for i, ld := range p.LogDet {
				l += cl[i] * ld
			}
			return l
		}
		p, err := c.b.RecordInverse(c.y, n, Request{})
		require.NoError(t, err, name)
		grads := make([][]float64, len(c.b.Params()))
		for k, par := range c.b.Params() {
			grads[k] = make([]float64, len(par.Float64s()))
		}
		ybar, err := p.Backward(Cotangents{X: cx, LogDet: cl}, grads)
		require.NoError(t, err, name)
		const h = 1e-6
		for i := range c.y {
			fd := fdtest.Central(c.y, i, h, loss)
			assert.InDelta(t, fd, ybar[i], 1e-7*(1+math.Abs(fd)), "%s: ∂L/∂y[%d]", name, i)
		}
		for k, par := range c.b.Params() {
			for i := range par.Float64s() {
				fd := fdtest.Central(par.Float64s(), i, h, loss)
				assert.InDelta(t, fd, grads[k][i], 1e-7*(1+math.Abs(fd)), "%s: ∂L/∂θ%d[%d]", name, k, i)
			}
		}
		if a, ok := c.b.(*AffineTriL); ok && a.Learnable() {
			for _, j := range []int{1, 2, 5} {
				assert.Zero(t, grads[1][j], "%s: upper-triangle gradient [%d]", name, j)
			}
		}

		_, err = c.b.RecordInverse(c.y[:5], n, Request{})
		assert.ErrorIs(t, err, ErrShape, name)
		_, err = p.Backward(Cotangents{}, append(grads, nil))
		assert.ErrorIs(t, err, ErrInvalidParameter, name)
	}
}

// TestPreprocessBadInput: the constructors and maps refuse what defines
// no bijector, or a point outside a Sigmoid's domain, naming it.
func TestPreprocessBadInput(t *testing.T) {
	sig, err := NewSigmoid(2, 0, 1, 0)
	require.NoError(t, err)
	sigA, err := NewSigmoid(2, 0, 1, 0.1) // domain (−0.125, 1.125)
	require.NoError(t, err)
	for name, c := range map[string]struct {
		err  error
		got  error
		says string
	}{
		"upper entry":        {ErrInvalidParameter, second(NewAffineTriL([]float64{0, 0}, []float64{1, 1e-9, 0, 1})), "above"},
		"NaN lower entry":    {ErrInvalidParameter, second(NewAffineTriL([]float64{0, 0}, []float64{1, 0, math.NaN(), 1})), "finite"},
		"Inf diagonal":       {ErrInvalidParameter, second(NewLearnableAffineTriL([]float64{0}, []float64{math.Inf(1)})), "diagonal"},
		"tiny diagonal":      {ErrInvalidParameter, second(NewLearnableAffineTriL([]float64{0}, []float64{1e-310})), "700"},
		"NaN shift":          {ErrInvalidParameter, second(NewAffineTriL([]float64{math.NaN()}, []float64{1})), "shift"},
		"wrong length":       {ErrInvalidParameter, second(NewAffineTriL([]float64{0, 0}, []float64{1, 0, 1})), "2×2"},
		"sigmoid above hi":   {ErrDomain, second(sig.Inverse(batch.New(2, 2, []float64{0.5, 0.5, 0.2, 1}))), "row 1, column 1"},
		"sigmoid below lo":   {ErrDomain, third(sig.InverseWithLogDet(batch.New(1, 2, []float64{-0.1, 0.5}))), "row 0, column 0"},
		"sigmoid record":     {ErrDomain, second(sig.RecordInverse([]float64{0.5, 0, 0.5, 0.5}, 2, Request{})), "row 0, column 1"},
		"sigmoid past alpha": {ErrDomain, second(sigA.Inverse(batch.New(1, 2, []float64{1.125, 0.5}))), "row 0, column 0"},
		"sigmoid NaN":        {ErrDomain, second(sig.RecordInverse([]float64{0.5, math.NaN()}, 1, Request{})), "column 1"},
		"sigmoid columns":    {ErrShape, second(sig.Forward(batch.New(1, 3, []float64{0, 0, 0}))), "columns"},
	} {
		require.ErrorIs(t, c.got, c.err, name)
		assert.Contains(t, c.got.Error(), c.says, name)
	}
	// n·D overflowing to len(y) = 0 is a shape error, not a panic.
	sig4, err := NewSigmoid(4, 0, 1, 0)
	require.NoError(t, err)
	_, err = sig4.RecordInverse(nil, 1<<62, Request{})
	assert.ErrorIs(t, err, ErrShape)
	id4, err := NewAffineTriL(make([]float64, 4), []float64{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1})
	require.NoError(t, err)
	_, err = id4.RecordInverse(nil, 1<<62, Request{})
	assert.ErrorIs(t, err, ErrShape)

	// Within the widened domain a squeezed Sigmoid inverts.
	z, err := sigA.Inverse(batch.New(1, 2, []float64{1.1, -0.1}))
	require.NoError(t, err)
	assert.False(t, math.IsInf(z.Float64s()[0], 0) || math.IsInf(z.Float64s()[1], 0))

	// A learnable AffineTriL whose optimiser diverged says so.
	a, err := NewLearnableAffineTriL([]float64{0}, []float64{1})
	require.NoError(t, err)
	a.Params()[1].Float64s()[0] = 1000
	_, err = a.Forward(batch.New(1, 1, []float64{1}))
	assert.ErrorIs(t, err, ErrInvalidParameter)
	_, err = a.RecordInverse([]float64{1}, 1, Request{})
	assert.ErrorIs(t, err, ErrInvalidParameter)
}

func third[T, U any](_ T, _ U, err error) error { return err }

// TestPreprocessChainTrains: a flow of Chain{Sigmoid, AffineTriL, Affine}
// on a learnable Normal, for data in a box, gives through RecordLogProb
// the gradient of its log-likelihood (checked against central differences
// through the whole chain, in x and in every parameter), and gradient
// ascent on it raises the likelihood.
func TestPreprocessChainTrains(t *testing.T) {
	const n, D = 40, 2
	r := rand.New(rand.NewPCG(9, 10))
	x := make([]float64, n*D)
	for i := 0; i < len(x); i += 2 {
		u := r.Float64()
		x[i], x[i+1] = 1+3*u, 1+3*(0.7*u+0.3*r.Float64())
	}
	sig, err := NewSigmoid(D, 0, 5, 0.05)
	require.NoError(t, err)
	tril, err := NewLearnableAffineTriL([]float64{0.1, -0.2}, []float64{1.1, 0, 0.3, 0.9})
	require.NoError(t, err)
	aff, err := NewAffine([]float64{0.05, 0.1}, []float64{0.1, -0.1})
	require.NoError(t, err)
	chain, err := NewChain(sig, tril, aff)
	require.NoError(t, err)
	base, err := NewLearnableNormal([]float64{0, 0}, []float64{1, 1}, nil)
	require.NoError(t, err)
	d, err := NewTransformed(base, chain)
	require.NoError(t, err)
	require.Len(t, d.Params(), 6)

	meanLL := func() float64 {
		lp, err := d.LogProb(batchOf(t, n, D, x))
		require.NoError(t, err)
		return stat.Mean(lp, nil)
	}
	gradient := func() ([][]float64, []float64, float64) {
		p, err := d.RecordLogProb(x, n, Request{Training: true})
		require.NoError(t, err)
		w := make([]float64, n)
		for i := range w {
			w[i] = 1.0 / n
		}
		grads := make([][]float64, len(d.Params()))
		for k, par := range d.Params() {
			grads[k] = make([]float64, len(par.Float64s()))
		}
		xbar, err := p.Backward(Cotangents{LogDet: w}, grads)
		require.NoError(t, err)
		return grads, xbar, stat.Mean(p.LogProb, nil)
	}
	grads, xbar, ll := gradient()
	assert.InDelta(t, meanLL(), ll, 1e-12)
	const h = 1e-6
	for k, par := range d.Params() {
		for i := range par.Float64s() {
			fd := fdtest.Central(par.Float64s(), i, h, meanLL)
			assert.InDelta(t, fd, grads[k][i], 1e-7, "∂/∂θ%d[%d]", k, i)
		}
	}
	for _, i := range []int{0, 1, 17, 2*n - 1} {
		fd := fdtest.Central(x, i, h, meanLL)
		assert.InDelta(t, fd, xbar[i], 1e-7, "∂/∂x[%d]", i)
	}

	start := ll
	for range 200 {
		grads, _, ll = gradient()
		for k, par := range d.Params() {
			for i := range par.Float64s() {
				par.Float64s()[i] += 0.05 * grads[k][i]
			}
		}
	}
	t.Logf("mean log-likelihood %.4f → %.4f", start, ll)
	assert.Greater(t, ll, start+0.1)
}
