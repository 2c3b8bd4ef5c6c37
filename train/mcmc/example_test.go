package mcmc_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/train/mcmc"
	"github.com/ffjord-go/ffjord-go/train/targets"
)

// Four chains on the banana x₁ ~ N(0, 1), x₂ − x₁² ~ N(0, 1), whose x₂
// has mean E[x₁²] = 1, and the convergence checks of one coordinate.
func ExampleHMC_Run() {
	banana := targets.Banana{B: 1}
	h := mcmc.HMC{Warmup: 500, Samples: 2000}
	x2 := make([][]float64, 4)
	for c := range x2 {
		ch, _ := h.Run(banana, []float64{float64(c) - 1.5, 0}, rand.NewPCG(uint64(c), 1))
		for k := range h.Samples {
			x2[c] = append(x2[c], ch.Draws[2*k+1])
		}
	}
	var mean float64
	for _, d := range x2 {
		for _, v := range d {
			mean += v / 8000
		}
	}
	se, _ := mcmc.MCSE(x2)
	r, _ := mcmc.RHat(x2)
	ess, _ := mcmc.BulkESS(x2)
	fmt.Printf("E[x₂] = %.2f ± %.2f (exact 1)\n", mean, se)
	fmt.Printf("R̂ < 1.01: %v, bulk ESS > 400: %v\n", r < 1.01, ess > 400)
	// Output:
	// E[x₂] = 1.04 ± 0.09 (exact 1)
	// R̂ < 1.01: true, bulk ESS > 400: true
}
