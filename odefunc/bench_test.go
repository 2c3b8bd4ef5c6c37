package odefunc

import (
	"fmt"
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
		if err := dyn.Eval(dz, Terms{Trace: tr}, Request{Z: z, T: 0.5, Want: WantTrace, Trace: ExactTrace}); err != nil {
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
		if err := dyn.VJP(VJPOut{F: dz, Z: gz, Params: gp}, Request{Z: z, T: 0.5, Want: WantTrace, Trace: ExactTrace}, a, Terms{Trace: c}); err != nil {
			b.Fatal(err)
		}
	}
}

// digitsDynamics is the digits-scale MLP, [t×64, z] → 128 → 128 → 64 with
// tanh, on a batch of 256, with Rademacher noise, on workers goroutines.
func digitsDynamics(b *testing.B, workers int) (dyn *Dynamics, z, eps []float64) {
	net, err := NewMLP(MLPConfig{Dim: 64, Hidden: []int{128, 128}}, rand.NewPCG(1, 2))
	if err != nil {
		b.Fatal(err)
	}
	if dyn, err = New(net); err != nil {
		b.Fatal(err)
	}
	if err := dyn.SetWorkers(workers); err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	z, eps = randomBatch(r, 256, 64), make([]float64, 256*64)
	for i := range eps {
		eps[i] = float64(2*r.IntN(2) - 1)
	}
	return dyn, z, eps
}

// BenchmarkDigits is one evaluation of f and Hutchinson's trace, and one
// VJP of both, of the digits-scale MLP on 256 points: the two units of
// work of a 64-D training step.
func BenchmarkDigits(b *testing.B) {
	for _, workers := range []int{1, 2} {
		dyn, z, eps := digitsDynamics(b, workers)
		dz, tr, gz := make([]float64, len(z)), make([]float64, 256), make([]float64, len(z))
		a := randomBatch(rand.New(rand.NewPCG(5, 6)), 256, 64)
		c := make([]float64, 256)
		for i := range c {
			c[i] = -1.0 / 256
		}
		var gp [][]float64
		for _, p := range dyn.Model().Params() {
			gp = append(gp, make([]float64, p.Shape().TotalSize()))
		}
		b.Run(fmt.Sprintf("ftrace/workers=%d", workers), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := dyn.Eval(dz, Terms{Trace: tr}, Request{Z: z, T: 0.5, Want: WantTrace, Trace: HutchinsonRademacher, Noise: eps}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("vjp/workers=%d", workers), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := dyn.VJP(VJPOut{F: dz, Z: gz, Params: gp}, Request{Z: z, T: 0.5, Want: WantTrace, Trace: HutchinsonRademacher, Noise: eps}, a, Terms{Trace: c}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
