package distributions_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/distributions"
	"gorgonia.org/tensor"
)

// Chain applies its last bijector first, as TFP's tfb.Chain does: here
// x ↦ 2·(x + 1), the shift first, then the scale.
func ExampleChain() {
	shift, _ := distributions.NewAffine([]float64{1}, []float64{0})           // x + 1
	scale, _ := distributions.NewAffine([]float64{0}, []float64{math.Log(2)}) // 2x
	chain, _ := distributions.NewChain(scale, shift)

	x := tensor.New(tensor.WithShape(2, 1), tensor.WithBacking([]float64{0, 3}))
	y, ld, _ := chain.ForwardWithLogDet(x)
	back, _ := chain.Inverse(y)
	fmt.Printf("forward %v, log|det| %.4f = log 2\n", y.Float64s(), ld[0])
	fmt.Println("inverse", back.Float64s())
	// Output:
	// forward [2 8], log|det| 0.6931 = log 2
	// inverse [0 3]
}

// RecordLogProb is the route training takes: one recorded pass gives
// log p of each row, and its Backward the gradient of any loss of them —
// here the mean NLL — with respect to the points and to every parameter
// (Params: the base's, if learnable — NewNormal's is not — then the
// bijector's). A central difference checks one entry.
func ExampleTransformedDistribution_RecordLogProb() {
	base, _ := distributions.NewNormal([]float64{0, 0}, []float64{1, 1}, rand.NewPCG(1, 2))
	affine, _ := distributions.NewAffine([]float64{0.5, -1}, []float64{0.1, 0.3})
	d, _ := distributions.NewTransformed(base, affine)
	x := []float64{1, 0, -0.5, 2, 0.3, 0.3} // three points, row-major
	nll := func() float64 {
		lp, _ := d.LogProb(tensor.New(tensor.WithShape(3, 2), tensor.WithBacking(append([]float64(nil), x...))))
		return -(lp[0] + lp[1] + lp[2]) / 3
	}

	pass, err := d.RecordLogProb(x, 3, distributions.Request{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("log p: %.4f\n", pass.LogProb)
	grads := make([][]float64, len(d.Params()))
	for i, p := range d.Params() {
		grads[i] = make([]float64, p.Shape().TotalSize())
	}
	cot := []float64{-1.0 / 3, -1.0 / 3, -1.0 / 3} // ∂NLL/∂log p of each row
	if _, err := pass.Backward(distributions.Cotangents{LogDet: cot}, grads); err != nil {
		fmt.Println(err)
		return
	}
	shift := d.Params()[0].Float64s() // the Affine's shift
	const h = 1e-6
	shift[0] += h
	up := nll()
	shift[0] -= 2 * h
	down := nll()
	shift[0] += h
	fmt.Printf("∂NLL/∂shift₀: %.6f, central difference %.6f\n", grads[0][0], (up-down)/(2*h))
	// Output:
	// log p: [-2.6146 -5.1169 -2.7180]
	// ∂NLL/∂shift₀: 0.191037, central difference 0.191037
}
