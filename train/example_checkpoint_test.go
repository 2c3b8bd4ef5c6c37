package train_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
)

// NewTrainer takes the options of a training: here held-out rows validated
// after every epoch, early stopping after two epochs without a better
// validation NLL, a line of our own per epoch, and a checkpoint saved after
// every epoch. When Run ends, the model holds the best validated
// parameters.
func ExampleNewTrainer() {
	data, _ := datasets.Moons(512, datasets.MoonsNoise, true, rand.NewPCG(1, 1))
	held, _ := datasets.Moons(256, datasets.MoonsNoise, true, rand.NewPCG(2, 2))
	flow, _ := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{8}}, train.Settings{}, rand.NewPCG(3, 3))
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)

	trainer, err := train.NewTrainer(flow, train.Options{
		Epochs: 3, BatchSize: 128, Seed: 4,
		Validation: held, Patience: 2,
		Checkpoint: filepath.Join(dir, "model.json"),
		OnEpoch: func(e train.EpochStats) error {
			fmt.Printf("epoch %d\n", e.Epoch)
			return nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := trainer.Run(context.Background(), data); err != nil {
		fmt.Println(err)
		return
	}
	best, nll := trainer.Best()
	now, _ := flow.NLL(held)
	fmt.Printf("best epoch %d; the model is its parameters: %v\n", best, now == nll)
	// Output:
	// epoch 1
	// epoch 2
	// epoch 3
	// best epoch 3; the model is its parameters: true
}

// A checkpoint keeps a model, with its solver settings, and the state of
// its training when a Trainer saved it: Load gives both back, the model
// evaluates as it did, and Resume continues the training where it stopped.
func ExampleLoad() {
	data, _ := datasets.Moons(256, datasets.MoonsNoise, true, rand.NewPCG(1, 1))
	flow, _ := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{8}}, train.Settings{}, rand.NewPCG(3, 3))
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.json")
	trainer, _ := train.NewTrainer(flow, train.Options{Epochs: 1, BatchSize: 128, Seed: 4, Checkpoint: path})
	if err := trainer.Run(context.Background(), data); err != nil {
		fmt.Println(err)
		return
	}

	ck, err := train.Load(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	before, _ := flow.LogProb(data)
	after, _ := ck.Flow.LogProb(data)
	fmt.Println("same log p:", slices.Equal(before, after), "epochs done:", ck.Training.Epoch)

	more, err := train.Resume(ck, train.Options{Epochs: 2, BatchSize: 128, Seed: 4, Checkpoint: path})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := more.Run(context.Background(), data); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("epochs in the history:", len(more.History()))

	// A file that is not a checkpoint is refused with ErrCheckpoint.
	_ = os.WriteFile(path, []byte("{}"), 0o644)
	_, err = train.Load(path)
	fmt.Println("not a checkpoint:", errors.Is(err, train.ErrCheckpoint))
	// Output:
	// same log p: true epochs done: 1
	// epochs in the history: 2
	// not a checkpoint: true
}
