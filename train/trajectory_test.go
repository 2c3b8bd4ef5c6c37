package train

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ffjord-go/ffjord-go/internal/batch"
)

// TestTrajectory checks that a flow's paths, which viz.Paths draws, are
// its Forward cut in pieces: z first, each block's Forward at the end of its
// pieces, the flow's Forward last.
func TestTrajectory(t *testing.T) {
	flow, err := NewFlow(FlowConfig{Dim: 2, Blocks: 2}, Settings{}, rand.NewPCG(1, 2))
	if err != nil {
		t.Fatal(err)
	}
	z := batch.New(3, 2, []float64{0, 0, 1, -1, -0.5, 0.8})
	const steps = 4
	states, err := flow.Trajectory(z, steps)
	if err != nil {
		t.Fatal(err)
	}
	if len(states) != 2*steps+1 {
		t.Fatalf("%d states, want 2 blocks × %d steps + 1", len(states), steps)
	}
	if !slices.Equal(states[0].Float64s(), z.Float64s()) {
		t.Fatalf("first state %v, want z = %v", states[0].Float64s(), z.Float64s())
	}
	// Within the solver's tolerance.
	within := func(name string, got, want []float64) {
		t.Helper()
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-2 {
				t.Errorf("%s %v, want %v", name, got, want)
				return
			}
		}
	}
	x, err := flow.Forward(z)
	if err != nil {
		t.Fatal(err)
	}
	within("end of path", states[len(states)-1].Float64s(), x.Float64s())
	y0, err := flow.blocks[0].Forward(z)
	if err != nil {
		t.Fatal(err)
	}
	within("after block 0", states[steps].Float64s(), y0.Float64s())
	if _, err := flow.Trajectory(z, 0); err == nil {
		t.Error("0 steps: no error")
	}
}
