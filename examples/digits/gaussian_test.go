package main

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWhiteningIsTheFullGaussian: the whitened training rows have mean 0
// and identity covariance, colour undoes whiten, and the full Gaussian's
// log-density is the standard normal's of w minus Σ log L_ii, checked in
// two dimensions against the closed form.
func TestWhiteningIsTheFullGaussian(t *testing.T) {
	const n, D = 2000, 3
	r := rand.New(rand.NewPCG(1, 2))
	y := make([]float64, n*D)
	for i := range n {
		a, b, c := r.NormFloat64(), r.NormFloat64(), r.NormFloat64()
		y[i*D], y[i*D+1], y[i*D+2] = 1+2*a, -1+a+0.5*b, 0.3*c-b
	}
	g, err := fitGaussian(y, n, D)
	require.NoError(t, err)
	w := make([]float64, len(y))
	g.whiten(w, y)
	for i := range D {
		for j := range D {
			m, s := 0.0, 0.0
			for k := range n {
				m += w[k*D+i] / n
				s += w[k*D+i] * w[k*D+j] / n
			}
			want := 0.0
			if i == j {
				want = 1
			}
			assert.InDelta(t, 0, m, 1e-12, "mean %d", i)
			assert.InDelta(t, want, s, 1e-12, "covariance %d,%d", i, j)
		}
	}
	back := make([]float64, len(y))
	g.colour(back, w)
	assert.InDeltaSlice(t, y, back, 1e-12)

	// Closed form in two dimensions: Σ = [[2.5, 4], [4, 10]] from these points.
	pts := []float64{2, 2, -2, -2, 1, 4, -1, -4}
	g2, err := fitGaussian(pts, 4, 2)
	require.NoError(t, err)
	s11, s12, s22 := 2.5, 4.0, 10.0 // (1/4)Σ x xᵀ of the centred points
	det := s11*s22 - s12*s12
	x, yv := 0.5, -1.0
	q := (s22*x*x - 2*s12*x*yv + s11*yv*yv) / det
	want := -math.Log(2*math.Pi) - 0.5*math.Log(det) - 0.5*q
	assert.InDelta(t, want, g2.logProb([]float64{x, yv})[0], 1e-12)
	wantDiag := -math.Log(2*math.Pi) - 0.5*math.Log(s11*s22) - 0.5*(x*x/s11+yv*yv/s22)
	assert.InDelta(t, wantDiag, g2.diagLogProb([]float64{x, yv})[0], 1e-12)
}
