package viz

import (
	"errors"
	"math"
	"testing"

	"github.com/ffjord-go/ffjord-go/internal/batch"
)

func TestTrajectory(t *testing.T) {
	flow := testFlow(t)
	z := batch.New(3, 2, []float64{0, 0, 1, -1, -0.5, 0.8})
	const steps = 4
	states, err := Trajectory(flow, z, steps)
	if err != nil {
		t.Fatal(err)
	}
	if len(states) != 2*steps+1 {
		t.Fatalf("%d states, want 2 blocks × %d steps + 1", len(states), steps)
	}
	for i, v := range z.Float64s() {
		if states[0].Float64s()[i] != v {
			t.Fatalf("first state %v, want z = %v", states[0].Float64s(), z.Float64s())
		}
	}
	// The pieces add up to the whole flow, within the solver's tolerance.
	x, err := flow.Dist.Bijector.Forward(z)
	if err != nil {
		t.Fatal(err)
	}
	end := states[len(states)-1].Float64s()
	for i, v := range x.Float64s() {
		if math.Abs(end[i]-v) > 1e-2 {
			t.Errorf("end of path %v, Forward gives %v", end, x.Float64s())
			break
		}
	}
	// And the stage after block 0 is that block's Forward.
	y0, err := flow.Blocks[0].Forward(z)
	if err != nil {
		t.Fatal(err)
	}
	mid := states[steps].Float64s()
	for i, v := range y0.Float64s() {
		if math.Abs(mid[i]-v) > 1e-2 {
			t.Errorf("after block 0 %v, Blocks[0].Forward gives %v", mid, y0.Float64s())
			break
		}
	}
	if _, err := Trajectory(flow, z, 0); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("0 steps: err = %v, want ErrInvalidInput", err)
	}
}

func TestPaths(t *testing.T) {
	flow := testFlow(t)
	data := testMoons(t, 512)
	f, err := Paths(flow, data, PathOptions{Count: 5})
	if err != nil {
		t.Fatal(err)
	}
	img := savePNG(t, f, "paths")
	checkPicture(t, img, 700, 500, 20, 0.03)
	// Each of the five paths is drawn in its own colour.
	b := img.Bounds()
	for i, c := range pathColors[:5] {
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
	if _, err := Paths(flow, batch.New(1, 3, []float64{1, 2, 3}), PathOptions{}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("3-D data: err = %v, want ErrInvalidInput", err)
	}
	if _, err := Paths(nil, data, PathOptions{}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("nil flow: err = %v, want ErrInvalidInput", err)
	}
}
