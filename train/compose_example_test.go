package train_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// linearField is a user's own dynamics, f(t, z) = z·A + b: a Model builds f
// and its Jacobian–vector products v·A as a Gorgonia graph.
type linearField struct{ a, b *tensor.Dense }

func newLinearField() linearField {
	return linearField{
		a: tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float64{0, 0, 0, 0})),
		b: tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float64{0, 0})),
	}
}

func (m linearField) Dim() int                { return 2 }
func (m linearField) Params() []*tensor.Dense { return []*tensor.Dense{m.a, m.b} }
func (m linearField) Build(_, z *G.Node, params, dirs []*G.Node) (*G.Node, []*G.Node, error) {
	za, err := G.Mul(z, params[0])
	if err != nil {
		return nil, nil, err
	}
	f, err := G.BroadcastAdd(za, params[1], nil, []byte{0})
	if err != nil {
		return nil, nil, err
	}
	jvps := make([]*G.Node, len(dirs))
	for i, v := range dirs {
		if jvps[i], err = G.Mul(v, params[0]); err != nil {
			return nil, nil, err
		}
	}
	return f, jvps, nil
}

// A flow whose dynamics is the user's own Model trains like the tutorial's:
// one FFJORD block of f(z) = z·A + b on a standard Normal base learns a
// Gaussian, whose best NLL is its entropy.
func ExampleNewFlowOf_ownModel() {
	field := newLinearField()
	block, _ := ffjord.New(field, ffjord.Options{})
	base, _ := distributions.NewNormal([]float64{0, 0}, []float64{1, 1}, rand.NewPCG(1, 1))
	dist, _ := distributions.NewTransformed(base, block)
	flow, err := train.NewFlowOf(dist, train.Settings{})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Data: N((2, −1), diag(0.5², 1.5²)), entropy 1 + log 2π + log 0.75 = 2.55.
	r := rand.New(rand.NewPCG(2, 2))
	x := make([]float64, 2*2048)
	for i := 0; i < len(x); i += 2 {
		x[i], x[i+1] = 2+0.5*r.NormFloat64(), -1+1.5*r.NormFloat64()
	}
	data := tensor.New(tensor.WithShape(2048, 2), tensor.WithBacking(x))
	trainer, _ := train.NewTrainer(flow, train.Options{Epochs: 30, LearningRate: 0.05, Seed: 3})
	if err := trainer.Run(context.Background(), data); err != nil {
		fmt.Println(err)
		return
	}
	nll, _ := flow.NLL(data)
	fmt.Printf("NLL %.2f (entropy 2.55)\n", nll)
	// Output:
	// NLL 2.55 (entropy 2.55)
}

// Blocks whose dynamics are composed of library layers — here t as one
// column, a tanh layer of 16, and softplus instead of the tutorial's MLP —
// on a Normal base with a learnable mean and scale.
func ExampleNewFlowOf_layers() {
	src := rand.NewPCG(4, 4)
	var blocks []distributions.Bijector
	for range 2 {
		l1, _ := odefunc.NewLinear(3, 16, src)
		l2, _ := odefunc.NewLinear(16, 2, src)
		net, err := odefunc.NewNetwork(2,
			&odefunc.TimeConcat{Copies: 1, Width: 2},
			l1, &odefunc.ActivationLayer{Fn: odefunc.Softplus, Width: 16},
			l2)
		if err != nil {
			fmt.Println(err)
			return
		}
		b, _ := ffjord.New(net, ffjord.Options{})
		blocks = append(blocks, b)
	}
	chain, _ := distributions.NewChain(blocks...)
	base, _ := distributions.NewLearnableNormal([]float64{0, 0}, []float64{1, 1}, rand.NewPCG(5, 5))
	dist, _ := distributions.NewTransformed(base, chain)
	flow, _ := train.NewFlowOf(dist, train.Settings{})

	data, _ := datasets.Moons(1024, datasets.MoonsNoise, true, rand.NewPCG(6, 6))
	before, _ := flow.NLL(data)
	trainer, _ := train.NewTrainer(flow, train.Options{Epochs: 3, Seed: 7})
	if err := trainer.Run(context.Background(), data); err != nil {
		fmt.Println(err)
		return
	}
	after, _ := flow.NLL(data)
	fmt.Printf("parameters: %d tensors; NLL fell: %t\n", len(flow.Params()), after < before-0.2)
	// Output:
	// parameters: 10 tensors; NLL fell: true
}

// A chain mixing an Affine bijector with FFJORD blocks: for data far from
// the origin and not of unit scale, the Affine, applied first when
// computing densities, centres and scales it for the block. (The moons'
// entropy, 0.47 nats, becomes 0.47 + 2 log 4 = 3.25 at four times the scale.)
func ExampleAffine_inAChain() {
	net, _ := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2}, rand.NewPCG(8, 8))
	block, _ := ffjord.New(net, ffjord.Options{})
	affine, _ := distributions.NewAffine([]float64{0, 0}, []float64{0, 0}) // the identity
	// Chain{affine, block}: x = affine(block(z)); log p(x) undoes the affine first.
	chain, _ := distributions.NewChain(affine, block)
	base, _ := distributions.NewNormal([]float64{0, 0}, []float64{1, 1}, rand.NewPCG(9, 9))
	dist, _ := distributions.NewTransformed(base, chain)
	flow, _ := train.NewFlowOf(dist, train.Settings{})

	data, _ := datasets.Moons(1024, datasets.MoonsNoise, true, rand.NewPCG(10, 10))
	x := data.Float64s()
	for i := range x {
		x[i] = 4*x[i] + 10 // far away and wide
	}
	before, _ := flow.NLL(data)
	trainer, _ := train.NewTrainer(flow, train.Options{Epochs: 15, BatchSize: 64, LearningRate: 0.05, Seed: 11})
	if err := trainer.Run(context.Background(), data); err != nil {
		fmt.Println(err)
		return
	}
	after, _ := flow.NLL(data)
	fmt.Printf("NLL %.0f before training, %.1f after\n", before, after)
	// Output:
	// NLL 151 before training, 4.6 after
}
