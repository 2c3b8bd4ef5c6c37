package ffjordgo_test

import (
	"context"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"github.com/ffjord-go/ffjord-go/viz"
)

// Example is README's library snippet, which TestREADMESnippet keeps equal
// to it: train the tutorial's flow briefly on two moons, evaluate it on
// fresh points before and after, sample it and save its exact density as a
// picture.
func Example() {
	flow, err := train.NewFlow(train.FlowConfig{Dim: 2}, train.Settings{}, rand.NewPCG(1, 2))
	if err != nil {
		log.Fatal(err)
	}
	data, err := datasets.Moons(2048, datasets.MoonsNoise, true, rand.NewPCG(3, 4))
	if err != nil {
		log.Fatal(err)
	}
	test, err := datasets.Moons(2048, datasets.MoonsNoise, true, rand.NewPCG(5, 6))
	if err != nil {
		log.Fatal(err)
	}
	before, err := flow.NLL(test) // mean −log p(x) in nats, exact trace
	if err != nil {
		log.Fatal(err)
	}
	trainer, err := train.NewTrainer(flow, train.Options{Epochs: 2}) // the tutorial trains 40
	if err != nil {
		log.Fatal(err)
	}
	if err := trainer.Run(context.Background(), data); err != nil {
		log.Fatal(err)
	}
	after, err := flow.NLL(test)
	if err != nil {
		log.Fatal(err)
	}
	samples, err := flow.Sample(1000) // a 1000×2 *tensor.Dense
	if err != nil {
		log.Fatal(err)
	}
	fig, err := viz.DensityHeatmap(flow, viz.DensityOptions{})
	if err != nil {
		log.Fatal(err)
	}
	if err := fig.Save(filepath.Join(os.TempDir(), "density.png")); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("training lowered the test NLL: %v; samples %v\n", after < before, samples.Shape())
	// Output:
	// training lowered the test NLL: true; samples (1000, 2)
}
