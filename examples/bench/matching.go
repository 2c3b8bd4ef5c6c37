package main

import (
	"context"
	"runtime"
	"time"

	"github.com/ffjord-go/ffjord-go/train"
	"gorgonia.org/tensor"
)

// stepCosts prints the cost of one training step of the tutorial's model on
// a batch of 256 for each objective: maximum likelihood through the solver
// beside flow matching (one evaluation of the field and one VJP per step,
// OT-CFM adding the batch's assignment), flow matching also with
// train.InPlaceAdam (the *_inplace lines).
func stepCosts(batch *tensor.Dense) error {
	var mle float64
	for _, obj := range []train.Criterion{train.MLE{}, train.CFM{SigmaMin: 0.1}, train.OTCFM{SigmaMin: 0.1}} {
		for _, u := range []train.AdamUpdate{train.GorgoniaAdam{}, train.InPlaceAdam{}} {
			if obj == (train.MLE{}) && u == (train.InPlaceAdam{}) {
				continue
			}
			us, allocs, err := stepCost(batch, obj, u)
			if err != nil {
				return err
			}
			name := obj.String() + adamSuffix(u)
			emit("step_"+name, us, "us")
			emit("step_allocs_"+name, allocs, "allocs")
			if obj == (train.MLE{}) {
				mle = us
			} else {
				emit("ratio_step_"+name+"_vs_mle", us/mle, "x")
			}
		}
	}
	return nil
}

// adamSuffix names the Adam update in a figure's name: nothing for the
// default, Gorgonia's.
func adamSuffix(u train.AdamUpdate) string {
	if u == (train.GorgoniaAdam{}) {
		return ""
	}
	return "_" + u.String()
}

// stepCost trains fresh weights for warm steps on the one batch (programs
// compiled, buffers grown), then times steps more and counts their
// allocations.
func stepCost(batch *tensor.Dense, obj train.Criterion, u train.AdamUpdate) (us, allocs float64, err error) {
	flow, err := newFlow()
	if err != nil {
		return 0, 0, err
	}
	return timeSteps(flow, batch, obj, u, 5, 40)
}

// timeSteps trains flow for warm steps on the one batch with the Adam
// update u, then times steps more and counts their allocations. Each
// step is an epoch of one batch, and an epoch's record (its EpochStats in
// the Trainer's History) allocates too: 2 times, and the History grows
// now and then.
func timeSteps(flow *train.Flow, batch *tensor.Dense, obj train.Criterion, u train.AdamUpdate, warm, steps int) (us, allocs float64, err error) {
	var start time.Time
	var before runtime.MemStats
	opts := train.Options{Epochs: warm + steps, Seed: 3, Objective: obj, Adam: u, OnEpoch: func(s train.EpochStats) error {
		if s.Epoch == warm {
			runtime.ReadMemStats(&before)
			start = time.Now()
		}
		return nil
	}}
	tr, err := train.NewTrainer(flow, opts)
	if err != nil {
		return 0, 0, err
	}
	if err := tr.Run(context.Background(), batch); err != nil {
		return 0, 0, err
	}
	elapsed := time.Since(start)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	return float64(elapsed.Microseconds()) / float64(steps), float64(after.Mallocs-before.Mallocs) / float64(steps), nil
}
