package train_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
)

// A short run of the tutorial's model on two moons.
func ExampleTrainer() {
	data, _ := datasets.Moons(512, datasets.MoonsNoise, true, rand.NewPCG(1, 1))
	flow, _ := train.NewFlow(train.FlowConfig{Dim: 2}, train.Settings{}, rand.NewPCG(2, 2))
	trainer, _ := train.NewTrainer(flow, train.Options{Epochs: 2, BatchSize: 128, Seed: 3})
	if err := trainer.Run(context.Background(), data); err != nil {
		fmt.Println(err)
		return
	}
	h := trainer.History()
	fmt.Println("epochs:", len(h), "loss fell:", h[1].Loss < h[0].Loss)
	s, _ := flow.Sample(4)
	fmt.Println("samples:", s.Shape())
	// Output:
	// epochs: 2 loss fell: true
	// samples: (4, 2)
}
