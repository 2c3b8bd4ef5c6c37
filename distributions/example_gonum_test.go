package distributions_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/samplemv"
)

// logDensity is a target known up to a constant, as gonum's LogProber.
type logDensity func(x []float64) float64

func (f logDensity) LogProb(x []float64) float64 { return f(x) }

// A flow as the proposal of gonum's samplers: importance sampling and
// independence Metropolis–Hastings of an unnormalised Gaussian target
// whose mean, (0.1, −0.8), the samplers recover.
func ExampleGonum() {
	// q: one FFJORD block with fixed weights behind an Affine, on N(0, I).
	net, _ := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2, Hidden: []int{8}}, rand.NewPCG(5, 6))
	r := rand.New(rand.NewPCG(7, 8))
	for _, p := range net.Params() {
		for i := range p.Float64s() {
			p.Float64s()[i] += 0.3 * r.NormFloat64()
		}
	}
	block, _ := ffjord.New(net, ffjord.Options{})
	affine, _ := distributions.NewAffine([]float64{0.4, -0.2}, []float64{0.2, 0.1})
	chain, _ := distributions.NewChain(affine, block)
	base, _ := distributions.NewNormal([]float64{0, 0}, []float64{1, 1}, nil)
	flow, _ := distributions.NewTransformed(base, chain)
	q, _ := distributions.Gonum(flow, rand.NewPCG(1, 2))

	// π̃(x) ∝ N(x; (0.1, −0.8), diag(0.25², 1)), without its constant.
	target := logDensity(func(x []float64) float64 {
		u, v := (x[0]-0.1)/0.25, x[1]+0.8
		return -(u*u + v*v) / 2
	})

	const n = 2000
	pts := mat.NewDense(n, 2, nil)
	w := make([]float64, n)
	samplemv.Importance{Target: target, Proposal: q}.SampleWeighted(pts, w)
	var sw, sw2 float64
	for _, v := range w {
		sw += v
		sw2 += v * v
	}
	fmt.Printf("importance: mean (%.2f, %.2f), ESS/N %.2f\n",
		stat.Mean(mat.Col(nil, 0, pts), w), stat.Mean(mat.Col(nil, 1, pts), w), sw*sw/sw2/n)

	mh := samplemv.MetropolisHastingser{
		Initial: []float64{0, 0}, Target: target, Proposal: q,
		Src: rand.NewPCG(3, 4), BurnIn: 100,
	}
	mh.Sample(pts)
	moved := 0
	for i := 1; i < n; i++ {
		if pts.At(i, 0) != pts.At(i-1, 0) {
			moved++
		}
	}
	fmt.Printf("Metropolis–Hastings: mean (%.2f, %.2f), acceptance %.2f\n",
		stat.Mean(mat.Col(nil, 0, pts), nil), stat.Mean(mat.Col(nil, 1, pts), nil), float64(moved)/(n-1))

	// gonum's interfaces return no error: the adapter keeps the first one.
	fmt.Println("errors:", q.Err())
	fmt.Println("log q of a point of the wrong length:", q.LogProb([]float64{1, 2, 3}))
	fmt.Println("errors:", q.Err())
	// Output:
	// importance: mean (0.11, -0.79), ESS/N 0.73
	// Metropolis–Hastings: mean (0.10, -0.79), acceptance 0.66
	// errors: <nil>
	// log q of a point of the wrong length: NaN
	// errors: distributions: GonumAdapter.LogProb: batch has the wrong shape: a point of 3 values in 2 dimensions
}

// A conditional flow p(x | c) with its context fixed is one distribution
// to gonum: the same log-density as LogProbContextRows, and points drawn
// given that context.
func ExampleGonumConditional() {
	net, _ := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2, Hidden: []int{8}, Context: 1}, rand.NewPCG(1, 1))
	block, _ := ffjord.New(net, ffjord.Options{})
	chain, _ := distributions.NewChain(block)
	base, _ := distributions.NewNormal([]float64{0, 0}, []float64{1, 1}, nil)
	flow, _ := distributions.NewTransformed(base, chain)

	q, _ := distributions.GonumConditional(flow, []float64{0.5}, rand.NewPCG(2, 3))
	x := q.Rand(nil)
	want, _ := distributions.LogProbContextRows(flow, [][]float64{x}, [][]float64{{0.5}})
	fmt.Println(len(x), q.LogProb(x) == want[0], q.Err())
	// Output:
	// 2 true <nil>
}
