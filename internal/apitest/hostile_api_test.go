package apitest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"github.com/ffjord-go/ffjord-go/viz"
	"github.com/stretchr/testify/require"
)

// apiCase is one hostile call of the public API: it must return an error
// wrapping want, and must not panic (errOf turns a panic into a failure).
type apiCase struct {
	name string
	want error
	call func() error
}

// TestHostileAPI tries what a hostile or careless user can do to the
// library: zero values, nil receivers and arguments, sizes far past any
// memory, non-finite options, wrong slice lengths. Every call must end in a
// typed error, never a panic or an out-of-memory crash.
func TestHostileAPI(t *testing.T) {
	dir := t.TempDir()
	flow, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}}, train.Settings{}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	var zero train.Flow
	var nilFlow *train.Flow
	var zeroTrainer train.Trainer
	var nilTrainer *train.Trainer
	net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2, Hidden: []int{4}}, rand.NewPCG(3, 4))
	require.NoError(t, err)
	block, err := ffjord.New(net, ffjord.Options{})
	require.NoError(t, err)
	normal, err := distributions.NewNormal([]float64{0, 0}, []float64{1, 1}, rand.NewPCG(5, 6))
	require.NoError(t, err)
	affine, err := distributions.NewAffine([]float64{0, 0}, []float64{0, 0})
	require.NoError(t, err)
	plain, err := distributions.NewTransformed(normal, distributions.Identity{D: 2})
	require.NoError(t, err)
	x := pts(4, 2, 0.1, 0.2, 0.3, 0.4, -1, 1, 0, 0)
	tooMany := int(math.MaxInt)
	cfg := func(c train.FlowConfig) func() error {
		return func() error { _, err := train.NewFlow(c, train.Settings{}, rand.NewPCG(1, 1)); return err }
	}
	trainer := func(o train.Options) func() error {
		return func() error {
			tr, err := train.NewTrainer(flow, o)
			if err != nil {
				return err
			}
			return tr.Run(context.Background(), x)
		}
	}
	pass, err := flow.RecordLogProb(x.Float64s(), 4, distributions.Request{})
	require.NoError(t, err)
	affPass, err := affine.RecordInverse(x.Float64s(), 4, distributions.Request{})
	require.NoError(t, err)
	blockPass, err := block.RecordInverse(x.Float64s(), 4, distributions.Request{})
	require.NoError(t, err)
	solve := func(s ode.Settings) func() error {
		return func() error {
			_, err := ode.Solve(make([]float64, 1), func(dy []float64, _ float64, y []float64) error { dy[0] = -y[0]; return nil }, 0, 1, []float64{1}, s)
			return err
		}
	}
	dirPath := filepath.Join(dir, "a-directory")
	require.NoError(t, os.Mkdir(dirPath, 0o755))

	cases := []apiCase{
		// A zero or nil Flow, and a zero or nil Trainer.
		{"zero Flow LogProb", train.ErrInvalidConfig, func() error { _, err := zero.LogProb(x); return err }},
		{"zero Flow NLL", train.ErrInvalidConfig, func() error { _, err := zero.NLL(x); return err }},
		{"zero Flow Sample", train.ErrInvalidConfig, func() error { _, err := zero.Sample(3); return err }},
		{"zero Flow SampleBase", train.ErrInvalidConfig, func() error { _, err := zero.SampleBase(3); return err }},
		{"zero Flow SampleWithLogProb", train.ErrInvalidConfig, func() error { _, _, err := zero.SampleWithLogProb(3); return err }},
		{"zero Flow Forward", train.ErrInvalidConfig, func() error { _, err := zero.Forward(x); return err }},
		{"zero Flow Inverse", train.ErrInvalidConfig, func() error { _, err := zero.Inverse(x); return err }},
		{"zero Flow Trajectory", train.ErrInvalidConfig, func() error { _, err := zero.Trajectory(x, 2); return err }},
		{"zero Flow SetSettings", train.ErrInvalidConfig, func() error { return zero.SetSettings(train.Settings{}) }},
		{"zero Flow SetWorkers", train.ErrInvalidConfig, func() error { return zero.SetWorkers(1) }},
		{"zero Flow SetSampleSource", train.ErrInvalidConfig, func() error { return zero.SetSampleSource(rand.NewPCG(1, 1)) }},
		{"zero Flow RecordLogProb", train.ErrInvalidConfig, func() error {
			_, err := zero.RecordLogProb(x.Float64s(), 4, distributions.Request{})
			return err
		}},
		{"zero Flow Objective", train.ErrInvalidConfig, func() error {
			_, _, err := train.Objective(&zero, x.Float64s(), 4, train.Regularization{}, nil)
			return err
		}},
		{"nil Flow LogProb", train.ErrInvalidConfig, func() error { _, err := nilFlow.LogProb(x); return err }},
		{"nil Flow Sample", train.ErrInvalidConfig, func() error { _, err := nilFlow.Sample(3); return err }},
		{"nil Flow NLL", train.ErrInvalidConfig, func() error { _, err := nilFlow.NLL(x); return err }},
		{"SaveFlow(nil)", train.ErrInvalidConfig, func() error { return train.SaveFlow(filepath.Join(dir, "nil.json"), nil) }},
		{"SaveFlow(zero)", train.ErrInvalidConfig, func() error { return train.SaveFlow(filepath.Join(dir, "zero.json"), &zero) }},
		{"zero Trainer Run", train.ErrInvalidConfig, func() error { return zeroTrainer.Run(context.Background(), x) }},
		{"zero Trainer Save", train.ErrInvalidConfig, func() error { return zeroTrainer.Save(filepath.Join(dir, "t.json")) }},
		{"nil Trainer Run", train.ErrInvalidConfig, func() error { return nilTrainer.Run(context.Background(), x) }},
		{"nil Trainer Save", train.ErrInvalidConfig, func() error { return nilTrainer.Save(filepath.Join(dir, "t.json")) }},
		{"NewTrainer(nil Flow)", train.ErrInvalidConfig, func() error { _, err := train.NewTrainer(nilFlow, train.Options{}); return err }},
		{"NewTrainer(zero Flow)", train.ErrInvalidConfig, func() error { _, err := train.NewTrainer(&zero, train.Options{}); return err }},
		{"NewTrainer(untrainable)", train.ErrInvalidConfig, func() error { _, err := train.NewTrainer(plain, train.Options{}); return err }},
		{"Resume(nil)", train.ErrCheckpoint, func() error { _, err := train.Resume(nil, train.Options{}); return err }},
		{"Resume without a flow", train.ErrCheckpoint, func() error { _, err := train.Resume(&train.Checkpoint{}, train.Options{}); return err }},
		{"Objective(nil)", train.ErrInvalidConfig, func() error {
			_, _, err := train.Objective(nil, x.Float64s(), 4, train.Regularization{}, nil)
			return err
		}},
		{"Objective short gradient", train.ErrInvalidConfig, func() error {
			g := train.NewGrads(flow)
			g[0] = g[0][:1]
			_, _, err := train.Objective(flow, x.Float64s(), 4, train.Regularization{}, g)
			return err
		}},
		{"Objective too few gradients", train.ErrInvalidConfig, func() error {
			_, _, err := train.Objective(flow, x.Float64s(), 4, train.Regularization{}, train.NewGrads(flow)[:1])
			return err
		}},
		{"Objective ragged batch", distributions.ErrShape, func() error {
			_, _, err := train.Objective(flow, x.Float64s()[:7], 4, train.Regularization{}, train.NewGrads(flow))
			return err
		}},
		// Sizes no memory holds.
		{"NewFlow hidden 2^62", train.ErrTooLarge, cfg(train.FlowConfig{Dim: 2, Hidden: []int{4611686018427387904}})},
		{"NewFlow hidden 10^8", train.ErrTooLarge, cfg(train.FlowConfig{Dim: 2, Hidden: []int{100000000}})},
		{"NewFlow 10^6 blocks", train.ErrTooLarge, cfg(train.FlowConfig{Dim: 2, Blocks: 1000000})},
		{"NewFlow dimension 2^30", train.ErrTooLarge, cfg(train.FlowConfig{Dim: 1 << 30})},
		{"NewFlow dimension MaxInt", train.ErrTooLarge, cfg(train.FlowConfig{Dim: tooMany})},
		{"NewFlow 1000 hidden layers", train.ErrTooLarge, cfg(train.FlowConfig{Dim: 2, Hidden: make([]int, 1000)})},
		{"NewFlow too many weights", train.ErrTooLarge, cfg(train.FlowConfig{Dim: 2, Hidden: []int{4096, 4096, 4096}, Blocks: 8})},
		{"NewFlow negative width", train.ErrInvalidConfig, cfg(train.FlowConfig{Dim: 2, Hidden: []int{8, -8}})},
		{"NewFlow base std 0", distributions.ErrInvalidParameter, cfg(train.FlowConfig{Dim: 2, BaseStd: []float64{0, 1}})},
		{"NewFlow LearnTime with T0", train.ErrInvalidConfig, cfg(train.FlowConfig{Dim: 2, T0: 0.5, T1: 1, LearnTime: true})},
		{"Sample(MaxInt)", distributions.ErrTooLarge, func() error { _, err := flow.Sample(tooMany); return err }},
		{"Sample(2^25)", distributions.ErrTooLarge, func() error { _, err := flow.Sample(1 << 25); return err }},
		{"Sample(-1)", distributions.ErrEmpty, func() error { _, err := flow.Sample(-1); return err }},
		{"SampleBase(MaxInt)", distributions.ErrTooLarge, func() error { _, err := flow.SampleBase(tooMany); return err }},
		{"SampleWithLogProb(MaxInt)", distributions.ErrTooLarge, func() error { _, _, err := flow.SampleWithLogProb(tooMany); return err }},
		{"Normal.Sample(MaxInt)", distributions.ErrTooLarge, func() error { _, err := normal.Sample(tooMany); return err }},
		{"Trajectory 0 steps", train.ErrInvalidConfig, func() error { _, err := flow.Trajectory(x, 0); return err }},
		{"Trajectory 2^40 steps", train.ErrTooLarge, func() error { _, err := flow.Trajectory(x, 1<<40); return err }},
		{"SetWorkers(0)", odefunc.ErrInvalidConfig, func() error { return flow.SetWorkers(0) }},
		{"odefunc: linear 2^40 wide", odefunc.ErrTooLarge, func() error { _, err := odefunc.NewLinear(2, 1<<40, rand.NewPCG(1, 1)); return err }},
		{"odefunc: concatsquash 2^31 wide", odefunc.ErrTooLarge, func() error {
			_, err := odefunc.NewConcatSquashLinear(1<<31, 2, rand.NewPCG(1, 1))
			return err
		}},
		{"odefunc: MLP of dimension 2^40", odefunc.ErrTooLarge, func() error {
			_, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 1 << 40}, rand.NewPCG(1, 1))
			return err
		}},
		{"odefunc: network of 10^6 layers", odefunc.ErrTooLarge, func() error {
			layers := make([]odefunc.Layer, 1000000)
			for i := range layers {
				layers[i] = &odefunc.ActivationLayer{Fn: odefunc.Tanh, Width: 2}
			}
			_, err := odefunc.NewNetwork(2, layers...)
			return err
		}},
		{"odefunc: nil layer", odefunc.ErrInvalidConfig, func() error { _, err := odefunc.NewNetwork(2, nil); return err }},
		{"odefunc: widths do not chain", odefunc.ErrInvalidConfig, func() error {
			l, _ := odefunc.NewLinear(3, 2, rand.NewPCG(1, 1))
			_, err := odefunc.NewNetwork(2, l)
			return err
		}},
		{"odefunc: nil random source", odefunc.ErrInvalidConfig, func() error { _, err := odefunc.NewLinear(2, 2, nil); return err }},
		{"odefunc: nil model", odefunc.ErrInvalidConfig, func() error { _, err := odefunc.New(nil); return err }},
		{"SetMaxElements(0)", distributions.ErrInvalidParameter, func() error { _, err := distributions.SetMaxElements(0); return err }},
		// Training options that make no sense.
		{"NaN schedule", train.ErrInvalidConfig, trainer(train.Options{Epochs: 1, Schedule: func(int, int, float64) float64 { return math.NaN() }})},
		{"negative schedule", train.ErrInvalidConfig, trainer(train.Options{Epochs: 1, Schedule: func(int, int, float64) float64 { return -0.1 }})},
		{"infinite schedule", train.ErrInvalidConfig, trainer(train.Options{Epochs: 1, Schedule: func(int, int, float64) float64 { return math.Inf(1) }})},
		{"ClipNorm +Inf", train.ErrInvalidConfig, trainer(train.Options{ClipNorm: math.Inf(1)})},
		{"ClipNorm NaN", train.ErrInvalidConfig, trainer(train.Options{ClipNorm: math.NaN()})},
		{"learning rate +Inf", train.ErrInvalidConfig, trainer(train.Options{LearningRate: math.Inf(1)})},
		{"learning rate −1", train.ErrInvalidConfig, trainer(train.Options{LearningRate: -1})},
		{"regulariser NaN", train.ErrInvalidConfig, trainer(train.Options{Regularization: train.Regularization{Kinetic: math.NaN()}})},
		{"regulariser +Inf", train.ErrInvalidConfig, trainer(train.Options{Regularization: train.Regularization{Jacobian: math.Inf(1)}})},
		{"regulariser negative", train.ErrInvalidConfig, trainer(train.Options{Regularization: train.Regularization{Kinetic: -1}})},
		{"negative epochs", train.ErrInvalidConfig, trainer(train.Options{Epochs: -5})},
		{"WeightDecay NaN", train.ErrInvalidConfig, trainer(train.Options{WeightDecay: math.NaN()})},
		{"WeightDecay negative", train.ErrInvalidConfig, trainer(train.Options{WeightDecay: -1e-4})},
		{"Patience negative", train.ErrInvalidConfig, trainer(train.Options{Validation: x, Patience: -1})},
		{"Patience without Validation", train.ErrInvalidConfig, trainer(train.Options{Patience: 2})},
		{"Validation of another width", train.ErrInvalidConfig, trainer(train.Options{Validation: pts(2, 4, 0, 0, 0, 0, 0, 0, 0, 0)})},
		{"Validation with NaN", train.ErrInvalidConfig, trainer(train.Options{Validation: pts(2, 2, 0, math.NaN(), 0, 0)})},
		{"ValidationContext of an unconditional flow", train.ErrInvalidConfig, trainer(train.Options{Validation: x, ValidationContext: x})},
		{"BestFlow of a nil checkpoint", train.ErrCheckpoint, func() error { _, err := (*train.Checkpoint)(nil).BestFlow(); return err }},
		{"checkpoint of a plain distribution", train.ErrInvalidConfig, func() error {
			_, err := train.NewFlowOf(plain, train.Settings{})
			return err
		}},
		{"NewFlowOf(nil)", train.ErrInvalidConfig, func() error { _, err := train.NewFlowOf(nil, train.Settings{}); return err }},
		{"Adam short gradient", nil, func() error {
			a, err := train.NewAdam(flow.Params(), 0.1)
			require.NoError(t, err)
			g := train.NewGrads(flow)
			g[1] = append(g[1], 0)
			return a.Step(g)
		}},
		{"Adam learning rate 0", train.ErrInvalidConfig, func() error { _, err := train.NewAdam(flow.Params(), 0); return err }},
		{"ParseHidden empty", train.ErrInvalidConfig, func() error { _, err := train.ParseHidden(""); return err }},
		{"ParseHidden negative", train.ErrInvalidConfig, func() error { _, err := train.ParseHidden("8,-1"); return err }},
		{"ParseHidden overflow", train.ErrInvalidConfig, func() error { _, err := train.ParseHidden("99999999999999999999999"); return err }},
		{"ParseHidden width over the limit", train.ErrTooLarge, func() error { _, err := train.ParseHidden("8,5000000"); return err }},
		{"ParseHidden too many layers", train.ErrTooLarge, func() error { _, err := train.ParseHidden(strings.Repeat("8,", 100) + "8"); return err }},
		// Checkpoints that are not files of ours.
		{"Load /dev/zero", train.ErrCheckpoint, func() error { _, err := train.Load("/dev/zero"); return err }},
		{"Load a directory", train.ErrCheckpoint, func() error { _, err := train.Load(dirPath); return err }},
		{"Load empty file", train.ErrCheckpoint, func() error { _, err := train.Load(write(t, dir, "empty.json", "")); return err }},
		{"Load JSON null", train.ErrCheckpoint, func() error { _, err := train.Load(write(t, dir, "null.json", "null")); return err }},
		{"Load JSON array", train.ErrCheckpoint, func() error { _, err := train.Load(write(t, dir, "arr.json", "[1,2,3]")); return err }},
		{"Load deep nesting", train.ErrCheckpoint, func() error {
			_, err := train.Load(write(t, dir, "deep.json", strings.Repeat("[", 100000)))
			return err
		}},
		// distributions
		{"LogProbRows(nil)", distributions.ErrInvalidParameter, func() error { _, err := distributions.LogProbRows(nil, nil); return err }},
		{"LogProbRows no points", distributions.ErrEmpty, func() error { _, err := distributions.LogProbRows(normal, nil); return err }},
		{"LogProbRows ragged", distributions.ErrShape, func() error {
			_, err := distributions.LogProbRows(normal, [][]float64{{1, 2}, {3}})
			return err
		}},
		{"SampleRows(MaxInt)", distributions.ErrTooLarge, func() error { _, err := distributions.SampleRows(normal, tooMany); return err }},
		{"SampleRows(nil)", distributions.ErrInvalidParameter, func() error { _, err := distributions.SampleRows(nil, 3); return err }},
		{"NewAffine lengths", distributions.ErrInvalidParameter, func() error { _, err := distributions.NewAffine([]float64{0}, nil); return err }},
		{"NewAffine NaN", distributions.ErrInvalidParameter, func() error {
			_, err := distributions.NewAffine([]float64{math.NaN()}, []float64{0})
			return err
		}},
		{"NewAffine log-scale 1000", distributions.ErrInvalidParameter, func() error {
			_, err := distributions.NewAffine([]float64{0}, []float64{1000})
			return err
		}},
		{"Affine wrong columns", distributions.ErrShape, func() error { _, err := affine.Forward(pts(2, 3)); return err }},
		{"Affine RecordInverse ragged", distributions.ErrShape, func() error {
			_, err := affine.RecordInverse(make([]float64, 5), 3, distributions.Request{})
			return err
		}},
		{"Affine backward short cotangent", distributions.ErrShape, func() error {
			_, err := affPass.Backward(distributions.Cotangents{X: make([]float64, 3)}, [][]float64{make([]float64, 2), make([]float64, 2)})
			return err
		}},
		{"Affine backward wrong gradients", distributions.ErrInvalidParameter, func() error {
			_, err := affPass.Backward(distributions.Cotangents{}, nil)
			return err
		}},
		{"NewLearnableNormal std 0", distributions.ErrInvalidParameter, func() error {
			_, err := distributions.NewLearnableNormal([]float64{0}, []float64{0}, nil)
			return err
		}},
		{"Chain of a plain bijector", distributions.ErrInvalidParameter, func() error {
			c, _ := distributions.NewChain(plainBijector{distributions.Identity{D: 2}}, affine)
			_, err := c.RecordInverse(x.Float64s(), 4, distributions.Request{})
			return err
		}},
		{"empty Chain RecordInverse", distributions.ErrInvalidParameter, func() error {
			_, err := distributions.Chain{}.RecordInverse(x.Float64s(), 4, distributions.Request{})
			return err
		}},
		{"RecordLogProb of a plain distribution", distributions.ErrInvalidParameter, func() error {
			_, err := plain.RecordLogProb(x.Float64s(), 4, distributions.Request{})
			return err
		}},
		{"RecordLogProb NaN", distributions.ErrNonFinite, func() error {
			_, err := flow.RecordLogProb([]float64{0, math.NaN()}, 1, distributions.Request{})
			return err
		}},
		{"RecordLogProb zero rows", distributions.ErrShape, func() error {
			_, err := flow.RecordLogProb(nil, 0, distributions.Request{})
			return err
		}},
		{"DensityPass backward short cotangent", distributions.ErrShape, func() error {
			_, err := pass.Backward(distributions.Cotangents{LogDet: make([]float64, 2)}, train.NewGrads(flow))
			return err
		}},
		{"DensityPass backward wrong gradients", distributions.ErrInvalidParameter, func() error {
			_, err := pass.Backward(distributions.Cotangents{LogDet: make([]float64, 4)}, nil)
			return err
		}},
		// ffjord
		{"ffjord: nil model", odefunc.ErrInvalidConfig, func() error { _, err := ffjord.New(nil, ffjord.Options{}); return err }},
		{"ffjord: RecordInverse ragged", distributions.ErrShape, func() error {
			_, err := block.RecordInverse(make([]float64, 5), 2, distributions.Request{})
			return err
		}},
		{"ffjord: RecordInverse zero rows", distributions.ErrShape, func() error {
			_, err := block.RecordInverse(nil, 0, distributions.Request{})
			return err
		}},
		{"ffjord: LearnTime from t0 ≠ 0", ffjord.ErrInvalidOptions, func() error {
			_, err := ffjord.New(net, ffjord.Options{T0: 0.5, T1: 1, LearnTime: true})
			return err
		}},
		{"ffjord: NaN time", ffjord.ErrInvalidOptions, func() error { return block.SetTimes(math.NaN(), 1) }},
		{"ffjord: bad adjoint controller", ode.ErrInvalidSettings, func() error {
			return block.SetGradient(ode.BacksolveAdjoint{Controller: ode.Constant{Step: math.Inf(1)}})
		}},
		{"SetSettings nil *BacksolveAdjoint", ffjord.ErrInvalidOptions, func() error {
			return flow.SetSettings(train.Settings{Gradient: (*ode.BacksolveAdjoint)(nil)})
		}},
		{"SetSettings *BacksolveAdjoint", ffjord.ErrInvalidOptions, func() error {
			return flow.SetSettings(train.Settings{Gradient: &ode.BacksolveAdjoint{}})
		}},
		{"NewFlow nil *Discrete", ffjord.ErrInvalidOptions, func() error {
			_, err := train.NewFlow(train.FlowConfig{Dim: 2}, train.Settings{Gradient: (*ode.Discrete)(nil)}, rand.NewPCG(1, 1))
			return err
		}},
		{"ffjord: nil *Discrete", ffjord.ErrInvalidOptions, func() error { return block.SetGradient((*ode.Discrete)(nil)) }},
		{"ffjord: garbage noise state", ffjord.ErrInvalidOptions, func() error {
			b, err := ffjord.New(net, ffjord.Options{Trace: odefunc.HutchinsonGaussian, Source: rand.NewPCG(1, 1)})
			require.NoError(t, err)
			return b.SetNoiseState([]byte("garbage"))
		}},
		{"ffjord: Backward without a tape", nil, func() error {
			_, err := block.Backward(nil, ffjord.Cotangents{}, nil)
			return err
		}},
		{"ffjord: pass backward wrong gradients", ffjord.ErrInvalidOptions, func() error {
			_, err := blockPass.Backward(distributions.Cotangents{}, nil)
			return err
		}},
		// ode
		{"ode: MaxSteps 10^15", ode.ErrInvalidSettings, solve(ode.Settings{MaxSteps: 1e15})},
		{"ode: Euler step 1e-12 stops at MaxSteps", ode.ErrMaxSteps, solve(ode.Settings{Method: ode.Euler(), Controller: ode.Constant{Step: 1e-12}})},
		{"ode: zero constant step", ode.ErrInvalidSettings, solve(ode.Settings{Controller: ode.Constant{Step: 0}})},
		{"ode: NaN constant step", ode.ErrInvalidSettings, solve(ode.Settings{Controller: ode.Constant{Step: math.NaN()}})},
		{"ode: grid of one time", ode.ErrInvalidSettings, solve(ode.Settings{Controller: ode.Grid{Times: []float64{0}}})},
		{"ode: adaptive Euler", ode.ErrInvalidSettings, solve(ode.Settings{Method: ode.Euler()})},
		{"ode: unknown method", ode.ErrInvalidSettings, func() error { _, err := ode.ParseMethod("rk5"); return err }},
		{"ode: nil Func", ode.ErrInvalidInput, func() error {
			_, err := ode.Solve(make([]float64, 1), nil, 0, 1, []float64{1}, ode.Settings{})
			return err
		}},
		{"ode: infinite t1", ode.ErrInvalidInput, func() error {
			_, err := ode.Solve(make([]float64, 1), func(dy []float64, _ float64, y []float64) error { return nil }, 0, math.Inf(1), []float64{1}, ode.Settings{})
			return err
		}},
		// datasets
		{"datasets: Moons(MaxInt)", datasets.ErrInvalidArgument, func() error {
			_, err := datasets.Moons(tooMany, 0.1, true, rand.NewPCG(1, 1))
			return err
		}},
		{"datasets: ByName huge", datasets.ErrInvalidArgument, func() error {
			_, err := datasets.ByName("rings", tooMany, rand.NewPCG(1, 1))
			return err
		}},
		{"datasets: mixture in 2^40 dimensions", datasets.ErrInvalidArgument, func() error {
			_, err := datasets.GaussianMixture(10, 1<<40, 2, 3, rand.NewPCG(1, 1))
			return err
		}},
		{"datasets: nil random source", datasets.ErrInvalidArgument, func() error { _, err := datasets.Moons(10, 0.1, true, nil); return err }},
		{"datasets: WriteCSV(nil, …)", datasets.ErrInvalidArgument, func() error { return datasets.WriteCSV(nil, x, nil) }},
		{"datasets: WriteColumnCSV(nil, …)", datasets.ErrInvalidArgument, func() error {
			return datasets.WriteColumnCSV(nil, "logp", []float64{1})
		}},
		{"datasets: ReadCSV 1_0", datasets.ErrMalformed, func() error { _, _, err := datasets.ReadCSV(strings.NewReader("1_0,2\n")); return err }},
		{"datasets: ReadCSV 0x1p-2", datasets.ErrMalformed, func() error {
			_, _, err := datasets.ReadCSV(strings.NewReader("1,2\n0x1p-2,3\n"))
			return err
		}},
		{"datasets: ReadCSV 0x1p9999", datasets.ErrMalformed, func() error {
			_, _, err := datasets.ReadCSV(strings.NewReader("1,2\n0x1p9999,3\n"))
			return err
		}},
		{"datasets: ReadCSV 0b101", datasets.ErrMalformed, func() error { _, _, err := datasets.ReadCSV(strings.NewReader("1,2\n0b101,3\n")); return err }},
		{"datasets: ReadCSV 1e", datasets.ErrMalformed, func() error { _, _, err := datasets.ReadCSV(strings.NewReader("1,2\n1e,3\n")); return err }},
		{"datasets: ReadCSV -Infinity", datasets.ErrNonFinite, func() error {
			_, _, err := datasets.ReadCSV(strings.NewReader("1,2\n-Infinity,3\n"))
			return err
		}},
		{"datasets: ReadCSV(nil)", datasets.ErrInvalidArgument, func() error { _, _, err := datasets.ReadCSV(nil); return err }},
		// viz
		{"viz: grid 10^5 × 10^5", viz.ErrInvalidInput, func() error {
			_, err := viz.NewGrid(viz.Bounds{XMin: 0, XMax: 1, YMin: 0, YMax: 1}, 100000, 100000)
			return err
		}},
		{"viz: grid 3037000500²", viz.ErrInvalidInput, func() error {
			_, err := viz.NewGrid(viz.Bounds{XMin: 0, XMax: 1, YMin: 0, YMax: 1}, 3037000500, 3037000500)
			return err
		}},
		{"viz: line grid 2^40 points", viz.ErrInvalidInput, func() error {
			_, err := viz.LineGrid(viz.Bounds{XMin: 0, XMax: 1, YMin: 0, YMax: 1}, 4, 1<<40)
			return err
		}},
		{"viz: density of nil", viz.ErrInvalidInput, func() error {
			_, err := viz.DensityGrid(nil, viz.Bounds{XMin: 0, XMax: 1, YMin: 0, YMax: 1}, 10, 10)
			return err
		}},
		{"viz: empty loss curve", viz.ErrInvalidInput, func() error { _, err := viz.LossCurve(nil, 0); return err }},
		{"viz: NaN bounds", viz.ErrInvalidInput, func() error {
			_, err := viz.NewGrid(viz.Bounds{XMin: math.NaN(), XMax: 1, YMin: 0, YMax: 1}, 10, 10)
			return err
		}},
	}
	for _, c := range cases {
		err := errOf(t, c.name, c.call)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: error %q does not wrap %v", c.name, err, c.want)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: the error is not one line: %q", c.name, err)
		}
	}
	t.Logf("%d hostile API calls, each a typed error", len(cases))
}

// plainBijector is a Bijector without a recorded pass.
type plainBijector struct{ distributions.Identity }

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

// TestHostileAPIErrorMessages checks what hostile calls' errors say: each
// must contain want and none of notWant.
func TestHostileAPIErrorMessages(t *testing.T) {
	decay := func(dy []float64, _ float64, y []float64) error { dy[0] = -y[0]; return nil }
	dir := t.TempDir()
	sealed := func(version int, content string) func() error {
		return func() error {
			sum := sha256.Sum256([]byte(content))
			file := fmt.Sprintf(`{"format":%q,"version":%d,"sha256":%q,"content":%s}`, train.CheckpointFormat, version, hex.EncodeToString(sum[:]), content)
			_, err := train.Load(write(t, dir, "sealed.json", file))
			return err
		}
	}
	cases := []struct {
		name    string
		call    func() error
		want    string
		notWant []string
	}{
		{"checkpoint content null", sealed(2, "null"), "content is missing", []string{"trace"}},
		{"checkpoint v1 content null", sealed(1, "null"), "content is missing", []string{"trace"}},
		{"checkpoint content absent", func() error {
			_, err := train.Load(write(t, dir, "absent.json", fmt.Sprintf(`{"format":%q,"version":2,"sha256":""}`, train.CheckpointFormat)))
			return err
		}, "content is missing", nil},
		{"checkpoint content {}", sealed(2, "{}"), "is missing", []string{`estimator ""`}},
		{"ode: a step count of 150 digits", func() error {
			_, err := ode.Solve(make([]float64, 1), decay, 0, 1, []float64{1}, ode.Settings{Method: ode.Euler(), Controller: ode.Constant{Step: 1e-150}})
			return err
		}, "Constant.Step needs 1e+150 steps", []string{"0000000000"}},
		{"ode: a step count of 7 digits", func() error {
			_, err := ode.Solve(make([]float64, 1), decay, 0, 1, []float64{1}, ode.Settings{Method: ode.Euler(), Controller: ode.Constant{Step: 1e-6}, MaxSteps: 1000})
			return err
		}, "Constant.Step needs 1000000 steps", nil},
	}
	for _, c := range cases {
		err := errOf(t, c.name, c.call)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, c.want) {
			t.Errorf("%s: error %q does not contain %q", c.name, msg, c.want)
		}
		for _, bad := range c.notWant {
			if strings.Contains(msg, bad) {
				t.Errorf("%s: error %q contains %q", c.name, msg, bad)
			}
		}
	}
}
