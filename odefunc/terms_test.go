package odefunc

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fdJacobian is the central-difference Jacobian of one row, row-major D×D.
func fdJacobian(net *Network, t float64, z []float64) []float64 {
	const h = 1e-5
	D := len(z)
	jac := make([]float64, D*D)
	for j := range D {
		zp := append([]float64(nil), z...)
		zm := append([]float64(nil), z...)
		zp[j] += h
		zm[j] -= h
		fp, fm := mlpRef(net, t, zp), mlpRef(net, t, zm)
		for i := range D {
			jac[i*D+j] = (fp[i] - fm[i]) / (2 * h)
		}
	}
	return jac
}

func TestRegularisationTerms(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	net, err := NewMLP(MLPConfig{Dim: 3, Hidden: []int{7, 7}}, rand.NewPCG(53, 54))
	require.NoError(t, err)
	randomizeBiases(net, r)
	dyn, err := New(net)
	require.NoError(t, err)
	const n, D, tt = 20, 3, 0.4
	z := randomBatch(r, n, D)
	dz := make([]float64, n*D)
	terms := Terms{Trace: make([]float64, n), Kinetic: make([]float64, n), Frobenius: make([]float64, n)}
	require.NoError(t, dyn.Eval(dz, terms, tt, z, ExactTrace, nil))
	for row := range n {
		f := mlpRef(net, tt, z[row*D:(row+1)*D])
		var kin, frob float64
		for _, v := range f {
			kin += v * v
		}
		for _, v := range fdJacobian(net, tt, z[row*D:(row+1)*D]) {
			frob += v * v
		}
		assert.InDelta(t, kin, terms.Kinetic[row], 1e-12, "kinetic row %d", row)
		assert.InDelta(t, frob, terms.Frobenius[row], 1e-7, "Frobenius row %d", row)
	}

	// Hutchinson's ‖Jε‖² is unbiased for ‖J‖²_F: many draws at one point.
	const m = 4000
	point := z[:D]
	zs := make([]float64, 0, m*D)
	for range m {
		zs = append(zs, point...)
	}
	eps := make([]float64, m*D)
	HutchinsonGaussian.DrawNoise(eps, r)
	hz := make([]float64, m*D)
	ht := Terms{Trace: make([]float64, m), Frobenius: make([]float64, m)}
	require.NoError(t, dyn.Eval(hz, ht, tt, zs, HutchinsonGaussian, eps))
	var mean, sq float64
	for _, v := range ht.Frobenius {
		mean += v / m
	}
	for _, v := range ht.Frobenius {
		sq += (v - mean) * (v - mean)
	}
	se := math.Sqrt(sq / (m - 1) / m)
	assert.InDelta(t, terms.Frobenius[0], mean, 4*se)
}
