package odefunc_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/odefunc"
)

// The tutorial's MLP_ODE(num_hidden=8, num_layers=3, num_output=2).
func ExampleNewMLP() {
	net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2}, rand.NewPCG(1, 2))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range net.Layers() {
		fmt.Printf("%T %d→%d\n", l, l.In(), l.Out())
	}
	// Output:
	// *odefunc.TimeConcat 2→4
	// *odefunc.Linear 4→8
	// *odefunc.ActivationLayer 8→8
	// *odefunc.Linear 8→8
	// *odefunc.ActivationLayer 8→8
	// *odefunc.Linear 8→2
}

// f and the exact trace of ∂f/∂z for a batch of two points.
func ExampleDynamics_FTrace() {
	net, _ := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2}, rand.NewPCG(1, 2))
	dyn, _ := odefunc.New(net)
	z := []float64{0.5, -0.5, 1, 2} // two points, row-major
	dz := make([]float64, 4)
	tr := make([]float64, 2)
	if err := dyn.FTrace(dz, tr, 0.3, z, odefunc.ExactTrace, nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("f = %.4f\ntr = %.4f\n", dz, tr)
	// Output:
	// f = [0.2780 -0.0780 -0.4031 0.3118]
	// tr = [0.1705 -0.0446]
}
