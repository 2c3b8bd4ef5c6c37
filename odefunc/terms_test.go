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
	require.NoError(t, dyn.Eval(dz, terms, Request{Z: z, T: tt, Want: wantOf(terms), Trace: ExactTrace}))
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
	require.NoError(t, dyn.Eval(hz, ht, Request{Z: zs, T: tt, Want: wantOf(ht), Trace: HutchinsonGaussian, Noise: eps}))
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

// opaque hides a Network's type, so that its exact trace takes the
// general route: D Jacobian–vector products through every layer.
type opaque struct{ *Network }

// TestExactTraceUnitRows: the exact trace reads the unit directions'
// tangents after the first Linear layer off its W; f, the trace, the
// regularisers and every VJP output keep the bits of the general route,
// for the time inputs that concatenate, with and without a context.
func TestExactTraceUnitRows(t *testing.T) {
	for _, cfg := range []MLPConfig{
		{Dim: 2},
		{Dim: 5, Hidden: []int{16, 12}, Time: ConcatTimeSingle},
		{Dim: 3, Hidden: []int{8}, Time: IgnoreTime, Activation: Softplus},
		{Dim: 4, Hidden: []int{8, 8}, Context: 2},
	} {
		net, err := NewMLP(cfg, rand.NewPCG(1, uint64(cfg.Dim)))
		require.NoError(t, err)
		fast, err := New(net)
		require.NoError(t, err)
		general, err := New(opaque{net})
		require.NoError(t, err)
		r := rand.New(rand.NewPCG(2, 3))
		const n = 37
		D := cfg.Dim
		z, a := randomBatch(r, n, D), randomBatch(r, n, D)
		var ctx []float64
		if cfg.Context > 0 {
			ctx = randomBatch(r, n, cfg.Context)
		}
		type out struct{ dz, tr, kin, frob, gz []float64 }
		eval := func(d *Dynamics) (o out, gp [][]float64) {
			o = out{make([]float64, n*D), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n*D)}
			require.NoError(t, d.Eval(o.dz, Terms{Trace: o.tr, Kinetic: o.kin, Frobenius: o.frob}, Request{Z: z, T: 0.3, Context: ctx, Want: WantRegularizers, Trace: ExactTrace}))
			for _, p := range net.Params() {
				gp = append(gp, make([]float64, p.Shape().TotalSize()))
			}
			c := Terms{Trace: o.tr, Kinetic: o.kin, Frobenius: o.frob} // any cotangents will do
			dz := make([]float64, n*D)
			require.NoError(t, d.VJP(VJPOut{F: dz, Z: o.gz, Params: gp}, Request{Z: z, T: 0.3, Context: ctx, Want: WantRegularizers, Trace: ExactTrace}, a, c))
			return o, gp
		}
		fo, fg := eval(fast)
		go_, gg := eval(general)
		for _, pair := range [][2][]float64{{fo.dz, go_.dz}, {fo.tr, go_.tr}, {fo.kin, go_.kin}, {fo.frob, go_.frob}, {fo.gz, go_.gz}} {
			require.Equal(t, bitsOf(pair[1]), bitsOf(pair[0]), "%+v", cfg)
		}
		for i := range fg {
			require.Equal(t, bitsOf(gg[i]), bitsOf(fg[i]), "%+v parameter %d", cfg, i)
		}
	}
}

func bitsOf(v []float64) []uint64 {
	b := make([]uint64, len(v))
	for i, x := range v {
		b[i] = math.Float64bits(x)
	}
	return b
}
