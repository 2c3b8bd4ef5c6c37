package train

import (
	"context"
	"math/rand/v2"
	"testing"

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
