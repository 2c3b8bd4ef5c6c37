package apitest

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/distributions/gnode"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/graph"
	"github.com/ffjord-go/ffjord-go/internal/fileio"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// hostileCase is one hostile call of a new API: it must return an error
// (or, with mayPass, at least neither panic nor hang).
type hostileCase struct {
	name    string
	mayPass bool
	call    func() error
}

// runHostile runs each case under errOf with a deadline, so that a panic,
// a hang or a missing error fails the test.
func runHostile(t *testing.T, cases []hostileCase) {
	t.Helper()
	for _, c := range cases {
		done := make(chan error, 1)
		go func() { done <- errOf(t, c.name, c.call) }()
		select {
		case err := <-done:
			if err == nil && !c.mayPass {
				t.Errorf("%s: no error", c.name)
			} else if err != nil {
				t.Logf("%s: %v", c.name, err)
			}
		case <-time.After(60 * time.Second):
			t.Errorf("%s: still running after 60 s", c.name)
		}
	}
	t.Logf("%d hostile cases", len(cases))
}

func dense(n, d int, vals ...float64) *tensor.Dense { return pts(n, d, vals...) }

func nanAt(n, d, i int) *tensor.Dense {
	x := pts(n, d)
	x.Float64s()[i] = math.NaN()
	return x
}

func TestHostileConditional(t *testing.T) {
	cflow, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}, Context: 2}, train.Settings{}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	sflow, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}, Context: 2, ContextInput: odefunc.ContextSquashInput}, train.Settings{}, rand.NewPCG(1, 3))
	require.NoError(t, err)
	uflow, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}}, train.Settings{}, rand.NewPCG(1, 4))
	require.NoError(t, err)
	cd, ud := cflow.Dist, uflow.Dist
	cblock, ublock := cflow.Blocks[0], uflow.Blocks[0]
	x, c := dense(3, 2, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6), dense(3, 2, 1, 0, 0, 1, 1, 0)
	xv, cv := x.Float64s(), c.Float64s()
	xr := [][]float64{{0, 1}, {1, 0}}
	cr := [][]float64{{1, 0}, {0, 1}}
	trainer := func(f *train.Flow, o train.Options) *train.Trainer {
		if o.Epochs == 0 {
			o.Epochs = 1
		}
		tr, err := train.NewTrainer(f, o)
		require.NoError(t, err)
		return tr
	}
	bg := context.Background()
	var nilCtx context.Context // a nil context is a hostile input too
	obj := func(m distributions.Trainable, x, c []float64, n int) error {
		_, _, err := train.ObjectiveContext(m, x, c, n, train.Regularization{}, train.NewGrads(m))
		return err
	}
	cases := []hostileCase{
		// TransformedDistribution
		{"dist.LogProbContext nil context", false, func() error { _, err := cd.LogProbContext(x, nil); return err }},
		{"dist.LogProbContext rows mismatch", false, func() error { _, err := cd.LogProbContext(x, dense(2, 2)); return err }},
		{"dist.LogProbContext wrong context width", false, func() error { _, err := cd.LogProbContext(x, dense(3, 3)); return err }},
		{"dist.LogProbContext NaN context", false, func() error { _, err := cd.LogProbContext(x, nanAt(3, 2, 3)); return err }},
		{"dist.LogProbContext Inf context", false, func() error {
			cc := dense(3, 2)
			cc.Float64s()[0] = math.Inf(-1)
			_, err := cd.LogProbContext(x, cc)
			return err
		}},
		{"dist.LogProbContext nil x", false, func() error { _, err := cd.LogProbContext(nil, c); return err }},
		{"dist.LogProbContext empty x", false, func() error { _, err := cd.LogProbContext(dense(0, 2), dense(0, 2)); return err }},
		{"dist.LogProbContext 1-D context", false, func() error {
			_, err := cd.LogProbContext(x, tensor.New(tensor.WithShape(6), tensor.WithBacking(make([]float64, 6))))
			return err
		}},
		{"dist.LogProbContext float32 context", false, func() error {
			_, err := cd.LogProbContext(x, tensor.New(tensor.WithShape(3, 2), tensor.Of(tensor.Float32)))
			return err
		}},
		{"dist.LogProbContext on unconditional", false, func() error { _, err := ud.LogProbContext(x, c); return err }},
		{"dist.SampleContext nil", false, func() error { _, err := cd.SampleContext(nil); return err }},
		{"dist.SampleContext empty", false, func() error { _, err := cd.SampleContext(dense(0, 2)); return err }},
		{"dist.SampleContext NaN", false, func() error { _, err := cd.SampleContext(nanAt(2, 2, 1)); return err }},
		{"dist.SampleContext wrong width", false, func() error { _, err := cd.SampleContext(dense(2, 5)); return err }},
		{"dist.SampleContext on unconditional", false, func() error { _, err := ud.SampleContext(c); return err }},
		{"LogProbContextRows nil context", false, func() error { _, err := distributions.LogProbContextRows(cd, xr, nil); return err }},
		{"LogProbContextRows short context", false, func() error { _, err := distributions.LogProbContextRows(cd, xr, cr[:1]); return err }},
		{"LogProbContextRows ragged context", false, func() error {
			_, err := distributions.LogProbContextRows(cd, xr, [][]float64{{1, 0}, {1}})
			return err
		}},
		{"LogProbContextRows ragged x", false, func() error {
			_, err := distributions.LogProbContextRows(cd, [][]float64{{1, 0}, {1, 2, 3}}, cr)
			return err
		}},
		{"LogProbContextRows NaN context", false, func() error {
			_, err := distributions.LogProbContextRows(cd, xr, [][]float64{{1, math.NaN()}, {0, 1}})
			return err
		}},
		{"LogProbContextRows nil distribution", false, func() error { _, err := distributions.LogProbContextRows(nil, xr, cr); return err }},
		{"LogProbContextRows empty", false, func() error { _, err := distributions.LogProbContextRows(cd, nil, nil); return err }},
		{"LogProbContextRows unconditional with context", false, func() error { _, err := distributions.LogProbContextRows(ud, xr, cr); return err }},
		{"SampleContextRows nil", false, func() error { _, err := distributions.SampleContextRows(cd, nil); return err }},
		{"SampleContextRows wrong width", false, func() error { _, err := distributions.SampleContextRows(cd, [][]float64{{1}}); return err }},
		{"SampleContextRows ragged", false, func() error {
			_, err := distributions.SampleContextRows(cd, [][]float64{{1, 0}, {1, 0, 0}})
			return err
		}},
		{"SampleContextRows NaN", false, func() error {
			_, err := distributions.SampleContextRows(cd, [][]float64{{math.NaN(), 0}})
			return err
		}},
		{"SampleContextRows nil distribution", false, func() error { _, err := distributions.SampleContextRows(nil, cr); return err }},
		{"SampleContextRows nil typed distribution", false, func() error {
			var d *distributions.TransformedDistribution
			_, err := distributions.SampleContextRows(d, cr)
			return err
		}},
		{"SampleContextRows nil *Flow", false, func() error {
			var f *train.Flow
			_, err := distributions.SampleContextRows(f, cr)
			return err
		}},
		{"LogProbContextRows nil typed distribution", false, func() error {
			var d *distributions.TransformedDistribution
			_, err := distributions.LogProbContextRows(d, xr, cr)
			return err
		}},
		{"LogProbContext of a zero TransformedDistribution", false, func() error {
			_, err := (&distributions.TransformedDistribution{}).LogProbContext(x, c)
			return err
		}},
		{"SampleContext of a zero TransformedDistribution", false, func() error {
			_, err := (&distributions.TransformedDistribution{}).SampleContext(c)
			return err
		}},
		{"SampleContextRows unconditional", false, func() error { _, err := distributions.SampleContextRows(ud, cr); return err }},
		// Request.Context
		{"RecordLogProb short context", false, func() error {
			_, err := cd.RecordLogProb(xv, 3, distributions.Request{Context: cv[:4]})
			return err
		}},
		{"RecordLogProb long context", false, func() error {
			_, err := cd.RecordLogProb(xv, 3, distributions.Request{Context: append(append([]float64{}, cv...), 1)})
			return err
		}},
		{"RecordLogProb nil context", false, func() error { _, err := cd.RecordLogProb(xv, 3, distributions.Request{}); return err }},
		{"RecordLogProb NaN context", false, func() error {
			cc := append([]float64{}, cv...)
			cc[2] = math.NaN()
			_, err := cd.RecordLogProb(xv, 3, distributions.Request{Context: cc})
			return err
		}},
		{"RecordLogProb n = 0", false, func() error { _, err := cd.RecordLogProb(nil, 0, distributions.Request{Context: cv}); return err }},
		{"RecordLogProb n negative", false, func() error { _, err := cd.RecordLogProb(xv, -3, distributions.Request{Context: cv}); return err }},
		{"RecordLogProb n too large", false, func() error { _, err := cd.RecordLogProb(xv, 4, distributions.Request{Context: cv}); return err }},
		{"RecordInverse short context", false, func() error {
			_, err := cblock.RecordInverse(xv, 3, distributions.Request{Context: cv[:2]})
			return err
		}},
		{"RecordInverse nil context", false, func() error { _, err := cblock.RecordInverse(xv, 3, distributions.Request{}); return err }},
		{"RecordInverse NaN context", false, func() error {
			cc := append([]float64{}, cv...)
			cc[5] = math.NaN()
			_, err := cblock.RecordInverse(xv, 3, distributions.Request{Context: cc})
			return err
		}},
		{"RecordInverse Inf context", false, func() error {
			cc := append([]float64{}, cv...)
			cc[0] = math.Inf(1)
			_, err := cblock.RecordInverse(xv, 3, distributions.Request{Context: cc})
			return err
		}},
		{"RecordInverse unconditional with context", true, func() error {
			_, err := ublock.RecordInverse(xv, 3, distributions.Request{Context: cv})
			return err
		}},
		{"ForwardContext nil context", false, func() error { _, err := cblock.ForwardContext(x, nil); return err }},
		{"ForwardContext rows mismatch", false, func() error { _, err := cblock.ForwardContext(x, dense(1, 2)); return err }},
		{"ForwardContext NaN", false, func() error { _, err := cblock.ForwardContext(x, nanAt(3, 2, 0)); return err }},
		{"Forward of a conditional block without context", false, func() error { _, err := cblock.Forward(x); return err }},
		{"Inverse of a conditional block without context", false, func() error { _, err := cblock.Inverse(x); return err }},
		// Flow
		{"Flow.LogProbContext nil", false, func() error { _, err := cflow.LogProbContext(x, nil); return err }},
		{"Flow.LogProbContext rows", false, func() error { _, err := cflow.LogProbContext(x, dense(4, 2)); return err }},
		{"Flow.LogProbContext NaN", false, func() error { _, err := cflow.LogProbContext(x, nanAt(3, 2, 5)); return err }},
		{"Flow.LogProbContext squash NaN", false, func() error { _, err := sflow.LogProbContext(x, nanAt(3, 2, 5)); return err }},
		{"Flow.LogProbContext unconditional", false, func() error { _, err := uflow.LogProbContext(x, c); return err }},
		{"Flow.NLLContext nil", false, func() error { _, err := cflow.NLLContext(x, nil); return err }},
		{"Flow.NLLContext rows", false, func() error { _, err := cflow.NLLContext(x, dense(1, 2)); return err }},
		{"Flow.NLLContext NaN", false, func() error { _, err := cflow.NLLContext(x, nanAt(3, 2, 1)); return err }},
		{"Flow.NLLContext unconditional", false, func() error { _, err := uflow.NLLContext(x, c); return err }},
		{"Flow.SampleContext nil", false, func() error { _, err := cflow.SampleContext(nil); return err }},
		{"Flow.SampleContext empty", false, func() error { _, err := cflow.SampleContext(dense(0, 2)); return err }},
		{"Flow.SampleContext NaN", false, func() error { _, err := cflow.SampleContext(nanAt(1, 2, 0)); return err }},
		{"Flow.SampleContext unconditional", false, func() error { _, err := uflow.SampleContext(c); return err }},
		{"Flow.LogProb of conditional", false, func() error { _, err := cflow.LogProb(x); return err }},
		{"Flow.Sample of conditional", false, func() error { _, err := cflow.Sample(3); return err }},
		{"Flow.Forward of conditional", false, func() error { _, err := cflow.Forward(x); return err }},
		{"Flow.Inverse of conditional", false, func() error { _, err := cflow.Inverse(x); return err }},
		// FlowConfig
		{"FlowConfig negative Context", false, func() error {
			_, err := train.NewFlow(train.FlowConfig{Dim: 2, Context: -1}, train.Settings{}, rand.NewPCG(1, 1))
			return err
		}},
		{"FlowConfig huge Context", false, func() error {
			_, err := train.NewFlow(train.FlowConfig{Dim: 2, Context: 1 << 40}, train.Settings{}, rand.NewPCG(1, 1))
			return err
		}},
		{"FlowConfig huge Context squash", false, func() error {
			_, err := train.NewFlow(train.FlowConfig{Dim: 2, Context: 1 << 40, ContextInput: odefunc.ContextSquashInput}, train.Settings{}, rand.NewPCG(1, 1))
			return err
		}},
		{"FlowConfig unknown ContextInput", false, func() error {
			_, err := train.NewFlow(train.FlowConfig{Dim: 2, Context: 2, ContextInput: odefunc.ContextInput(77)}, train.Settings{}, rand.NewPCG(1, 1))
			return err
		}},
		{"FlowConfig ContextInput without Context", true, func() error {
			_, err := train.NewFlow(train.FlowConfig{Dim: 2, ContextInput: odefunc.ContextSquashInput}, train.Settings{}, rand.NewPCG(1, 1))
			return err
		}},
		{"FlowConfig negative ContextInput", false, func() error {
			_, err := train.NewFlow(train.FlowConfig{Dim: 2, Context: 1, ContextInput: odefunc.ContextInput(-1)}, train.Settings{}, rand.NewPCG(1, 1))
			return err
		}},
		// Trainer.RunContext
		{"RunContext nil cond on conditional", false, func() error { return trainer(cflow, train.Options{}).RunContext(bg, x, nil) }},
		{"RunContext rows mismatch", false, func() error { return trainer(cflow, train.Options{}).RunContext(bg, x, dense(2, 2)) }},
		{"RunContext wrong cond width", false, func() error { return trainer(cflow, train.Options{}).RunContext(bg, x, dense(3, 4)) }},
		{"RunContext NaN cond", false, func() error { return trainer(cflow, train.Options{}).RunContext(bg, x, nanAt(3, 2, 2)) }},
		{"RunContext nil data", false, func() error { return trainer(cflow, train.Options{}).RunContext(bg, nil, c) }},
		{"RunContext cond on unconditional", false, func() error { return trainer(uflow, train.Options{}).RunContext(bg, x, c) }},
		{"RunContext nil context.Context", false, func() error { return trainer(cflow, train.Options{}).RunContext(nilCtx, x, c) }},
		{"Run nil context.Context", false, func() error { return trainer(uflow, train.Options{}).Run(nilCtx, x) }},
		{"RunContext CFM NaN cond", false, func() error {
			return trainer(cflow, train.Options{Objective: train.CFM{}}).RunContext(bg, x, nanAt(3, 2, 2))
		}},
		{"RunContext OTCFM rows mismatch", false, func() error {
			return trainer(cflow, train.Options{Objective: train.OTCFM{}}).RunContext(bg, x, dense(2, 2))
		}},
		// ObjectiveContext
		{"ObjectiveContext nil c", false, func() error { return obj(cd, xv, nil, 3) }},
		{"ObjectiveContext short c", false, func() error { return obj(cd, xv, cv[:3], 3) }},
		{"ObjectiveContext NaN c", false, func() error {
			cc := append([]float64{}, cv...)
			cc[1] = math.NaN()
			return obj(cd, xv, cc, 3)
		}},
		{"ObjectiveContext c on unconditional", false, func() error { return obj(ud, xv, cv, 3) }},
		{"ObjectiveContext n = 0", false, func() error { return obj(cd, nil, nil, 0) }},
		{"ObjectiveContext n negative", false, func() error { return obj(cd, xv, cv, -1) }},
		{"ObjectiveContext n too large", false, func() error { return obj(cd, xv, cv, 5) }},
		{"ObjectiveContext nil model", false, func() error {
			_, _, err := train.ObjectiveContext(nil, xv, cv, 3, train.Regularization{}, nil)
			return err
		}},
		{"ObjectiveContext short grads", false, func() error {
			_, _, err := train.ObjectiveContext(cd, xv, cv, 3, train.Regularization{}, train.Grads{})
			return err
		}},
		{"ObjectiveContext grads of wrong shape", false, func() error {
			g := train.NewGrads(cd)
			g[0] = g[0][:1]
			_, _, err := train.ObjectiveContext(cd, xv, cv, 3, train.Regularization{}, g)
			return err
		}},
		{"Objective of a conditional model", false, func() error {
			_, _, err := train.Objective(cd, xv, 3, train.Regularization{}, train.NewGrads(cd))
			return err
		}},
	}
	runHostile(t, cases)
}

func TestHostileOdefunc(t *testing.T) {
	cnet, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2, Hidden: []int{4}, Context: 2}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	cdyn, err := odefunc.New(cnet)
	require.NoError(t, err)
	unet, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2, Hidden: []int{4}}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	udyn, err := odefunc.New(unet)
	require.NoError(t, err)
	z, dz := make([]float64, 6), make([]float64, 6)
	ctx := []float64{1, 0, 0, 1, 1, 0}
	ts := []float64{0, 0.5, 1}
	gp := func(m odefunc.Model) [][]float64 {
		var g [][]float64
		for _, p := range m.Params() {
			g = append(g, make([]float64, len(p.Float64s())))
		}
		return g
	}
	withCtx := func(c []float64, f func() error) func() error {
		return func() error {
			if err := cdyn.SetContext(c); err != nil {
				return err
			}
			defer func() { _ = cdyn.SetContext(nil) }()
			return f()
		}
	}
	mlp := func(cfg odefunc.MLPConfig) func() error {
		return func() error { _, err := odefunc.NewMLP(cfg, rand.NewPCG(1, 1)); return err }
	}
	layer := func(js string) func() error {
		return func() error { _, err := odefunc.DecodeLayer([]byte(js)); return err }
	}
	cases := []hostileCase{
		{"NewContextSquashLinear in 0", false, func() error { _, err := odefunc.NewContextSquashLinear(0, 4, 2, rand.NewPCG(1, 1)); return err }},
		{"NewContextSquashLinear out 0", false, func() error { _, err := odefunc.NewContextSquashLinear(2, 0, 2, rand.NewPCG(1, 1)); return err }},
		{"NewContextSquashLinear context 0", false, func() error { _, err := odefunc.NewContextSquashLinear(2, 4, 0, rand.NewPCG(1, 1)); return err }},
		{"NewContextSquashLinear negative", false, func() error { _, err := odefunc.NewContextSquashLinear(-2, -4, -1, rand.NewPCG(1, 1)); return err }},
		{"NewContextSquashLinear huge in", false, func() error { _, err := odefunc.NewContextSquashLinear(1<<40, 1, 1, rand.NewPCG(1, 1)); return err }},
		{"NewContextSquashLinear huge context", false, func() error { _, err := odefunc.NewContextSquashLinear(1, 1, 1<<40, rand.NewPCG(1, 1)); return err }},
		{"NewContextSquashLinear product overflow", false, func() error {
			_, err := odefunc.NewContextSquashLinear(1<<31, 1<<31, 1, rand.NewPCG(1, 1))
			return err
		}},
		{"NewContextSquashLinear nil source", false, func() error { _, err := odefunc.NewContextSquashLinear(2, 4, 2, nil); return err }},
		{"ContextConcat in a network, zero context", false, func() error {
			_, err := odefunc.NewNetwork(2, &odefunc.ContextConcat{Width: 2, Context: 0})
			return err
		}},
		{"ContextConcat negative sizes", false, func() error {
			_, err := odefunc.NewNetwork(2, &odefunc.ContextConcat{Width: -1, Context: -1})
			return err
		}},
		{"ContextConcat huge context", false, func() error {
			_, err := odefunc.NewNetwork(2, &odefunc.ContextConcat{Width: 2, Context: 1 << 50})
			return err
		}},
		{"nil layer in NewNetwork", false, func() error { _, err := odefunc.NewNetwork(2, nil); return err }},
		{"nil *ContextSquashLinear in NewNetwork", false, func() error {
			var l *odefunc.ContextSquashLinear
			_, err := odefunc.NewNetwork(2, l)
			return err
		}},
		{"nil *ContextConcat in NewNetwork", false, func() error {
			var l *odefunc.ContextConcat
			_, err := odefunc.NewNetwork(2, l)
			return err
		}},
		{"nil *Linear in NewNetwork", false, func() error {
			var l *odefunc.Linear
			_, err := odefunc.NewNetwork(2, l)
			return err
		}},
		{"ContextSquashLinear of mismatched shapes in NewNetwork", false, func() error {
			l, err := odefunc.NewContextSquashLinear(2, 2, 3, rand.NewPCG(1, 1))
			if err != nil {
				return err
			}
			l.Wb = tensor.New(tensor.WithShape(2, 2), tensor.WithBacking(make([]float64, 4)))
			_, err = odefunc.NewNetwork(2, l)
			return err
		}},
		{"ContextSquashLinear with a 1-D gate in NewNetwork", false, func() error {
			l, err := odefunc.NewContextSquashLinear(2, 2, 3, rand.NewPCG(1, 1))
			if err != nil {
				return err
			}
			l.Wg = tensor.New(tensor.WithShape(6), tensor.WithBacking(make([]float64, 6)))
			_, err = odefunc.NewNetwork(2, l)
			return err
		}},
		{"empty ContextSquashLinear in NewNetwork", false, func() error {
			_, err := odefunc.NewNetwork(2, &odefunc.ContextSquashLinear{})
			return err
		}},
		{"MLPConfig negative Context", false, mlp(odefunc.MLPConfig{Dim: 2, Context: -1})},
		{"MLPConfig huge Context", false, mlp(odefunc.MLPConfig{Dim: 2, Context: 1 << 40})},
		{"MLPConfig huge Context squash", false, mlp(odefunc.MLPConfig{Dim: 2, Context: 1 << 40, ContextInput: odefunc.ContextSquashInput})},
		{"MLPConfig bad ContextInput", false, mlp(odefunc.MLPConfig{Dim: 2, Context: 2, ContextInput: odefunc.ContextInput(9)})},
		{"ParseContextInput bogus", false, func() error { _, err := odefunc.ParseContextInput("bogus"); return err }},
		{"SetContext on unconditional", false, func() error { return udyn.SetContext(ctx) }},
		{"SetContext ragged length", false, func() error { return cdyn.SetContext([]float64{1, 2, 3}) }},
		// Dynamics' evaluators do not check their inputs' values (nor
		// z's): a non-finite t or context gives a non-finite f, which the
		// solvers and the Flow's context checks report.
		{"SetContext NaN then F", false, withCtx([]float64{math.NaN(), 0, 0, 1, 1, 0}, func() error { return cdyn.F(dz, 0, z) })},
		{"F without context", false, func() error { return cdyn.F(dz, 0, z) }},
		{"F with context of other rows", false, withCtx(ctx[:4], func() error { return cdyn.F(dz, 0, z) })},
		{"FRows short t", false, withCtx(ctx, func() error { return cdyn.FRows(dz, ts[:2], z) })},
		{"FRows nil t", false, withCtx(ctx, func() error { return cdyn.FRows(dz, nil, z) })},
		{"FRows NaN t", false, withCtx(ctx, func() error { return cdyn.FRows(dz, []float64{0, math.NaN(), 1}, z) })},
		{"FRows short dz", false, withCtx(ctx, func() error { return cdyn.FRows(dz[:4], ts, z) })},
		{"FRows nil z", false, withCtx(ctx, func() error { return cdyn.FRows(dz, ts, nil) })},
		{"FRows no context", false, func() error { return cdyn.FRows(dz, ts, z) }},
		{"FRows unconditional short t", false, func() error { return udyn.FRows(dz, ts[:1], z) }},
		{"EvalRows nil Trace", false, withCtx(ctx, func() error {
			return cdyn.EvalRows(dz, odefunc.Terms{}, ts, z, odefunc.ExactTrace, nil)
		})},
		{"EvalRows short t", false, withCtx(ctx, func() error {
			return cdyn.EvalRows(dz, odefunc.Terms{Trace: make([]float64, 3)}, ts[:1], z, odefunc.ExactTrace, nil)
		})},
		{"EvalRows short Kinetic", false, withCtx(ctx, func() error {
			return cdyn.EvalRows(dz, odefunc.Terms{Trace: make([]float64, 3), Kinetic: make([]float64, 1)}, ts, z, odefunc.ExactTrace, nil)
		})},
		{"EvalRows Hutchinson nil eps", false, withCtx(ctx, func() error {
			return cdyn.EvalRows(dz, odefunc.Terms{Trace: make([]float64, 3)}, ts, z, odefunc.HutchinsonGaussian, nil)
		})},
		{"EvalRows bad trace", false, withCtx(ctx, func() error {
			return cdyn.EvalRows(dz, odefunc.Terms{Trace: make([]float64, 3)}, ts, z, odefunc.Trace(42), nil)
		})},
		{"VJPRows short t", false, withCtx(ctx, func() error {
			return cdyn.VJPRows(dz, make([]float64, 6), nil, gp(cnet), ts[:2], z, make([]float64, 6), odefunc.Terms{}, odefunc.ExactTrace, nil)
		})},
		{"VJPRows short gc", false, withCtx(ctx, func() error {
			return cdyn.VJPRows(dz, make([]float64, 6), make([]float64, 1), gp(cnet), ts, z, make([]float64, 6), odefunc.Terms{}, odefunc.ExactTrace, nil)
		})},
		{"VJPRows short a", false, withCtx(ctx, func() error {
			return cdyn.VJPRows(dz, make([]float64, 6), nil, gp(cnet), ts, z, make([]float64, 2), odefunc.Terms{}, odefunc.ExactTrace, nil)
		})},
		{"VJPRows short Trace cotangent", false, withCtx(ctx, func() error {
			return cdyn.VJPRows(dz, make([]float64, 6), nil, gp(cnet), ts, z, make([]float64, 6), odefunc.Terms{Trace: []float64{1}}, odefunc.ExactTrace, nil)
		})},
		{"VJPRows gparams missing", false, withCtx(ctx, func() error {
			return cdyn.VJPRows(dz, make([]float64, 6), nil, nil, ts, z, make([]float64, 6), odefunc.Terms{}, odefunc.ExactTrace, nil)
		})},
		{"VJPRows gc on unconditional", false, func() error {
			return udyn.VJPRows(dz, make([]float64, 6), make([]float64, 6), gp(unet), ts, z, make([]float64, 6), odefunc.Terms{}, odefunc.ExactTrace, nil)
		}},
		{"VJPAt short t", false, withCtx(ctx, func() error {
			return cdyn.VJPAt(dz, make([]float64, 6), nil, gp(cnet), ts[:1], z, make([]float64, 6))
		})},
		{"VJPAt nil t", false, withCtx(ctx, func() error {
			return cdyn.VJPAt(dz, make([]float64, 6), nil, gp(cnet), nil, z, make([]float64, 6))
		})},
		{"VJPAt short a", false, withCtx(ctx, func() error {
			return cdyn.VJPAt(dz, make([]float64, 6), nil, gp(cnet), ts, z, nil)
		})},
		{"VJPAt short gz", false, withCtx(ctx, func() error {
			return cdyn.VJPAt(dz, make([]float64, 5), nil, gp(cnet), ts, z, make([]float64, 6))
		})},
		{"VJPAt short gc", false, withCtx(ctx, func() error {
			return cdyn.VJPAt(dz, nil, make([]float64, 5), gp(cnet), ts, z, make([]float64, 6))
		})},
		{"VJPAt gparams of wrong shape", false, withCtx(ctx, func() error {
			g := gp(cnet)
			g[len(g)-1] = nil
			return cdyn.VJPAt(dz, nil, nil, g, ts, z, make([]float64, 6))
		})},
		{"VJPAt Inf t", false, withCtx(ctx, func() error {
			return cdyn.VJPAt(dz, nil, nil, gp(cnet), []float64{0, math.Inf(1), 1}, z, make([]float64, 6))
		})},
		{"F NaN t", false, withCtx(ctx, func() error { return cdyn.F(dz, math.NaN(), z) })},
		{"VJPAt nil dz", false, withCtx(ctx, func() error {
			return cdyn.VJPAt(nil, nil, nil, gp(cnet), ts, z, make([]float64, 6))
		})},
		{"VJPAt no context", false, func() error {
			return cdyn.VJPAt(dz, nil, nil, gp(cnet), ts, z, make([]float64, 6))
		}},
		{"VJPAt gc on unconditional", false, func() error {
			return udyn.VJPAt(dz, nil, make([]float64, 6), gp(unet), ts, z, make([]float64, 6))
		}},
		{"VJPAt NaN t", true, withCtx(ctx, func() error {
			return cdyn.VJPAt(dz, nil, nil, gp(cnet), []float64{0, math.Inf(1), 0}, z, make([]float64, 6))
		})},
		// DecodeLayer
		{"context_concat negative width", false, layer(`{"type":"context_concat","width":-1,"context":2}`)},
		{"context_concat zero context", false, layer(`{"type":"context_concat","width":2,"context":0}`)},
		{"context_concat huge width", false, layer(`{"type":"context_concat","width":1099511627776,"context":2}`)},
		{"context_concat huge context", false, layer(`{"type":"context_concat","width":2,"context":1099511627776}`)},
		{"context_concat overflowing context", false, layer(`{"type":"context_concat","width":2,"context":1e30}`)},
		{"context_concat no fields", false, layer(`{"type":"context_concat"}`)},
		{"context_concat null", false, layer(`null`)},
		{"context_squash huge declared sizes", false, layer(`{"type":"context_squash","in":1099511627776,"out":1099511627776,"context":1099511627776}`)},
		{"context_squash zero context", false, layer(`{"type":"context_squash","in":1,"out":1,"context":0,"W":[[1]],"b":[0],"Wg":[],"bg":[0],"Wb":[]}`)},
		{"context_squash Wg rows mismatch", false, layer(`{"type":"context_squash","in":1,"out":1,"context":2,"W":[[1]],"b":[0],"Wg":[[1]],"bg":[0],"Wb":[[1],[1]]}`)},
		{"context_squash Wb cols mismatch", false, layer(`{"type":"context_squash","in":1,"out":1,"context":1,"W":[[1]],"b":[0],"Wg":[[1]],"bg":[0],"Wb":[[1,2]]}`)},
		{"context_squash missing Wb", false, layer(`{"type":"context_squash","in":1,"out":1,"context":1,"W":[[1]],"b":[0],"Wg":[[1]],"bg":[0]}`)},
		{"context_squash bg short", false, layer(`{"type":"context_squash","in":1,"out":2,"context":1,"W":[[1,1]],"b":[0,0],"Wg":[[1,1]],"bg":[0],"Wb":[[1,1]]}`)},
		{"context_squash non-finite", false, layer(`{"type":"context_squash","in":1,"out":1,"context":1,"W":[[1]],"b":[0],"Wg":[[1e999]],"bg":[0],"Wb":[[1]]}`)},
		{"context_squash negative", false, layer(`{"type":"context_squash","in":-1,"out":-1,"context":-1,"W":[],"b":[],"Wg":[],"bg":[],"Wb":[]}`)},
		{"context_squash W rows mismatch", false, layer(`{"type":"context_squash","in":2,"out":1,"context":1,"W":[[1]],"b":[0],"Wg":[[1]],"bg":[0],"Wb":[[1]]}`)},
	}
	runHostile(t, cases)
}

func TestHostileGnode(t *testing.T) {
	cflow, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}, Context: 2}, train.Settings{}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	uflow, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}}, train.Settings{}, rand.NewPCG(1, 4))
	require.NoError(t, err)
	cd, ud := cflow.Dist, uflow.Dist
	mat := func(g *G.ExprGraph, dt tensor.Dtype, r, c int, name string) *G.Node {
		return G.NewMatrix(g, dt, G.WithShape(r, c), G.WithName(name))
	}
	type fix struct {
		g, other *G.ExprGraph
		x, c     *G.Node
	}
	mk := func() fix {
		g, o := G.NewGraph(), G.NewGraph()
		return fix{g, o, mat(g, tensor.Float64, 3, 2, "x"), mat(g, tensor.Float64, 3, 2, "c")}
	}
	lp := func(d distributions.Trainable, pick func(f fix) (*G.ExprGraph, *G.Node, gnode.Options)) func() error {
		return func() error {
			g, x, o := pick(mk())
			_, _, err := gnode.LogProb(g, d, x, o)
			return err
		}
	}
	fw := func(d *distributions.TransformedDistribution, pick func(f fix) (*G.ExprGraph, *G.Node, gnode.Options)) func() error {
		return func() error {
			g, z, o := pick(mk())
			_, err := gnode.Forward(g, d, z, o)
			return err
		}
	}
	type pickFn = func(f fix) (*G.ExprGraph, *G.Node, gnode.Options)
	bad := []struct {
		name string
		pick pickFn
		cond bool // on the conditional flow, else the unconditional one
	}{
		{"nil graph", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return nil, f.x, gnode.Options{Context: f.c}
		}, true},
		{"nil x", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) { return f.g, nil, gnode.Options{Context: f.c} }, true},
		{"x of another graph", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, mat(f.other, tensor.Float64, 3, 2, "xo"), gnode.Options{Context: f.c}
		}, true},
		{"x of wrong width", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, mat(f.g, tensor.Float64, 3, 3, "x3"), gnode.Options{}
		}, false},
		{"x a vector", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, G.NewVector(f.g, tensor.Float64, G.WithShape(2), G.WithName("v")), gnode.Options{}
		}, false},
		{"x a scalar", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, G.NewScalar(f.g, tensor.Float64, G.WithName("s")), gnode.Options{}
		}, false},
		{"x float32", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, mat(f.g, tensor.Float32, 3, 2, "x32"), gnode.Options{}
		}, false},
		{"x 3-D", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, G.NewTensor(f.g, tensor.Float64, 3, G.WithShape(3, 2, 1), G.WithName("t3")), gnode.Options{}
		}, false},
		{"conditional without context", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) { return f.g, f.x, gnode.Options{} }, true},
		{"context on unconditional", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, f.x, gnode.Options{Context: f.c}
		}, false},
		{"context of another graph", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, f.x, gnode.Options{Context: mat(f.other, tensor.Float64, 3, 2, "co")}
		}, true},
		{"context of wrong width", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, f.x, gnode.Options{Context: mat(f.g, tensor.Float64, 3, 5, "c5")}
		}, true},
		{"context rows mismatch", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, f.x, gnode.Options{Context: mat(f.g, tensor.Float64, 4, 2, "c4")}
		}, true},
		{"context float32", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, f.x, gnode.Options{Context: mat(f.g, tensor.Float32, 3, 2, "c32")}
		}, true},
		{"context a vector", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, f.x, gnode.Options{Context: G.NewVector(f.g, tensor.Float64, G.WithShape(2), G.WithName("cv"))}
		}, true},
		{"context is x itself, wrong width", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, f.x, gnode.Options{Context: mat(f.g, tensor.Float64, 3, 1, "c1")}
		}, true},
	}
	var cases []hostileCase
	for _, b := range bad {
		var d *distributions.TransformedDistribution = ud
		if b.cond {
			d = cd
		}
		cases = append(cases,
			hostileCase{"LogProb " + b.name, false, lp(d, b.pick)},
			hostileCase{"Forward " + b.name, false, fw(d, b.pick)})
	}
	params := func(edit func(f fix, p []*G.Node) []*G.Node) pickFn {
		return func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			var p []*G.Node
			for i, v := range ud.Params() {
				p = append(p, G.NodeFromAny(f.g, v, G.WithName(fmt.Sprintf("p%d", i))))
			}
			return f.g, f.x, gnode.Options{Params: edit(f, p)}
		}
	}
	cases = append(cases,
		hostileCase{"LogProb nil distribution", false, lp(nil, func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) { return f.g, f.x, gnode.Options{} })},
		hostileCase{"LogProb nil typed distribution", false, lp((*distributions.TransformedDistribution)(nil), func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, f.x, gnode.Options{}
		})},
		hostileCase{"Forward nil distribution", false, fw(nil, func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) { return f.g, f.x, gnode.Options{} })},
		hostileCase{"LogProb Params too few", false, lp(ud, params(func(_ fix, p []*G.Node) []*G.Node { return p[:1] }))},
		hostileCase{"LogProb Params nil entry", false, lp(ud, params(func(_ fix, p []*G.Node) []*G.Node { p[0] = nil; return p }))},
		hostileCase{"LogProb Params of another graph", false, lp(ud, params(func(f fix, p []*G.Node) []*G.Node {
			p[0] = G.NodeFromAny(f.other, ud.Params()[0], G.WithName("po"))
			return p
		}))},
		hostileCase{"LogProb Params wrong shape", false, lp(ud, params(func(f fix, p []*G.Node) []*G.Node {
			p[len(p)-1] = mat(f.g, tensor.Float64, 7, 7, "p77")
			return p
		}))},
		hostileCase{"LogProb Params float32", false, lp(ud, params(func(f fix, p []*G.Node) []*G.Node {
			s := p[0].Shape()
			p[0] = G.NewTensor(f.g, tensor.Float32, s.Dims(), G.WithShape(s...), G.WithName("p32"))
			return p
		}))},
	)
	runHostile(t, cases)
}

func TestHostileSolverObjectivesDatasets(t *testing.T) {
	decay := func(dy, _, y []float64, _ []int) error {
		for i := range y {
			dy[i] = -y[i]
		}
		return nil
	}
	rs, err := ode.NewRowSolver(ode.Settings{})
	require.NoError(t, err)
	y0 := []float64{1, 2, 3, 4}
	solve := func(dst []float64, f ode.RowFunc, t0, t1 float64, y []float64, n int) func() error {
		return func() error { _, err := rs.Solve(dst, f, t0, t1, y, n); return err }
	}
	uflow, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}}, train.Settings{}, rand.NewPCG(1, 4))
	require.NoError(t, err)
	moons, err := datasets.Moons(32, 0.06, true, rand.NewPCG(9, 9))
	require.NoError(t, err)
	tr := func(o train.Options) func() error {
		return func() error {
			o.Epochs, o.BatchSize = 1, 16
			f, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}}, train.Settings{}, rand.NewPCG(1, 4))
			if err != nil {
				return err
			}
			tr, err := train.NewTrainer(f, o)
			if err != nil {
				return err
			}
			if err := tr.Run(context.Background(), moons); err != nil {
				return err
			}
			for _, p := range f.Params() {
				for _, v := range p.Float64s() {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						return nil // reported as "no error" while the weights are ruined
					}
				}
			}
			return fmt.Errorf("trained with finite weights")
		}
	}
	table := dense(3, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9)
	assign := func(dst []int, cost []float64, n int) func() error {
		return func() error { _, err := train.Assign(dst, cost, n); return err }
	}
	cases := []hostileCase{
		{"NewRowSolver Constant", false, func() error {
			_, err := ode.NewRowSolver(ode.Settings{Controller: ode.Constant{Step: 0.1}})
			return err
		}},
		{"NewRowSolver negative RTol", false, func() error {
			_, err := ode.NewRowSolver(ode.Settings{Controller: ode.Adaptive{RTol: -1}})
			return err
		}},
		{"NewRowSolver RK4", false, func() error { _, err := ode.NewRowSolver(ode.Settings{Method: ode.RK4()}); return err }},
		{"NewRowSolver bad StepControl", false, func() error {
			_, err := ode.NewRowSolver(ode.Settings{StepControl: ode.StepControl(99)})
			return err
		}},
		{"zero RowSolver", false, func() error {
			var zero ode.RowSolver
			_, err := zero.Solve(make([]float64, 4), decay, 0, 1, y0, 2)
			return err
		}},
		{"OnAccept fails", false, func() error {
			rs, err := ode.NewRowSolver(ode.Settings{})
			if err != nil {
				return nil
			}
			rs.OnAccept(func(ode.AcceptedSteps) error { return fmt.Errorf("stop") })
			_, err = rs.Solve(make([]float64, 4), decay, 0, 1, y0, 2)
			return err
		}},
		{"zero RowStepper", false, func() error {
			var zero ode.RowStepper
			_, err := zero.Step(make([]float64, 4), decay, []float64{0, 0}, []float64{1, 1}, y0, 2, []int{0}, nil, nil, 0)
			return err
		}},
		{"RowStepper row out of range", false, func() error {
			st, _ := ode.NewRowStepper(ode.Euler())
			_, err := st.Step(make([]float64, 4), decay, []float64{0, 0}, []float64{1, 1}, y0, 2, []int{-1}, [][]float64{make([]float64, 4)}, [][]float64{make([]float64, 4)}, 0)
			return err
		}},
		{"RowStepper times of another length", false, func() error {
			st, _ := ode.NewRowStepper(ode.Euler())
			_, err := st.Step(make([]float64, 4), decay, []float64{0}, []float64{1}, y0, 2, []int{0}, [][]float64{make([]float64, 4)}, [][]float64{make([]float64, 4)}, 0)
			return err
		}},
		{"RowStepper short stage buffer", false, func() error {
			st, _ := ode.NewRowStepper(ode.Euler())
			_, err := st.Step(make([]float64, 4), decay, []float64{0, 0}, []float64{1, 1}, y0, 2, []int{0}, [][]float64{make([]float64, 2)}, [][]float64{make([]float64, 4)}, 0)
			return err
		}},
		{"RowSolver n = 0", false, solve(make([]float64, 4), decay, 0, 1, y0, 0)},
		{"RowSolver n negative", false, solve(make([]float64, 4), decay, 0, 1, y0, -2)},
		{"RowSolver n does not divide", false, solve(make([]float64, 4), decay, 0, 1, y0, 3)},
		{"RowSolver n larger than the state", false, solve(make([]float64, 4), decay, 0, 1, y0, 8)},
		{"RowSolver short dst", false, solve(make([]float64, 2), decay, 0, 1, y0, 2)},
		{"RowSolver nil dst", false, solve(nil, decay, 0, 1, y0, 2)},
		{"RowSolver nil f", false, solve(make([]float64, 4), nil, 0, 1, y0, 2)},
		{"RowSolver NaN y0", false, solve(make([]float64, 4), decay, 0, 1, []float64{1, math.NaN(), 3, 4}, 2)},
		{"RowSolver t0 = t1", false, solve(make([]float64, 4), decay, 1, 1, y0, 2)},
		{"RowSolver NaN t1", false, solve(make([]float64, 4), decay, 0, math.NaN(), y0, 2)},
		{"RowSolver Inf t1", false, solve(make([]float64, 4), decay, 0, math.Inf(1), y0, 2)},
		{"RowSolver empty state", false, solve(nil, decay, 0, 1, nil, 1)},
		{"RowSolver f fails", false, solve(make([]float64, 4), func(_, _, _ []float64, _ []int) error { return fmt.Errorf("boom") }, 0, 1, y0, 2)},
		{"RowSolver f writes NaN", false, solve(make([]float64, 4), func(dy, _, _ []float64, _ []int) error {
			for i := range dy {
				dy[i] = math.NaN()
			}
			return nil
		}, 0, 1, y0, 2)},
		{"RowNFE out of range", true, func() error {
			if rs.RowNFE(-1) != 0 || rs.RowNFE(1<<30) != 0 {
				return fmt.Errorf("RowNFE of a missing row is not 0")
			}
			return nil
		}},
		{"RowSteps out of range", true, func() error {
			if a, r := rs.RowSteps(-1); a != 0 || r != 0 {
				return fmt.Errorf("RowSteps of a missing row is not 0")
			}
			_, _ = rs.RowSteps(1 << 30)
			return nil
		}},
		{"RowTimes out of range", true, func() error { _ = rs.RowTimes(-1); _ = rs.RowTimes(1 << 30); return nil }},
		{"ParseStepControl bogus", false, func() error { _, err := ode.ParseStepControl("bogus"); return err }},
		{"ParseStepControl empty", true, func() error { _, err := ode.ParseStepControl(""); return err }},
		{"StepControl(99).String", true, func() error { _ = ode.StepControl(99).String(); return nil }},
		{"ffjord.New StepControl 99", false, func() error {
			net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2}, rand.NewPCG(1, 1))
			if err != nil {
				return err
			}
			_, err = ffjord.New(net, ffjord.Options{Solver: ode.Settings{StepControl: ode.StepControl(99)}})
			return err
		}},
		{"ffjord.New StepControl -1", false, func() error {
			net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2}, rand.NewPCG(1, 1))
			if err != nil {
				return err
			}
			_, err = ffjord.New(net, ffjord.Options{Solver: ode.Settings{StepControl: ode.StepControl(-1)}})
			return err
		}},
		{"NewFlow StepControl 99", false, func() error {
			_, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1}, train.Settings{Solver: ode.Settings{StepControl: ode.StepControl(99)}}, rand.NewPCG(1, 1))
			return err
		}},
		// Objectives
		{"ParseCriterion cfm NaN", false, func() error { _, err := train.ParseCriterion("cfm", math.NaN()); return err }},
		{"ParseCriterion otcfm negative", false, func() error { _, err := train.ParseCriterion("otcfm", -1); return err }},
		{"ParseCriterion cfm Inf", false, func() error { _, err := train.ParseCriterion("cfm", math.Inf(1)); return err }},
		{"ParseCriterion bogus", false, func() error { _, err := train.ParseCriterion("bogus", 0); return err }},
		{"NewTrainer CFM NaN SigmaMin", false, func() error {
			_, err := train.NewTrainer(uflow, train.Options{Objective: train.CFM{SigmaMin: math.NaN()}})
			return err
		}},
		{"NewTrainer CFM negative SigmaMin", false, func() error {
			_, err := train.NewTrainer(uflow, train.Options{Objective: train.CFM{SigmaMin: -0.1}})
			return err
		}},
		{"NewTrainer OTCFM Inf SigmaMin", false, func() error {
			_, err := train.NewTrainer(uflow, train.Options{Objective: train.OTCFM{SigmaMin: math.Inf(1)}})
			return err
		}},
		{"NewTrainer OTCFM NaN SigmaMin", false, func() error {
			_, err := train.NewTrainer(uflow, train.Options{Objective: train.OTCFM{SigmaMin: math.NaN()}})
			return err
		}},
		{"train CFM SigmaMin 1e308", false, tr(train.Options{Objective: train.CFM{SigmaMin: 1e308}})},
		{"train OTCFM SigmaMin 1e200", false, tr(train.Options{Objective: train.OTCFM{SigmaMin: 1e200}})},
		{"NewTrainer CFM with Regularization", false, func() error {
			_, err := train.NewTrainer(uflow, train.Options{Objective: train.CFM{}, Regularization: train.Regularization{Kinetic: 1}})
			return err
		}},
		// Assign
		{"Assign n negative", false, assign(nil, nil, -1)},
		{"Assign n = 0", true, assign(nil, nil, 0)},
		{"Assign NaN cost", false, assign(make([]int, 2), []float64{0, math.NaN(), 1, 0}, 2)},
		{"Assign Inf cost", false, assign(make([]int, 2), []float64{0, math.Inf(1), 1, 0}, 2)},
		{"Assign -Inf cost", false, assign(make([]int, 2), []float64{0, math.Inf(-1), 1, 0}, 2)},
		{"Assign short cost", false, assign(make([]int, 2), []float64{0, 1, 2}, 2)},
		{"Assign long cost", false, assign(make([]int, 2), make([]float64, 9), 2)},
		{"Assign short dst", false, assign(make([]int, 1), make([]float64, 4), 2)},
		{"Assign nil dst", false, assign(nil, make([]float64, 4), 2)},
		{"Assign huge n", false, assign(make([]int, 2), make([]float64, 4), 1<<40)},
		{"Assign n² overflows", false, assign(make([]int, 2), make([]float64, 4), 1<<32)},
		{"Assign n = 0 with costs", false, assign(nil, make([]float64, 1), 0)},
		{"Assign huge costs", true, assign(make([]int, 2), []float64{1e308, -1e308, -1e308, 1e308}, 2)},
		// datasets
		{"Digits", true, func() error { _, _, err := datasets.Digits(); return err }},
		{"RotatedEightGaussians n = 0", false, func() error { _, _, err := datasets.RotatedEightGaussians(0, rand.NewPCG(1, 1)); return err }},
		{"RotatedEightGaussians n negative", false, func() error { _, _, err := datasets.RotatedEightGaussians(-5, rand.NewPCG(1, 1)); return err }},
		{"RotatedEightGaussians nil src", false, func() error { _, _, err := datasets.RotatedEightGaussians(5, nil); return err }},
		{"RotatedEightGaussians huge n", false, func() error { _, _, err := datasets.RotatedEightGaussians(1<<50, rand.NewPCG(1, 1)); return err }},
		{"EightGaussians huge n", false, func() error { _, err := datasets.EightGaussians(1<<50, rand.NewPCG(1, 1)); return err }},
		{"SplitColumns nil", false, func() error { _, _, err := datasets.SplitColumns(nil, 1); return err }},
		{"SplitColumns k negative", false, func() error { _, _, err := datasets.SplitColumns(table, -1); return err }},
		{"SplitColumns k = W", false, func() error { _, _, err := datasets.SplitColumns(table, 3); return err }},
		{"SplitColumns k > W", false, func() error { _, _, err := datasets.SplitColumns(table, 1<<40); return err }},
		{"SplitColumns 1-D", false, func() error {
			_, _, err := datasets.SplitColumns(tensor.New(tensor.WithShape(4), tensor.WithBacking(make([]float64, 4))), 1)
			return err
		}},
		{"SplitColumns 3-D", false, func() error {
			_, _, err := datasets.SplitColumns(tensor.New(tensor.WithShape(2, 2, 2), tensor.WithBacking(make([]float64, 8))), 1)
			return err
		}},
		{"SplitColumns float32", false, func() error {
			_, _, err := datasets.SplitColumns(tensor.New(tensor.WithShape(2, 2), tensor.Of(tensor.Float32)), 1)
			return err
		}},
		{"SplitColumns empty table", true, func() error { _, _, err := datasets.SplitColumns(dense(0, 3), 1); return err }},
		{"SplitColumns zero value tensor", false, func() error { _, _, err := datasets.SplitColumns(&tensor.Dense{}, 1); return err }},
		{"SplitColumns view", true, func() error {
			v, err := table.Slice(G.S(1, 3))
			if err != nil {
				return err
			}
			x, c, err := datasets.SplitColumns(v.(*tensor.Dense), 1)
			if err != nil {
				return err
			}
			if x.Float64s()[0] != 4 || c.Float64s()[0] != 6 {
				return fmt.Errorf("view split wrong: x %v c %v", x.Float64s(), c.Float64s())
			}
			return nil
		}},
	}
	runHostile(t, cases)
}

// perRowBlock is a 2-D (or dim-D) block with per-row step control for both
// of its solves.
func perRowBlock(t *testing.T, dim int, s ode.Settings) *ffjord.FFJORD {
	t.Helper()
	net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: dim}, rand.NewPCG(31, 32))
	require.NoError(t, err)
	s.StepControl = ode.PerRow
	b, err := ffjord.New(net, ffjord.Options{Solver: s})
	require.NoError(t, err)
	return b
}

func zeroGradsOf(b *ffjord.FFJORD) [][]float64 {
	var g [][]float64
	for _, p := range b.Dynamics().Model().Params() {
		g = append(g, make([]float64, p.Shape().TotalSize()))
	}
	return g
}

// TestHostilePerRowGradients: the taped solves and Backward of per-row
// step control, with either gradient, refuse bad sizes, foreign tapes and
// non-finite cotangents with errors instead of panics, out-of-memory
// crashes or silent NaN gradients.
func TestHostilePerRowGradients(t *testing.T) {
	x := []float64{0.1, 0.2, 0.3, 0.4}
	var cases []hostileCase
	for _, grad := range []ode.Gradient{ode.BacksolveAdjoint{}, ode.Discrete{}} {
		b := perRowBlock(t, 2, ode.Settings{})
		b1, b4 := perRowBlock(t, 1, ode.Settings{}), perRowBlock(t, 4, ode.Settings{})
		_, _, tape, err := b.SolveTaped(x, 2, 1, 0, grad, true)
		require.NoError(t, err)
		_, _, tape1, err := b1.SolveTaped([]float64{0.1, 0.2}, 2, 1, 0, grad, false)
		require.NoError(t, err)
		_, _, tape4, err := b4.SolveTaped(x, 1, 1, 0, grad, false)
		require.NoError(t, err)
		same := perRowBlock(t, 2, ode.Settings{}) // same shapes, another block
		g := fmt.Sprintf("%T", grad)
		solve := func(z []float64, n int) func() error {
			return func() error { _, _, _, err := b.SolveTaped(z, n, 1, 0, grad, false); return err }
		}
		back := func(blk *ffjord.FFJORD, tp *ffjord.Tape, c ffjord.Cotangents) func() error {
			return func() error { _, err := blk.Backward(tp, c, zeroGradsOf(blk)); return err }
		}
		cases = append(cases,
			hostileCase{g + " SolveTaped n = -1", false, solve(x, -1)},
			hostileCase{g + " SolveTaped n = 0", false, solve(x, 0)},
			hostileCase{g + " SolveTaped n = 2⁴⁰ (no allocation)", false, solve(x, 1<<40)},
			hostileCase{g + " SolveTaped 3 rows of 4 values", false, solve(x, 3)},
			hostileCase{g + " SolveTaped NaN", false, solve([]float64{math.NaN(), 1, 2, 3}, 2)},
			hostileCase{g + " tape of a 1-D block to a 4-D one", false, back(b4, tape1, ffjord.Cotangents{})},
			hostileCase{g + " tape of a 4-D block to a 1-D one", false, back(b1, tape4, ffjord.Cotangents{})},
			hostileCase{g + " tape of another block of the same shape", false, back(same, tape, ffjord.Cotangents{})},
			hostileCase{g + " zero Tape", false, back(b, &ffjord.Tape{}, ffjord.Cotangents{})},
			hostileCase{g + " nil Tape", false, back(b, nil, ffjord.Cotangents{})},
			hostileCase{g + " NaN cotangent Z", false, back(b, tape, ffjord.Cotangents{Z: []float64{math.NaN(), 1, 1, 1}})},
			hostileCase{g + " +Inf cotangent LogDet", false, back(b, tape, ffjord.Cotangents{LogDet: []float64{math.Inf(1), 1}})},
			hostileCase{g + " NaN cotangent Frobenius", false, back(b, tape, ffjord.Cotangents{Frobenius: []float64{0, math.NaN()}})},
			hostileCase{g + " cotangent Z of 3 values", false, back(b, tape, ffjord.Cotangents{Z: []float64{1, 1, 1}})},
			hostileCase{g + " cotangent Kinetic of 3 values", false, back(b, tape, ffjord.Cotangents{Kinetic: []float64{1, 1, 1}})},
			hostileCase{g + " TimeGradients of another block's tape", false, func() error {
				_, _, err := b1.TimeGradients(tape4, ffjord.Cotangents{}, make([]float64, 4))
				return err
			}},
			hostileCase{g + " SolveRows n = -1", false, func() error { _, _, err := b.SolveRows(x, -1, 0, 1, true); return err }},
			hostileCase{g + " SolveRows 3 rows of 4 values", false, func() error { _, _, err := b.SolveRows(x, 3, 0, 1, false); return err }},
		)

		// Backward twice on one tape gives the same gradient, bit for bit.
		c := ffjord.Cotangents{Z: []float64{1, -1, 0.5, 2}, LogDet: []float64{1, -0.5}, Kinetic: []float64{0.1, 0.2}}
		g1, g2 := zeroGradsOf(b), zeroGradsOf(b)
		z1, err := b.Backward(tape, c, g1)
		require.NoError(t, err)
		z2, err := b.Backward(tape, c, g2)
		require.NoError(t, err)
		require.Equal(t, z1, z2, g)
		require.Equal(t, g1, g2, g)
		require.NotZero(t, g1[0][0], g)

		// A row that runs out of steps is named.
		short := perRowBlock(t, 2, ode.Settings{MaxSteps: 2})
		_, _, _, err = short.SolveTaped(x, 2, 1, 0, grad, false)
		require.ErrorIs(t, err, ode.ErrMaxSteps)
		require.Contains(t, err.Error(), "row ")
	}
	runHostile(t, cases)
}

// TestHostileStepAPIs: Method.Step and RowStepper.Step return errors for
// bad methods, functions and buffers instead of panicking.
func TestHostileStepAPIs(t *testing.T) {
	ok := func(dy []float64, _ float64, _ []float64) error { return nil }
	bufs := func(s, l int) [][]float64 {
		b := make([][]float64, s)
		for i := range b {
			b[i] = make([]float64, l)
		}
		return b
	}
	dp := ode.DormandPrince()
	s := dp.Stages()
	step := func(m *ode.Method, ynew []float64, f ode.Func, k, ys [][]float64) func() error {
		return func() error { _, err := m.Step(ynew, f, 0, 1, make([]float64, 2), k, ys, 0); return err }
	}
	shortK := bufs(s, 2)
	shortK[3] = make([]float64, 1)
	rowStep := func(rows []int) func() error {
		return func() error {
			st, err := ode.NewRowStepper(nil)
			if err != nil {
				return err
			}
			fail := func(dy, t, y []float64, rows []int) error { return fmt.Errorf("boom") }
			_, err = st.Step(make([]float64, 4), fail, []float64{0, 0}, []float64{1, 1}, make([]float64, 4), 2, rows, bufs(s, 4), bufs(s, 4), 0)
			return err
		}
	}
	runHostile(t, []hostileCase{
		{"Step of a nil Method", false, step(nil, make([]float64, 2), ok, bufs(s, 2), bufs(s, 2))},
		{"Step of a zero Method", false, step(&ode.Method{}, make([]float64, 2), ok, nil, nil)},
		{"Step with no stage buffers", false, step(dp, make([]float64, 2), ok, nil, nil)},
		{"Step with a nil Func", false, step(dp, make([]float64, 2), nil, bufs(s, 2), bufs(s, 2))},
		{"Step into a short ynew", false, step(dp, make([]float64, 1), ok, bufs(s, 2), bufs(s, 2))},
		{"Step with a short k[3]", false, step(dp, make([]float64, 2), ok, shortK, bufs(s, 2))},
		{"RowStepper.Step of no rows", true, rowStep(nil)},
		{"RowStepper.Step of a failing row", false, rowStep([]int{1})},
		{"RowStepper.Step of row 2 of 2", false, rowStep([]int{2})},
		{"zero RowStepper", false, func() error {
			var st ode.RowStepper
			_, err := st.Step(nil, nil, nil, nil, nil, 0, nil, nil, nil, 0)
			return err
		}},
		{"NewRowStepper of a zero Method", false, func() error { _, err := ode.NewRowStepper(&ode.Method{}); return err }},
	})
}

// TestHostileKernelsAndReflow: unknown kernel sets and bad reflow inputs
// are errors, and a refused kernel set leaves the default as it was.
func TestHostileKernelsAndReflow(t *testing.T) {
	before := graph.DefaultKernels()
	flow, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}}, train.Settings{}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	data := dense(4, 2, 1, 2, 3, 4, 5, 6, 7, 8)
	reflow := func(r train.Reflow) func() error {
		return func() error {
			tr, err := train.NewTrainer(flow, train.Options{Epochs: 1, BatchSize: 2, Objective: r})
			if err != nil {
				return err
			}
			return tr.Run(context.Background(), data)
		}
	}
	pairs := func(f *train.Flow, n int) func() error {
		return func() error { _, _, err := train.ReflowPairs(f, n); return err }
	}
	hidden := func(s string) func() error { return func() error { _, err := train.ParseHidden(s); return err } }
	runHostile(t, []hostileCase{
		{"SetDefaultKernels(KernelSet(99))", false, func() error { return graph.SetDefaultKernels(graph.KernelSet(99)) }},
		{"SetDefaultKernels(KernelSet(-1))", false, func() error { return graph.SetDefaultKernels(graph.KernelSet(-1)) }},
		{"ReflowPairs of a nil flow", false, pairs(nil, 3)},
		{"ReflowPairs of a zero flow", false, pairs(&train.Flow{}, 3)},
		{"ReflowPairs n = 0", false, pairs(flow, 0)},
		{"ReflowPairs n = -1", false, pairs(flow, -1)},
		{"ReflowPairs n = 2⁵⁰", false, pairs(flow, 1<<50)},
		{"Reflow without X0", false, reflow(train.Reflow{})},
		{"Reflow X0 of 3 rows for 4", false, reflow(train.Reflow{X0: dense(3, 2)})},
		{"Reflow X0 of 5 rows for 4", false, reflow(train.Reflow{X0: dense(5, 2)})},
		{"Reflow X0 of 3 columns", false, reflow(train.Reflow{X0: dense(4, 3)})},
		{"Reflow X0 with NaN", false, reflow(train.Reflow{X0: nanAt(4, 2, 3)})},
		{"Reflow SigmaMin NaN", false, reflow(train.Reflow{SigmaMin: math.NaN(), X0: dense(4, 2)})},
		{"Reflow SigmaMin -1", false, reflow(train.Reflow{SigmaMin: -1, X0: dense(4, 2)})},
		{`ParseHidden("")`, false, hidden("")},
		{`ParseHidden("4,,4")`, false, hidden("4,,4")},
		{`ParseHidden("0")`, false, hidden("0")},
		{`ParseHidden("-3")`, false, hidden("-3")},
		{`ParseHidden("4097")`, false, hidden("4097")},
		{`ParseHidden("1e3")`, false, hidden("1e3")},
		{"ParseHidden of 65 layers", false, hidden(strings.Repeat("2,", 64) + "2")},
	})
	require.Equal(t, before, graph.DefaultKernels())
	require.False(t, graph.KernelSet(99).Available())
	require.Equal(t, "KernelSet(99)", graph.KernelSet(99).String())
	require.True(t, graph.PureGo.Available())
}

// TestHostileConcurrentSaves: one process checking that it may write a
// path while another saves it (the second ffjord train on a model in use)
// must get neither a spurious error from the first nor a lost save in the
// second: the saver's removal of leftover temporary files must not take
// the checker's probe or another save's fresh temporary file.
func TestHostileConcurrentSaves(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.json")
	const rounds = 2000
	var wg sync.WaitGroup
	errs := make(chan error, 3*rounds)
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				var err error
				if w == 0 {
					err = fileio.CheckWritable(path)
				} else {
					err = fileio.WriteAtomic(path, func(wr io.Writer) error { _, err := fmt.Fprintf(wr, "%d %d\n", w, i); return err })
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Regexp(t, `^[12] \d+\n$`, string(raw))
	left, err := filepath.Glob(filepath.Join(filepath.Dir(path), ".m.json.tmp*"))
	require.NoError(t, err)
	require.Empty(t, left)
}

// TestHostileGnodeNaNParams gives a node parameter values with a NaN (and
// an Inf): the run fails naming the parameter node and the index, and the
// flow's own parameters are left as they were, so it still evaluates and
// saves.
func TestHostileGnodeNaNParams(t *testing.T) {
	for _, bad := range []float64{math.NaN(), math.Inf(-1)} {
		f, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}}, train.Settings{}, rand.NewPCG(1, 4))
		require.NoError(t, err)
		before := make([][]float64, 0)
		for _, p := range f.Params() {
			before = append(before, append([]float64(nil), p.Float64s()...))
		}
		g := G.NewGraph()
		x := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 2), G.WithName("x"), G.WithValue(pts(3, 2, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)))
		var ps []*G.Node
		for i, p := range f.Dist.Params() {
			v := p.Clone().(*tensor.Dense)
			if i == 2 {
				v.Float64s()[1] = bad
			}
			ps = append(ps, G.NewTensor(g, tensor.Float64, p.Dims(), G.WithShape(p.Shape().Clone()...), G.WithName(fmt.Sprintf("theta%d", i)), G.WithValue(v)))
		}
		logp, _, err := gnode.LogProb(g, f.Dist, x, gnode.Options{Params: ps})
		require.NoError(t, err)
		vm := G.NewTapeMachine(g.ExactSubgraphRoots(logp))
		err = vm.RunAll()
		vm.Close()
		if e, ok := err.(interface{ Err() error }); ok { // the TapeMachine's wrapper
			err = e.Err()
		}
		require.ErrorIs(t, err, gnode.ErrInput)
		for _, part := range []string{`"theta2"`, "index 1", fmt.Sprint(bad)} {
			require.Contains(t, err.Error(), part)
		}
		for i, p := range f.Params() {
			require.Equal(t, before[i], p.Float64s(), "parameter %d changed", i)
		}
		_, err = f.LogProb(pts(3, 2, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6))
		require.NoError(t, err)
		require.NoError(t, train.SaveFlow(filepath.Join(t.TempDir(), "f.json"), f))
	}
}

// TestHostileGnodeMachineError runs a machine whose flow node fails (a
// NaN row): graph.MachineError leaves one line, without the machine's
// register dump, naming the node and keeping the op's error for errors.Is.
func TestHostileGnodeMachineError(t *testing.T) {
	f, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}}, train.Settings{}, rand.NewPCG(1, 4))
	require.NoError(t, err)
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 2), G.WithName("x"), G.WithValue(pts(3, 2, 0.1, math.NaN(), 0.3, 0.4, 0.5, 0.6)))
	logp, _, err := gnode.LogProb(g, f.Dist, x, gnode.Options{Name: "density"})
	require.NoError(t, err)
	vm := G.NewTapeMachine(g.ExactSubgraphRoots(logp))
	defer vm.Close()
	raw := vm.RunAll()
	require.Error(t, raw)
	require.Contains(t, raw.Error(), "CPU0", "Gorgonia's message no longer holds the dump this test strips")
	err = graph.MachineError(raw)
	msg := err.Error()
	for _, dump := range []string{"PC ", "CPU0", "Failed to execute", "\n", "\t"} {
		require.NotContains(t, msg, dump)
	}
	t.Log(msg)
	require.Contains(t, msg, "density.logp")
	require.ErrorIs(t, err, distributions.ErrNonFinite)
	require.NoError(t, graph.MachineError(nil))
	plain := fmt.Errorf("plain")
	require.Equal(t, plain, graph.MachineError(plain))
}

// TestHostileGnodeZeroFlow builds a node of a nil or zero distribution:
// the error says so, rather than asking for an N×0 input.
func TestHostileGnodeZeroFlow(t *testing.T) {
	for name, d := range map[string]distributions.Trainable{
		"nil Flow":                     (*train.Flow)(nil),
		"zero Flow":                    &train.Flow{},
		"nil TransformedDistribution":  (*distributions.TransformedDistribution)(nil),
		"zero TransformedDistribution": &distributions.TransformedDistribution{},
	} {
		g := G.NewGraph()
		x := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 2), G.WithName("x"))
		_, _, err := gnode.LogProb(g, d, x, gnode.Options{})
		require.ErrorIs(t, err, gnode.ErrInput, name)
		require.Contains(t, err.Error(), "nil or a zero value", name)
		require.NotContains(t, err.Error(), "N×0", name)
	}
}
