package main

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// gaussian is the maximum-likelihood full-covariance Gaussian of a set of
// rows, N(μ, Σ) with Σ = L·Lᵀ. It is also the pre-processing of the flow:
// whiten maps y to w = L⁻¹(y − μ), whose log-determinant is −Σ_i log L_ii,
// so that a flow on w whose field is zero is this Gaussian exactly, and
// what the flow learns is the data's departure from it.
type gaussian struct {
	dim     int
	mean    []float64
	l       []float64 // L, row-major, lower triangular
	logDetL float64   // Σ_i log L_ii = ½ log det Σ
}

// fitGaussian fits the n rows of y (n×D, row-major).
func fitGaussian(y []float64, n, D int) (*gaussian, error) {
	if n < 2 || len(y) != n*D {
		return nil, fmt.Errorf("digits: %d values are not %d×%d rows, at least 2", len(y), n, D)
	}
	g := &gaussian{dim: D, mean: make([]float64, D), l: make([]float64, D*D)}
	for r := range n {
		for d := range D {
			g.mean[d] += y[r*D+d] / float64(n)
		}
	}
	cov := mat.NewSymDense(D, nil)
	for i := range D {
		for j := i; j < D; j++ {
			s := 0.0
			for r := range n {
				s += (y[r*D+i] - g.mean[i]) * (y[r*D+j] - g.mean[j])
			}
			cov.SetSym(i, j, s/float64(n))
		}
	}
	var chol mat.Cholesky
	if !chol.Factorize(cov) {
		return nil, fmt.Errorf("digits: the training covariance is singular")
	}
	var l mat.TriDense
	chol.LTo(&l)
	for i := range D {
		for j := 0; j <= i; j++ {
			g.l[i*D+j] = l.At(i, j)
		}
		g.logDetL += math.Log(g.l[i*D+i])
	}
	return g, nil
}

// whiten writes w = L⁻¹(y − μ) for each row of y into dst (both n×D), by
// forward substitution.
func (g *gaussian) whiten(dst, y []float64) {
	D := g.dim
	for r := 0; r+D <= len(y); r += D {
		for i := range D {
			s := y[r+i] - g.mean[i]
			for j := range i {
				s -= g.l[i*D+j] * dst[r+j]
			}
			dst[r+i] = s / g.l[i*D+i]
		}
	}
}

// colour writes y = μ + L·w for each row of w into dst, undoing whiten.
func (g *gaussian) colour(dst, w []float64) {
	D := g.dim
	for r := 0; r+D <= len(w); r += D {
		for i := range D {
			s := g.mean[i]
			for j := 0; j <= i; j++ {
				s += g.l[i*D+j] * w[r+j]
			}
			dst[r+i] = s
		}
	}
}

// logProb returns log N(y; μ, Σ) of each row of y.
func (g *gaussian) logProb(y []float64) []float64 {
	D := g.dim
	w := make([]float64, len(y))
	g.whiten(w, y)
	lp := make([]float64, len(y)/D)
	for r := range lp {
		lp[r] = stdNormalLogProb(w[r*D:(r+1)*D]) - g.logDetL
	}
	return lp
}

// diagLogProb returns the log-density of each row of y under the diagonal
// Gaussian with the same mean and variances, Σ_ii = Σ_j L_ij².
func (g *gaussian) diagLogProb(y []float64) []float64 {
	D := g.dim
	lp := make([]float64, len(y)/D)
	for d := range D {
		v := 0.0
		for j := 0; j <= d; j++ {
			v += g.l[d*D+j] * g.l[d*D+j]
		}
		for r := range lp {
			c := y[r*D+d] - g.mean[d]
			lp[r] -= 0.5 * (math.Log(2*math.Pi*v) + c*c/v)
		}
	}
	return lp
}

// stdNormalLogProb returns log N(w; 0, I).
func stdNormalLogProb(w []float64) float64 {
	s := float64(len(w)) * math.Log(2*math.Pi)
	for _, v := range w {
		s += v * v
	}
	return -0.5 * s
}
