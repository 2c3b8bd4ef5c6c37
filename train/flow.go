package train

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"gorgonia.org/tensor"
)

// ErrInvalidConfig is returned for a model configuration or training option
// that cannot be used; the message names the field.
var ErrInvalidConfig = errors.New("train: invalid configuration")

// FlowConfig describes a stack of FFJORD blocks with MLP dynamics on a
// diagonal Gaussian base. The zero value, with Dim set to 2, is the
// tutorial's model. Every block has the same Hidden widths and Activation;
// how each sees t can differ (Time, BlockTime).
type FlowConfig struct {
	Dim        int                // dimension of the data; required
	Blocks     int                // number of FFJORD blocks; 0 means 4
	Hidden     []int              // hidden widths of each MLP; nil means {8, 8}
	Activation odefunc.Activation // zero value: tanh
	// Time is how every block's MLP sees t; the zero value is
	// odefunc.ConcatTime, the tutorial's [t, …, t, z].
	Time odefunc.TimeInput
	// BlockTime overrides Time block by block: nil means Time for every
	// block; otherwise it has one entry per block, taken as is (SingleTime
	// does not change them). NewFlow fills it in, so a Flow's Config always
	// lists every block's mode.
	BlockTime []odefunc.TimeInput
	// SingleTime is the older spelling of Time = odefunc.ConcatTimeSingle
	// (t as one column); it may not be combined with another Time. NewFlow
	// sets it exactly when Time is ConcatTimeSingle.
	SingleTime bool
	BaseMean   []float64 // nil means zeros
	BaseStd    []float64 // nil means 0.8 in every dimension
	T0, T1     float64   // both zero means 0 and 1
	// LearnTime makes each block's end time a parameter, T = s² as in the
	// FFJORD code's train_T, starting from T1; it needs T0 = 0 and T1 > 0.
	LearnTime bool
	// Context is C, the features of a context vector per point: C > 0
	// makes the flow conditional, p(x | c), with every block's dynamics
	// f(t, z, c). 0 is the unconditional flow.
	Context int
	// ContextInput is how the MLPs see the context (concatenation, the
	// zero value, or squash).
	ContextInput odefunc.ContextInput
}

// mlp is the MLPConfig of block k of a resolved cfg.
func (cfg FlowConfig) mlp(k int) odefunc.MLPConfig {
	return odefunc.MLPConfig{Dim: cfg.Dim, Hidden: cfg.Hidden, Activation: cfg.Activation, Time: cfg.BlockTime[k], Context: cfg.Context, ContextInput: cfg.ContextInput}
}

// Settings are how a Flow's FFJORD blocks are solved and differentiated,
// kept apart from what it learned. The zero value is Dormand–Prince with
// each kind of solve's preset where the tolerances and step control are
// left at zero: training's passes the tutorial's whole-batch rtol 1e-3,
// atol 1e-5 (ffjord.TrainingPreset; the adjoint's backward solve shares
// them unless its ode.BacksolveAdjoint has a Controller), evaluation per
// row at rtol 1e-5, atol 1e-7 (ffjord.EvaluationPreset); adjoint
// gradients; and the exact trace.
type Settings struct {
	Solver ode.Settings
	// Gradient is how training differentiates each solve; nil means
	// ode.BacksolveAdjoint{}.
	Gradient ode.Gradient
	// Trace is the estimator training uses (distributions.Request.Estimate);
	// evaluation (LogProb, NLL, sampling) always uses the exact trace.
	Trace odefunc.Trace
}

// Flow is a trainable distribution — a TransformedDistribution of a
// differentiable base through differentiable bijectors, FFJORD blocks among
// them — made safe for concurrent use: its methods take turns, each already
// spreading its batch over every core, and a Trainer takes the same turns
// (Use), so readers always see a consistent set of weights.
//
// NewFlow builds the tutorial's stack from a FlowConfig; NewFlowOf wraps any
// composition.
type Flow struct {
	mu sync.Mutex // held by every method that evaluates or changes the flow

	// config is the configuration NewFlow built the flow from, valid when
	// nets is not nil; for a flow from NewFlowOf only Dim is set.
	config FlowConfig
	// nets are the blocks' dynamics when NewFlow built them (blocks[k]
	// integrates nets[k]); nil for a flow from NewFlowOf.
	nets []*odefunc.Network
	// blocks are the FFJORD blocks of the flow in the order Forward
	// applies them: block 0 first when sampling, last when computing
	// densities.
	blocks []*ffjord.FFJORD
	// dist is the model's distribution, whose base SetSampleSource may
	// replace.
	dist *distributions.TransformedDistribution

	settings Settings
	stats    []ode.Result // of each block in the last evaluation (Stats)
}

// Shared is a model that other goroutines may use while it trains: Use
// calls fn with the model's distribution, to evaluate or change, holding
// the model's lock so that no other use runs meanwhile. A *Flow is one; a
// Trainer and Objective take their turns through Use.
type Shared interface {
	Use(fn func(d *distributions.TransformedDistribution) error) error
}

// Use calls fn with the flow's distribution, holding the flow's lock, and
// returns fn's error: a way to read or change the parts of the flow (its
// base, its bijectors, their parameters) while no other method runs.
// fn must not keep d or its parts past its return, nor call the Flow's
// methods (they would wait for the lock fn holds). A base or bijector fn
// sets to nil, or a base of another dimension, is put back, and Use
// returns an ErrInvalidConfig error. A flow of NewFlow whose parts fn
// replaced so that it is no longer NewFlow's stack has no Config after.
// Package checkpoint saves a flow this way.
func (f *Flow) Use(fn func(d *distributions.TransformedDistribution) error) error {
	if fn == nil {
		return fmt.Errorf("%w: Use needs a function", ErrInvalidConfig)
	}
	if err := f.lock(); err != nil {
		return err
	}
	defer f.mu.Unlock()
	base, bij := f.dist.Base, f.dist.Bijector
	err := fn(f.dist)
	if f.dist.Base == nil || f.dist.Bijector == nil || f.dist.Base.Dim() != base.Dim() {
		// The Flow would be left unusable: every method would refuse it.
		f.dist.Base, f.dist.Bijector = base, bij
		return fmt.Errorf("%w: Use's function removed the flow's base or bijector, or changed its dimension; they are put back", ErrInvalidConfig)
	}
	// Parts replaced: the blocks are found again, and a NewFlow stack
	// that is no longer one has no Config (a checkpoint of it would
	// claim a stack Load does not find).
	if !sameBlocks(f.dist.Bijector, f.blocks) {
		f.blocks = ffjordBlocks(f.dist.Bijector)
	}
	if f.nets != nil && !f.stackIntact(base) {
		f.config, f.nets = FlowConfig{Dim: f.dist.Dim()}, nil
	}
	return err
}

// sameBlocks reports whether the FFJORD blocks of b are blocks, in the
// order ffjordBlocks lists them, without allocating.
func sameBlocks(b distributions.Bijector, blocks []*ffjord.FFJORD) bool {
	n, ok := matchBlocks(b, blocks)
	return ok && n == len(blocks)
}

// matchBlocks matches the blocks of b against the start of blocks and
// returns how many it used.
func matchBlocks(b distributions.Bijector, blocks []*ffjord.FFJORD) (int, bool) {
	switch b := b.(type) {
	case *ffjord.FFJORD:
		return 1, len(blocks) > 0 && blocks[0] == b
	case distributions.Chain:
		used := 0
		for k := len(b) - 1; k >= 0; k-- {
			n, ok := matchBlocks(b[k], blocks[used:])
			if !ok {
				return 0, false
			}
			used += n
		}
		return used, true
	}
	return 0, true
}

// stackIntact reports whether the flow is still the stack NewFlow built,
// f.config and f.nets, after Use's function; oldBase is the base before.
func (f *Flow) stackIntact(oldBase distributions.Distribution) bool {
	if f.dist.Base != oldBase { // oldBase is a *Normal: comparable
		b, ok := f.dist.Base.(*distributions.Normal)
		if !ok || b.Learnable() || !bitsEqual(b.Mean(), f.config.BaseMean) || !bitsEqual(b.Std(), f.config.BaseStd) {
			return false
		}
	}
	chain, ok := f.dist.Bijector.(distributions.Chain)
	if !ok || len(chain) != len(f.nets) {
		return false
	}
	for k, net := range f.nets {
		b, ok := chain[len(chain)-1-k].(*ffjord.FFJORD)
		if !ok || b.Dynamics().Model() != odefunc.Model(net) {
			return false
		}
		if t0, t1 := b.Times(); b.LearnsTime() != f.config.LearnTime || t0 != f.config.T0 || (!f.config.LearnTime && t1 != f.config.T1) {
			return false
		}
	}
	return true
}

// Config returns the configuration NewFlow built the flow from, defaults
// filled in, and true; for a flow from NewFlowOf, a FlowConfig with only
// Dim set and false.
func (f *Flow) Config() (FlowConfig, bool) {
	if f.lock() != nil {
		return FlowConfig{}, false
	}
	defer f.mu.Unlock()
	cfg := f.config
	cfg.Hidden, cfg.BlockTime = slices.Clone(cfg.Hidden), slices.Clone(cfg.BlockTime)
	cfg.BaseMean, cfg.BaseStd = slices.Clone(cfg.BaseMean), slices.Clone(cfg.BaseStd)
	if f.nets == nil {
		return FlowConfig{Dim: cfg.Dim}, false
	}
	return cfg, true
}

// ParseHidden reads hidden-layer widths written as a comma-separated list,
// such as "8,8" (the tutorial's) or "64,64,64". More than MaxLayers widths,
// or a width over MaxWidth, is an ErrTooLarge error, so that a program can
// refuse them before any work.
func ParseHidden(s string) ([]int, error) {
	if n := strings.Count(s, ",") + 1; n > MaxLayers {
		return nil, fmt.Errorf("%w: hidden widths: %d layers, over the limit of %d", ErrTooLarge, n, MaxLayers)
	}
	var widths []int
	for _, f := range strings.Split(s, ",") {
		w, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || w <= 0 {
			return nil, fmt.Errorf("%w: hidden widths %q: want positive integers separated by commas", ErrInvalidConfig, s)
		}
		if w > MaxWidth {
			return nil, fmt.Errorf("%w: hidden width %d, over the limit of %d", ErrTooLarge, w, MaxWidth)
		}
		widths = append(widths, w)
	}
	return widths, nil
}

// Limits of a FlowConfig, generous for the networks NewFlow builds; a
// larger model can be composed with NewFlowOf. Sizes past them are
// ErrTooLarge errors, checked before anything is allocated.
const (
	MaxDim    = 4096    // dimension of the data
	MaxBlocks = 256     // FFJORD blocks
	MaxWidth  = 4096    // width of a hidden layer
	MaxLayers = 64      // hidden layers of each block
	MaxParams = 1 << 24 // weights of the whole flow
)

// ErrTooLarge is returned for a size over its limit: a FlowConfig's (MaxDim
// and the others) or a batch's (distributions.SetMaxElements).
var ErrTooLarge = batch.ErrTooLarge

// resolved returns cfg with its defaults filled in, or an error naming the
// first invalid field.
func (cfg FlowConfig) resolved() (FlowConfig, error) {
	if cfg.Dim <= 0 {
		return cfg, fmt.Errorf("%w: Dim = %d, want ≥ 1", ErrInvalidConfig, cfg.Dim)
	}
	if cfg.Dim > MaxDim {
		return cfg, fmt.Errorf("%w: Dim = %d, over the limit of %d", ErrTooLarge, cfg.Dim, MaxDim)
	}
	if cfg.Blocks == 0 {
		cfg.Blocks = 4
	}
	if cfg.Blocks < 0 {
		return cfg, fmt.Errorf("%w: Blocks = %d, want ≥ 1", ErrInvalidConfig, cfg.Blocks)
	}
	if cfg.Blocks > MaxBlocks {
		return cfg, fmt.Errorf("%w: Blocks = %d, over the limit of %d", ErrTooLarge, cfg.Blocks, MaxBlocks)
	}
	if cfg.Hidden == nil {
		cfg.Hidden = []int{8, 8}
	}
	if len(cfg.Hidden) > MaxLayers {
		return cfg, fmt.Errorf("%w: %d hidden layers, over the limit of %d", ErrTooLarge, len(cfg.Hidden), MaxLayers)
	}
	cfg.Hidden = slices.Clone(cfg.Hidden) // [] stays a list, as a checkpoint's "hidden" must be
	for i, h := range cfg.Hidden {
		if h <= 0 {
			return cfg, fmt.Errorf("%w: Hidden[%d] = %d, want ≥ 1", ErrInvalidConfig, i, h)
		}
		if h > MaxWidth {
			return cfg, fmt.Errorf("%w: Hidden[%d] = %d, over the limit of %d", ErrTooLarge, i, h, MaxWidth)
		}
	}
	if cfg.Context < 0 || cfg.Context > MaxDim {
		return cfg, fmt.Errorf("%w: Context = %d, want 0 to %d", ErrInvalidConfig, cfg.Context, MaxDim)
	}
	// Every factor is now bounded, so the count cannot overflow int64.
	var params int64
	in := int64(2*cfg.Dim + cfg.Context) // the widest first layer, [t, …, t, z, c]
	for _, h := range append(cfg.Hidden, cfg.Dim) {
		params += (in + 4 + 2*int64(cfg.Context)) * int64(h) // W, b and the squash layers' gates and shifts
		in = int64(h)
	}
	if params*int64(cfg.Blocks) > MaxParams {
		return cfg, fmt.Errorf("%w: %d blocks of hidden widths %v in %d dimensions have about %d weights, over the limit of %d", ErrTooLarge, cfg.Blocks, cfg.Hidden, cfg.Dim, params*int64(cfg.Blocks), MaxParams)
	}
	mode, err := odefunc.MLPConfig{Time: cfg.Time, SingleTime: cfg.SingleTime}.TimeMode()
	if err != nil {
		return cfg, fmt.Errorf("%w: Time = %v with SingleTime = %t: %v", ErrInvalidConfig, cfg.Time, cfg.SingleTime, err)
	}
	cfg.Time, cfg.SingleTime = mode, mode == odefunc.ConcatTimeSingle
	if cfg.BlockTime == nil {
		cfg.BlockTime = make([]odefunc.TimeInput, cfg.Blocks)
		for k := range cfg.BlockTime {
			cfg.BlockTime[k] = cfg.Time
		}
	}
	if len(cfg.BlockTime) != cfg.Blocks {
		return cfg, fmt.Errorf("%w: BlockTime has %d entries, want Blocks = %d", ErrInvalidConfig, len(cfg.BlockTime), cfg.Blocks)
	}
	cfg.BlockTime = append([]odefunc.TimeInput(nil), cfg.BlockTime...) // the Flow's own copy
	for k, ti := range cfg.BlockTime {
		if !ti.Valid() {
			return cfg, fmt.Errorf("%w: BlockTime[%d] = %v is not a time input", ErrInvalidConfig, k, ti)
		}
	}
	if cfg.BaseMean == nil {
		cfg.BaseMean = make([]float64, cfg.Dim)
	}
	if cfg.BaseStd == nil {
		cfg.BaseStd = make([]float64, cfg.Dim)
		for i := range cfg.BaseStd {
			cfg.BaseStd[i] = 0.8
		}
	}
	if len(cfg.BaseMean) != cfg.Dim || len(cfg.BaseStd) != cfg.Dim {
		return cfg, fmt.Errorf("%w: BaseMean and BaseStd have %d and %d entries, want Dim = %d", ErrInvalidConfig, len(cfg.BaseMean), len(cfg.BaseStd), cfg.Dim)
	}
	cfg.BaseMean = append([]float64(nil), cfg.BaseMean...)
	cfg.BaseStd = append([]float64(nil), cfg.BaseStd...)
	if cfg.T0 == 0 && cfg.T1 == 0 {
		cfg.T1 = 1
	}
	if cfg.LearnTime && (cfg.T0 != 0 || !(cfg.T1 > 0)) {
		return cfg, fmt.Errorf("%w: LearnTime needs T0 = 0 and T1 > 0, got %g and %g", ErrInvalidConfig, cfg.T0, cfg.T1)
	}
	return cfg, nil
}

// NewFlow returns a Flow with fresh weights, initialised like Sonnet's Linear
// from src, which also seeds the base's sampler and the Hutchinson noise.
func NewFlow(cfg FlowConfig, s Settings, src rand.Source) (*Flow, error) {
	if src == nil {
		return nil, fmt.Errorf("%w: nil random source", ErrInvalidConfig)
	}
	cfg, err := cfg.resolved()
	if err != nil {
		return nil, err
	}
	nets := make([]*odefunc.Network, cfg.Blocks)
	for k := range nets {
		nets[k], err = odefunc.NewMLP(cfg.mlp(k), src)
		if err != nil {
			return nil, err
		}
	}
	return assemble(cfg, nets, nil, s, src)
}

// assemble builds the base, blocks and distribution around nets. The random
// streams are split off src in a fixed order, so a seed fixes everything.
// endTimes, when the end times are learned, gives each block's T (nil: all
// cfg.T1).
func assemble(cfg FlowConfig, nets []*odefunc.Network, endTimes []float64, s Settings, src rand.Source) (*Flow, error) {
	r := rand.New(src)
	base, err := distributions.NewNormal(cfg.BaseMean, cfg.BaseStd, rand.NewPCG(r.Uint64(), r.Uint64()))
	if err != nil {
		return nil, err
	}
	blocks := make([]*ffjord.FFJORD, len(nets))
	chain := make([]distributions.Bijector, len(nets))
	for k, net := range nets {
		blocks[k], err = ffjord.New(net, ffjord.Options{
			T0: cfg.T0, T1: cfg.T1, LearnTime: cfg.LearnTime,
			Source: rand.NewPCG(r.Uint64(), r.Uint64()),
		})
		if err != nil {
			return nil, fmt.Errorf("train: block %d: %w", k, err)
		}
		if endTimes != nil {
			if err := blocks[k].SetTimes(cfg.T0, endTimes[k]); err != nil {
				return nil, fmt.Errorf("train: block %d: %w", k, err)
			}
		}
		chain[len(nets)-1-k] = blocks[k] // Chain applies its last element first
	}
	c, err := distributions.NewChain(chain...)
	if err != nil {
		return nil, err
	}
	d, err := distributions.NewTransformed(base, c)
	if err != nil {
		return nil, err
	}
	f, err := NewFlowOf(d, s)
	if err != nil {
		return nil, err
	}
	f.config, f.nets = cfg, nets
	return f, nil
}

// NewFlowOf returns the Flow of d, whose base must be a
// distributions.DifferentiableBase and whose bijector Differentiable (an
// FFJORD block, an Affine, or a Chain of them and of a user's own). s is
// applied to every FFJORD block of d.
func NewFlowOf(d *distributions.TransformedDistribution, s Settings) (*Flow, error) {
	if d == nil || d.Base == nil || d.Bijector == nil {
		return nil, fmt.Errorf("%w: NewFlowOf needs a distribution with a base and a bijector", ErrInvalidConfig)
	}
	if _, ok := d.Base.(distributions.DifferentiableBase); !ok {
		return nil, fmt.Errorf("%w: the base %T gives no gradient", ErrInvalidConfig, d.Base)
	}
	if _, ok := d.Bijector.(distributions.Differentiable); !ok {
		return nil, fmt.Errorf("%w: the bijector %T is not Differentiable", ErrInvalidConfig, d.Bijector)
	}
	f := &Flow{config: FlowConfig{Dim: d.Dim()}, dist: d, blocks: ffjordBlocks(d.Bijector)}
	if err := f.applySettings(s); err != nil {
		return nil, err
	}
	return f, nil
}

// ffjordBlocks lists the FFJORD blocks of b in the order Forward applies
// them.
func ffjordBlocks(b distributions.Bijector) []*ffjord.FFJORD {
	switch b := b.(type) {
	case *ffjord.FFJORD:
		return []*ffjord.FFJORD{b}
	case distributions.Chain:
		var out []*ffjord.FFJORD
		for k := len(b) - 1; k >= 0; k-- {
			out = append(out, ffjordBlocks(b[k])...)
		}
		return out
	}
	return nil
}

// errNotMade reports a Flow that NewFlow, NewFlowOf or checkpoint.Load
// did not make.
var errNotMade = fmt.Errorf("%w: the Flow is nil or a zero value; make one with NewFlow, NewFlowOf or checkpoint.Load", ErrInvalidConfig)

// lock takes the flow's lock, or says that there is no flow to lock.
// The fields are checked under the lock, since SetSampleSource replaces
// the base.
func (f *Flow) lock() error {
	if f == nil {
		return errNotMade
	}
	f.mu.Lock()
	if f.dist == nil || f.dist.Base == nil {
		f.mu.Unlock()
		return errNotMade
	}
	return nil
}

// Dim returns the dimension of the points (0 for a zero Flow).
func (f *Flow) Dim() int {
	if f.lock() != nil {
		return 0
	}
	defer f.mu.Unlock()
	return f.dim()
}

// dim is Dim for a caller that holds the lock.
func (f *Flow) dim() int { return f.dist.Dim() }

// EndTimes returns each FFJORD block's end time t1.
func (f *Flow) EndTimes() []float64 {
	if f.lock() != nil {
		return nil
	}
	defer f.mu.Unlock()
	ts := make([]float64, len(f.blocks))
	for k, b := range f.blocks {
		_, ts[k] = b.Times()
	}
	return ts
}

// Settings returns the evaluation settings.
func (f *Flow) Settings() Settings {
	if f.lock() != nil {
		return Settings{}
	}
	defer f.mu.Unlock()
	return f.settings
}

// SetSettings changes how the flow's FFJORD blocks are solved and
// differentiated. The Hutchinson noise keeps its streams.
func (f *Flow) SetSettings(s Settings) error {
	if err := f.lock(); err != nil {
		return err
	}
	defer f.mu.Unlock()
	return f.applySettings(s)
}

func (f *Flow) applySettings(s Settings) error {
	for k, b := range f.blocks {
		if err := b.SetSolver(s.Solver); err != nil {
			return fmt.Errorf("train: block %d: %w", k, err)
		}
		if err := b.SetTrace(s.Trace, nil); err != nil {
			return fmt.Errorf("train: block %d: %w", k, err)
		}
		if err := b.SetGradient(s.Gradient); err != nil {
			return fmt.Errorf("train: block %d: %w", k, err)
		}
	}
	f.settings = s
	return nil
}

// SetSampleSource makes Sample draw its base points from src from now on.
// The base must be a distributions.Reseeder (the library's are).
func (f *Flow) SetSampleSource(src rand.Source) error {
	if err := f.lock(); err != nil {
		return err
	}
	defer f.mu.Unlock()
	r, ok := f.dist.Base.(distributions.Reseeder)
	if !ok {
		return fmt.Errorf("%w: SetSampleSource needs a base that is a distributions.Reseeder (Normal, MultivariateNormalTriL, GaussianMixture), not %T", ErrInvalidConfig, f.dist.Base)
	}
	base, err := r.Reseeded(src)
	if err != nil {
		return err
	}
	f.dist.Base = base
	return nil
}

// SetWorkers sets the number of goroutines that evaluate each block's
// dynamics. Results do not depend on it.
func (f *Flow) SetWorkers(n int) error {
	if err := f.lock(); err != nil {
		return err
	}
	defer f.mu.Unlock()
	for _, b := range f.blocks {
		if err := b.Dynamics().SetWorkers(n); err != nil {
			return err
		}
	}
	return nil
}

// SetInterrupt sets a check made before every evaluation of every
// block's dynamics (odefunc.Dynamics.SetInterrupt): once stop returns an
// error, the solve under way, and so LogProb, Sample or a training step,
// fails at its next evaluation with an error wrapping
// odefunc.ErrInterrupted and stop's error. A context's Err stops a long
// evaluation when the context is cancelled. nil removes the check.
func (f *Flow) SetInterrupt(stop func() error) error {
	if err := f.lock(); err != nil {
		return err
	}
	defer f.mu.Unlock()
	for _, b := range f.blocks {
		b.Dynamics().SetInterrupt(stop)
	}
	return nil
}

// Params returns every learnable tensor: the base's, then the bijectors'
// in the chain's order (for NewFlow's stack, the last block's first).
func (f *Flow) Params() []*tensor.Dense {
	if f.lock() != nil {
		return nil
	}
	defer f.mu.Unlock()
	return f.params()
}

// params is Params for a caller that holds the lock.
func (f *Flow) params() []*tensor.Dense { return f.dist.Params() }

// RecordLogProb evaluates log p on the n rows of x and records the pass for
// its gradient; see distributions.TransformedDistribution.RecordLogProb. The
// pass's Backward must not run concurrently with the Flow's other methods;
// a Trainer takes care of that.
func (f *Flow) RecordLogProb(x []float64, n int, req distributions.Request) (*distributions.DensityPass, error) {
	if err := f.lock(); err != nil {
		return nil, err
	}
	defer f.mu.Unlock()
	return f.dist.RecordLogProb(x, n, req)
}

// LogProb returns log p(x) for each row of the N×D batch x, with the exact
// trace. Rows are solved ChunkRows at a time when the blocks evaluate per
// row (the default), with the bits of one solve.
func (f *Flow) LogProb(x *tensor.Dense) ([]float64, error) {
	if err := f.lock(); err != nil {
		return nil, err
	}
	defer f.mu.Unlock()
	return f.logProb(x, nil, false)
}

// ContextDim returns C, the context features of a conditional flow, or 0.
func (f *Flow) ContextDim() int {
	if f.lock() != nil {
		return 0
	}
	defer f.mu.Unlock()
	if f.dist.Bijector == nil {
		return 0
	}
	return f.dist.ContextDim()
}

// LogProbContext returns log p(x | c) for each row of x (N×D) given the
// same row of c (N×C), with the exact trace.
func (f *Flow) LogProbContext(x, c *tensor.Dense) ([]float64, error) {
	if err := f.lock(); err != nil {
		return nil, err
	}
	defer f.mu.Unlock()
	return f.logProb(x, c, true)
}

// NLLContext returns the mean of −log p(x | c) over the rows of x and c,
// in nats, with the exact trace.
func (f *Flow) NLLContext(x, c *tensor.Dense) (float64, error) {
	lp, err := f.LogProbContext(x, c)
	if err != nil {
		return 0, err
	}
	return meanNeg(lp), nil
}

// SampleContext draws one point from p(x | c) for each row of c (N×C).
func (f *Flow) SampleContext(c *tensor.Dense) (*tensor.Dense, error) {
	if err := f.lock(); err != nil {
		return nil, err
	}
	defer f.mu.Unlock()
	if c == nil {
		return f.dist.SampleContext(c) // its error says why
	}
	x, _, err := f.sample(0, c, false)
	return x, err
}

// meanNeg returns −mean(v).
func meanNeg(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s -= x
	}
	return s / float64(len(v))
}

// NLL returns the mean negative log-likelihood of the rows of x, in nats,
// with the exact trace.
func (f *Flow) NLL(x *tensor.Dense) (float64, error) {
	lp, err := f.LogProb(x)
	if err != nil {
		return 0, err
	}
	return meanNeg(lp), nil
}

// Sample returns n points drawn from the model: the base points in one
// draw, then mapped ChunkRows at a time when the blocks evaluate per row
// (the default), with the bits of one solve.
func (f *Flow) Sample(n int) (*tensor.Dense, error) {
	if err := f.lock(); err != nil {
		return nil, err
	}
	defer f.mu.Unlock()
	x, _, err := f.sample(n, nil, false)
	return x, err
}

// SampleWithLogProb returns n points drawn from the model and their
// log-densities, from one pass through the blocks.
func (f *Flow) SampleWithLogProb(n int) (*tensor.Dense, []float64, error) {
	if err := f.lock(); err != nil {
		return nil, nil, err
	}
	defer f.mu.Unlock()
	return f.sample(n, nil, true)
}

// SampleBase returns n points drawn from the base distribution.
func (f *Flow) SampleBase(n int) (*tensor.Dense, error) {
	if err := f.lock(); err != nil {
		return nil, err
	}
	defer f.mu.Unlock()
	return f.dist.Base.Sample(n)
}

// Forward maps base-side points z (N×D) through every block to the data
// side.
func (f *Flow) Forward(z *tensor.Dense) (*tensor.Dense, error) {
	if err := f.lock(); err != nil {
		return nil, err
	}
	defer f.mu.Unlock()
	return f.dist.Bijector.Forward(z)
}

// Inverse maps data-side points x (N×D) back to the base side.
func (f *Flow) Inverse(x *tensor.Dense) (*tensor.Dense, error) {
	if err := f.lock(); err != nil {
		return nil, err
	}
	defer f.mu.Unlock()
	return f.dist.Bijector.Inverse(x)
}

// Trajectory follows the base-side points z (N×D) through the blocks in
// sampling order, integrating each block's interval in steps equal pieces,
// and returns the len(Blocks)·steps + 1 positions: z first, the output of
// block k at index (k+1)·steps, the data side last.
func (f *Flow) Trajectory(z *tensor.Dense, steps int) ([]*tensor.Dense, error) {
	if err := f.lock(); err != nil {
		return nil, err
	}
	defer f.mu.Unlock()
	if steps < 1 {
		return nil, fmt.Errorf("%w: %d steps per block, want ≥ 1", ErrInvalidConfig, steps)
	}
	D := f.dim()
	data, n, err := batch.Data(z, D)
	if err != nil {
		return nil, fmt.Errorf("train: Trajectory: %w", err)
	}
	if positions := int64(len(f.blocks))*int64(steps) + 1; positions > batch.MaxElements.Load()/int64(n*D) {
		return nil, fmt.Errorf("%w: Trajectory of %d points through %d blocks in %d steps each holds more than %d values", ErrTooLarge, n, len(f.blocks), steps, batch.MaxElements.Load())
	}
	cur := append([]float64(nil), data...)
	out := []*tensor.Dense{batch.New(n, D, cur)}
	for k, b := range f.blocks {
		t0, t1 := b.Times()
		for s := range steps {
			ta := t0 + (t1-t0)*float64(s)/float64(steps)
			tb := t0 + (t1-t0)*float64(s+1)/float64(steps)
			if s == steps-1 {
				tb = t1
			}
			if cur, _, err = b.SolveRows(cur, n, ta, tb, false); err != nil {
				return nil, fmt.Errorf("train: block %d: %w", k, err)
			}
			out = append(out, batch.New(n, D, cur))
		}
	}
	return out, nil
}
