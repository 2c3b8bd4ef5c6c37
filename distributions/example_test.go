package distributions_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/distributions"
	"gorgonia.org/tensor"
)

// The tutorial's base, N(0, 0.8² I), pushed through a chain.
func ExampleTransformedDistribution() {
	base, _ := distributions.NewNormal([]float64{0, 0}, []float64{0.8, 0.8}, rand.NewPCG(1, 2))
	chain, _ := distributions.NewChain(distributions.Identity{D: 2})
	d, _ := distributions.NewTransformed(base, chain)

	x := tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float64{0, 0}))
	lp, _ := d.LogProb(x)
	fmt.Printf("log p(0) = %.6f = −log(2π·0.64) = %.6f\n", lp[0], -math.Log(2*math.Pi*0.64))
	s, _ := d.Sample(3)
	fmt.Println(s.Shape())
	// Output:
	// log p(0) = -1.391590 = −log(2π·0.64) = -1.391590
	// (3, 2)
}

// Points in plain slices: LogProbRows and SampleRows work with any
// Distribution, a trained flow among them.
func ExampleLogProbRows() {
	d, _ := distributions.NewNormal([]float64{0, 0}, []float64{1, 1}, rand.NewPCG(1, 2))
	lp, _ := distributions.LogProbRows(d, [][]float64{{0, 0}, {1, 0}})
	fmt.Printf("%.4f %.4f\n", lp[0], lp[1])
	rows, _ := distributions.SampleRows(d, 3)
	fmt.Println(len(rows), len(rows[0]))
	// Output:
	// -1.8379 -2.3379
	// 3 2
}
