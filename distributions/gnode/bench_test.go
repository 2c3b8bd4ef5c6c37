package gnode

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/odefunc"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The node against the library's route on the same batch of 256 points,
// exact trace, adjoint gradients:
//
//	go test ./distributions/gnode -run XXX -bench Overhead -benchtime 20x
const benchRows = 256

// benchFlow is the tutorial's flow: four blocks of MLP(8, 8).
func benchFlow(b *testing.B) (*distributions.TransformedDistribution, []float64) {
	src := rand.NewPCG(1, 1)
	var chain []distributions.Bijector
	for range 4 {
		net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2}, src)
		if err != nil {
			b.Fatal(err)
		}
		block, err := ffjord.New(net, ffjord.Options{})
		if err != nil {
			b.Fatal(err)
		}
		chain = append(chain, block)
	}
	c, _ := distributions.NewChain(chain...)
	base, _ := distributions.NewNormal([]float64{0, 0}, []float64{0.8, 0.8}, nil)
	d, err := distributions.NewTransformed(base, c)
	if err != nil {
		b.Fatal(err)
	}
	return d, randomRows(rand.New(rand.NewPCG(2, 2)), benchRows, 2, 1)
}

// benchGraph returns a graph of −mean log p on x, and its TapeMachine,
// with the gradients of the flow's parameters when grad is set.
func benchGraph(b *testing.B, d distributions.Trainable, x []float64, grad bool) G.VM {
	g := G.NewGraph()
	xn := G.NewMatrix(g, tensor.Float64, G.WithShape(benchRows, 2), G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(benchRows, 2), tensor.WithBacking(x))))
	logp, params, err := LogProb(g, d, xn, Options{})
	if err != nil {
		b.Fatal(err)
	}
	cost := G.Must(G.Neg(G.Must(G.Mean(logp))))
	if grad {
		if _, err := G.Grad(cost, params...); err != nil {
			b.Fatal(err)
		}
		return G.NewTapeMachine(g, G.BindDualValues(params...))
	}
	return G.NewTapeMachine(g)
}

// BenchmarkOverhead runs the library's route and the node alternately on
// the same batch, so that the machine's load weighs on both alike, and
// reports each one's µs per call and their difference. "affine" is a flow
// of one Affine on a learnable Normal, whose cost is almost all overhead;
// "ffjord" the tutorial's four blocks. "plain-graph" is the same graph with
// an ordinary Gorgonia reduction in place of the node: what the TapeMachine
// costs around any Op.
func BenchmarkOverhead(b *testing.B) {
	for _, tc := range []struct {
		name string
		flow func(*testing.B) (*distributions.TransformedDistribution, []float64)
	}{{"affine", affineFlow}, {"ffjord", benchFlow}} {
		for _, grad := range []bool{false, true} {
			name := tc.name + "/logp"
			if grad {
				name += "+grad"
			}
			b.Run(name, func(b *testing.B) {
				d, x := tc.flow(b)
				vm := benchGraph(b, d, x, grad)
				defer vm.Close()
				grads := make([][]float64, len(d.Params()))
				for i, p := range d.Params() {
					grads[i] = make([]float64, p.Shape().TotalSize())
				}
				c := make([]float64, benchRows)
				for r := range c {
					c[r] = -1.0 / benchRows
				}
				plain := plainGraph(b, x, grad)
				defer plain.Close()
				var lib, node, machine time.Duration
				library := func() {
					pass, err := d.RecordLogProb(x, benchRows, distributions.Request{})
					if err != nil {
						b.Fatal(err)
					}
					if grad {
						for _, g := range grads {
							clear(g)
						}
						if _, err := pass.Backward(distributions.Cotangents{LogDet: c}, grads); err != nil {
							b.Fatal(err)
						}
					}
				}
				run := func(vm G.VM) {
					if err := vm.RunAll(); err != nil {
						b.Fatal(err)
					}
					vm.Reset()
				}
				timed := func(total *time.Duration, f func()) {
					start := time.Now()
					f()
					*total += time.Since(start)
				}
				i := 0
				for b.Loop() {
					// Alternate the order, so that neither gains from the
					// other's warm caches or idle helpers.
					if i++; i%2 == 0 {
						timed(&lib, library)
						timed(&node, func() { run(vm) })
					} else {
						timed(&node, func() { run(vm) })
						timed(&lib, library)
					}
					timed(&machine, func() { run(plain) })
				}
				us := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N) }
				b.ReportMetric(us(lib), "library-µs/call")
				b.ReportMetric(us(node), "node-µs/call")
				b.ReportMetric(us(node)-us(lib), "overhead-µs/call")
				b.ReportMetric(us(machine), "plain-graph-µs/call")
			})
		}
	}
}

func affineFlow(b *testing.B) (*distributions.TransformedDistribution, []float64) {
	a, _ := distributions.NewAffine([]float64{0.1, 0.2}, []float64{0.3, -0.1})
	base, _ := distributions.NewLearnableNormal([]float64{0, 0}, []float64{1, 1}, nil)
	d, err := distributions.NewTransformed(base, a)
	if err != nil {
		b.Fatal(err)
	}
	return d, randomRows(rand.New(rand.NewPCG(2, 2)), benchRows, 2, 1)
}

// plainGraph is benchGraph with Σ_j x_rj in place of log p, and gradients
// with respect to x.
func plainGraph(b *testing.B, x []float64, grad bool) G.VM {
	g := G.NewGraph()
	xn := G.NewMatrix(g, tensor.Float64, G.WithShape(benchRows, 2), G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(benchRows, 2), tensor.WithBacking(x))))
	cost := G.Must(G.Neg(G.Must(G.Mean(G.Must(G.Sum(xn, 1))))))
	if grad {
		if _, err := G.Grad(cost, xn); err != nil {
			b.Fatal(err)
		}
		return G.NewTapeMachine(g, G.BindDualValues(xn))
	}
	return G.NewTapeMachine(g)
}
