package checkpoint_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	"github.com/ffjord-go/ffjord-go/checkpoint"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
)

// A checkpoint keeps a model, with its solver settings, and the state of
// its training when a Trainer saved it: Load gives both back, the model
// evaluates as it did, and Resume continues the training where it stopped.
func ExampleLoad() {
	data, _ := datasets.Moons(256, datasets.MoonsNoise, true, rand.NewPCG(1, 1))
	flow, _ := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{8}}, train.Settings{}, rand.NewPCG(3, 3))
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.json")
	trainer, _ := train.NewTrainer(flow, train.Options{Epochs: 1, BatchSize: 128, Seed: 4, Save: checkpoint.Saver(path, flow, checkpoint.Codec{})})
	if err := trainer.Run(context.Background(), data); err != nil {
		fmt.Println(err)
		return
	}

	ck, err := checkpoint.Load(path, checkpoint.Codec{})
	if err != nil {
		fmt.Println(err)
		return
	}
	before, _ := flow.LogProb(data)
	after, _ := ck.Flow.LogProb(data)
	fmt.Println("same log p:", slices.Equal(before, after), "epochs done:", ck.Training.Epoch)

	more, err := checkpoint.Resume(ck, train.Options{Epochs: 2, BatchSize: 128, Seed: 4, Save: checkpoint.Saver(path, ck.Flow, checkpoint.Codec{})})
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
	_, err = checkpoint.Load(path, checkpoint.Codec{})
	fmt.Println("not a checkpoint:", errors.Is(err, checkpoint.ErrCheckpoint))
	// Output:
	// same log p: true epochs done: 1
	// epochs in the history: 2
	// not a checkpoint: true
}
