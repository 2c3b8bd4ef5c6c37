package checkpoint

import (
	"encoding/hex"
	"encoding/json"
	"math"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
)

// Format and Version identify the file format (see the package
// documentation).
const (
	Format  = "ffjord-go checkpoint"
	Version = 2
)

// MaxSize is the largest checkpoint file Load reads: 256 MiB, some
// 20 million weights written out in decimal.
const MaxSize = 256 << 20

// maxSize is the limit Load and Save apply: MaxSize, lowered by tests.
var maxSize int64 = MaxSize

// fileJSON is the outer object of a checkpoint file.
type fileJSON struct {
	Format  string          `json:"format"`
	Version int             `json:"version"`
	SHA256  string          `json:"sha256"`
	Content json.RawMessage `json:"content"`
}

type contentV2 struct {
	Model    json.RawMessage `json:"model"`
	Config   *configJSON     `json:"config,omitempty"`
	Settings settingsJSON    `json:"settings"`
	Training *trainingJSON   `json:"training"`
}

type settingsJSON struct {
	Solver   solverJSON  `json:"solver"`
	Adjoint  *solverJSON `json:"adjoint"`
	Gradient string      `json:"gradient,omitempty"` // empty: adjoint
	Trace    string      `json:"trace"`
}

type solverJSON struct {
	Method    string  `json:"method"`
	RTol      float64 `json:"rtol"`
	ATol      float64 `json:"atol"`
	FirstStep float64 `json:"first_step"`
	MaxSteps  int     `json:"max_steps"`
	FixedStep float64 `json:"fixed_step"`
	// StepControl is "batch" or "row" when set, absent for each kind of
	// solve's default (and in older files).
	StepControl string `json:"step_control,omitempty"`
}

type trainingJSON struct {
	Epoch   int             `json:"epoch"`
	LR      float64         `json:"lr"`
	Adam    train.AdamState `json:"adam"`
	Shuffle string          `json:"shuffle"`
	// Noise holds each FFJORD block's Hutchinson noise state (hex), in
	// sampling order; absent in older files.
	Noise []string `json:"noise,omitempty"`
	// Draws is the flow-matching stream of base points, times and path
	// noise (hex); absent for MLE and in older files.
	Draws   string             `json:"draws,omitempty"`
	History []train.EpochStats `json:"history"`
	// Best is the best validated state; absent without validation and
	// in older files.
	Best *bestJSON `json:"best,omitempty"`
	// Record is Options.Record; absent when empty and in older files.
	Record map[string]string `json:"record,omitempty"`
}

type bestJSON struct {
	Epoch  int         `json:"epoch"`
	NLL    float64     `json:"validation_nll"`
	Params [][]float64 `json:"params"`
	Stale  int         `json:"stale"`
}

func trainingOf(ts *train.TrainingState) *trainingJSON {
	tj := &trainingJSON{Epoch: ts.Epoch, LR: ts.LR, Adam: ts.Adam, Shuffle: hex.EncodeToString(ts.Shuffle), Draws: hex.EncodeToString(ts.Draws), History: ts.History, Record: ts.Record}
	for _, n := range ts.Noise {
		tj.Noise = append(tj.Noise, hex.EncodeToString(n))
	}
	if b := ts.Best; b != nil {
		tj.Best = &bestJSON{Epoch: b.Epoch, NLL: b.NLL, Params: b.Params, Stale: b.Stale}
	}
	return tj
}

// decode checks the training state against f. order, for a version-1
// file, says where each saved Adam moment goes in f.Params (nil: as
// saved).
func (tj *trainingJSON) decode(f *train.Flow, order []int) (*train.TrainingState, error) {
	shuffle, err := hex.DecodeString(tj.Shuffle)
	if err != nil {
		return nil, bad("training.shuffle is not hex: %v", err)
	}
	if tj.Epoch < 0 || !(tj.LR > 0) || math.IsInf(tj.LR, 0) {
		return nil, bad("training has epoch %d and learning rate %g", tj.Epoch, tj.LR)
	}
	ps := f.Params()
	adam := tj.Adam
	if order != nil && adam.Step != 0 && !fits(adam, ps) {
		if adam, err = reorder(adam, order, len(ps)); err != nil {
			return nil, err
		}
	}
	if adam.Step != 0 && !fits(adam, ps) {
		return nil, bad("training.adam has moments of other sizes than the model's %d parameters", len(ps))
	}
	if adam.Step != 0 {
		for i := range adam.M {
			if !finite(adam.M[i]) || !finite(adam.V[i]) {
				return nil, bad("training.adam's moments of parameter %d hold a value that is not finite", i)
			}
			for j, v := range adam.V[i] {
				if v < 0 {
					return nil, bad("training.adam.v[%d][%d] = %g, a second moment below 0", i, j, v)
				}
			}
		}
	}
	if len(tj.Record) > train.MaxRecord {
		return nil, bad("training.record has %d entries, more than the limit of %d", len(tj.Record), train.MaxRecord)
	}
	if len(shuffle) > 0 && new(rand.PCG).UnmarshalBinary(shuffle) != nil { // absent: Restore says so
		return nil, bad("training.shuffle is not a PCG generator state")
	}
	ts := &train.TrainingState{Epoch: tj.Epoch, LR: tj.LR, Adam: adam, Shuffle: shuffle, History: tj.History, Record: tj.Record}
	if tj.Draws != "" {
		if ts.Draws, err = hex.DecodeString(tj.Draws); err != nil || new(rand.PCG).UnmarshalBinary(ts.Draws) != nil {
			return nil, bad("training.draws is not a PCG generator state")
		}
	}
	blocks := len(f.EndTimes()) // one end time per FFJORD block
	if tj.Noise != nil && len(tj.Noise) != blocks {
		return nil, bad("training.noise has %d states for %d blocks", len(tj.Noise), blocks)
	}
	for k, h := range tj.Noise {
		state, err := hex.DecodeString(h)
		if err != nil || (len(state) > 0 && noiseSource(state) == nil) {
			return nil, bad("training.noise[%d] is not the state of a PCG or ChaCha8 generator", k)
		}
		ts.Noise = append(ts.Noise, state)
	}
	if b := tj.Best; b != nil {
		switch {
		case b.Epoch < 0 || b.Epoch > tj.Epoch || b.Stale < 0 || math.IsNaN(b.NLL) || math.IsInf(b.NLL, 0):
			return nil, bad("training.best has epoch %d (of %d), stale %d and validation NLL %g", b.Epoch, tj.Epoch, b.Stale, b.NLL)
		case !batch.Fits(b.Params, ps):
			return nil, bad("training.best.params are not the shapes of the model's %d parameters", len(ps))
		}
		for i, p := range b.Params {
			if !finite(p) {
				return nil, bad("training.best.params[%d] holds a non-finite value", i)
			}
		}
		ts.Best = &train.BestState{Epoch: b.Epoch, NLL: b.NLL, Params: b.Params, Stale: b.Stale}
	}
	return ts, nil
}

// noiseSource returns a generator in the saved state, a PCG or a ChaCha8
// (the generators whose states a block can save), or nil.
func noiseSource(state []byte) rand.Source {
	if p := new(rand.PCG); p.UnmarshalBinary(state) == nil {
		return p
	}
	if c := new(rand.ChaCha8); c.UnmarshalBinary(state) == nil {
		return c
	}
	return nil
}

// adoptNoiseSources gives each FFJORD block of a loaded flow a generator
// of the kind its saved noise state is: decoded blocks draw from PCGs,
// and a block that trained with a ChaCha8 could not take its state back.
func adoptNoiseSources(f *train.Flow, noise [][]byte) error {
	if len(noise) == 0 {
		return nil
	}
	return f.Use(func(d *distributions.TransformedDistribution) error {
		blocks := samplingOrder(d.Bijector, nil)
		if len(blocks) != len(noise) {
			return bad("training.noise has %d states for %d blocks", len(noise), len(blocks))
		}
		for k, state := range noise {
			if _, ok := noiseSource(state).(*rand.ChaCha8); !ok {
				continue
			}
			if err := blocks[k].SetTrace(blocks[k].Trace(), noiseSource(state)); err != nil {
				return bad("training.noise[%d]: %v", k, err)
			}
		}
		return nil
	})
}

// samplingOrder appends the FFJORD blocks of b to out in the order
// sampling applies them (Chain's last first), the order of
// TrainingState.Noise.
func samplingOrder(b distributions.Bijector, out []*ffjord.FFJORD) []*ffjord.FFJORD {
	switch b := b.(type) {
	case *ffjord.FFJORD:
		return append(out, b)
	case distributions.Chain:
		for k := len(b) - 1; k >= 0; k-- {
			out = samplingOrder(b[k], out)
		}
	}
	return out
}

func settingsOf(s train.Settings) settingsJSON {
	out := settingsJSON{Solver: solverOf(s.Solver), Trace: s.Trace.String()}
	switch g := s.Gradient.(type) {
	case ode.Discrete:
		out.Gradient = g.String()
	case ode.BacksolveAdjoint:
		if g.Controller != nil {
			a := solverOf(ode.Settings{Method: s.Solver.Method, Controller: g.Controller, MaxSteps: s.Solver.MaxSteps})
			out.Adjoint = &a
		}
	}
	return out
}

// solverOf writes an Adaptive or Constant controller's fields; a Grid has
// no place in the file and is written as the default controller.
func solverOf(s ode.Settings) solverJSON {
	out := solverJSON{Method: "dopri5", MaxSteps: s.MaxSteps}
	if s.StepControl != ode.DefaultStepControl {
		out.StepControl = s.StepControl.String()
	}
	if s.Method != nil {
		out.Method = s.Method.ShortName()
	}
	switch c := s.Controller.(type) {
	case ode.Adaptive:
		out.RTol, out.ATol, out.FirstStep = c.RTol, c.ATol, c.FirstStep
	case ode.Constant:
		out.FixedStep = c.Step
	}
	return out
}

func (s settingsJSON) decode() (train.Settings, error) {
	var out train.Settings
	var err error
	if out.Solver, err = s.Solver.decode("settings.solver"); err != nil {
		return out, err
	}
	if s.Trace == "" {
		return out, bad("settings.trace is missing")
	}
	if out.Trace, err = odefunc.ParseTrace(s.Trace); err != nil {
		return out, bad("settings.trace: %v", err)
	}
	out.Gradient = ode.BacksolveAdjoint{}
	if s.Gradient != "" {
		if out.Gradient, err = ode.ParseGradient(s.Gradient); err != nil {
			return out, bad("settings.gradient: %v", err)
		}
	}
	if s.Adjoint != nil {
		adj, ok := out.Gradient.(ode.BacksolveAdjoint)
		if !ok {
			return out, bad("settings.adjoint is set but the gradient is %v", out.Gradient)
		}
		a, err := s.Adjoint.decode("settings.adjoint")
		if err != nil {
			return out, err
		}
		adj.Controller = a.Controller
		out.Gradient = adj
	}
	return out, nil
}

func (s solverJSON) decode(where string) (ode.Settings, error) {
	m, err := ode.ParseMethod(s.Method)
	if err != nil {
		return ode.Settings{}, bad("%s.method: %v", where, err)
	}
	out := ode.Settings{Method: m, Controller: ode.Adaptive{RTol: s.RTol, ATol: s.ATol, FirstStep: s.FirstStep}, MaxSteps: s.MaxSteps}
	if out.StepControl, err = ode.ParseStepControl(s.StepControl); err != nil {
		return out, bad("%s.step_control: %v", where, err)
	}
	if s.FixedStep != 0 {
		out.Controller = ode.Constant{Step: s.FixedStep}
	}
	if _, err := ode.NewSolver(out); err != nil {
		return out, bad("%s: %v", where, err)
	}
	return out, nil
}

// configJSON is a FlowConfig after defaults, as "config" holds it.
type configJSON struct {
	Dim        int       `json:"dim"`
	Blocks     int       `json:"blocks"`
	Hidden     []int     `json:"hidden"`
	Activation string    `json:"activation"`
	Time       string    `json:"time"`
	BlockTime  []string  `json:"block_time"`
	BaseMean   []float64 `json:"base_mean"`
	BaseStd    []float64 `json:"base_std"`
	T0         float64   `json:"t0"`
	T1         float64   `json:"t1"`
	LearnTime  bool      `json:"learn_time,omitempty"`
	// Context and ContextInput describe a conditional flow; absent (0) for
	// an unconditional one.
	Context      int    `json:"context,omitempty"`
	ContextInput string `json:"context_input,omitempty"`
}

func configOf(cfg train.FlowConfig) *configJSON {
	c := &configJSON{
		Dim: cfg.Dim, Blocks: cfg.Blocks, Hidden: cfg.Hidden, Activation: cfg.Activation.String(),
		Time: cfg.Time.String(), BaseMean: cfg.BaseMean, BaseStd: cfg.BaseStd,
		T0: cfg.T0, T1: cfg.T1, LearnTime: cfg.LearnTime,
	}
	if cfg.Context > 0 {
		c.Context, c.ContextInput = cfg.Context, cfg.ContextInput.String()
	}
	for _, ti := range cfg.BlockTime {
		c.BlockTime = append(c.BlockTime, ti.String())
	}
	return c
}

// decode checks the config's sizes against the limits, before anything of
// its size is built, and returns it as a FlowConfig.
func (c *configJSON) decode() (train.FlowConfig, error) {
	switch {
	case c.Dim < 1 || c.Dim > odefunc.MaxDim:
		return train.FlowConfig{}, bad("config.dim = %d, want 1 to %d", c.Dim, odefunc.MaxDim)
	case c.Blocks < 1 || c.Blocks > distributions.MaxChain:
		return train.FlowConfig{}, bad("config.blocks = %d, want 1 to %d", c.Blocks, distributions.MaxChain)
	case c.Hidden == nil || len(c.Hidden) >= odefunc.MaxLayers/2:
		return train.FlowConfig{}, bad("config.hidden has %d widths, want 0 to %d (and a list, not null)", len(c.Hidden), odefunc.MaxLayers/2-1)
	case len(c.BlockTime) != c.Blocks:
		return train.FlowConfig{}, bad("config.block_time has %d entries, want blocks = %d", len(c.BlockTime), c.Blocks)
	}
	for i, h := range c.Hidden {
		if h < 1 || h > odefunc.MaxWidth {
			return train.FlowConfig{}, bad("config.hidden[%d] = %d, want 1 to %d", i, h, odefunc.MaxWidth)
		}
	}
	if c.Context < 0 || c.Context > odefunc.MaxWidth {
		return train.FlowConfig{}, bad("config.context = %d, want 0 to %d", c.Context, odefunc.MaxWidth)
	}
	cfg := train.FlowConfig{Dim: c.Dim, Blocks: c.Blocks, Hidden: c.Hidden, BaseMean: c.BaseMean, BaseStd: c.BaseStd, T0: c.T0, T1: c.T1, LearnTime: c.LearnTime, Context: c.Context}
	var err error
	if cfg.ContextInput, err = odefunc.ParseContextInput(c.ContextInput); err != nil {
		return cfg, bad("config.context_input: %v", err)
	}
	if cfg.Activation, err = odefunc.ParseActivation(c.Activation); err != nil {
		return cfg, bad("config.activation: %v", err)
	}
	if cfg.Time, err = odefunc.ParseTimeInput(c.Time); err != nil {
		return cfg, bad("config.time: %v", err)
	}
	cfg.SingleTime = cfg.Time == odefunc.ConcatTimeSingle
	cfg.BlockTime = make([]odefunc.TimeInput, c.Blocks)
	for k, s := range c.BlockTime {
		if cfg.BlockTime[k], err = odefunc.ParseTimeInput(s); err != nil {
			return cfg, bad("config.block_time[%d]: %v", k, err)
		}
	}
	if cfg.T0 == 0 && cfg.T1 == 0 {
		return cfg, bad("config.t0 = t1 = 0")
	}
	return cfg, nil
}
