package graph_test

import (
	"fmt"

	"github.com/ffjord-go/ffjord-go/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// A program is built once and run many times on new inputs.
func ExampleCompile() {
	w := tensor.New(tensor.WithShape(2, 1), tensor.WithBacking([]float64{1, 2}))
	p, err := graph.Compile(func(g *G.ExprGraph) ([]*G.Node, []*G.Node, error) {
		x := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 2), G.WithName("x"))
		wn := G.NewMatrix(g, tensor.Float64, G.WithShape(2, 1), G.WithName("w"), G.WithValue(w))
		y, err := G.Mul(x, wn)
		if err != nil {
			return nil, nil, err
		}
		return []*G.Node{x}, []*G.Node{y}, nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, in := range [][]float64{{1, 0, 0, 1, 1, 1}, {2, 2, 3, 3, 0, 1}} {
		copy(p.Input(0), in)
		if err := p.Run(); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(p.Output(0))
	}
	// Output:
	// [1 2 3]
	// [6 9 2]
}
