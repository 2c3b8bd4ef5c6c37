package ffjord_test

import (
	"fmt"
	"math"

	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// scaling is a user-defined dynamics f(t, z) = a·z, whose flow over [0, 1]
// multiplies z by eᵃ with log-det D·a. Its Jacobian–vector product is a·v.
type scaling struct{ a *tensor.Dense }

func (s scaling) Dim() int                { return 2 }
func (s scaling) Params() []*tensor.Dense { return []*tensor.Dense{s.a} }
func (s scaling) Build(_, z *G.Node, params, dirs []*G.Node) (*G.Node, []*G.Node, error) {
	a, err := G.Reshape(params[0], tensor.Shape{}) // the 1×1 parameter as a scalar
	if err != nil {
		return nil, nil, err
	}
	f, err := G.Mul(z, a)
	if err != nil {
		return nil, nil, err
	}
	jv := make([]*G.Node, len(dirs))
	for i, v := range dirs {
		if jv[i], err = G.Mul(v, a); err != nil {
			return nil, nil, err
		}
	}
	return f, jv, nil
}

func ExampleFFJORD() {
	a := tensor.New(tensor.WithShape(1, 1), tensor.WithBacking([]float64{0.5}))
	b, err := ffjord.New(scaling{a}, ffjord.Options{Solver: ode.Settings{Controller: ode.Adaptive{RTol: 1e-9, ATol: 1e-9}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	x := tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float64{1, -2}))
	y, ldj, err := b.ForwardWithLogDet(x)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("y = %.6f (e^0.5 = %.6f)\n", y.Float64s(), math.Exp(0.5))
	fmt.Printf("log|det| = %.6f\n", ldj[0])
	back, _ := b.Inverse(y)
	fmt.Printf("inverse = %.6f\n", back.Float64s())
	// Output:
	// y = [1.648721 -3.297443] (e^0.5 = 1.648721)
	// log|det| = 1.000000
	// inverse = [1.000000 -2.000000]
}
