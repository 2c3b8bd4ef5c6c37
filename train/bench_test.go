package train

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"gorgonia.org/tensor"
)

func benchSetup(b *testing.B) (*Flow, *tensor.Dense) {
	f, err := NewFlow(FlowConfig{Dim: 2}, Settings{}, rand.NewPCG(1, 2))
	if err != nil {
		b.Fatal(err)
	}
	x, err := datasets.Moons(256, datasets.MoonsNoise, true, rand.NewPCG(3, 4))
	if err != nil {
		b.Fatal(err)
	}
	return f, x
}

// BenchmarkLogProb256 is log p of 256 moons points through the tutorial's
// four untrained blocks, with the tutorial's tolerances and exact trace.
func BenchmarkLogProb256(b *testing.B) {
	f, xt := benchSetup(b)
	b.ReportAllocs()
	nfe := 0
	for b.Loop() {
		if _, err := f.LogProb(xt); err != nil {
			b.Fatal(err)
		}
		for _, blk := range f.blocks {
			nfe += blk.Stats().NFE
		}
	}
	b.ReportMetric(float64(nfe)/float64(b.N), "NFE/op")
}

// BenchmarkLossAndGradAdjoint is one training step's loss and adjoint
// gradient on a batch of 256.
func BenchmarkLossAndGradAdjoint(b *testing.B) {
	f, x := benchSetup(b)
	benchLossAndGrad(b, f, x)
}

// BenchmarkLossAndGradAdjointPerRow is BenchmarkLossAndGradAdjoint with
// steps controlled per row, forward and backward.
func BenchmarkLossAndGradAdjointPerRow(b *testing.B) {
	f, x := benchSetup(b)
	s := f.Settings()
	s.Solver.StepControl = ode.PerRow
	if err := f.SetSettings(s); err != nil {
		b.Fatal(err)
	}
	benchLossAndGrad(b, f, x)
}

func benchLossAndGrad(b *testing.B, f *Flow, x *tensor.Dense) {
	g := NewGrads(f)
	b.ReportAllocs()
	nfe := 0
	for b.Loop() {
		_, cost, err := lossAndGrad(f, x.Float64s(), 256, ode.BacksolveAdjoint{}, g)
		if err != nil {
			b.Fatal(err)
		}
		for k := range cost.ForwardNFE {
			nfe += cost.ForwardNFE[k] + cost.BackwardNFE[k]
		}
	}
	b.ReportMetric(float64(nfe)/float64(b.N), "NFE/op")
}

// BenchmarkValidation64D is one validation of 200 rows (in passes of 256)
// of an untrained 64-dimensional flow (one block, hidden 128-128, training
// trace Hutchinson's): exact, as by default, and with ValidationEstimate;
// and, for scale, one training step on the same 200 rows.
func BenchmarkValidation64D(b *testing.B) {
	f, err := NewFlow(FlowConfig{Dim: 64, Hidden: []int{128, 128}, Blocks: 1}, Settings{Trace: odefunc.HutchinsonRademacher}, rand.NewPCG(1, 2))
	if err != nil {
		b.Fatal(err)
	}
	x, err := datasets.GaussianMixture(200, 64, 2, 2, rand.NewPCG(3, 4))
	if err != nil {
		b.Fatal(err)
	}
	for _, estimate := range []bool{false, true} {
		name := map[bool]string{false: "exact", true: "estimate"}[estimate]
		b.Run(name, func(b *testing.B) {
			tr, err := NewTrainer(f, Options{Validation: x, ValidationEstimate: estimate})
			if err != nil {
				b.Fatal(err)
			}
			nfe := 0
			for b.Loop() {
				if _, err := tr.val.nll(context.Background(), tr.use, tr.blocks, 256); err != nil {
					b.Fatal(err)
				}
				nfe += f.blocks[0].Stats().NFE
			}
			b.ReportMetric(float64(nfe)/float64(b.N), "NFE/op")
		})
	}
	b.Run("train-step", func(b *testing.B) {
		g := NewGrads(f)
		for b.Loop() {
			if _, _, err := Objective(f, x.Float64s(), 200, Regularization{}, g); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDigitsStep is the loss and adjoint gradient of the digits-scale
// training step (examples/bench -only digits): 256 whitened, dequantised
// 64-D digits through one untrained block, MLP 128-128, Hutchinson's
// (Rademacher) trace, whole-batch Dormand–Prince at rtol 1e-3, atol 1e-5,
// on one goroutine and two. The weights do not move, so every iteration
// does the same work.
func BenchmarkDigitsStep(b *testing.B) {
	x, _, err := datasets.Digits()
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(8, 8))
	v := append([]float64(nil), x.Float64s()[:256*64]...)
	for i := range v {
		v[i] += r.Float64()
	}
	deq := tensor.New(tensor.WithShape(256, 64), tensor.WithBacking(v))
	w, err := FitWhitening(deq, 1e-6)
	if err != nil {
		b.Fatal(err)
	}
	batch, err := w.Inverse(deq)
	if err != nil {
		b.Fatal(err)
	}
	// flow returns the step's flow on workers goroutines, its gradients and
	// a first step's cost (the step compiles the programs).
	flow := func(b *testing.B, workers int) (*Flow, Grads) {
		f, err := NewFlow(FlowConfig{Dim: 64, Blocks: 1, Hidden: []int{128, 128}},
			Settings{Trace: odefunc.HutchinsonRademacher}, rand.NewPCG(9, 9))
		if err != nil {
			b.Fatal(err)
		}
		if err := f.SetWorkers(workers); err != nil {
			b.Fatal(err)
		}
		g := NewGrads(f)
		if _, _, err := Objective(f, batch.Float64s(), 256, Regularization{}, g); err != nil {
			b.Fatal(err)
		}
		return f, g
	}
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			f, g := flow(b, workers)
			nfe := 0
			for b.Loop() {
				_, cost, err := Objective(f, batch.Float64s(), 256, Regularization{}, g)
				if err != nil {
					b.Fatal(err)
				}
				for k := range cost.ForwardNFE {
					nfe += cost.ForwardNFE[k] + cost.BackwardNFE[k]
				}
			}
			b.ReportMetric(float64(nfe)/float64(b.N), "NFE/op")
		})
	}
	// A step on one goroutine, then one on two, b.N times: on a shared
	// machine a burst of other work then slows both of a pair alike. It
	// reports the median step of each and the median of the pairs' ratios.
	b.Run("paired", func(b *testing.B) {
		f1, g1 := flow(b, 1)
		f2, g2 := flow(b, 2)
		var t1, t2, ratio []float64
		for b.Loop() {
			start := time.Now()
			if _, _, err := Objective(f1, batch.Float64s(), 256, Regularization{}, g1); err != nil {
				b.Fatal(err)
			}
			mid := time.Now()
			if _, _, err := Objective(f2, batch.Float64s(), 256, Regularization{}, g2); err != nil {
				b.Fatal(err)
			}
			a, c := mid.Sub(start).Seconds(), time.Since(mid).Seconds()
			t1, t2, ratio = append(t1, a), append(t2, c), append(ratio, a/c)
		}
		median := func(v []float64) float64 { return slices.Sorted(slices.Values(v))[len(v)/2] }
		b.ReportMetric(1e3*median(t1), "ms/step-1")
		b.ReportMetric(1e3*median(t2), "ms/step-2")
		b.ReportMetric(median(ratio), "speedup")
	})
}
