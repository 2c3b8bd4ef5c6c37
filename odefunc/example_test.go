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
func ExampleDynamics_Eval() {
	net, _ := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2}, rand.NewPCG(1, 2))
	dyn, _ := odefunc.New(net)
	z := []float64{0.5, -0.5, 1, 2} // two points, row-major
	dz := make([]float64, 4)
	tr := make([]float64, 2)
	if err := dyn.Eval(dz, odefunc.Terms{Trace: tr}, odefunc.Request{Z: z, T: 0.3, Want: odefunc.WantTrace, Trace: odefunc.ExactTrace}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("f = %.4f\ntr = %.4f\n", dz, tr)
	// Output:
	// f = [0.2780 -0.0780 -0.4031 0.3118]
	// tr = [0.1705 -0.0446]
}

// A per-row ODE state [z_r, ℓ_r] (the point and its log-det, 3 values a
// row) evaluated in place: f lands in the first two values of each row of
// dy and the trace in the third, each row at its own time. The values are
// those of the example above.
func ExampleDynamics_Eval_packed() {
	net, _ := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2}, rand.NewPCG(1, 2))
	dyn, _ := odefunc.New(net)
	y := []float64{
		0.5, -0.5, 0, // z_0, ℓ_0
		1, 2, 0, // z_1, ℓ_1
	}
	t := []float64{0.3, 0.3}
	dy := make([]float64, len(y))
	if err := dyn.Eval(dy, odefunc.Terms{}, odefunc.Request{Z: y, Width: 3, Times: t, Want: odefunc.WantTrace, Trace: odefunc.ExactTrace}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.4f\n%.4f\n", dy[:3], dy[3:])
	// Output:
	// [0.2780 -0.0780 0.1705]
	// [-0.4031 0.3118 -0.0446]
}

// Per-row bookkeeping split over the goroutines that evaluate the
// dynamics: every index of [0, n) is visited once, whatever the parts.
func ExampleDynamics_Parallel() {
	net, _ := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2}, rand.NewPCG(1, 2))
	dyn, _ := odefunc.New(net)
	sq := make([]float64, 5000)
	dyn.Parallel(len(sq), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			sq[i] = float64(i) * float64(i)
		}
	})
	fmt.Println(sq[0], sq[2500], sq[4999])
	// Output:
	// 0 6.25e+06 2.4990001e+07
}
