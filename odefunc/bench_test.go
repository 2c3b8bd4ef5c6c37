package odefunc

import (
	"math/rand/v2"
	"testing"
)

// benchDynamics is the tutorial's MLP on a batch of 256 points.
func benchDynamics(b *testing.B) (*Dynamics, []float64) {
	net, err := NewMLP(MLPConfig{Dim: 2}, rand.NewPCG(1, 2))
	if err != nil {
		b.Fatal(err)
	}
	dyn, err := New(net)
	if err != nil {
		b.Fatal(err)
	}
	return dyn, randomBatch(rand.New(rand.NewPCG(3, 4)), 256, 2)
}

// BenchmarkFExactTrace is one evaluation of f with the exact trace.
func BenchmarkFExactTrace(b *testing.B) {
	dyn, z := benchDynamics(b)
	dz, tr := make([]float64, len(z)), make([]float64, 256)
	b.ReportAllocs()
	for b.Loop() {
		if err := dyn.FTrace(dz, tr, 0.5, z, ExactTrace, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVJPExactTrace is one vector–Jacobian product of f and the exact
// trace, the unit of work of a backward pass.
func BenchmarkVJPExactTrace(b *testing.B) {
	dyn, z := benchDynamics(b)
	a := randomBatch(rand.New(rand.NewPCG(5, 6)), 256, 2)
	c := make([]float64, 256)
	for i := range c {
		c[i] = -1.0 / 256
	}
	dz, gz := make([]float64, len(z)), make([]float64, len(z))
	var gp [][]float64
	for _, p := range dyn.Model().Params() {
		gp = append(gp, make([]float64, p.Shape().TotalSize()))
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := dyn.VJP(dz, gz, gp, 0.5, z, a, c, ExactTrace, nil); err != nil {
			b.Fatal(err)
		}
	}
}
