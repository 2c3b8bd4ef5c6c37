package train

import (
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
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
		for _, blk := range f.Blocks {
			nfe += blk.Stats().NFE
		}
	}
	b.ReportMetric(float64(nfe)/float64(b.N), "NFE/op")
}

// BenchmarkLossAndGradAdjoint is one training step's loss and adjoint
// gradient on a batch of 256.
func BenchmarkLossAndGradAdjoint(b *testing.B) {
	f, x := benchSetup(b)
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
