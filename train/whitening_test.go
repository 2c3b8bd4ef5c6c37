package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distmv"
	"gorgonia.org/tensor"
)

// correlated returns n rows of three correlated columns far from 0.
func correlated(n int) []float64 {
	r := rand.New(rand.NewPCG(21, 22))
	x := make([]float64, 3*n)
	for i := 0; i < len(x); i += 3 {
		a, b, c := r.NormFloat64(), r.NormFloat64(), r.NormFloat64()
		x[i], x[i+1], x[i+2] = 10+2*a, -3+a-0.5*b, 0.1*c+0.3*b+a
	}
	return x
}

// TestFitWhitening: the whitened data has mean 0 and identity covariance
// to 1e-10, and the standard normal pushed through the fit is gonum's
// Gaussian of the data's mean and ML covariance; a constant or a collinear
// column is refused without a ridge and fits with one.
func TestFitWhitening(t *testing.T) {
	const n, D = 500, 3
	x := correlated(n)
	a, err := FitWhitening(tensor.New(tensor.WithShape(n, D), tensor.WithBacking(x)), 0)
	require.NoError(t, err)
	assert.Nil(t, a.Params())
	w, err := a.Inverse(tensor.New(tensor.WithShape(n, D), tensor.WithBacking(x)))
	require.NoError(t, err)
	wm := mat.NewDense(n, D, w.Float64s())
	var cov mat.SymDense
	stat.CovarianceMatrix(&cov, wm, nil)
	for i := range D {
		assert.InDelta(t, 0, stat.Mean(mat.Col(nil, i, wm), nil), 1e-10, "mean %d", i)
		for j := range D {
			want := 0.0
			if i == j {
				want = 1
			}
			// stat divides by n − 1; the fit's covariance is the ML one.
			assert.InDelta(t, want, cov.At(i, j)*(n-1)/n, 1e-10, "covariance [%d][%d]", i, j)
		}
	}

	xm := mat.NewDense(n, D, append([]float64(nil), x...))
	mu := make([]float64, D)
	for i := range mu {
		mu[i] = stat.Mean(mat.Col(nil, i, xm), nil)
	}
	var sigma mat.SymDense
	stat.CovarianceMatrix(&sigma, xm, nil)
	sigma.ScaleSym(float64(n-1)/n, &sigma)
	ref, ok := distmv.NewNormal(mu, &sigma, nil)
	require.True(t, ok)
	base, err := distributions.NewNormal(make([]float64, D), []float64{1, 1, 1}, nil)
	require.NoError(t, err)
	d := &distributions.TransformedDistribution{Base: base, Bijector: a}
	pts := []float64{10, -3, 0, 12, -2, 1.5, 7, -5, -2}
	lp, err := d.LogProb(tensor.New(tensor.WithShape(3, D), tensor.WithBacking(pts)))
	require.NoError(t, err)
	for r := range lp {
		assert.InDelta(t, ref.LogProb(pts[r*D:(r+1)*D]), lp[r], 1e-10, "row %d", r)
	}

	// A constant column is singular without a ridge; with one it takes
	// ridge × the mean variance of the other columns.
	flat := append([]float64(nil), x...)
	for i := 1; i < len(flat); i += 3 {
		flat[i] = 4
	}
	_, err = FitWhitening(tensor.New(tensor.WithShape(n, D), tensor.WithBacking(flat)), 0)
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.Contains(t, err.Error(), "Ridge")
	fr, err := FitWhitening(tensor.New(tensor.WithShape(n, D), tensor.WithBacking(flat)), 1e-3)
	require.NoError(t, err)
	fm := mat.NewDense(n, D, flat)
	avg := (stat.Variance(mat.Col(nil, 0, fm), nil) + stat.Variance(mat.Col(nil, 2, fm), nil)) * (n - 1) / n / 3
	assert.InDelta(t, math.Sqrt(1e-3*avg), fr.ScaleTriL()[4], 1e-12)
	// Collinear columns too.
	coll := append([]float64(nil), x...)
	for i := 0; i < len(coll); i += 3 {
		coll[i+2] = coll[i] - 2*coll[i+1]
	}
	_, err = FitWhitening(tensor.New(tensor.WithShape(n, D), tensor.WithBacking(coll)), 0)
	assert.ErrorIs(t, err, ErrInvalidConfig)
	for name, bad := range map[string]*tensor.Dense{
		"one row": tensor.New(tensor.WithShape(1, D), tensor.WithBacking(x[:3])),
		"nil":     nil,
		"NaN":     tensor.New(tensor.WithShape(2, D), tensor.WithBacking([]float64{1, 2, 3, 4, math.NaN(), 6})),
	} {
		_, err := FitWhitening(bad, 0)
		assert.Error(t, err, name)
	}
	_, err = FitWhitening(tensor.New(tensor.WithShape(n, D), tensor.WithBacking(x)), -1)
	assert.ErrorIs(t, err, ErrInvalidConfig, "negative ridge")
}
