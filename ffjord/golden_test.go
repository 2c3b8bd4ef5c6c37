package ffjord

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/ffjord-go/ffjord-go/ffjord/bijector"
	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/stretchr/testify/require"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/passes.golden")

// TestPassesKeepTheirBits: the values and gradients of recorded passes in
// every combination of step control, gradient, trace, regularisers and
// context have the bits recorded in testdata/passes.golden, written by the
// two-solver code this package had before its solvers became one (so that
// the merge is known to change no bit).
func TestPassesKeepTheirBits(t *testing.T) {
	var out strings.Builder
	for _, ctl := range []ode.StepControl{ode.WholeBatch, ode.PerRow} {
		for _, g := range []ode.Gradient{ode.BacksolveAdjoint{}, ode.Discrete{}} {
			for _, tc := range []struct {
				tr          odefunc.Trace
				reg, ctx    bool
				train, time bool
			}{
				{odefunc.ExactTrace, false, false, false, false},
				{odefunc.ExactTrace, true, false, true, false},
				{odefunc.HutchinsonGaussian, true, true, true, false},
				{odefunc.HutchinsonRademacher, false, true, false, true},
			} {
				C := 0
				if tc.ctx {
					C = 2
				}
				net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2, Context: C}, rand.NewPCG(31, 32))
				require.NoError(t, err)
				r := rand.New(rand.NewPCG(33, 34))
				for _, p := range net.Params() {
					for i := range p.Float64s() {
						p.Float64s()[i] += 0.3 * r.NormFloat64()
					}
				}
				opts := Options{Trace: tc.tr, Source: rand.NewPCG(1, 2), Gradient: g, LearnTime: tc.time, T1: 1,
					Solver: ode.Settings{StepControl: ctl}}
				b, err := New(net, opts)
				require.NoError(t, err)
				const n = 7
				y, cz, cl, ck, cj, ctxv := make([]float64, 2*n), make([]float64, 2*n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, C*n)
				for _, v := range [][]float64{y, cz, cl, ck, cj, ctxv} {
					for i := range v {
						v[i] = r.NormFloat64()
					}
				}
				if tc.ctx {
					ctxv = ctxv[:C*n]
				} else {
					ctxv = nil
				}
				p, err := b.RecordInverse(y, n, bijector.Request{Estimate: true, Regularize: tc.reg, Training: tc.train, Context: ctxv})
				require.NoError(t, err)
				cot := bijector.Cotangents{X: cz, LogDet: cl}
				if tc.reg {
					cot.Kinetic, cot.Jacobian = ck, cj
				}
				var grads [][]float64
				for _, q := range b.Params() {
					grads = append(grads, make([]float64, q.Shape().TotalSize()))
				}
				gy, err := p.Backward(cot, grads)
				require.NoError(t, err)
				fmt.Fprintf(&out, "%v %T %v reg=%v ctx=%v train=%v time=%v work=%v\n", ctl, g, tc.tr, tc.reg, tc.ctx, tc.train, tc.time, p.Work)
				for _, v := range [][]float64{p.X, p.LogDet, p.Kinetic, p.Jacobian, gy, p.ContextGrad} {
					writeBits(&out, v)
				}
				for _, v := range grads {
					writeBits(&out, v)
				}
			}
		}
	}
	const file = "testdata/passes.golden"
	if *updateGolden {
		require.NoError(t, os.WriteFile(file, []byte(out.String()), 0o644))
		return
	}
	want, err := os.ReadFile(file)
	require.NoError(t, err)
	wl, gl := strings.Split(string(want), "\n"), strings.Split(out.String(), "\n")
	require.Equal(t, len(wl), len(gl))
	for i := range wl {
		if wl[i] != gl[i] {
			t.Errorf("line %d:\n got %.200s\nwant %.200s", i+1, gl[i], wl[i])
		}
	}
}

func writeBits(out *strings.Builder, v []float64) {
	for _, x := range v {
		fmt.Fprintf(out, "%x ", math.Float64bits(x))
	}
	out.WriteString("\n")
}
