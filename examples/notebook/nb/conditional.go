package nb

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"github.com/ffjord-go/ffjord-go/viz"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gorgonia.org/tensor"
)

// Labelled is two moons with the moon each point belongs to, as a one-hot
// context: c = (1, 0) for the upper moon, (0, 1) for the lower.
type Labelled struct {
	x, c *tensor.Dense
}

// LabelledMoons returns n points of the two moons with their labels,
// drawn from a generator seeded with seed.
func LabelledMoons(n int, seed uint64) (*Labelled, error) {
	x, labels, err := datasets.MoonsLabeled(n, datasets.MoonsNoise, true, rand.NewPCG(seed, 1))
	if err != nil {
		return nil, err
	}
	c := make([]float64, 2*n)
	for i, l := range labels {
		c[2*i+l] = 1
	}
	return &Labelled{x: x, c: tensor.New(tensor.WithShape(n, 2), tensor.WithBacking(c))}, nil
}

// Conditional is a flow p(x | c) of the moons given their label.
type Conditional struct {
	f *train.Flow
}

// NewConditional returns an untrained conditional flow: two FFJORD blocks
// whose MLPs (hidden widths 32, 32) see the one-hot context by
// concatenation, [t, t, z, c].
func NewConditional(seed uint64) (*Conditional, error) {
	f, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 2, Hidden: []int{32, 32}, Context: 2}, train.Settings{}, rand.NewPCG(seed, 2))
	if err != nil {
		return nil, err
	}
	return &Conditional{f: f}, nil
}

// Train fits the flow to the (point, label) pairs of d for epochs epochs
// (batches of 256, Adam with learning rate 1e-2), a line per epoch to
// progress.
func (f *Conditional) Train(d *Labelled, epochs int, progress io.Writer) error {
	if d == nil {
		return errors.New("nb: nil data")
	}
	tr, err := train.NewTrainer(f.f, train.Options{Epochs: epochs, Seed: 3, OnEpoch: func(s train.EpochStats) error {
		if progress != nil {
			fmt.Fprintf(progress, "epoch %d: NLL %.3f\n", s.Epoch, s.Loss)
		}
		return nil
	}})
	if err != nil {
		return err
	}
	return tr.RunContext(context.Background(), d.x, d.c)
}

// NLL returns the mean of −log p(x | c) over d, in nats, with the exact
// trace.
func (f *Conditional) NLL(d *Labelled) (float64, error) {
	if d == nil {
		return 0, errors.New("nb: nil data")
	}
	return f.f.NLLContext(d.x, d.c)
}

// Densities draws p(x | upper moon) and p(x | lower moon) side by side,
// 1200×400 pixels.
func (f *Conditional) Densities() (image.Image, error) {
	var panels, bars []*plot.Plot
	for label, title := range []string{"p(x | upper moon)", "p(x | lower moon)"} {
		lp := viz.LogProbFunc(func(x *tensor.Dense) ([]float64, error) {
			n := x.Shape()[0]
			c := make([]float64, 2*n)
			for i := range n {
				c[2*i+label] = 1
			}
			return f.f.LogProbContext(x, tensor.New(tensor.WithShape(n, 2), tensor.WithBacking(c)))
		})
		d, err := viz.DensityHeatmap(lp, viz.DensityOptions{})
		if err != nil {
			return nil, err
		}
		p := d.Plots[0][0]
		p.Title.Text = title
		panels = append(panels, p)
		if len(d.ColorBars) > 0 {
			bars = append(bars, d.ColorBars[0][0])
		}
	}
	fig := viz.NewFigure(12*vg.Inch, 4*vg.Inch, panels...)
	if len(bars) == len(panels) {
		fig.ColorBars = [][]*plot.Plot{bars}
	}
	return fig.Image()
}
