package viz

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/ffjord-go/ffjord-go/internal/batch"
	"gorgonia.org/tensor"
)

// positions is a Trajectories returning fixed states whatever it is asked.
type positions []*tensor.Dense

func (p positions) Trajectory(*tensor.Dense, int) ([]*tensor.Dense, error) { return p, nil }

func TestTrajectory(t *testing.T) {
	z := batch.New(3, 2, []float64{0, 0, 1, -1, -0.5, 0.8})
	const steps = 4
	states, err := Trajectory(swirl{blocks: 2}, z, steps)
	if err != nil {
		t.Fatal(err)
	}
	if len(states) != 2*steps+1 {
		t.Fatalf("%d states, want 2 blocks × %d steps + 1", len(states), steps)
	}
	if !slices.Equal(states[0].Float64s(), z.Float64s()) {
		t.Errorf("first state %v, want z = %v", states[0].Float64s(), z.Float64s())
	}

	pts := func(n int) *tensor.Dense { return batch.New(n, 2, make([]float64, 2*n)) }
	var nilPaths positions
	boom := errors.New("boom")
	for name, c := range map[string]struct {
		t     Trajectories
		z     *tensor.Dense
		steps int
		want  error
	}{
		"no trajectories":      {nil, z, steps, ErrInvalidInput},
		"nil trajectories":     {nilPaths, z, steps, ErrInvalidInput},
		"0 steps":              {swirl{2}, z, 0, ErrInvalidInput},
		"3-D starts":           {swirl{2}, batch.New(1, 3, []float64{1, 2, 3}), steps, ErrInvalidInput},
		"one position":         {positions{pts(3)}, z, 1, ErrInvalidInput},
		"part of a block":      {positions{pts(3), pts(3), pts(3), pts(3)}, z, 2, ErrInvalidInput},
		"points lost":          {positions{pts(3), pts(2)}, z, 1, ErrInvalidInput},
		"NaN along the way":    {positions{pts(3), batch.New(3, 2, []float64{0, 0, 0, math.NaN(), 0, 0})}, z, 1, ErrInvalidInput},
		"failing trajectories": {failingPaths{boom}, z, 1, boom},
	} {
		if _, err := Trajectory(c.t, c.z, c.steps); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", name, err, c.want)
		}
	}
}

type failingPaths struct{ err error }

func (f failingPaths) Trajectory(*tensor.Dense, int) ([]*tensor.Dense, error) { return nil, f.err }

func TestPaths(t *testing.T) {
	data := fixedMoons(512, 0.06)
	// Five starts drawn from a base sampler, as Points is nil.
	base := SampleFunc(func(n int) (*tensor.Dense, error) { return sunflower(n, 0.8, 0, 0), nil })
	f, err := Paths(swirl{blocks: 2}, data, PathOptions{Base: base, Count: 5})
	if err != nil {
		t.Fatal(err)
	}
	img := savePNG(t, f, "paths")
	checkPicture(t, img, 700, 500, 20, 0.03)
	// Each of the five paths is drawn in its own colour.
	b := img.Bounds()
	for i, c := range Distinct(5).Colors() {
		n := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if near(img.At(x, y), c, 8) {
					n++
				}
			}
		}
		if n < 30 {
			t.Errorf("path %d's colour %v covers %d pixels, want ≥ 30", i, c, n)
		}
	}
	for name, c := range map[string]struct {
		t    Trajectories
		data *tensor.Dense
		opt  PathOptions
	}{
		"3-D data":        {swirl{2}, batch.New(1, 3, []float64{1, 2, 3}), PathOptions{Base: base}},
		"no trajectories": {nil, data, PathOptions{Base: base}},
		"no starts":       {swirl{2}, data, PathOptions{}},
		"negative count":  {swirl{2}, data, PathOptions{Base: base, Count: -1}},
		"empty bounds":    {swirl{2}, data, PathOptions{Base: base, Bounds: Bounds{0, 0, 0, 1}}},
	} {
		if _, err := Paths(c.t, c.data, c.opt); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: err = %v, want ErrInvalidInput", name, err)
		}
	}
}
