package distributions_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/distributions"
	"gorgonia.org/tensor"
)

// A full-covariance Gaussian N(μ, L·Lᵀ): its log-density at μ is
// −D/2·log 2π − Σ log L_ii, and its parameters are the mean and L (with
// log L_ii on the diagonal), so that a Trainer can fit it or a flow can
// use it as its base.
func ExampleMultivariateNormalTriL() {
	m, err := distributions.NewMultivariateNormalTriL(
		[]float64{1, -1},
		[]float64{
			2, 0,
			0.5, 0.25,
		}, rand.NewPCG(1, 2))
	if err != nil {
		fmt.Println(err)
		return
	}
	lp, _ := m.LogProb(tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float64{1, -1})))
	fmt.Printf("log p(μ) = %.6f = %.6f\n", lp[0], -math.Log(2*math.Pi)-math.Log(2*0.25))
	fmt.Println("scale parameter:", m.Params()[1].Float64s()[:3], "…")
	s, _ := m.Sample(100000)
	mean := [2]float64{}
	for r := range 100000 {
		mean[0] += s.Float64s()[2*r] / 100000
		mean[1] += s.Float64s()[2*r+1] / 100000
	}
	fmt.Printf("sample mean ≈ [%.2f %.2f]\n", mean[0], mean[1])
	// Output:
	// log p(μ) = -1.144730 = -1.144730
	// scale parameter: [0.6931471805599453 0 0.5] …
	// sample mean ≈ [1.00 -1.00]
}

// A mixture of two Gaussians with weights 1/4 and 3/4: far from the
// second component, the density is the first one's times its weight.
func ExampleGaussianMixture() {
	a, _ := distributions.NewMultivariateNormalTriL([]float64{-5}, []float64{1}, nil)
	b, _ := distributions.NewMultivariateNormalTriL([]float64{5}, []float64{1}, nil)
	g, err := distributions.NewGaussianMixture([]float64{0, math.Log(3)}, []*distributions.MultivariateNormalTriL{a, b}, rand.NewPCG(3, 4))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("weights %.2f\n", g.Weights())
	lp, _ := g.LogProb(tensor.New(tensor.WithShape(1, 1), tensor.WithBacking([]float64{-5})))
	fmt.Printf("log p(−5) = %.6f ≈ log ¼ − ½ log 2π = %.6f\n", lp[0], math.Log(0.25)-0.5*math.Log(2*math.Pi))
	s, _ := g.Sample(100000)
	right := 0
	for _, v := range s.Float64s() {
		if v > 0 {
			right++
		}
	}
	fmt.Printf("share of samples near +5: %.2f\n", float64(right)/100000)
	// Output:
	// weights [0.25 0.75]
	// log p(−5) = -2.305233 ≈ log ¼ − ½ log 2π = -2.305233
	// share of samples near +5: 0.75
}
