package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/internal/stattest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bimodalColumns are the true 1-D mixtures of the columns of
// marginalData: two components each, weights w and 1 − w.
var bimodalColumns = []struct{ w, m0, s0, m1, s1 float64 }{
	{0.3, -2, 0.5, 1.5, 1},
	{0.6, 10, 2, 20, 3},
	{0.5, -0.1, 0.05, 0.2, 0.1},
}

// marginalData returns n rows whose columns are independent draws of
// bimodalColumns.
func marginalData(n int, src rand.Source) []float64 {
	r := rand.New(src)
	D := len(bimodalColumns)
	x := make([]float64, n*D)
	for i := range n {
		for j, c := range bimodalColumns {
			if r.Float64() < c.w {
				x[i*D+j] = c.m0 + c.s0*r.NormFloat64()
			} else {
				x[i*D+j] = c.m1 + c.s1*r.NormFloat64()
			}
		}
	}
	return x
}

// TestFitMarginalsRecoversBimodal: on 20 000 rows, each column's fitted
// two-component mixture has the true weights within 0.02 and means and
// scales within 3% of the larger scale, and its Inverse maps the data to
// N(0, 1) in every column: the Kolmogorov–Smirnov distance to Φ is below
// 0.015 (sampling alone gives about 0.006).
func TestFitMarginalsRecoversBimodal(t *testing.T) {
	const n = 20_000
	D := len(bimodalColumns)
	x := marginalData(n, rand.NewPCG(1, 2))
	b, err := FitMarginals(batch.New(n, D, x), MixtureFit{Components: 2, Restarts: 2}, rand.NewPCG(3, 4))
	require.NoError(t, err)
	require.False(t, b.Learnable())
	require.Equal(t, D, b.Dim())
	require.Equal(t, 3, b.Components(), "two fitted and the floor")
	w, m, s := b.Weights(), b.Means(), b.Scales()
	for j, c := range bimodalColumns {
		k0, k1 := 3*j, 3*j+1
		// The floor: the column's own Gaussian, weight 1/(n+1).
		assert.InDelta(t, 1.0/(n+1), w[3*j+2], 1e-15, "column %d floor weight", j)
		mean := c.w*c.m0 + (1-c.w)*c.m1
		sd := math.Sqrt(c.w*(c.s0*c.s0+c.m0*c.m0) + (1-c.w)*(c.s1*c.s1+c.m1*c.m1) - mean*mean)
		assert.InDelta(t, mean, m[3*j+2], 0.05*sd, "column %d floor mean", j)
		assert.InDelta(t, sd, s[3*j+2], 0.05*sd, "column %d floor scale", j)
		if m[k0] > m[k1] {
			k0, k1 = k1, k0
		}
		tol := 0.03 * max(c.s0, c.s1)
		assert.InDelta(t, c.w, w[k0], 0.02, "column %d weight", j)
		assert.InDelta(t, c.m0, m[k0], tol, "column %d mean 0", j)
		assert.InDelta(t, c.m1, m[k1], tol, "column %d mean 1", j)
		assert.InDelta(t, c.s0, s[k0], tol, "column %d scale 0", j)
		assert.InDelta(t, c.s1, s[k1], tol, "column %d scale 1", j)
	}

	z, err := b.Inverse(batch.New(n, D, append([]float64(nil), x...)))
	require.NoError(t, err)
	for j := range D {
		col := make([]float64, n)
		for r := range n {
			col[r] = z.Float64s()[r*D+j]
		}
		ks := stattest.KSToNormal(col)
		t.Logf("column %d: KS distance of the Gaussianised data %.4f", j, ks)
		assert.Less(t, ks, 0.015, "column %d", j)
	}

	l := b.LearnableCopy()
	require.Len(t, l.Params(), 3)
	assert.Equal(t, b.LogScales(), l.LogScales())
}

// TestFitMarginalsConstantColumn: a constant column is refused without a
// ridge and fitted with one, as K components at its value of variance
// Ridge times the mean variance of the other columns; the data then maps
// to finite values.
func TestFitMarginalsConstantColumn(t *testing.T) {
	const n = 500
	x := marginalData(n, rand.NewPCG(5, 6))
	for r := range n {
		x[r*3+1] = 4
	}
	_, err := FitMarginals(batch.New(n, 3, x), MixtureFit{Components: 3}, rand.NewPCG(7, 8))
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.Contains(t, err.Error(), "column 1 is constant")

	const ridge = 1e-3
	b, err := FitMarginals(batch.New(n, 3, x), MixtureFit{Components: 3, Ridge: ridge}, rand.NewPCG(7, 8))
	require.NoError(t, err)
	_, v, _ := columnVariances(x, n, 3)
	width := math.Sqrt(ridge * (v[0] + v[2]) / 2)
	for k := range 4 {
		assert.Equal(t, 4.0, b.Means()[4+k])
		assert.InDelta(t, width, b.Scales()[4+k], 1e-12*width)
		want := float64(n) / float64(n+1) / 3
		if k == 3 {
			want = 1 / float64(n+1)
		}
		assert.InDelta(t, want, b.Weights()[4+k], 1e-15)
	}
	z, ld, err := b.InverseWithLogDet(batch.New(n, 3, append([]float64(nil), x...)))
	require.NoError(t, err)
	for _, v := range append(z.Float64s(), ld...) {
		require.False(t, math.IsNaN(v) || math.IsInf(v, 0))
	}
	// On the constant column itself every value maps to z = 0.
	assert.InDelta(t, 0, z.Float64s()[1], 1e-15)

	// All columns constant: the reference variance is 1.
	flat := make([]float64, 2*n)
	for i := range flat {
		flat[i] = float64(i % 2)
	}
	b, err = FitMarginals(batch.New(n, 2, flat), MixtureFit{Components: 1, Ridge: 0.25}, rand.NewPCG(1, 1))
	require.NoError(t, err)
	assert.Equal(t, []float64{0.5, 0.5, 0.5, 0.5}, b.Scales())
	assert.Equal(t, []float64{0, 0, 1, 1}, b.Means())
}

// TestFitMarginalsBadInput: what FitMarginals refuses, with
// ErrInvalidConfig or the batch's error.
func TestFitMarginalsBadInput(t *testing.T) {
	x := batch.New(4, 1, []float64{1, 2, 3, 4})
	src := rand.NewPCG(1, 2)
	for name, c := range map[string]struct {
		err error
		got error
	}{
		"no source":   {ErrInvalidConfig, second(FitMarginals(x, MixtureFit{}, nil))},
		"nil tensor":  {ErrInvalidConfig, second(FitMarginals(nil, MixtureFit{}, src))},
		"too many K":  {ErrInvalidConfig, second(FitMarginals(x, MixtureFit{Components: 3}, src))},
		"K over max":  {ErrInvalidConfig, second(FitMarginals(x, MixtureFit{Components: distributions.MaxComponents + 1}, src))},
		"ridge < 0":   {ErrInvalidConfig, second(FitMarginals(x, MixtureFit{Ridge: -1}, src))},
		"ridge NaN":   {ErrInvalidConfig, second(FitMarginals(x, MixtureFit{Ridge: math.NaN()}, src))},
		"NaN data":    {distributions.ErrNonFinite, second(FitMarginals(batch.New(2, 1, []float64{1, math.NaN()}), MixtureFit{}, src))},
		"dim too big": {ErrInvalidConfig, second(FitMarginals(batch.New(1, distributions.MaxDim+1, make([]float64, distributions.MaxDim+1)), MixtureFit{}, src))},
	} {
		assert.ErrorIs(t, c.got, c.err, name)
	}
}

func second[T any](_ T, err error) error { return err }

// TestFitMarginalsFloor: a value far from every fitted row costs no more
// than the column's own Gaussian at weight 1/(n+1): the marginal density
// (Normal base under the MixtureCDF) is at least that, and within a nat
// of it, 12 standard deviations out.
func TestFitMarginalsFloor(t *testing.T) {
	const n = 1000
	r := rand.New(rand.NewPCG(9, 9))
	x := make([]float64, n)
	for i := range x {
		x[i] = float64(r.IntN(2)) + 0.01*r.Float64() // two narrow boxes
	}
	b, err := FitMarginals(batch.New(n, 1, x), MixtureFit{Components: 4, Ridge: 0.01}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	_, v, _ := columnVariances(x, n, 1)
	mean := 0.0
	for _, xi := range x {
		mean += xi / n
	}
	far := mean + 12*math.Sqrt(v[0])
	base, err := distributions.NewNormal([]float64{0}, []float64{1}, nil)
	require.NoError(t, err)
	d, err := distributions.NewTransformed(base, b)
	require.NoError(t, err)
	lp, err := d.LogProb(batch.New(1, 1, []float64{far}))
	require.NoError(t, err)
	floor := -math.Log(n+1) - 0.5*math.Log(2*math.Pi*v[0]) - 72
	assert.GreaterOrEqual(t, lp[0], floor)
	assert.InDelta(t, floor, lp[0], 1)
}
