package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/ffjord-go/ffjord-go/examples/cli"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"github.com/ffjord-go/ffjord-go/viz"
	"gonum.org/v1/plot/vg"
	"gorgonia.org/tensor"
)

// figureNames are the figures plot draws, in the order it writes them.
var figureNames = []string{"tutorial", "density", "paths"}

// plotCmd draws a saved 2-D model: the tutorial's four panels against the
// data, the exact density and the paths of a few points through the blocks.
func plotCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	model := fs.String("model", "model.json", "saved model")
	data := fs.String("data", "", "CSV file of data points to compare with")
	toy := fs.String("toy", "moons", "toy data set to compare with when -data is not given")
	n := fs.Int("n", 8192, fmt.Sprintf("points drawn from -toy, 1 to %d", cli.MaxSamples))
	out := fs.String("out", ".", "output directory")
	format := fs.String("format", "png", "figure format: "+cli.Formats)
	only := fs.String("only", "", "comma-separated figures to write, of tutorial, density and paths (default all)")
	boundsFlag := fs.String("bounds", "", "density window xmin,xmax,ymin,ymax (default: the tutorial's for -toy moons, else a square around the data)")
	size := fs.String("size", "", fmt.Sprintf("density figure size W,H in pixels, each up to %d, or W alone for the height of the window's aspect (default 6 inches wide at 100 dpi)", cli.MaxPixels))
	grid := fs.Int("grid", 100, fmt.Sprintf("density nodes along each axis, 2 to %d", cli.MaxGrid))
	maxFlag := fs.String("max", "", "density at the top of the colour scale: a number, or P% for that percentile of the grid's values (default: the grid's maximum)")
	bare := fs.Bool("bare", false, "density as the heat map alone: no title, axes or margin (for thumbnails)")
	if err := cli.Parse(fs, "ffjord plot -model model.json [-data points.csv | -toy NAME] [-out DIR] [-format FORMAT] [-only density] [flags]", args, stdout); err != nil {
		return err
	}
	want, err := cli.ParseOnly(*only, figureNames)
	if err != nil {
		return err
	}
	bounds, err := cli.ParseBounds(*boundsFlag)
	if err != nil {
		return err
	}
	width, height, err := cli.ParseSize(*size)
	if err != nil {
		return err
	}
	top, maxPct, err := cli.ParseMax(*maxFlag)
	if err != nil {
		return err
	}
	for _, err := range []error{cli.CheckInt("grid", *grid, 2, cli.MaxGrid), cli.CheckInt("n", *n, 1, cli.MaxSamples), cli.CheckFormat(*format)} {
		if err != nil {
			return err
		}
	}
	paths, outputs := figurePaths(*out, *format, want)
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("-out: %w", err)
	}
	if err := cli.CheckFiles([]cli.Named{cli.In("model", *model), cli.In("data", *data)}, outputs); err != nil {
		return err
	}
	ck, err := cli.LoadModel("model", *model)
	if err != nil {
		return err
	}
	if err := cli.StopOn(ctx, ck.Flow); err != nil {
		return err
	}
	if err := planar(ck.Flow, *model); err != nil {
		return err
	}
	x, err := plotData(*data, *toy, *n)
	if err != nil {
		return err
	}
	moons := *data == "" && *toy == "moons"
	if bounds, err = window(bounds, x, moons); err != nil {
		return err
	}
	if width > 0 && height == 0 { // -size W: the window's aspect
		height = cli.AspectHeight(width, bounds)
	}
	if maxPct {
		if top, err = quantile(ck.Flow, top/100, bounds, *grid); err != nil {
			return err
		}
	}
	figs, err := drawFigures(ck.Flow, x, want, moons, viz.DensityOptions{Bounds: bounds, Cols: *grid, Rows: *grid, Max: top, Width: width, Height: height}, *bare)
	if err != nil {
		return err
	}
	return saveFigures(figs, paths, stdout)
}

// saveFigures writes each figure drawn to its path, in figureNames' order,
// and says so.
func saveFigures(figs map[string]*viz.Figure, paths map[string]string, stdout io.Writer) error {
	for _, name := range figureNames {
		if f := figs[name]; f != nil {
			if err := f.Save(paths[name]); err != nil {
				return err
			}
			fmt.Fprintln(stdout, "wrote", paths[name])
		}
	}
	return nil
}

// drawFigures draws the wanted figures of flow against the data x.
func drawFigures(flow *train.Flow, x *tensor.Dense, want map[string]bool, moons bool, density viz.DensityOptions, bare bool) (map[string]*viz.Figure, error) {
	figs := map[string]*viz.Figure{}
	var err error
	if want["tutorial"] {
		// The tutorial's fixed limits and levels are for the moons; other
		// data get axes and levels that fit them.
		opt := viz.TutorialOptions{Autoscale: !moons, FitLevels: !moons}
		if figs["tutorial"], err = viz.TutorialFigure(viz.Model{Base: viz.SampleFunc(flow.SampleBase), Forward: flow, Samples: flow}, x, opt); err != nil {
			return nil, err
		}
	}
	if want["density"] {
		d, err := viz.DensityHeatmap(flow, density)
		if err != nil {
			return nil, err
		}
		if bare {
			for _, row := range d.Plots {
				for _, p := range row {
					p.Title.Text = ""
					p.HideAxes()
				}
			}
			d.ColorBars = nil
			if density.Width == 0 {
				d.Width -= viz.ColorBarWidth // the default width's strip for the bar
			}
			d.Pad = vg.Length(1e-6) // 0 would mean the default margin
		}
		figs["density"] = d
	}
	if want["paths"] {
		if figs["paths"], err = viz.Paths(flow, x, viz.PathOptions{Base: viz.SampleFunc(flow.SampleBase)}); err != nil {
			return nil, err
		}
	}
	return figs, nil
}

// figurePaths returns the paths of the wanted figures in dir, and the
// same as outputs to check.
func figurePaths(dir, format string, want map[string]bool) (map[string]string, []cli.Named) {
	paths := map[string]string{}
	var outputs []cli.Named
	for _, name := range figureNames {
		if want[name] {
			paths[name] = filepath.Join(dir, name+"."+format)
			outputs = append(outputs, cli.Out("out", paths[name]))
		}
	}
	return paths, outputs
}

// planar refuses a model the figures cannot draw: one of other than two
// dimensions, or a conditional one.
func planar(flow *train.Flow, model string) error {
	if flow.Dim() != 2 {
		return fmt.Errorf("plot: the model is %d-dimensional; the figures are for 2", flow.Dim())
	}
	if C := flow.ContextDim(); C > 0 {
		return fmt.Errorf("plot: %s is a conditional model (a context of %d features); its densities p(x | c) are drawn by examples/conditional", model, C)
	}
	return nil
}

// plotData reads the points of -data, or draws n of -toy.
func plotData(data, toy string, n int) (x *tensor.Dense, err error) {
	if data != "" {
		x, _, err = cli.ReadCSV("data", data)
	} else {
		x, err = datasets.ByName(toy, n, rand.NewPCG(1, 1))
	}
	if err != nil {
		return nil, err
	}
	if x.Shape()[1] != 2 {
		return nil, fmt.Errorf("plot: the data have %d columns, want 2", x.Shape()[1])
	}
	return x, checkRows("data", x)
}

// window returns the density window: -bounds if given, else the
// tutorial's fixed limits for the moons, which are made for them, and a
// square that fits other data.
func window(bounds viz.Bounds, x *tensor.Dense, moons bool) (viz.Bounds, error) {
	switch {
	case bounds != (viz.Bounds{}):
		return bounds, nil
	case moons:
		return viz.DensityBounds, nil
	}
	return viz.SquareAround(x)
}

// quantile returns the p-quantile of the flow's density on the grid of the
// density figure, or 0 (the grid's maximum) where it is 0.
func quantile(flow *train.Flow, p float64, b viz.Bounds, grid int) (float64, error) {
	g, err := viz.DensityGrid(flow, b, grid, grid)
	if err != nil {
		return 0, err
	}
	top, err := g.Quantile(p)
	if err != nil || !(top > 0) {
		return 0, err
	}
	return top, nil
}
