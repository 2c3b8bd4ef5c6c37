package distributions

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/internal/fdtest"
	"github.com/ffjord-go/ffjord-go/internal/stattest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tests of MixtureCDF and of the standard-normal functions under it.

// marginalMixture is a D = 3, K = 4 mixture per coordinate: unequal weights,
// overlapping and separated components, scales from 0.05 to 4.
var marginalMixture = struct {
	logits, means, scales []float64
	D, K                  int
}{
	logits: []float64{
		0.3, -0.2, 1, 0,
		0, 0, 0, 0,
		-2, 1.5, 0.2, 0.7,
	},
	means: []float64{
		-2, 0.5, 3, 0.6,
		1, 1.2, -4, 10,
		0, -0.3, 0.4, 25,
	},
	scales: []float64{
		0.7, 1.5, 0.3, 2,
		0.05, 1, 4, 0.5,
		1, 0.2, 0.9, 3,
	},
	D: 3, K: 4,
}

// mixtures returns a fixed and a learnable MixtureCDF of marginalMixture, the
// learnable one's parameters moved off the fixed one's.
func mixtures(t *testing.T) map[string]*MixtureCDF {
	t.Helper()
	m := marginalMixture
	fixed, err := NewMixtureCDF(m.logits, m.means, m.scales, m.D, m.K)
	require.NoError(t, err)
	learn, err := NewLearnableMixtureCDF(m.logits, m.means, m.scales, m.D, m.K)
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(11, 12))
	for _, p := range learn.Params() {
		for i := range p.Float64s() {
			p.Float64s()[i] += 0.1 * r.NormFloat64()
		}
	}
	return map[string]*MixtureCDF{"fixed": fixed, "learnable": learn}
}

// mixtureDensity returns log f_i(x) of coordinate i of b in closed form,
// log Σ_k w_k φ((x − m_k)/s_k)/s_k summed directly (for points where that
// does not underflow): a route independent of the shifted sums under test.
func mixtureDensity(b *MixtureCDF, i int, x float64) float64 {
	K := b.Components()
	w, m, s := b.Weights()[i*K:(i+1)*K], b.Means()[i*K:(i+1)*K], b.Scales()[i*K:(i+1)*K]
	f := 0.0
	for k := range K {
		u := (x - m[k]) / s[k]
		f += w[k] * math.Exp(-0.5*u*u) / (s[k] * math.Sqrt(2*math.Pi))
	}
	return math.Log(f)
}

// mixtureCDFRef returns F_i(x) of coordinate i of b by math.Erfc.
func mixtureCDFRef(b *MixtureCDF, i int, x float64) float64 {
	K := b.Components()
	w, m, s := b.Weights()[i*K:(i+1)*K], b.Means()[i*K:(i+1)*K], b.Scales()[i*K:(i+1)*K]
	F := 0.0
	for k := range K {
		F += w[k] * 0.5 * math.Erfc(-(x-m[k])/(s[k]*math.Sqrt2))
	}
	return F
}

// farPoints returns rows of D = 3 values in the bulk and up to 1000 of
// the widest scale beyond the outermost mean on either side.
func farPoints() []float64 {
	x := []float64{
		0.1, 1.1, 0.2,
		-2.5, -3, 24,
		3.3, 10.2, -1.7,
	}
	for _, c := range []float64{10, 40, 100, 1000} {
		x = append(x,
			3+c*2, 10+c*4, 25+c*3,
			-2-c*2, -4-c*4, -0.3-c*3)
	}
	return x
}

// TestMixtureCDFRoundTrip: Forward undoes Inverse to 1e−10 relative, from
// the bulk to 1000 scales out, and Inverse undoes Forward for z up to
// ±800; every value and log-det is finite and the two log-dets cancel.
func TestMixtureCDFRoundTrip(t *testing.T) {
	for name, b := range mixtures(t) {
		x := farPoints()
		n := len(x) / 3
		z, ild, err := b.InverseWithLogDet(batchOf(t, n, 3, x))
		require.NoError(t, err, name)
		back, fld, err := b.ForwardWithLogDet(z)
		require.NoError(t, err, name)
		for j, v := range x {
			zj := z.Float64s()[j]
			require.True(t, finite(zj), "%s: z[%d] = %g", name, j, zj)
			assert.InDelta(t, v, back.Float64s()[j], 1e-10*math.Max(1, math.Abs(v)), "%s: x[%d] = %g, z = %g", name, j, v, zj)
		}
		for r := range ild {
			require.True(t, finite(ild[r]), "%s: log-det of row %d", name, r)
			// Both hold Σ z²/2, which one rounding of z moves by ε·z².
			zz := 0.0
			for _, v := range z.Float64s()[3*r : 3*r+3] {
				zz += v * v
			}
			assert.InDelta(t, -ild[r], fld[r], 1e-12*(1+zz), "%s: row %d", name, r)
		}

		zs := []float64{0, 0.3, -1.2, 2.5, -4, 7, -9, 15, -38, 40, -800, 800}
		x2, err := b.Forward(batchOf(t, 4, 3, zs))
		require.NoError(t, err, name)
		zb, err := b.Inverse(x2)
		require.NoError(t, err, name)
		for j, v := range zs {
			assert.InDelta(t, v, zb.Float64s()[j], 1e-10*math.Max(1, math.Abs(v)), "%s: z[%d]", name, j)
		}
	}
}

// TestMixtureCDFMatchesErfc: in the bulk, where math.Erfc and a direct sum
// are accurate, z = Φ⁻¹(F(x)) and the log-det log f(x) − log φ(z) agree
// with those computed from F and f by the standard library.
func TestMixtureCDFMatchesErfc(t *testing.T) {
	b := mixtures(t)["fixed"]
	x := []float64{0.1, 1.1, 0.2, -2.5, -3, 24, 3.3, 10.2, -1.7, -4, -6, -2}
	z, ld, err := b.InverseWithLogDet(batchOf(t, 4, 3, x))
	require.NoError(t, err)
	for r := range 4 {
		want := 0.0
		for i := range 3 {
			v := x[3*r+i]
			F := mixtureCDFRef(b, i, v)
			zr := -math.Sqrt2 * math.Erfcinv(2*F) // fine for these F
			assert.InDelta(t, zr, z.Float64s()[3*r+i], 1e-9, "x = %g", v)
			want += mixtureDensity(b, i, v) + 0.5*zr*zr + 0.5*math.Log(2*math.Pi)
		}
		assert.InDelta(t, want, ld[r], 1e-9, "row %d", r)
	}
}

// TestMixtureCDFLogDetBruteForce: the log-dets of Inverse and Forward
// equal Σ_i log(dz_i/dx_i) (the Jacobian is diagonal) by central
// differences, in the bulk and 10 scales out.
func TestMixtureCDFLogDetBruteForce(t *testing.T) {
	for name, b := range mixtures(t) {
		inv := func(x []float64) []float64 {
			z, err := b.Inverse(batchOf(t, 1, 3, x))
			require.NoError(t, err)
			return z.Float64s()
		}
		fwd := func(z []float64) []float64 {
			x, err := b.Forward(batchOf(t, 1, 3, z))
			require.NoError(t, err)
			return x.Float64s()
		}
		x := farPoints()[:15]
		for r := 0; r < len(x); r += 3 {
			row := append([]float64(nil), x[r:r+3]...)
			_, ild, err := b.InverseWithLogDet(batchOf(t, 1, 3, row))
			require.NoError(t, err)
			assert.InDelta(t, diagLogDet(row, inv), ild[0], 1e-7, "%s: inverse, row %d", name, r/3)
			z := []float64{0.2 * float64(r), -0.7, 1.1 + float64(r)}
			_, fld, err := b.ForwardWithLogDet(batchOf(t, 1, 3, z))
			require.NoError(t, err)
			assert.InDelta(t, diagLogDet(z, fwd), fld[0], 1e-7, "%s: forward, row %d", name, r/3)
		}
	}
}

// diagLogDet returns Σ_i log|∂f_i/∂x_i| at x by central differences with
// steps relative to x.
func diagLogDet(x []float64, f func([]float64) []float64) float64 {
	s := 0.0
	for i := range x {
		h := 1e-6 * math.Max(1, math.Abs(x[i]))
		s += math.Log(math.Abs(fdtest.Central(x, i, h, func() float64 { return f(x)[i] })))
	}
	return s
}

// TestMixtureCDFRecordedGradient: the backward pass of a recorded inverse
// gives ∂L/∂x and ∂L/∂θ of L = Σ c_z·z + Σ c_ℓ·ℓ, for random cotangents
// and each alone, checked against central differences in every input
// value and parameter, fixed and learnable, in the bulk and in the tails.
func TestMixtureCDFRecordedGradient(t *testing.T) {
	for name, b := range mixtures(t) {
		x := farPoints()[:18] // the bulk, 10 and 40 scales out
		n := len(x) / 3
		r := rand.New(rand.NewPCG(3, 4))
		cz, cl := make([]float64, n*3), make([]float64, n)
		for i := range cz {
			cz[i] = r.NormFloat64()
		}
		for i := range cl {
			cl[i] = r.NormFloat64()
		}
		for _, c := range []struct {
			what string
			cot  Cotangents
		}{{"both", Cotangents{X: cz, LogDet: cl}}, {"z only", Cotangents{X: cz}}, {"log-det only", Cotangents{LogDet: cl}}} {
			what := name + ", " + c.what
			loss := func() float64 {
				p, err := b.RecordInverse(x, n, Request{})
				require.NoError(t, err)
				l := 0.0
				for i, z := range p.X {
					if c.cot.X != nil {
						l += c.cot.X[i] * z
					}
				}
				for i, ld := range p.LogDet {
					if c.cot.LogDet != nil {
						l += c.cot.LogDet[i] * ld
					}
				}
				return l
			}
			p, err := b.RecordInverse(x, n, Request{})
			require.NoError(t, err, what)
			grads := make([][]float64, len(b.Params()))
			for k, par := range b.Params() {
				grads[k] = make([]float64, len(par.Float64s()))
			}
			xbar, err := p.Backward(c.cot, grads)
			require.NoError(t, err, what)
			for i := range x {
				h := 1e-6 * math.Max(1, math.Abs(x[i]))
				fd := fdtest.Central(x, i, h, loss)
				assert.InDelta(t, fd, xbar[i], 2e-6*(1+math.Abs(fd)), "%s: ∂L/∂x[%d] = %g", what, i, x[i])
			}
			for k, par := range b.Params() {
				for i := range par.Float64s() {
					fd := fdtest.Central(par.Float64s(), i, 1e-6, loss)
					assert.InDelta(t, fd, grads[k][i], 2e-6*(1+math.Abs(fd)), "%s: ∂L/∂θ%d[%d]", what, k, i)
				}
			}
		}
	}
}

// TestMixtureCDFFarTail: 1000 scales out, the values, log-dets and
// gradients are finite, the gradient in x matches central differences, and
// the softmax invariance Σ_k ∂L/∂a_k = 0 holds.
func TestMixtureCDFFarTail(t *testing.T) {
	b := mixtures(t)["learnable"]
	x := farPoints()[len(farPoints())-6:]
	p, err := b.RecordInverse(x, 2, Request{})
	require.NoError(t, err)
	grads := [][]float64{make([]float64, 12), make([]float64, 12), make([]float64, 12)}
	cot := Cotangents{X: []float64{1, -1, 0.5, 0.3, 2, -1}, LogDet: []float64{0.7, -0.4}}
	xbar, err := p.Backward(cot, grads)
	require.NoError(t, err)
	for _, v := range slices.Concat(p.X, p.LogDet, xbar, grads[0], grads[1], grads[2]) {
		require.True(t, finite(v), "%v", v)
	}
	loss := func() float64 {
		q, err := b.RecordInverse(x, 2, Request{})
		require.NoError(t, err)
		l := 0.0
		for i, z := range q.X {
			l += cot.X[i] * z
		}
		return l + cot.LogDet[0]*q.LogDet[0] + cot.LogDet[1]*q.LogDet[1]
	}
	for i := range x {
		// The log-det holds z²/2 ≈ 10⁶ to ε·z²: a wider step.
		fd := fdtest.Central(x, i, 1e-3, loss)
		assert.InDelta(t, fd, xbar[i], 1e-5*(1+math.Abs(fd)), "∂L/∂x[%d] = %g", i, x[i])
	}
	for i := range 3 {
		s := 0.0
		for _, g := range grads[0][4*i : 4*i+4] {
			s += g
		}
		assert.InDelta(t, 0, s, 1e-9*(1+math.Abs(grads[0][4*i])), "Σ ∂L/∂a of coordinate %d", i)
	}
}

// TestMixtureCDFLogProb: a standard normal pushed through a MixtureCDF has
// log-density Σ_i log f_i(x_i), the product of the 1-D mixtures, to 1e−10;
// its samples have those marginals (checked by their inverse images).
func TestMixtureCDFLogProb(t *testing.T) {
	for name, b := range mixtures(t) {
		base, err := NewNormal(make([]float64, 3), []float64{1, 1, 1}, rand.NewPCG(1, 2))
		require.NoError(t, err)
		d := &TransformedDistribution{Base: base, Bijector: b}
		x := farPoints()[:15]
		lp, err := d.LogProb(batchOf(t, 5, 3, x))
		require.NoError(t, err, name)
		for r := range lp {
			want := 0.0
			for i := range 3 {
				want += mixtureDensity(b, i, x[3*r+i])
			}
			assert.InDelta(t, want, lp[r], 1e-10*(1+math.Abs(want)), "%s: row %d", name, r)
		}
		if b.Learnable() {
			p, err := d.RecordLogProb(x, 5, Request{})
			require.NoError(t, err, name)
			assert.InDeltaSlice(t, lp, p.LogProb, 1e-12, name)
		}
	}
}

// TestMixtureCDFGaussianises: Φ⁻¹∘F maps samples of the mixture to N(0, 1)
// in every coordinate: the Kolmogorov–Smirnov distance between the images'
// sample distribution and Φ is below its 1% critical value, 1.63/√n.
func TestMixtureCDFGaussianises(t *testing.T) {
	const n = 20000
	b := mixtures(t)["fixed"]
	r := rand.New(rand.NewPCG(5, 6))
	x := make([]float64, n*3)
	w, m, s := b.Weights(), b.Means(), b.Scales()
	for j := range x {
		i := j % 3
		k, u := 0, r.Float64()
		for ; k < 3; k++ {
			if u -= w[i*4+k]; u < 0 {
				break
			}
		}
		x[j] = m[i*4+k] + s[i*4+k]*r.NormFloat64()
	}
	z, err := b.Inverse(batchOf(t, n, 3, x))
	require.NoError(t, err)
	for i := range 3 {
		col := make([]float64, n)
		for r := range n {
			col[r] = z.Float64s()[3*r+i]
		}
		ks := stattest.KSToNormal(col)
		t.Logf("coordinate %d: KS distance %.4f (critical %.4f)", i, ks, 1.63/math.Sqrt(n))
		assert.Less(t, ks, 1.63/math.Sqrt(n), "coordinate %d", i)
		// And the untransformed data are far from normal, so the check can
		// fail.
		raw, mean, sd := make([]float64, n), stdMean(x, i), stdDev(x, i)
		for r := range n {
			raw[r] = (x[3*r+i] - mean) / sd
		}
		assert.Greater(t, stattest.KSToNormal(raw), 0.03, "coordinate %d untransformed", i)
	}
}

func stdMean(x []float64, i int) float64 {
	s := 0.0
	for j := i; j < len(x); j += 3 {
		s += x[j]
	}
	return s / float64(len(x)/3)
}

func stdDev(x []float64, i int) float64 {
	m, s := stdMean(x, i), 0.0
	for j := i; j < len(x); j += 3 {
		s += (x[j] - m) * (x[j] - m)
	}
	return math.Sqrt(s / float64(len(x)/3))
}

// TestMixtureCDFBadInput: the constructors refuse what defines no
// mixture, the maps non-finite values, a value so far out that nothing is
// representable, and a learnable one's diverged parameters.
func TestMixtureCDFBadInput(t *testing.T) {
	one := []float64{0}
	for name, c := range map[string]struct {
		err  error
		got  error
		says string
	}{
		"D 0":            {ErrInvalidParameter, second(NewMixtureCDF(nil, nil, nil, 0, 1)), "coordinates"},
		"D over":         {ErrInvalidParameter, second(NewMixtureCDF(nil, nil, nil, MaxDim+1, 1)), "coordinates"},
		"K over":         {ErrInvalidParameter, second(NewLearnableMixtureCDF(nil, nil, nil, 1, MaxComponents+1)), "components"},
		"length":         {ErrInvalidParameter, second(NewMixtureCDF([]float64{0, 0}, one, one, 1, 2)), "D×K"},
		"scale 0":        {ErrInvalidParameter, second(NewMixtureCDF(one, one, []float64{0}, 1, 1)), "scale of coordinate 0"},
		"scale tiny":     {ErrInvalidParameter, second(NewMixtureCDF(one, one, []float64{1e-305}, 1, 1)), "700"},
		"scale Inf":      {ErrInvalidParameter, second(NewMixtureCDF(one, one, []float64{math.Inf(1)}, 1, 1)), "scale"},
		"NaN mean":       {ErrInvalidParameter, second(NewMixtureCDF([]float64{0, 0}, []float64{0, math.NaN()}, []float64{1, 1}, 1, 2)), "mean of coordinate 0, component 1"},
		"Inf logit":      {ErrInvalidParameter, second(NewLearnableMixtureCDF([]float64{math.Inf(-1)}, one, []float64{1}, 1, 1)), "logit"},
		"NaN input":      {ErrNonFinite, second(mixtures(t)["fixed"].Inverse(batch.New(1, 3, []float64{0, math.NaN(), 0}))), "column 1"},
		"NaN recorded":   {ErrNonFinite, second(mixtures(t)["fixed"].RecordInverse([]float64{0, 0, math.Inf(1)}, 1, Request{})), "column 2"},
		"Inf forward":    {ErrNonFinite, second(mixtures(t)["fixed"].Forward(batch.New(1, 3, []float64{0, math.Inf(-1), 0}))), "column 1"},
		"columns":        {ErrShape, second(mixtures(t)["fixed"].Inverse(batch.New(1, 2, []float64{0, 0}))), "columns"},
		"recorded shape": {ErrShape, second(mixtures(t)["fixed"].RecordInverse([]float64{0, 0}, 1, Request{})), "rows of 3"},
	} {
		require.ErrorIs(t, c.got, c.err, name)
		assert.Contains(t, c.got.Error(), c.says, name)
	}

	// A value 1e600 scales from the only component: u² overflows.
	narrow, err := NewMixtureCDF([]float64{0}, []float64{0}, []float64{1e-300}, 1, 1)
	require.NoError(t, err)
	_, err = narrow.Inverse(batch.New(1, 1, []float64{1e300}))
	require.ErrorIs(t, err, ErrDomain)
	assert.Contains(t, err.Error(), "too far")
	// 1e150 scales is still fine: z = u for one component.
	z, err := narrow.Inverse(batch.New(1, 1, []float64{1e-150}))
	require.NoError(t, err)
	u := 1e-150 / narrow.Scales()[0]
	assert.InDelta(t, u, z.Float64s()[0], 1e-14*u)
	// Forward of a z whose Φ is not representable even as a log.
	_, err = narrow.Forward(batch.New(1, 1, []float64{1e200}))
	assert.ErrorIs(t, err, ErrDomain)

	// n·D overflowing to len(x) = 0 is a shape error, not a panic.
	_, err = mixtures(t)["fixed"].RecordInverse(nil, 1<<62, Request{})
	assert.ErrorIs(t, err, ErrShape)

	// A learnable one whose optimiser diverged says so.
	l := mixtures(t)["learnable"]
	l.Params()[2].Float64s()[5] = -800
	_, err = l.Forward(batch.New(1, 3, []float64{0, 0, 0}))
	assert.ErrorIs(t, err, ErrInvalidParameter)
	assert.Contains(t, err.Error(), "coordinate 1, component 1")
	l.Params()[2].Float64s()[5] = 0
	l.Params()[0].Float64s()[0] = math.NaN()
	_, err = l.RecordInverse([]float64{0, 0, 0}, 1, Request{})
	assert.ErrorIs(t, err, ErrInvalidParameter)

	// Backward refuses gradient slices and cotangents of the wrong sizes.
	p, err := mixtures(t)["learnable"].RecordInverse([]float64{0, 0, 0}, 1, Request{})
	require.NoError(t, err)
	_, err = p.Backward(Cotangents{}, [][]float64{make([]float64, 12), make([]float64, 12)})
	assert.ErrorIs(t, err, ErrInvalidParameter)
	_, err = p.Backward(Cotangents{}, [][]float64{make([]float64, 12), make([]float64, 11), make([]float64, 12)})
	assert.ErrorIs(t, err, ErrInvalidParameter)
	_, err = p.Backward(Cotangents{X: []float64{1}}, [][]float64{make([]float64, 12), make([]float64, 12), make([]float64, 12)})
	assert.ErrorIs(t, err, ErrShape)
}

// TestMixtureCDFNoPerValueAllocation: RecordInverse and its Backward
// allocate the same number of times for 4 rows as for 256.
func TestMixtureCDFNoPerValueAllocation(t *testing.T) {
	b := benchMixture(t, 64, 16)
	allocs := func(n int) float64 {
		x := benchData(n, 64)
		grads := [][]float64{make([]float64, 64*16), make([]float64, 64*16), make([]float64, 64*16)}
		cot := Cotangents{X: make([]float64, n*64), LogDet: make([]float64, n)}
		return testing.AllocsPerRun(5, func() {
			p, err := b.RecordInverse(x, n, Request{})
			if err != nil {
				panic(err)
			}
			if _, err := p.Backward(cot, grads); err != nil {
				panic(err)
			}
		})
	}
	small, large := allocs(4), allocs(256)
	t.Logf("allocations per pass: %v for 4 rows, %v for 256", small, large)
	assert.Equal(t, small, large)
	assert.LessOrEqual(t, large, 20.0)
}

// benchMixture returns a learnable MixtureCDF of D coordinates of K
// components spread like a fit to standardised data.
func benchMixture(tb testing.TB, D, K int) *MixtureCDF {
	r := rand.New(rand.NewPCG(1, 1))
	a, m, s := make([]float64, D*K), make([]float64, D*K), make([]float64, D*K)
	for j := range a {
		a[j], m[j], s[j] = r.NormFloat64(), 2*r.NormFloat64(), math.Exp(0.5*r.NormFloat64()-0.5)
	}
	b, err := NewLearnableMixtureCDF(a, m, s, D, K)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func benchData(n, D int) []float64 {
	r := rand.New(rand.NewPCG(2, 2))
	x := make([]float64, n*D)
	for j := range x {
		x[j] = 2.5 * r.NormFloat64()
	}
	return x
}

// BenchmarkMixtureCDF times, for a batch of 256×64 and K = 16 (a training
// step on the digits), RecordInverse alone and with its Backward, and
// Forward.
func BenchmarkMixtureCDF(b *testing.B) {
	const n, D, K = 256, 64, 16
	m := benchMixture(b, D, K)
	x := benchData(n, D)
	grads := [][]float64{make([]float64, D*K), make([]float64, D*K), make([]float64, D*K)}
	cot := Cotangents{X: make([]float64, n*D), LogDet: make([]float64, n)}
	for j := range cot.X {
		cot.X[j] = 0.01
	}
	for r := range cot.LogDet {
		cot.LogDet[r] = 1.0 / n
	}
	b.Run("RecordInverse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.RecordInverse(x, n, Request{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("RecordInverse+Backward", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p, err := m.RecordInverse(x, n, Request{})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := p.Backward(cot, grads); err != nil {
				b.Fatal(err)
			}
		}
	})
	z, err := m.Inverse(batch.New(n, D, x))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Forward", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.Forward(z); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestMixtureCDFSameEverywhere: RecordInverse and Backward give the same
// bits on one goroutine as on several, and with the components' terms
// kept for Backward as without (a batch over maxMixtureCache).
func TestMixtureCDFSameEverywhere(t *testing.T) {
	const n, D, K = 100, 64, 16 // work over minParallelWork, chunks unequal
	b := benchMixture(t, D, K)
	x := benchData(n, D)
	cot := Cotangents{X: benchData(n, D)[:n*D], LogDet: benchData(n, 1)}
	run := func() [][]float64 {
		p, err := b.RecordInverse(x, n, Request{})
		require.NoError(t, err)
		grads := [][]float64{make([]float64, D*K), make([]float64, D*K), make([]float64, D*K)}
		xbar, err := p.Backward(cot, grads)
		require.NoError(t, err)
		return append([][]float64{p.X, p.LogDet, xbar}, grads...)
	}
	old := runtime.GOMAXPROCS(1)
	one := run()
	runtime.GOMAXPROCS(4)
	many := run()
	runtime.GOMAXPROCS(old)
	assert.Equal(t, one, many)

	oldCache := maxMixtureCache
	maxMixtureCache = 0
	uncached := run()
	maxMixtureCache = oldCache
	assert.Equal(t, one, uncached)
}
