package cli

import (
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ffjord-go/ffjord-go/checkpoint"
	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
)

// Flags are the model, solver and training flags of the programs that
// train a flow, as registered on one flag.FlagSet.
type Flags struct {
	// The model: FlowConfig.
	Blocks     int
	Hidden     string
	Time       string
	Activation string
	LearnTime  bool
	// Context is C, the context columns of a conditional flow (0: an
	// unconditional one), and ContextInput how its networks see them:
	// set by -context and -context-input when RegisterContext defined
	// them, or by a program whose data fix C.
	Context      int
	ContextInput string
	// The solver: Settings.
	Gradient string
	Trace    string
	RTol     float64
	ATol     float64
	// StepControl is -step-control: "batch", "row" or "" (each kind of
	// solve's default).
	StepControl string
	// Training: Options.
	Epochs int
	Batch  int
	LR     float64
	Cosine float64
	Clip   float64
	// WeightDecay is AdamW's decoupled decay (Options.WeightDecay).
	WeightDecay float64
	Kinetic     float64
	Jacobian    float64
	Seed        uint64
	// Objective and SigmaMin choose Options.Objective.
	Objective string
	SigmaMin  float64

	fs *flag.FlagSet
}

// Register defines the flags on fs with the tutorial's defaults and seed
// as the default -seed.
func Register(fs *flag.FlagSet, seed uint64) *Flags {
	f := &Flags{fs: fs}
	fs.IntVar(&f.Blocks, "blocks", 4, fmt.Sprintf("FFJORD blocks, 1 to %d", MaxBlocks))
	fs.StringVar(&f.Hidden, "hidden", "8,8", fmt.Sprintf("hidden widths of each block's MLP, comma-separated, each 1 to %d", MaxWidth))
	fs.StringVar(&f.Time, "time", "concat", "time conditioning: concat (the tutorial's), concat-single, concatsquash or ignore")
	fs.StringVar(&f.Activation, "activation", "tanh", "tanh or softplus")
	fs.BoolVar(&f.LearnTime, "learn-time", false, "learn each block's end time T (FFJORD's train_T)")
	fs.StringVar(&f.Gradient, "gradient", "adjoint", "gradient mode: adjoint or discrete")
	fs.StringVar(&f.Trace, "trace", "exact", "trace estimator for training: exact, hutchinson-gaussian or hutchinson-rademacher (the test NLL is always exact)")
	fs.Float64Var(&f.RTol, "rtol", ode.DefaultRTol, fmt.Sprintf("relative tolerance of Dormand–Prince, %g to 1. Unless given, training solves at the tutorial's 1e-3 (atol 1e-5) and evaluations (the test NLL, sampling, figures) at 1e-5 (atol 1e-7) per point; given, it holds for both", MinRTol))
	fs.Float64Var(&f.ATol, "atol", ode.DefaultATol, fmt.Sprintf("absolute tolerance of Dormand–Prince, %g to 1", MinATol))
	fs.StringVar(&f.StepControl, "step-control", "", "batch: every solve is one ODE over the batch with one error norm (TFP's); row: every point gets its own steps and error control. Unless given, training solves by batch (the tutorial's) and evaluations by row")
	fs.IntVar(&f.Epochs, "epochs", 40, fmt.Sprintf("total training epochs (the tutorial's 40), 1 to %d", MaxEpochs))
	fs.IntVar(&f.Batch, "batch", 256, fmt.Sprintf("batch size, 1 to %d", MaxSamples))
	fs.Float64Var(&f.LR, "lr", 1e-2, fmt.Sprintf("Adam learning rate, > 0 and ≤ %d", MaxLR))
	fs.Float64Var(&f.Cosine, "cosine", 0, "decay the learning rate along a cosine to this fraction of -lr, in (0, 1]; 0: constant")
	fs.Float64Var(&f.Clip, "clip", 0, "scale the gradient down to this L2 norm, over all parameters together; 0: no clipping")
	fs.Float64Var(&f.WeightDecay, "weight-decay", 0, "AdamW's decoupled weight decay λ, ≥ 0 with lr·λ < 1: each step shrinks every weight by lr·λ·w; 0: plain Adam")
	fs.Float64Var(&f.Kinetic, "kinetic", 0, "weight of RNODE's kinetic-energy regulariser, 0 (off) to 1000")
	fs.Float64Var(&f.Jacobian, "jacobian", 0, "weight of RNODE's Jacobian-norm regulariser, 0 (off) to 1000")
	fs.Uint64Var(&f.Seed, "seed", seed, "random seed")
	fs.StringVar(&f.Objective, "objective", "mle", "training objective: mle (likelihood through the solver), cfm or otcfm (flow matching, no solve per step)")
	fs.Float64Var(&f.SigmaMin, "sigma-min", 0.1, "width σ of flow matching's Gaussian paths, 0 to 1000")
	return f
}

// RegisterWithout is Register without the flags named in omit, for a
// program that has no use for them: their fields keep the defaults, and
// -h does not list them.
func RegisterWithout(fs *flag.FlagSet, seed uint64, omit ...string) *Flags {
	all := flag.NewFlagSet("", flag.ContinueOnError)
	f := Register(all, seed)
	all.VisitAll(func(fl *flag.Flag) {
		if !slices.Contains(omit, fl.Name) {
			fs.Var(fl.Value, fl.Name, fl.Usage)
		}
	})
	f.fs = fs
	return f
}

// hidden parses -hidden within the limits.
func (f *Flags) hidden() ([]int, error) {
	parts := strings.Split(f.Hidden, ",")
	if len(parts) > MaxLayers {
		return nil, fmt.Errorf("-hidden: %d layers, want at most %d", len(parts), MaxLayers)
	}
	widths := make([]int, len(parts))
	for i, p := range parts {
		w, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || w < 1 || w > MaxWidth {
			return nil, fmt.Errorf("-hidden %q: want widths from 1 to %d separated by commas", f.Hidden, MaxWidth)
		}
		widths[i] = w
	}
	return widths, nil
}

// model parses the model flags that do not depend on the data.
func (f *Flags) model() (widths []int, ti odefunc.TimeInput, act odefunc.Activation, err error) {
	if err = CheckInt("blocks", f.Blocks, 1, MaxBlocks); err != nil {
		return
	}
	if widths, err = f.hidden(); err != nil {
		return
	}
	if ti, err = odefunc.ParseTimeInput(f.Time); err != nil {
		err = fmt.Errorf("-time: %w", err)
		return
	}
	if act, err = odefunc.ParseActivation(f.Activation); err != nil {
		err = fmt.Errorf("-activation: %w", err)
		return
	}
	err = f.checkContext(ti)
	return
}

// FlowConfig returns the model of the flags for points of dimension dim,
// after checking it against the library's limits (train.FlowConfig.Check:
// its weights within train.MaxParams among them).
func (f *Flags) FlowConfig(dim int) (train.FlowConfig, error) {
	widths, ti, act, err := f.model()
	if err != nil {
		return train.FlowConfig{}, err
	}
	if dim < 1 || dim > datasets.DefaultMaxCSVColumns {
		return train.FlowConfig{}, fmt.Errorf("the data have %d columns, want 1 to %d", dim, datasets.DefaultMaxCSVColumns)
	}
	ci, err := f.contextInput()
	if err != nil {
		return train.FlowConfig{}, err
	}
	cfg := train.FlowConfig{Dim: dim, Blocks: f.Blocks, Hidden: widths, Activation: act, Time: ti, LearnTime: f.LearnTime,
		Context: f.Context, ContextInput: ci}
	if err := cfg.Check(); err != nil {
		return train.FlowConfig{}, fmt.Errorf("-blocks %d -hidden %s: %w", f.Blocks, f.Hidden, err)
	}
	return cfg, nil
}

// Settings returns the solver settings of the flags.
func (f *Flags) Settings() (train.Settings, error) {
	if err := CheckRange("rtol", f.RTol, MinRTol, 1); err != nil {
		return train.Settings{}, err
	}
	if err := CheckRange("atol", f.ATol, MinATol, 1); err != nil {
		return train.Settings{}, err
	}
	g, err := ode.ParseGradient(f.Gradient)
	if err != nil {
		return train.Settings{}, fmt.Errorf("-gradient: %w", err)
	}
	tr, err := odefunc.ParseTrace(f.Trace)
	if err != nil {
		return train.Settings{}, fmt.Errorf("-trace: %w", err)
	}
	if f.StepControl == "" && f.given("step-control") {
		// ParseStepControl reads "" as the default: leaving the flag out
		// says that, an empty value is more likely a lost variable.
		return train.Settings{}, errors.New(`-step-control "": want batch or row (leave the flag out for each solve's default)`)
	}
	sc, err := ode.ParseStepControl(f.StepControl)
	if err != nil {
		return train.Settings{}, fmt.Errorf("-step-control: %w", err)
	}
	// Tolerances not given stay zero: each kind of solve's default.
	var a ode.Adaptive
	f.fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "rtol":
			a.RTol = f.RTol
		case "atol":
			a.ATol = f.ATol
		}
	})
	return train.Settings{Solver: ode.Settings{Controller: a, StepControl: sc}, Gradient: g, Trace: tr}, nil
}

// Training returns the flow configuration in dim dimensions, the solver
// settings and the training options of the flags, the three a training
// program needs.
func (f *Flags) Training(dim int) (train.FlowConfig, train.Settings, train.Options, error) {
	cfg, err := f.FlowConfig(dim)
	if err != nil {
		return cfg, train.Settings{}, train.Options{}, err
	}
	settings, err := f.Settings()
	if err != nil {
		return cfg, settings, train.Options{}, err
	}
	opts, err := f.Options()
	return cfg, settings, opts, err
}

// Options returns the training options of the flags; the caller sets
// Progress, OnEpoch and Checkpoint.
func (f *Flags) Options() (train.Options, error) {
	for _, err := range []error{
		CheckInt("epochs", f.Epochs, 1, MaxEpochs),
		CheckInt("batch", f.Batch, 1, MaxSamples),
		CheckLR("lr", f.LR),
		CheckNonNegative("clip", f.Clip),
		CheckWeightDecay(f.WeightDecay, f.LR),
		CheckPenalty("kinetic", f.Kinetic),
		CheckPenalty("jacobian", f.Jacobian),
		CheckPenalty("sigma-min", f.SigmaMin),
	} {
		if err != nil {
			return train.Options{}, err
		}
	}
	opts := train.Options{
		Epochs: f.Epochs, BatchSize: f.Batch, LearningRate: f.LR, ClipNorm: f.Clip, WeightDecay: f.WeightDecay, Seed: f.Seed,
		Regularization: train.Regularization{Kinetic: f.Kinetic, Jacobian: f.Jacobian},
	}
	obj, err := train.ParseCriterion(f.Objective, f.SigmaMin)
	if err != nil || f.Objective == "" { // ParseCriterion reads "" as mle
		return train.Options{}, fmt.Errorf("-objective %q: want mle, cfm or otcfm", f.Objective)
	}
	opts.Objective = obj
	switch {
	case f.Cosine > 0 && f.Cosine <= 1:
		opts.Schedule = train.Cosine(f.Cosine)
	case f.Cosine != 0:
		return train.Options{}, fmt.Errorf("-cosine %g: want a fraction in (0, 1], or 0 for a constant rate", f.Cosine)
	}
	return opts, nil
}

// Check checks every flag, so that a program can refuse bad flags before
// it reads data or draws anything. The weights are counted by FlowConfig,
// once the dimension is known.
func (f *Flags) Check() error {
	if _, err := f.Options(); err != nil {
		return err
	}
	if _, err := f.Settings(); err != nil {
		return err
	}
	_, _, _, err := f.model()
	return err
}

// modelFlags are the flags that describe the model or its solver, which a
// resumed training takes from its checkpoint.
var modelFlags = []string{"blocks", "hidden", "time", "activation", "learn-time", "context", "context-input", "gradient", "trace", "rtol", "atol", "step-control"}

// trainingFlags are the flags of how a model is trained. A program records
// them in its checkpoints (Record, train.Options.Record), and a resumed
// training takes them from there (CheckResume).
var trainingFlags = []string{"epochs", "batch", "lr", "cosine", "clip", "weight-decay", "kinetic", "jacobian", "seed", "objective", "sigma-min"}

// extensible are the recorded flags that a resume may change: -epochs
// is how a finished training is continued further.
var extensible = []string{"epochs"}

// Record returns the training flags and the named others, each as its
// flag writes its value (what flag.Value.Set reads back), for
// train.Options.Record. others name the program's own flags that shape
// the training, such as those that choose its data.
func (f *Flags) Record(others ...string) map[string]string {
	m := map[string]string{}
	for _, name := range append(slices.Clone(trainingFlags), others...) {
		if fl := f.fs.Lookup(name); fl != nil {
			m[name] = fl.Value.String()
		}
	}
	return m
}

// CheckResume returns an error naming every flag given on the command line
// whose value differs from the checkpoint's: a resumed training continues
// the saved model and its training as they were. The model and solver
// flags are compared with the model; the training flags and the named
// others with the checkpoint's record (Record), and those not given take
// the recorded values, so that a resume continues at the saved learning
// rate, batch size and so on rather than the flags' defaults. -epochs may
// differ, to train further. A checkpoint without a record (from before
// it was saved) leaves the training flags as given, as before. The
// caller checks the flags again afterwards: a record is data.
func (f *Flags) CheckResume(ck *checkpoint.Checkpoint, others ...string) error {
	if ck == nil || ck.Training == nil {
		return errors.New("-resume: the checkpoint holds no training state (saved without a trainer)")
	}
	cfg, stack := ck.Flow.Config()
	s := ck.Flow.Settings()
	saved := map[string]string{
		"blocks":        strconv.Itoa(cfg.Blocks),
		"hidden":        joinInts(cfg.Hidden),
		"time":          cfg.Time.String(),
		"activation":    cfg.Activation.String(),
		"learn-time":    strconv.FormatBool(cfg.LearnTime),
		"context":       strconv.Itoa(cfg.Context),
		"context-input": cfg.ContextInput.String(),
		"gradient":      gradientName(s.Gradient),
		"trace":         s.Trace.String(),
		"step-control":  s.Solver.StepControl.String(),
	}
	if !stack {
		// A composed flow (train.NewStart's) keeps no FlowConfig: read
		// what its blocks show.
		for k, v := range composedConfig(ck.Flow) {
			saved[k] = v
		}
	}
	if a, ok := s.Solver.Controller.(ode.Adaptive); ok || s.Solver.Controller == nil {
		saved["rtol"], saved["atol"] = fmtFloat(orDefault(a.RTol, ode.DefaultRTol)), fmtFloat(orDefault(a.ATol, ode.DefaultATol))
	} else {
		saved["rtol"], saved["atol"] = "(not adaptive)", "(not adaptive)"
	}
	recorded := append(slices.Clone(trainingFlags), others...)
	given := map[string]bool{}
	var conflicts []string
	f.fs.Visit(func(fl *flag.Flag) {
		given[fl.Name] = true
		switch v, ok := ck.Training.Record[fl.Name]; {
		case slices.Contains(modelFlags, fl.Name):
			if got := f.canonical(fl.Name); got != saved[fl.Name] {
				conflicts = append(conflicts, fmt.Sprintf("-%s %s (the checkpoint has %s)", fl.Name, fl.Value, saved[fl.Name]))
			}
		case ok && slices.Contains(recorded, fl.Name) && !slices.Contains(extensible, fl.Name):
			if got := fl.Value.String(); got != v {
				conflicts = append(conflicts, fmt.Sprintf("-%s %s (the checkpoint has %s)", fl.Name, got, v))
			}
		}
	})
	if len(conflicts) > 0 {
		return fmt.Errorf("-resume continues the saved model and training as they were; drop the conflicting flags: %s", strings.Join(conflicts, ", "))
	}
	for _, name := range recorded {
		v, ok := ck.Training.Record[name]
		fl := f.fs.Lookup(name)
		if !ok || given[name] || fl == nil {
			continue
		}
		// Value.Set, not FlagSet.Set: the flag takes the value without
		// counting as given on the command line.
		if err := fl.Value.Set(v); err != nil {
			return fmt.Errorf("-resume: the checkpoint records -%s %q: %v", name, v, err)
		}
	}
	return nil
}

// canonical returns flag name's value written as CheckResume's saved map
// writes the checkpoint's, or the flag's text when it does not parse (an
// error the caller reports as a conflict).
func (f *Flags) canonical(name string) string {
	switch name {
	case "blocks":
		return strconv.Itoa(f.Blocks)
	case "hidden":
		if w, err := f.hidden(); err == nil {
			return joinInts(w)
		}
	case "time":
		if ti, err := odefunc.ParseTimeInput(f.Time); err == nil {
			return ti.String()
		}
	case "activation":
		if a, err := odefunc.ParseActivation(f.Activation); err == nil {
			return a.String()
		}
	case "learn-time":
		return strconv.FormatBool(f.LearnTime)
	case "context":
		return strconv.Itoa(f.Context)
	case "context-input":
		if ci, err := odefunc.ParseContextInput(f.ContextInput); err == nil {
			return ci.String()
		}
	case "gradient":
		if g, err := ode.ParseGradient(f.Gradient); err == nil {
			return gradientName(g)
		}
	case "trace":
		if tr, err := odefunc.ParseTrace(f.Trace); err == nil {
			return tr.String()
		}
	case "step-control":
		if sc, err := ode.ParseStepControl(f.StepControl); err == nil {
			return sc.String()
		}
	case "rtol":
		return fmtFloat(f.RTol)
	case "atol":
		return fmtFloat(f.ATol)
	}
	return f.fs.Lookup(name).Value.String()
}

// composedConfig returns the model flags of a flow that NewFlow did not
// build, as CheckResume's saved map writes them, from its FFJORD blocks:
// their number, the first block's hidden widths and activation, and
// whether they learn T. Its time input is not recorded, so that -time
// with -resume is refused.
func composedConfig(f *train.Flow) map[string]string {
	m := map[string]string{"blocks": strconv.Itoa(len(f.EndTimes())), "time": "(not recorded)", "hidden": "(not recorded)", "activation": "(not recorded)"}
	var first *ffjord.FFJORD
	_ = f.Use(func(d *distributions.TransformedDistribution) error {
		first = firstBlock(d.Bijector)
		return nil
	})
	if first == nil {
		return m
	}
	m["learn-time"] = strconv.FormatBool(first.LearnsTime())
	net, ok := first.Dynamics().Model().(*odefunc.Network)
	if !ok {
		return m
	}
	var widths []int
	for _, l := range net.Layers() {
		switch l := l.(type) {
		case *odefunc.Linear, *odefunc.ConcatSquashLinear, *odefunc.ContextSquashLinear:
			widths = append(widths, l.Out())
		case *odefunc.ActivationLayer:
			m["activation"] = l.Fn.String()
		}
	}
	if len(widths) > 1 {
		m["hidden"] = joinInts(widths[:len(widths)-1])
	}
	return m
}

func gradientName(g ode.Gradient) string {
	if g == nil {
		return ode.BacksolveAdjoint{}.String()
	}
	return g.String()
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func orDefault(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

// firstBlock returns the FFJORD block of b applied first when sampling
// (the last of a chain), nil when b holds none.
func firstBlock(b distributions.Bijector) *ffjord.FFJORD {
	switch b := b.(type) {
	case *ffjord.FFJORD:
		return b
	case distributions.Chain:
		for k := len(b) - 1; k >= 0; k-- {
			if f := firstBlock(b[k]); f != nil {
				return f
			}
		}
	}
	return nil
}
