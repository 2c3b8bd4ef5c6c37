package distributions

import (
	"fmt"
	"math"

	"github.com/ffjord-go/ffjord-go/internal/batch"
	"gonum.org/v1/gonum/mat"
)

// FitWhitening returns the fixed AffineTriL of the n×D row-major data x
// whose shift is the sample mean m and whose scale is the Cholesky factor
// L of the maximum-likelihood covariance plus ridge·I:
//
//	Σ = (1/n) Σ_r (x_r − m)(x_r − m)ᵀ + ridge·I = L·Lᵀ.
//
// Its Inverse whitens the data (with ridge = 0 the result has mean 0 and
// identity covariance), and a standard-normal base pushed through it is
// the fitted Gaussian N(m, Σ): a full-covariance first block for a flow.
//
// It needs n ≥ 2 rows of D ≤ MaxDim finite values and a finite ridge ≥ 0,
// and refuses a covariance that is singular (a constant column, or one
// column a combination of others, such as pixels that are always 0):
// pass ridge > 0, a small fraction of the data's variance, for those.
func FitWhitening(x []float64, n, D int, ridge float64) (*AffineTriL, error) {
	if D <= 0 || D > MaxDim {
		return nil, fmt.Errorf("%w: FitWhitening of %d columns, want 1 to %d", ErrInvalidParameter, D, MaxDim)
	}
	if n < 2 {
		return nil, fmt.Errorf("%w: FitWhitening of %d rows, want at least 2", ErrInvalidParameter, n)
	}
	if err := batch.CheckSize("FitWhitening data", n, D); err != nil {
		return nil, fmt.Errorf("distributions: %w", err)
	}
	if len(x) != n*D {
		return nil, fmt.Errorf("distributions: FitWhitening: %w: %d values are not %d rows of %d", ErrShape, len(x), n, D)
	}
	if err := batch.CheckFinite(x, D); err != nil {
		return nil, fmt.Errorf("distributions: FitWhitening: %w", err)
	}
	if !(ridge >= 0) || math.IsInf(ridge, 0) {
		return nil, fmt.Errorf("%w: FitWhitening ridge = %g, want finite and ≥ 0", ErrInvalidParameter, ridge)
	}

	mean := make([]float64, D)
	for r := 0; r < len(x); r += D {
		for i, v := range x[r : r+D] {
			mean[i] += v
		}
	}
	for i := range mean {
		mean[i] /= float64(n)
	}
	// Two passes: the covariance of the centred data, not E[xxᵀ] − mmᵀ,
	// which cancels catastrophically for data far from the origin.
	centred := make([]float64, len(x))
	for j, v := range x {
		centred[j] = v - mean[j%D]
	}
	xc := mat.NewDense(n, D, centred)
	var cov mat.SymDense
	cov.SymOuterK(1/float64(n), xc.T())
	for i := range D {
		cov.SetSym(i, i, cov.At(i, i)+ridge)
	}
	var chol mat.Cholesky
	if ok := chol.Factorize(&cov); !ok || chol.Cond() > mat.ConditionTolerance {
		return nil, fmt.Errorf("%w: FitWhitening: the covariance of the data (plus ridge %g) is singular or nearly so (a constant column, or columns that are combinations of others): pass a ridge > 0", ErrInvalidParameter, ridge)
	}
	var tri mat.TriDense
	chol.LTo(&tri)
	l := make([]float64, D*D)
	for i := range D {
		for j := 0; j <= i; j++ {
			l[i*D+j] = tri.At(i, j)
		}
	}
	a, err := NewAffineTriL(mean, l)
	if err != nil {
		return nil, fmt.Errorf("distributions: FitWhitening: %w", err)
	}
	return a, nil
}
