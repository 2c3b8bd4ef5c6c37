package train_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/train"
	"gorgonia.org/tensor"
)

// The real-data recipe: fit the preprocessing and a mixture base on
// training rows, choose on validation rows, start the flow there, train
// with early stopping (the start competing), and compare with the
// baselines on held-out rows.
func ExampleNewStart() {
	r := rand.New(rand.NewPCG(1, 2))
	rows := func(n int) *tensor.Dense { // two correlated clusters
		x := make([]float64, 2*n)
		for i := 0; i < n; i++ {
			c := float64(2*r.IntN(2) - 1)
			a, b := r.NormFloat64(), r.NormFloat64()
			x[2*i], x[2*i+1] = 3*c+a, c+0.5*a+0.3*b
		}
		return tensor.New(tensor.WithShape(n, 2), tensor.WithBacking(x))
	}
	fit, val, test := rows(400), rows(100), rows(200)

	s, err := train.NewStart(fit, val, train.StartConfig{Preprocessing: train.Whiten, MixtureBase: true, Hidden: []int{16}}, rand.NewPCG(3, 4))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("base components:", s.Base.Components)
	tr, err := train.NewTrainer(s.Flow, train.Options{Epochs: 20, BatchSize: 100, LearningRate: 1e-2, Seed: 5,
		Validation: val, ValidateStart: true, Patience: 5})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := tr.Run(context.Background(), fit); err != nil {
		fmt.Println(err)
		return
	}
	b, err := train.FitBaselines(fit, val, nil, nil, nil, rand.NewPCG(6, 7))
	if err != nil {
		fmt.Println(err)
		return
	}
	h, err := train.Compare(s.Flow, b, test)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("mixture of %d components; held-out NLL: flow %.1f, Gaussian %.1f, mixture %.1f\n",
		b.Choice.Components, h.Model.Mean, h.Gaussian.Mean, h.Mixture.Mean)
	fmt.Println("flow within 2 s.e. of the mixture or better:", h.MinusMixture.Mean < 2*h.MinusMixture.SE)
	// Output:
	// base components: 2
	// mixture of 2 components; held-out NLL: flow 2.2, Gaussian 2.9, mixture 2.3
	// flow within 2 s.e. of the mixture or better: true
}
