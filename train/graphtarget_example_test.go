package train_test

import (
	"fmt"

	"github.com/ffjord-go/ffjord-go/train"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// A target written as a Gorgonia graph: log π̃(x) = −½‖x − μ‖² on ℝ³,
// built from the vector x with elementwise operations and a sum. The
// gradient, μ − x, is Gorgonia's, taken once when the target is compiled.
// The result is a train.Target, for ReverseKL{Target: t}.
func ExampleNewGraphTarget() {
	mu := []float64{1, -2, 0.5}
	t, err := train.NewGraphTarget(3, func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
		m := G.NewVector(g, tensor.Float64, G.WithShape(3), G.WithName("mu"),
			G.WithValue(tensor.New(tensor.WithBacking(mu))))
		d, err := G.Sub(x, m)
		if err != nil {
			return nil, err
		}
		ss, err := G.Sum(G.Must(G.Square(d)))
		if err != nil {
			return nil, err
		}
		return G.Mul(G.NewConstant(-0.5), ss)
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	grad := make([]float64, 3)
	logp := t.LogDensityGrad(grad, []float64{0, 0, 0})
	fmt.Printf("log π̃ = %.3f, ∇ = %.1f\n", logp, grad)
	logp = t.LogDensityGrad(grad, []float64{2, -1, 1.5})
	fmt.Printf("log π̃ = %.3f, ∇ = %.1f, err = %v\n", logp, grad, t.Err())
	// Output:
	// log π̃ = -2.625, ∇ = [1.0 -2.0 0.5]
	// log π̃ = -1.500, ∇ = [-1.0 -1.0 -1.0], err = <nil>
}
