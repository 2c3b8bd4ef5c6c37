package train

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"gorgonia.org/tensor"
)

// matchingStepper returns a function taking one Trainer step of obj with
// the Adam update u on a batch of 256 rows, after three epochs of
// training: the digits-scale model (64-D, one block, hidden 128-128,
// Hutchinson's trace) if digits, the tutorial's four 2-D blocks
// otherwise. With replay every step draws the same x₀, times and noise:
// with several blocks the number of rows that falls to each block then
// stays the same, so that no step meets a row count whose programs are
// not compiled yet (the field compiles one per row count, once).
func matchingStepper(tb testing.TB, obj Criterion, digits bool, u AdamUpdate, replay bool) func() {
	tb.Helper()
	var f *Flow
	var x *tensor.Dense
	var err error
	if digits {
		if f, err = NewFlow(FlowConfig{Dim: 64, Blocks: 1, Hidden: []int{128, 128}}, Settings{Trace: odefunc.HutchinsonRademacher}, rand.NewPCG(9, 9)); err != nil {
			tb.Fatal(err)
		}
		if x, err = datasets.GaussianMixture(256, 64, 2, 2, rand.NewPCG(3, 4)); err != nil {
			tb.Fatal(err)
		}
	} else {
		if f, err = NewFlow(FlowConfig{Dim: 2}, Settings{}, rand.NewPCG(2, 2)); err != nil {
			tb.Fatal(err)
		}
		if x, err = datasets.Moons(256, datasets.MoonsNoise, true, rand.NewPCG(3, 4)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := f.SetWorkers(1); err != nil {
		tb.Fatal(err)
	}
	tr, err := NewTrainer(f, Options{Epochs: 3, Seed: 3, Objective: obj, Adam: u})
	if err != nil {
		tb.Fatal(err)
	}
	if err := tr.Run(context.Background(), x); err != nil {
		tb.Fatal(err)
	}
	rows := make([]int, 256)
	for i := range rows {
		rows[i] = i
	}
	grads := NewGrads(f)
	src := rand.NewPCG(5, 6)
	draws := rand.New(src)
	xv := x.Float64s()
	return func() {
		if replay {
			src.Seed(5, 6)
		}
		if _, _, err := tr.step(xv, nil, rows, draws, grads); err != nil {
			tb.Fatal(err)
		}
	}
}

// TestMatchingStepAllocatesNothing: with InPlaceAdam, a CFM or OT-CFM
// step (the batch's assignment, the field, its VJP, Adam's update, the
// Trainer's checks) allocates nothing once its buffers and programs are
// made, for the digits-scale model and the tutorial's four blocks.
func TestMatchingStepAllocatesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("trains four models")
	}
	for _, digits := range []bool{true, false} {
		for _, obj := range []Criterion{CFM{SigmaMin: 0.1}, OTCFM{SigmaMin: 0.1}} {
			step := matchingStepper(t, obj, digits, InPlaceAdam{}, !digits)
			if n := testing.AllocsPerRun(5, step); n != 0 {
				t.Errorf("%s step (digits scale: %v) allocates %v times", obj, digits, n)
			}
		}
	}
}

// BenchmarkMatchingStep times a Trainer's CFM and OT-CFM steps with either
// Adam update, reporting their allocations: the tutorial's four blocks
// (fresh draws each step: the first steps also compile programs for new
// row counts) and the digits-scale model. Each step is one evaluation of
// the field and one VJP per block, OT-CFM adding the batch's assignment.
func BenchmarkMatchingStep(b *testing.B) {
	for _, digits := range []bool{false, true} {
		for _, obj := range []Criterion{CFM{SigmaMin: 0.1}, OTCFM{SigmaMin: 0.1}} {
			for _, u := range []AdamUpdate{GorgoniaAdam{}, InPlaceAdam{}} {
				name := map[bool]string{false: "tutorial", true: "digits"}[digits] + "/" + obj.String() + "/" + u.String()
				b.Run(name, func(b *testing.B) {
					step := matchingStepper(b, obj, digits, u, false)
					step()
					b.ReportAllocs()
					for b.Loop() {
						step()
					}
				})
			}
		}
	}
}
