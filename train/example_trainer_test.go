package train_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
)

// NewTrainer takes the options of a training: here held-out rows validated
// after every epoch, early stopping after two epochs without a better
// validation NLL and a line of our own per epoch (Options.Save takes a
// callback that saves each epoch: see package checkpoint). When Run ends,
// the model holds the best validated parameters.
func ExampleNewTrainer() {
	data, _ := datasets.Moons(512, datasets.MoonsNoise, true, rand.NewPCG(1, 1))
	held, _ := datasets.Moons(256, datasets.MoonsNoise, true, rand.NewPCG(2, 2))
	flow, _ := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{8}}, train.Settings{}, rand.NewPCG(3, 3))

	trainer, err := train.NewTrainer(flow, train.Options{
		Epochs: 3, BatchSize: 128, Seed: 4,
		Validation: held, Patience: 2,
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
