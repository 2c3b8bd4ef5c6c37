// Command gen writes the version-1 checkpoints under checkpoint/testdata/v1
// (train/testdata/v1 when it ran) and the log-densities they must
// reproduce. It was run at the commit named on the command line, before
// format version 2 existed, and builds only there:
//
//	go run ./train/testdata/v1/gen <dir> <name>
//
// It trains a small flow (two blocks, concatenated then concatsquash, with
// learned end times) for two epochs without interruption and records log p
// at the end; then trains the same flow again, saving after every epoch and
// stopping after the first, and records log p of the saved flow.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
)

func main() {
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func flow() (*train.Flow, error) {
	return train.NewFlow(train.FlowConfig{
		Dim: 2, Blocks: 2, Hidden: []int{4}, T1: 0.7, LearnTime: true,
		BlockTime: []odefunc.TimeInput{odefunc.ConcatTime, odefunc.ConcatSquash},
	}, train.Settings{}, rand.NewPCG(61, 62))
}

// Points are where log p is recorded.
var points = []float64{0.1, 0.2, 1, -0.5, -1, 0.3, 0.7, 1.4}

func logProb(f *train.Flow) ([]uint64, error) {
	lp, err := f.LogProb(batch.New(4, 2, append([]float64(nil), points...)))
	if err != nil {
		return nil, err
	}
	bits := make([]uint64, len(lp))
	for i, v := range lp {
		bits[i] = math.Float64bits(v)
	}
	return bits, nil
}

func run(dir, name string) error {
	data, err := datasets.Moons(64, 0.06, true, rand.NewPCG(5, 6))
	if err != nil {
		return err
	}
	opts := train.Options{Epochs: 2, BatchSize: 32, LearningRate: 3e-2, Seed: 11}

	whole, err := flow()
	if err != nil {
		return err
	}
	tr, err := train.NewTrainer(whole, opts)
	if err != nil {
		return err
	}
	if err := tr.Run(context.Background(), data); err != nil {
		return err
	}
	after, err := logProb(whole)
	if err != nil {
		return err
	}

	part, err := flow()
	if err != nil {
		return err
	}
	stop := errors.New("stop")
	first := opts
	first.Checkpoint = filepath.Join(dir, name+".json")
	first.OnEpoch = func(s train.EpochStats) error {
		if s.Epoch == 1 {
			return stop
		}
		return nil
	}
	tr, err = train.NewTrainer(part, first)
	if err != nil {
		return err
	}
	if err := tr.Run(context.Background(), data); !errors.Is(err, stop) {
		return fmt.Errorf("first epoch: %v", err)
	}
	saved, err := logProb(part)
	if err != nil {
		return err
	}
	out, err := json.MarshalIndent(map[string]any{
		"points": points, "logprob_saved": saved, "logprob_after_epoch_2": after,
	}, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name+"_expected.json"), append(out, '\n'), 0o644)
}
