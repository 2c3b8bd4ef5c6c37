package viz_test

import (
	"fmt"
	"image/png"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/ffjord-go/ffjord-go/viz"
	"gorgonia.org/tensor"
)

// normal draws points of N(0, σ²I) in the plane.
type normal struct {
	sigma float64
	rng   *rand.Rand
}

func (d normal) Sample(n int) (*tensor.Dense, error) {
	v := make([]float64, 2*n)
	for i := range v {
		v[i] = d.sigma * d.rng.NormFloat64()
	}
	return tensor.New(tensor.WithShape(n, 2), tensor.WithBacking(v)), nil
}

// shear stands for a flow's Forward: (x, y) ↦ (x + 0.5y, y).
type shear struct{}

func (shear) Forward(z *tensor.Dense) (*tensor.Dense, error) {
	v := z.Float64s()
	out := make([]float64, len(v))
	for i := 0; i+1 < len(v); i += 2 {
		out[i], out[i+1] = v[i]+0.5*v[i+1], v[i+1]
	}
	return tensor.New(tensor.WithShape(z.Shape()...), tensor.WithBacking(out)), nil
}

func ExampleTutorialFigure() {
	// A trained *train.Flow is pictured as
	//	viz.Model{Base: viz.SampleFunc(flow.SampleBase), Forward: flow, Samples: flow}
	// Here a Gaussian base and a shear stand for it.
	m := viz.Model{Base: normal{0.8, rand.New(rand.NewPCG(1, 2))}, Forward: shear{}}
	data, err := normal{0.5, rand.New(rand.NewPCG(3, 4))}.Sample(1024)
	if err != nil {
		log.Fatal(err)
	}
	// Before training the tutorial lets the axes fit the points; after it,
	// leave Autoscale false for its fixed limits. Samples defaults to 8192.
	fig, err := viz.TutorialFigure(m, data, viz.TutorialOptions{Samples: 512, Autoscale: true})
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "viz")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "before.png")
	if err := fig.Save(path); err != nil {
		log.Fatal(err)
	}

	file, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer file.Close()
	cfg, err := png.DecodeConfig(file)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d panels, %d×%d pixels\n", len(fig.Plots[0]), cfg.Width, cfg.Height)
	// Output: 4 panels, 1600×600 pixels
}

func ExampleDensityGrid() {
	// Any log-density can be pictured, such as N(0, I) in closed form; a
	// *train.Flow is a LogProber as it is.
	gauss := viz.LogProbFunc(func(x *tensor.Dense) ([]float64, error) {
		v := x.Float64s()
		out := make([]float64, len(v)/2)
		for i := range out {
			out[i] = -(v[2*i]*v[2*i]+v[2*i+1]*v[2*i+1])/2 - math.Log(2*math.Pi)
		}
		return out, nil
	})
	g, err := viz.DensityGrid(gauss, viz.Bounds{XMin: -5, XMax: 5, YMin: -5, YMax: 5}, 101, 101)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("peak %.4f, mass %.4f\n", g.Max(), g.Integral())
	// Output: peak 0.1592, mass 1.0000
}
