package nb

import (
	"context"
	"fmt"
	"image"
	"io"
	"math"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/targets"
	"github.com/ffjord-go/ffjord-go/viz"
	"gonum.org/v1/plot"
	"gorgonia.org/tensor"
)

// VI is a flow q fitted by variational inference (reverse KL) to the banana
// x₁ ~ N(0, 1), x₂ − x₁²/2 ~ N(0, 1), a density the flow may evaluate but
// never sample. The banana is normalised, log Z = 0, so the estimates of
// log Z can be checked against the truth.
type VI struct {
	model  *distributions.TransformedDistribution
	target targets.Banana
	seed   uint64
}

// VIEstimate is what fresh draws of q say of the fit (see
// targets.ImportanceEstimate): the ELBO, log Ẑ by importance sampling with
// its standard error, ESS/N and Pareto k̂.
type VIEstimate struct {
	ELBO, LogZ, LogZSE, ESS, ParetoK float64
}

// NewBananaVI returns an untrained variational flow, as examples/vi builds
// it but smaller: N(0, I) through a learnable AffineTriL, starting at the
// identity, and one FFJORD block whose MLP (hidden widths 16, 16, tanh)
// starts from weights drawn with seed.
func NewBananaVI(seed uint64) (*VI, error) {
	tril, err := distributions.NewLearnableAffineTriL([]float64{0, 0}, []float64{1, 0, 0, 1})
	if err != nil {
		return nil, err
	}
	net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2, Hidden: []int{16, 16}}, rand.NewPCG(seed, 1))
	if err != nil {
		return nil, err
	}
	block, err := ffjord.New(net, ffjord.Options{})
	if err != nil {
		return nil, err
	}
	chain, err := distributions.NewChain(block, tril)
	if err != nil {
		return nil, err
	}
	base, err := distributions.NewNormal([]float64{0, 0}, []float64{1, 1}, rand.NewPCG(seed, 99))
	if err != nil {
		return nil, err
	}
	model, err := distributions.NewTransformed(base, chain)
	if err != nil {
		return nil, err
	}
	return &VI{model: model, target: targets.Banana{B: 0.5}, seed: seed}, nil
}

// Fit minimises KL(q‖π) for epochs epochs of 40 Adam steps on 256 draws
// (learning rate 1e-2, cosine decay to 1 %), writing each epoch's objective
// and its report on 1024 fresh draws to progress (nil: silent). Another
// call trains further, with a fresh Adam.
func (v *VI) Fit(epochs int, progress io.Writer) error {
	if epochs < 1 {
		return fmt.Errorf("nb: %d epochs, want ≥ 1", epochs)
	}
	opts := train.Options{Epochs: epochs, BatchSize: 256, LearningRate: 1e-2, Schedule: train.Cosine(0.01),
		Seed: v.seed, Objective: train.ReverseKL{Target: v.target, Steps: 40, Evaluate: 1024}, ClipNorm: 100,
		OnEpoch: func(s train.EpochStats) error {
			if progress == nil || s.VI == nil {
				return nil
			}
			_, err := fmt.Fprintf(progress, "epoch %2d: KL − log Z %7.4f   ELBO %7.4f   ESS/N %.3f\n", s.Epoch, s.Loss, s.VI.ELBO, s.VI.ESS)
			return err
		}}
	tr, err := train.NewTrainer(v.model, opts)
	if err != nil {
		return err
	}
	return tr.Run(context.Background(), nil)
}

// Estimate draws n fresh points of q (n ≥ 25) and returns the
// importance-sampling measures of q against the banana.
func (v *VI) Estimate(n int) (VIEstimate, error) {
	if n < 25 {
		return VIEstimate{}, fmt.Errorf("nb: %d draws, want ≥ 25", n)
	}
	p, err := v.model.RecordSample(n, rand.NewPCG(v.seed, 12345), distributions.Request{})
	if err != nil {
		return VIEstimate{}, err
	}
	lp := make([]float64, n)
	if err := targets.LogDensityRows(v.target, lp, p.X); err != nil {
		return VIEstimate{}, err
	}
	e, err := targets.Importance(p.LogProb, lp)
	if err != nil {
		return VIEstimate{}, err
	}
	return VIEstimate{ELBO: e.ELBO, LogZ: e.LogZ, LogZSE: e.LogZSE, ESS: e.ESSFraction, ParetoK: e.ParetoK}, nil
}

// Densities draws the banana's density π beside the flow's q, as
// examples/vi does, on 100×100 nodes of [−4, 4] × [−3, 8], both on the
// colour scale of π, whose highest density is 1/2π.
func (v *VI) Densities() (image.Image, error) {
	b := viz.Bounds{XMin: -4, XMax: 4, YMin: -3, YMax: 8}
	truth := viz.LogProbFunc(func(x *tensor.Dense) ([]float64, error) {
		out := make([]float64, x.Shape()[0])
		err := targets.LogDensityRows(v.target, out, x.Float64s()) // log Z = 0
		return out, err
	})
	var figs []*viz.Figure
	for _, lp := range []viz.LogProber{truth, v.model} {
		f, err := viz.DensityHeatmap(lp, viz.DensityOptions{Bounds: b, Max: 1 / (2 * math.Pi)})
		if err != nil {
			return nil, err
		}
		figs = append(figs, f)
	}
	figs[0].Plots[0][0].Title.Text = "banana: target π"
	figs[1].Plots[0][0].Title.Text = "banana: flow q"
	fig := &viz.Figure{
		Plots:     [][]*plot.Plot{{figs[0].Plots[0][0], figs[1].Plots[0][0]}},
		ColorBars: [][]*plot.Plot{{figs[0].ColorBars[0][0], figs[1].ColorBars[0][0]}},
		Width:     2 * figs[0].Width, Height: figs[0].Height,
	}
	return fig.Image()
}
