package apitest

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
	"gorgonia.org/tensor"
)

// Hostile models for flow matching: a train.Composed whose Parts do not
// make a base and a bijector of the model's dimension.

// partsOf is a 2-D flow whose Parts report another base and bijector.
type partsOf struct {
	*distributions.TransformedDistribution
	base     distributions.Distribution
	bijector distributions.Bijector
}

func (p partsOf) Parts() (distributions.Distribution, distributions.Bijector) {
	return p.base, p.bijector
}

// TestHostileMatchingParts: a typed-nil base or block, or a base or a
// block of another dimension than the model's, is refused by NewTrainer
// with ErrInvalidConfig, before any training; none panics in Run.
func TestHostileMatchingParts(t *testing.T) {
	block := func(d int) *ffjord.FFJORD {
		net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: d, Hidden: []int{4}}, rand.NewPCG(3, 4))
		if err != nil {
			t.Fatal(err)
		}
		b, err := ffjord.New(net, ffjord.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	normal := func(d int) *distributions.Normal {
		n, err := distributions.NewNormal(make([]float64, d), ones(d), rand.NewPCG(1, 1))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	b2 := block(2)
	td, err := distributions.NewTransformed(normal(2), distributions.Chain{b2})
	if err != nil {
		t.Fatal(err)
	}
	var nilNormal *distributions.Normal
	var nilBlock *ffjord.FFJORD
	models := map[string]partsOf{
		"typed-nil base":      {td, nilNormal, distributions.Chain{b2}},
		"typed-nil bijector":  {td, normal(2), nilBlock},
		"typed-nil block":     {td, normal(2), distributions.Chain{nilBlock}},
		"3-D base, 2-D model": {td, normal(3), distributions.Chain{b2}},
		"2-D base, 3-D block": {td, normal(2), distributions.Chain{block(3)}},
	}
	x := tensor.New(tensor.WithShape(8, 2), tensor.WithBacking(make([]float64, 16)))
	cases := 0
	for name, m := range models {
		for _, crit := range []train.Criterion{train.CFM{}, train.OTCFM{}} {
			cases++
			err := errOf(t, name, func() error {
				tr, err := train.NewTrainer(m, train.Options{Epochs: 1, BatchSize: 4, Objective: crit})
				if err != nil {
					return err
				}
				return tr.Run(context.Background(), x)
			})
			if !errors.Is(err, train.ErrInvalidConfig) {
				t.Errorf("%s, %v: got %v, want ErrInvalidConfig", name, crit, err)
			} else {
				t.Logf("%s, %v: %v", name, crit, err)
			}
		}
	}
	countCases(t, "matching_test.go", cases)
}

func ones(d int) []float64 {
	v := make([]float64, d)
	for i := range v {
		v[i] = 1
	}
	return v
}
