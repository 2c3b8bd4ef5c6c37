package targets_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/train/targets"
)

// The normalising constant of U1 and the divergence of a Gaussian from it,
// by quadrature on a grid; log q is evaluated at the grid's nodes, as a
// flow's would be in one batch.
func ExampleGrid() {
	g := targets.Grid{Lo: [2]float64{-5, -5}, Hi: [2]float64{5, 5}, N: [2]int{200, 200}}
	logp, _ := g.Eval(targets.TwoLobeRing{})
	logZ, _ := g.LogZ(logp)
	fmt.Printf("U1: log Z = %.6f\n", logZ)

	// q = N(0, 1.5² I), a poor fit.
	pts, _ := g.Points()
	logq := make([]float64, g.Len())
	for i := range logq {
		x, y := pts[2*i]/1.5, pts[2*i+1]/1.5
		logq[i] = -(x*x+y*y)/2 - math.Log(2*math.Pi*1.5*1.5)
	}
	d, _ := g.KL(logq, logp)
	fmt.Printf("KL(q‖π) = %.3f nats, q's mass in the box %.4f\n", d.KL, d.MassQ)
	// Output:
	// U1: log Z = 1.877502
	// KL(q‖π) = 3.211 nats, q's mass in the box 0.9983
}

// The importance measures of a proposal from its draws: q = N(0, 1)
// against the unnormalised π̃(x) = 3·N(x; 0.2, 0.9²), for which
// KL(q‖π) = 0.0366 and the ELBO is log 3 − 0.0366 = 1.0620.
func ExampleImportance() {
	r := rand.New(rand.NewPCG(1, 2))
	const n = 10000
	logq := make([]float64, n)
	logp := make([]float64, n)
	for i := range n {
		x := r.NormFloat64()
		logq[i] = -x*x/2 - 0.5*math.Log(2*math.Pi)
		u := (x - 0.2) / 0.9
		logp[i] = math.Log(3) - u*u/2 - math.Log(0.9) - 0.5*math.Log(2*math.Pi)
	}
	e, _ := targets.Importance(logq, logp)
	fmt.Printf("log Ẑ = %.3f ± %.3f (log 3 = %.3f)\n", e.LogZ, e.LogZSE, math.Log(3))
	fmt.Printf("ELBO %.3f, KL %.3f, ESS/N %.2f\n", e.ELBO, e.KL, e.ESSFraction)
	// Output:
	// log Ẑ = 1.100 ± 0.002 (log 3 = 1.099)
	// ELBO 1.064, KL 0.036, ESS/N 0.95
}

// Neal's funnel: the exact quantiles of v that a fitted flow's are
// compared with.
func ExampleFunnel_QuantileV() {
	f := targets.Funnel{}
	for _, p := range []float64{0.05, 0.5, 0.95} {
		fmt.Printf("v at %.2f: %+.4f\n", p, f.QuantileV(p))
	}
	// Output:
	// v at 0.05: -4.9346
	// v at 0.50: +0.0000
	// v at 0.95: +4.9346
}

// The share of each of the ring's modes among weighted points: the check
// that a fitted flow has missed none (issue 25 asks ≥ 8 % each).
func ExampleEightModeRing_ModeMasses() {
	ring := targets.EightModeRing{}
	var pts []float64
	for k := range targets.Modes {
		c := ring.Mean(k)
		pts = append(pts, c[0], c[1])
	}
	w := []float64{1, 1, 1, 1, 1, 1, 1, 3}
	m, _ := ring.ModeMasses(pts, w)
	for k, v := range m {
		fmt.Printf("%d:%.1f%% ", k, 100*v)
	}
	fmt.Println()
	// Output:
	// 0:10.0% 1:10.0% 2:10.0% 3:10.0% 4:10.0% 5:10.0% 6:10.0% 7:30.0%
}
