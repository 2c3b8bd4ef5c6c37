package distributions_test

import (
	"fmt"
	"math"

	"github.com/ffjord-go/ffjord-go/distributions"
	"gorgonia.org/tensor"
)

// Marginal Gaussianisation: a coordinate goes through its own 1-D
// mixture's CDF and then Φ⁻¹, so data of that mixture comes out N(0, 1).
// A standard normal pushed through it has exactly the mixture's density,
// and a point a thousand scales out still maps to finite values.
func ExampleMixtureCDF() {
	// One coordinate of density 0.3·N(−2, 0.5²) + 0.7·N(1.5, 1).
	b, err := distributions.NewMixtureCDF(
		[]float64{math.Log(0.3), math.Log(0.7)}, // logits
		[]float64{-2, 1.5},                      // means
		[]float64{0.5, 1},                       // scales
		1, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	x := tensor.New(tensor.WithShape(4, 1), tensor.WithBacking([]float64{-2, 0, 1.5, 1000}))
	z, ld, err := b.InverseWithLogDet(x)
	if err != nil {
		fmt.Println(err)
		return
	}
	for r, v := range x.Float64s() {
		fmt.Printf("x = %4g  z = %9.4f  log|dz/dx| = %.3g\n", v, z.Float64s()[r], ld[r])
	}
	back, _ := b.Forward(z)
	worst := 0.0
	for r, v := range back.Float64s() {
		worst = max(worst, math.Abs(v-x.Float64s()[r])/math.Max(1, math.Abs(v)))
	}
	fmt.Println("round trip within 1e-12:", worst < 1e-12)

	base, _ := distributions.NewNormal([]float64{0}, []float64{1}, nil)
	d := &distributions.TransformedDistribution{Base: base, Bijector: b}
	lp, _ := d.LogProb(tensor.New(tensor.WithShape(1, 1), tensor.WithBacking([]float64{0})))
	normal := func(x, m, s float64) float64 { return math.Exp(-0.5*(x-m)*(x-m)/(s*s)) / (s * math.Sqrt(2*math.Pi)) }
	fmt.Printf("log p(0) = %.6f, log(0.3·N(0; −2, 0.5²) + 0.7·N(0; 1.5, 1)) = %.6f\n",
		lp[0], math.Log(0.3*normal(0, -2, 0.5)+0.7*normal(0, 1.5, 1)))
	// Output:
	// x =   -2  z =   -1.0357  log|dz/dx| = 0.0281
	// x =    0  z =   -0.3941  log|dz/dx| = -1.4
	// x =  1.5  z =    0.3853  log|dz/dx| = -0.282
	// x = 1000  z =  998.5004  log|dz/dx| = -3.58e-07
	// round trip within 1e-12: true
	// log p(0) = -2.399728, log(0.3·N(0; −2, 0.5²) + 0.7·N(0; 1.5, 1)) = -2.399728
}
