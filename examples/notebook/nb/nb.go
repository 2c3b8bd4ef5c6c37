// Package nb is the one package that the notebook examples/notebook/ffjord.ipynb
// imports: the tutorial's steps (make the data, build the flow, train it,
// draw it, evaluate its density) behind functions whose arguments and
// results are the standard library's types or this package's own.
//
// It exists for the gophernotes kernel, which builds every third-party
// package a notebook imports into a plugin of its own and cannot mix
// plugins built from different versions of a shared dependency. One wrapper
// package is one plugin, with one set of versions (those of this module),
// and since its API mentions no gorgonia or gonum type the interpreter never
// has to load those packages itself.
//
// Figures come back as images, to be shown with gophernotes'
// display.Image.
package nb

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"github.com/ffjord-go/ffjord-go/viz"
	"gorgonia.org/tensor"
)

// Data is a two-dimensional data set: N points (x, y).
type Data struct {
	x *tensor.Dense
}

// Moons returns n points of the tutorial's two moons (scikit-learn's
// make_moons with noise 0.06, shuffled), drawn from a generator seeded with
// seed.
func Moons(n int, seed uint64) (*Data, error) {
	x, err := datasets.Moons(n, datasets.MoonsNoise, true, rand.NewPCG(seed, 1))
	if err != nil {
		return nil, err
	}
	return &Data{x: x}, nil
}

// Len returns the number of points.
func (d *Data) Len() int { return d.x.Shape()[0] }

// Head returns the first k points (all of them if there are fewer).
func (d *Data) Head(k int) [][2]float64 {
	v := d.x.Data().([]float64)
	k = max(0, min(k, d.Len()))
	out := make([][2]float64, k)
	for i := range out {
		out[i] = [2]float64{v[2*i], v[2*i+1]}
	}
	return out
}

// String describes the data set in one line.
func (d *Data) String() string {
	v := d.x.Data().([]float64)
	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for i := 0; i < len(v); i += 2 {
		xmin, xmax = min(xmin, v[i]), max(xmax, v[i])
		ymin, ymax = min(ymin, v[i+1]), max(ymax, v[i+1])
	}
	return fmt.Sprintf("%d points in [%.2f, %.2f] × [%.2f, %.2f]", d.Len(), xmin, xmax, ymin, ymax)
}

// Epoch summarises one training epoch.
type Epoch struct {
	Epoch   int     // 1-based, counted over every Train call
	Loss    float64 // mean training negative log-likelihood, in nats
	Seconds float64 // wall time
	NFE     float64 // mean dynamics evaluations per batch, forward and backward, all blocks
}

// Flow is the tutorial's model: four FFJORD blocks, each an MLP 2 → 8 → 8 → 2
// with tanh, on a Gaussian base N(0, 0.8² I), solved with Dormand–Prince
// (rtol 1e-3, atol 1e-5), exact trace, adjoint gradients.
type Flow struct {
	f       *train.Flow
	seed    uint64
	history []Epoch
}

// NewFlow returns an untrained tutorial model whose weights are drawn from a
// generator seeded with seed.
func NewFlow(seed uint64) (*Flow, error) {
	f, err := train.NewFlow(train.FlowConfig{Dim: 2}, train.Settings{}, rand.NewPCG(seed, 2))
	if err != nil {
		return nil, err
	}
	return &Flow{f: f, seed: seed}, nil
}

// NumParams returns the number of learned scalars.
func (f *Flow) NumParams() int {
	n := 0
	for _, p := range f.f.Params() {
		n += p.Len()
	}
	return n
}

// String describes the model in one line.
func (f *Flow) String() string {
	return fmt.Sprintf("%d FFJORD blocks, MLP 2→8→8→2 (tanh) each, %d parameters, base N(0, 0.8² I), %d epochs trained",
		len(f.f.EndTimes()), f.NumParams(), len(f.history))
}

// Train fits the flow to d by maximum likelihood for epochs epochs of
// batches of 256 with Adam (learning rate 1e-2), writing a line per epoch to
// progress (nil: silent). Another call trains further, with a fresh Adam.
func (f *Flow) Train(d *Data, epochs int, progress io.Writer) error {
	if d == nil {
		return errors.New("nb: nil data")
	}
	if epochs < 1 {
		return fmt.Errorf("nb: %d epochs, want ≥ 1", epochs)
	}
	t, err := train.NewTrainer(f.f, train.Options{Epochs: epochs, Seed: f.seed + uint64(len(f.history)), Progress: progress})
	if err != nil {
		return err
	}
	err = t.Run(context.Background(), d.x)
	done := len(f.history)
	for _, s := range t.History() {
		nfe := 0.0
		for k := range s.ForwardNFE {
			nfe += s.ForwardNFE[k] + s.BackwardNFE[k]
		}
		f.history = append(f.history, Epoch{Epoch: done + s.Epoch, Loss: s.Loss, Seconds: s.Seconds, NFE: nfe})
	}
	return err
}

// History returns the statistics of every epoch trained so far.
func (f *Flow) History() []Epoch { return append([]Epoch(nil), f.history...) }

func dense(points [][2]float64) *tensor.Dense {
	v := make([]float64, 0, 2*len(points))
	for _, p := range points {
		v = append(v, p[0], p[1])
	}
	return tensor.New(tensor.WithShape(len(points), 2), tensor.WithBacking(v))
}

// LogProb returns the exact log-density log p(x) of each point, in nats:
// the point is pulled back through the blocks to z, and
// log p(x) = log p_base(z) − ∫ tr(∂f/∂z) dt.
func (f *Flow) LogProb(points [][2]float64) ([]float64, error) {
	if len(points) == 0 {
		return nil, nil
	}
	return f.f.LogProb(dense(points))
}

// NLL returns the mean negative log-likelihood of d under the flow, in nats.
func (f *Flow) NLL(d *Data) (float64, error) {
	return f.f.NLL(d.x)
}

// Sample draws n points from the model.
func (f *Flow) Sample(n int) ([][2]float64, error) {
	x, err := f.f.Sample(n)
	if err != nil {
		return nil, err
	}
	v := x.Data().([]float64)
	out := make([][2]float64, n)
	for i := range out {
		out[i] = [2]float64{v[2*i], v[2*i+1]}
	}
	return out, nil
}

func picture(fig *viz.Figure, err error) (image.Image, error) {
	if err != nil {
		return nil, err
	}
	return fig.Image()
}

// TutorialFigure draws the tutorial's four panels, 1600×600 pixels: the
// base grid and samples, the grid and samples pushed through the flow, and
// kernel density estimates of the model's samples and of d. Before training
// set autoscale, as the tutorial does, so that the axes fit what they show.
func (f *Flow) TutorialFigure(d *Data, autoscale bool) (image.Image, error) {
	if d == nil {
		return nil, errors.New("nb: nil data")
	}
	return picture(viz.TutorialFigure(viz.Model{Base: viz.SampleFunc(f.f.SampleBase), Forward: f.f, Samples: f.f}, d.x, viz.TutorialOptions{Autoscale: autoscale}))
}

// Density draws the flow's exact density exp(log p(x)) as a heat map,
// evaluated at 100×100 points of the tutorial's density window.
func (f *Flow) Density() (image.Image, error) {
	return picture(viz.DensityHeatmap(f.f, viz.DensityOptions{}))
}

// LossCurve draws the training loss of each epoch and, unless testNLL is
// NaN, the test NLL as a dashed line.
func (f *Flow) LossCurve(testNLL float64) (image.Image, error) {
	losses := make([]float64, len(f.history))
	for i, h := range f.history {
		losses[i] = h.Loss
	}
	return picture(viz.LossCurve(losses, testNLL))
}
