package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"time"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"gorgonia.org/tensor"
)

// ErrDiverged is returned when the loss of a batch is NaN or infinite.
var ErrDiverged = errors.New("train: loss is not finite")

// ErrStop, returned (or wrapped) by Options.OnEpoch, ends training as if
// its epochs were done: Run returns nil, and with Options.Validation the
// model gets the best validated parameters. A time budget is one use.
var ErrStop = errors.New("train: stop requested")

// Options configures a Trainer. The zero value, with Seed set as wanted, is
// the tutorial's: 40 epochs, batches of 256, Adam with learning rate 1e-2.
// How each solve is differentiated is the model's setting (Settings.Gradient
// of a Flow, Options.Gradient of an FFJORD block).
type Options struct {
	Epochs       int      // 0 means 40
	BatchSize    int      // 0 means 256
	LearningRate float64  // 0 means 1e-2
	Schedule     Schedule // nil means Constant
	ClipNorm     float64  // > 0: scale the gradient down to at most this L2 norm, over all parameters together
	// WeightDecay is AdamW's decoupled weight decay λ: each step shrinks
	// every parameter by θ ← θ − lr·λ·θ before Adam's update (see Adam).
	// 0, the default, is plain Adam; it must be finite and ≥ 0.
	WeightDecay float64
	// Regularization adds RNODE's kinetic energy and Jacobian norm to the
	// objective; the reported Loss stays the likelihood.
	Regularization Regularization
	Seed           uint64                 // seeds the shuffling of the data
	Progress       io.Writer              // nil: silent; a line per epoch, and on a terminal a live bar during it
	OnEpoch        func(EpochStats) error // called after each epoch; an error stops training (ErrStop: as if the epochs were done)
	// Objective is what each step minimises: nil means MLE{}, maximum
	// likelihood through the solver; CFM, OTCFM and Reflow are flow
	// matching, one evaluation of each point's block per step. Flow
	// matching takes no Regularization.
	Objective Criterion
	// Save, if set, is called after every epoch with the Trainer's state
	// (State), before OnEpoch: a program saves it with the model
	// (checkpoint.Saver writes both to a file), since training saves
	// nothing itself. A failed epoch is never saved; an error from Save
	// stops training.
	Save func(*TrainingState) error
	// Adam is the code of Adam's update: nil means GorgoniaAdam{},
	// Gorgonia's AdamSolver; InPlaceAdam{} gives the same bits without
	// allocating (see InPlaceAdam).
	Adam AdamUpdate

	// Validation, if set, holds held-out rows (N×D) whose mean −log p is
	// computed after every ValidateEvery epochs and after the last one,
	// in passes of at most BatchSize rows, with the exact trace and the
	// evaluation's solver settings (for a Flow, what Flow.NLL gives).
	// The rows are copied by NewTrainer. The Trainer keeps the
	// parameters of the best validated epoch and, when Run ends normally
	// or stops early, puts them in the model (see Run). nil: no
	// validation, and training is exactly as without these fields.
	Validation *tensor.Dense
	// ValidationContext is the context of each validation row (N×C), for
	// a conditional model; nil otherwise.
	ValidationContext *tensor.Dense
	ValidateEvery     int // epochs between validations; 0 means 1
	// Patience stops training after this many validations in a row
	// without a lower validation NLL; 0 never stops early (the best
	// parameters are still kept and restored).
	Patience int
	// ValidationEstimate validates with the training's trace estimator
	// (Settings.Trace, e.g. Hutchinson's) instead of the exact trace. In
	// 64 dimensions the exact trace is costly: 200 rows of an untrained
	// flow with hidden widths 128-128 take 1.5 s exact, 0.08 s estimated,
	// and a training step on them 0.23 s (BenchmarkValidation64D, two
	// cores). Each validation draws the same noise, fixed by Seed, so
	// that epochs compare fairly, and the training's own noise stream is
	// left untouched. It needs a model with FFJORD blocks that draw from
	// rand.PCG sources (NewFlow's and a loaded checkpoint's do).
	ValidationEstimate bool
	// ValidateStart also validates the model before its first epoch, as
	// epoch 0, so that the start competes for the best: a flow started
	// at a fitted model then ends no worse than that model on the
	// validation rows.
	ValidateStart bool

	// Record is saved with every checkpoint (TrainingState.Record) and
	// read by nobody in this package: a program's account of how it
	// trained, such as its flags, so that resuming can continue with the
	// same settings instead of its defaults. Its keys are written in
	// sorted order, so equal records give equal files. At most
	// MaxRecord entries.
	Record map[string]string
}

// EpochStats summarise one epoch.
type EpochStats struct {
	Epoch int `json:"epoch"` // 1-based
	// Objective is the criterion's name for flow matching (cfm, otcfm),
	// empty for MLE.
	Objective    string    `json:"objective,omitempty"`
	Loss         float64   `json:"loss"`               // mean over the epoch's batches of the training NLL, the matching loss or the reverse-KL objective
	Kinetic      float64   `json:"kinetic,omitempty"`  // mean Σ_k ∫‖f‖² dt, when regularised
	Jacobian     float64   `json:"jacobian,omitempty"` // mean Σ_k ∫‖∂f/∂z‖²_F dt, when regularised
	LearningRate float64   `json:"lr"`
	ForwardNFE   []float64 `json:"nfe_forward"`  // mean evaluations per batch, per block
	BackwardNFE  []float64 `json:"nfe_backward"` // the same for the backward pass
	// ValidationNLL is the mean −log p of the validation rows after this
	// epoch; 0 when the epoch was not validated.
	ValidationNLL float64 `json:"validation_nll,omitempty"`
	// VI is the report of a ReverseKL epoch; nil for the other objectives.
	VI *VIStats `json:"vi,omitempty"`
	// Stopped marks the epoch after which Patience ended the training.
	Stopped bool    `json:"stopped,omitempty"`
	Seconds float64 `json:"-"` // wall time; left out of checkpoints so that they are reproducible
}

// addStep adds one of the epoch's steps, of loss shown, to the means.
func (s *EpochStats) addStep(shown float64, loss Loss, cost Cost, steps int) {
	if s.ForwardNFE == nil {
		s.ForwardNFE, s.BackwardNFE = make([]float64, len(cost.ForwardNFE)), make([]float64, len(cost.ForwardNFE))
	}
	s.Loss += shown / float64(steps)
	s.Kinetic += loss.Kinetic / float64(steps)
	s.Jacobian += loss.Jacobian / float64(steps)
	for k := range s.ForwardNFE {
		s.ForwardNFE[k] += float64(cost.ForwardNFE[k]) / float64(steps)
		s.BackwardNFE[k] += float64(cost.BackwardNFE[k]) / float64(steps)
	}
}

// Trainer fits a trainable distribution with Adam on minibatches of a data
// set: a *Flow, or any distributions.Trainable such as a
// TransformedDistribution of differentiable parts. With a Shared model (a
// *Flow) each step (log-density, gradient, Adam's update) takes the
// model's turn (Shared.Use), so its methods may run from other goroutines
// during training.
//
// With Options.Validation the Trainer also keeps the parameters of the
// best validated epoch (Best), stops early after Options.Patience
// validations without improvement (Stopped), and gives the model the best
// parameters when Run finishes.
//
// The Trainer itself is not safe for concurrent use: call its methods
// (State and Restore included) from one goroutine, not while Run runs on
// another; a save callback (Options.Save) is the place to take the state
// during training.
type Trainer struct {
	model distributions.Trainable
	// shared is model when it is Shared (a *Flow): every step takes its
	// turn through it.
	shared Shared
	// blocks are the model's FFJORD blocks, in sampling order: their
	// noise is part of the training state.
	blocks  []*ffjord.FFJORD
	opts    Options
	adam    *Adam
	shuffle *rand.PCG
	epoch   int // epochs completed
	history []EpochStats
	// match is the flow-matching objective (nil for MLE), drawing its base
	// points, times and path noise from the saved stream draws.
	match *matcher
	draws *rand.PCG
	// vi is the ReverseKL objective (nil for the others), drawing its
	// base points from draws too.
	vi *variational
	// val is the validation set (nil without); best its best epoch so
	// far (Params nil before the first validation); stopped is set when
	// patience ran out.
	val     *validation
	best    BestState
	stopped bool
	// last holds the last epoch's parameters once Run has put the best
	// ones in the model: State gives them, for resuming.
	last [][]float64
	// call carries a step's arguments and results to and from the
	// model's turn.
	call stepCall
	// inTurn is the function use runs in a Shared model's turn, and
	// turn the adapter, made once, that calls it.
	inTurn func(distributions.Trainable) error
	turn   func(*distributions.TransformedDistribution) error
}

// stepCall holds one step's arguments and results, so that the function
// that runs it in the model's turn is made once, not at every step.
type stepCall struct {
	x, c  []float64
	rows  []int
	draws *rand.Rand
	grads Grads
	loss  Loss
	cost  Cost
	run   func(distributions.Trainable) error
}

// NewTrainer returns a Trainer for m with opts.
func NewTrainer(m distributions.Trainable, opts Options) (*Trainer, error) {
	if m == nil {
		return nil, fmt.Errorf("%w: nil model", ErrInvalidConfig)
	}
	t := &Trainer{model: m}
	t.shared, _ = m.(Shared)
	if err := t.use(func(d distributions.Trainable) error {
		if td, ok := d.(*distributions.TransformedDistribution); ok {
			t.blocks = ffjordBlocks(td.Bijector)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if opts.Epochs == 0 {
		opts.Epochs = 40
	}
	if opts.BatchSize == 0 {
		opts.BatchSize = 256
	}
	if opts.LearningRate == 0 {
		opts.LearningRate = 1e-2
	}
	if opts.Schedule == nil {
		opts.Schedule = Constant
	}
	switch {
	case opts.Epochs < 0:
		return nil, fmt.Errorf("%w: Epochs = %d, want ≥ 1", ErrInvalidConfig, opts.Epochs)
	case opts.BatchSize < 0:
		return nil, fmt.Errorf("%w: BatchSize = %d, want ≥ 1", ErrInvalidConfig, opts.BatchSize)
	case !(opts.LearningRate > 0) || math.IsInf(opts.LearningRate, 0):
		return nil, fmt.Errorf("%w: LearningRate = %g, want finite and > 0", ErrInvalidConfig, opts.LearningRate)
	case opts.ClipNorm < 0 || math.IsNaN(opts.ClipNorm) || math.IsInf(opts.ClipNorm, 0):
		return nil, fmt.Errorf("%w: ClipNorm = %g, want finite and ≥ 0 (0: no clipping)", ErrInvalidConfig, opts.ClipNorm)
	case !(opts.Regularization.Kinetic >= 0) || !(opts.Regularization.Jacobian >= 0) ||
		math.IsInf(opts.Regularization.Kinetic, 0) || math.IsInf(opts.Regularization.Jacobian, 0):
		return nil, fmt.Errorf("%w: Regularization = %+v, want weights ≥ 0", ErrInvalidConfig, opts.Regularization)
	case !(opts.WeightDecay >= 0) || math.IsInf(opts.WeightDecay, 0):
		return nil, fmt.Errorf("%w: WeightDecay = %g, want finite and ≥ 0 (0: none)", ErrInvalidConfig, opts.WeightDecay)
	case len(opts.Record) > MaxRecord:
		return nil, fmt.Errorf("%w: Record has %d entries, want at most %d", ErrInvalidConfig, len(opts.Record), MaxRecord)
	}
	opts.Record = maps.Clone(opts.Record)
	if opts.Objective == nil {
		opts.Objective = MLE{}
	}
	var match *matcher
	if err := t.use(func(d distributions.Trainable) (err error) { match, err = newMatcher(d, opts.Objective); return err }); err != nil {
		return nil, err
	}
	if match != nil && opts.Regularization.active() {
		return nil, fmt.Errorf("%w: %v takes no Regularization (it solves no ODE to integrate it along)", ErrInvalidConfig, opts.Objective)
	}
	if rk, ok := opts.Objective.(ReverseKL); ok {
		if err := t.use(func(d distributions.Trainable) (err error) { t.vi, err = newVariational(d, rk, opts); return err }); err != nil {
			return nil, err
		}
	}
	val, err := newValidation(m, t.use, t.blocks, opts)
	if err != nil {
		return nil, err
	}
	ps := m.Params()
	if len(ps) == 0 {
		return nil, fmt.Errorf("%w: the model has no parameters to train (is it differentiable?)", ErrInvalidConfig)
	}
	adam, err := NewAdamWith(ps, opts.LearningRate, opts.Adam)
	if err != nil {
		return nil, err
	}
	if err := adam.SetWeightDecay(opts.WeightDecay); err != nil {
		return nil, err
	}
	t.opts, t.adam, t.shuffle, t.match, t.draws, t.val = opts, adam, rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15),
		match, rand.NewPCG(opts.Seed^0x2545f4914f6cdd1d, opts.Seed+1), val
	return t, nil
}

// errNoTrainer reports a Trainer that NewTrainer did not make.
var errNoTrainer = fmt.Errorf("%w: the Trainer is nil or a zero value; make one with NewTrainer", ErrInvalidConfig)

func (t *Trainer) made() bool { return t != nil && t.model != nil && t.adam != nil }

// Epoch returns the number of epochs completed.
func (t *Trainer) Epoch() int {
	if t == nil {
		return 0
	}
	return t.epoch
}

// Best returns the epoch of the lowest validation NLL so far and that NLL;
// epoch is 0 before the first validation (or without Options.Validation).
func (t *Trainer) Best() (epoch int, nll float64) {
	if t == nil {
		return 0, 0
	}
	return t.best.Epoch, t.best.NLL
}

// Stopped reports whether training stopped early: Options.Patience
// validations in a row brought no improvement.
func (t *Trainer) Stopped() bool { return t != nil && t.stopped }

// History returns the statistics of every completed epoch.
func (t *Trainer) History() []EpochStats {
	if t == nil {
		return nil
	}
	return append([]EpochStats(nil), t.history...)
}

// Run trains on data (N×D) until the configured number of epochs is done,
// Options.Patience stops it early, the context is cancelled, or a batch
// fails. Each epoch reshuffles the data and takes one Adam step per batch.
//
// With Options.Validation, when the epochs are done or training stops
// early, Run sets the model's parameters to those of the best validated
// epoch; State still gives the last ones (TrainingState.Params), which
// Restore continues from. On an error or a cancelled context the model keeps its
// last parameters, so that the state in memory is the one training
// reached.
func (t *Trainer) Run(ctx context.Context, data *tensor.Dense) error {
	if t.made() {
		if C := contextDimOf(t.model); C > 0 {
			return fmt.Errorf("%w: Run: the model is conditional, p(x | c) with c of %d features per row; use RunContext(ctx, data, cond) with cond N×%d", ErrInvalidConfig, C, C)
		}
	}
	return t.RunContext(ctx, data, nil)
}

// RunContext trains a conditional model on the pairs (x_r, c_r): the rows
// of data (N×D) and of cond (N×C), shuffled together. cond must be nil for
// an unconditional model.
func (t *Trainer) RunContext(ctx context.Context, data, cond *tensor.Dense) error {
	if !t.made() {
		return errNoTrainer
	}
	if ctx == nil {
		return fmt.Errorf("%w: nil ctx (a context.Context); use context.Background()", ErrInvalidConfig)
	}
	if t.vi != nil {
		if data != nil || cond != nil {
			return fmt.Errorf("%w: ReverseKL fits its target and takes no data; call Run(ctx, nil)", ErrInvalidConfig)
		}
		return t.runVariational(ctx)
	}
	D := t.model.Dim()
	x, n, err := batch.Data(data, D)
	if err != nil {
		return fmt.Errorf("train: data: %w", err)
	}
	C := contextDimOf(t.model)
	var cv []float64
	switch {
	case C == 0 && cond != nil:
		return fmt.Errorf("%w: RunContext: cond (the conditioning input) given for a model that reads none; use Run(ctx, data)", ErrInvalidConfig)
	case C > 0 && cond == nil:
		return fmt.Errorf("%w: RunContext: cond is nil, and the model is conditional, p(x | c) with c of %d features per row; give cond N×%d", ErrInvalidConfig, C, C)
	case C > 0:
		var rows int
		if cv, rows, err = batch.Data(cond, C); err != nil {
			return fmt.Errorf("train: RunContext: cond (the conditioning input, N×%d): %w", C, err)
		}
		if rows != n {
			return fmt.Errorf("train: RunContext: cond (the conditioning input): %w: %d rows for %d points", batch.ErrShape, rows, n)
		}
	}
	if t.match != nil {
		if err := t.match.checkRows(n, D); err != nil {
			return err
		}
	}
	bs := min(t.opts.BatchSize, n)
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	shuffler := rand.New(t.shuffle)
	buf, cbuf := make([]float64, bs*D), make([]float64, bs*C)
	grads := NewGrads(t.model)
	drawer := rand.New(t.draws)
	bar := newProgress(t.opts.Progress)
	batches := (n + bs - 1) / bs

	if t.opts.ValidateStart && t.epoch == 0 && t.best.Params == nil && t.val != nil {
		nll, err := t.val.nll(ctx, t.use, t.blocks, bs)
		if err != nil {
			return fmt.Errorf("train: validation of the start: %w", err)
		}
		t.best.observe(0, nll, t.adam.params, t.opts.Patience)
	}
	for t.epoch < t.opts.Epochs && !t.stopped {
		epoch := t.epoch + 1
		lr, err := t.epochRate(epoch)
		if err != nil {
			return err
		}
		start := time.Now()
		stats := EpochStats{Epoch: epoch, LearningRate: lr}
		if t.match != nil {
			stats.Objective = t.opts.Objective.String()
		}
		for i := range perm {
			perm[i] = i
		}
		shuffler.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		for b := range batches {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("train: stopped in epoch %d, batch %d: %w", epoch, b+1, err)
			}
			lo, hi := b*bs, min((b+1)*bs, n)
			m := hi - lo
			xb, cb := buf[:m*D], cbuf[:m*C]
			for r, idx := range perm[lo:hi] {
				copy(xb[r*D:(r+1)*D], x[idx*D:(idx+1)*D])
				copy(cb[r*C:(r+1)*C], cv[idx*C:(idx+1)*C])
			}
			if C == 0 {
				cb = nil
			}
			loss, cost, err := t.step(xb, cb, perm[lo:hi], drawer, grads)
			if err != nil {
				return fmt.Errorf("train: epoch %d, batch %d: %w", epoch, b+1, err)
			}
			shown := loss.NLL
			if t.match != nil {
				shown = loss.Matching
			}
			stats.addStep(shown, loss, cost, batches)
			bar.batch(epoch, t.opts.Epochs, b+1, batches, shown, cost, time.Since(start))
		}
		if t.val.due(epoch, t.opts.Epochs) {
			nll, err := t.val.nll(ctx, t.use, t.blocks, bs)
			if err != nil {
				return fmt.Errorf("train: epoch %d, validation: %w", epoch, err)
			}
			stats.ValidationNLL = nll
			t.stopped = t.best.observe(epoch, nll, t.adam.params, t.opts.Patience)
			stats.Stopped = t.stopped
		}
		stop, err := t.endEpoch(stats, start, bar)
		if err != nil {
			return err
		}
		if stop {
			break
		}
	}
	return t.restoreBest()
}

// epochRate sets and returns the learning rate of epoch (1-based).
func (t *Trainer) epochRate(epoch int) (float64, error) {
	lr := t.opts.Schedule(epoch, t.opts.Epochs, t.opts.LearningRate)
	if !(lr > 0) || math.IsInf(lr, 0) {
		return 0, fmt.Errorf("%w: epoch %d: the schedule gave learning rate %g, want finite and > 0", ErrInvalidConfig, epoch, lr)
	}
	t.adam.SetLearningRate(lr)
	return lr, nil
}

// endEpoch records a finished epoch, started at start: its time, the
// history, the progress line, Options.Save and Options.OnEpoch. stop
// reports an ErrStop from OnEpoch.
func (t *Trainer) endEpoch(stats EpochStats, start time.Time, bar *progress) (stop bool, err error) {
	stats.Seconds = time.Since(start).Seconds()
	t.epoch = stats.Epoch
	t.history = append(t.history, stats)
	bar.epochDone(stats)
	if t.opts.Save != nil {
		st, err := t.State()
		if err == nil {
			err = t.opts.Save(st)
		}
		if err != nil {
			return false, fmt.Errorf("train: epoch %d: saving: %w", stats.Epoch, err)
		}
	}
	if t.opts.OnEpoch != nil {
		err := t.opts.OnEpoch(stats)
		if errors.Is(err, ErrStop) {
			return true, nil
		}
		if err != nil {
			return false, fmt.Errorf("train: epoch %d callback: %w", stats.Epoch, err)
		}
	}
	return false, nil
}

// use calls fn with the model to evaluate, in the model's turn when it is
// Shared.
func (t *Trainer) use(fn func(m distributions.Trainable) error) error {
	if t.shared == nil {
		return fn(t.model)
	}
	if t.turn == nil {
		t.turn = func(d *distributions.TransformedDistribution) error { return t.inTurn(d) }
	}
	prev := t.inTurn
	t.inTurn = fn
	err := t.shared.Use(t.turn)
	t.inTurn = prev
	return err
}

// restoreBest puts the best validated parameters in the model, keeping
// the last ones for State; once done, it does nothing.
func (t *Trainer) restoreBest() error {
	if t.best.Params == nil || t.last != nil {
		return nil
	}
	return t.use(func(distributions.Trainable) error {
		t.last = make([][]float64, len(t.adam.params))
		for i, p := range t.adam.params {
			t.last[i] = append([]float64(nil), p.value.Float64s()...)
			copy(p.value.Float64s(), t.best.Params[i])
		}
		return nil
	})
}

// step evaluates the objective on one batch and takes Adam's step, in the
// model's turn throughout.
func (t *Trainer) step(x, c []float64, rows []int, draws *rand.Rand, grads Grads) (Loss, Cost, error) {
	s := &t.call
	if s.run == nil {
		s.run = func(model distributions.Trainable) (err error) {
			s.loss, s.cost, err = t.stepOf(model, s.x, s.c, s.rows, s.draws, s.grads)
			return err
		}
	}
	s.x, s.c, s.rows, s.draws, s.grads = x, c, rows, draws, grads
	err := t.use(s.run)
	loss, cost := s.loss, s.cost
	*s = stepCall{run: s.run}
	return loss, cost, err
}

func (t *Trainer) stepOf(model distributions.Trainable, x, c []float64, rows []int, draws *rand.Rand, grads Grads) (Loss, Cost, error) {
	n := len(rows)
	var loss Loss
	var cost Cost
	var err error
	switch {
	case t.vi != nil:
		loss, cost, err = t.vi.loss(model, t.opts.BatchSize, t.draws, t.opts.Regularization, grads)
	case t.match != nil:
		loss, cost, err = t.match.loss(x, c, rows, n, model.Dim(), draws, grads)
	default:
		loss, cost, err = objective(model, x, c, n, t.opts.Regularization, grads)
	}
	if err != nil {
		return loss, cost, err
	}
	if math.IsNaN(loss.Total) || math.IsInf(loss.Total, 0) {
		return loss, cost, fmt.Errorf("%w: loss %g", ErrDiverged, loss.Total)
	}
	for i, g := range grads {
		if k := nonFinite(g); k >= 0 {
			return loss, cost, fmt.Errorf("%w: gradient of parameter %d holds %g at %d", ErrDiverged, i, g[k], k)
		}
	}
	if t.opts.ClipNorm > 0 {
		clipNorm(grads, t.opts.ClipNorm)
	}
	if err := t.adam.Step(grads); err != nil {
		return loss, cost, err
	}
	// The tensors Adam moved are the model's own: no need to ask the
	// model for them again.
	for i, p := range t.adam.params {
		if k := nonFinite(p.value.Float64s()); k >= 0 {
			return loss, cost, fmt.Errorf("%w: Adam's step made parameter %d hold %g at %d", ErrDiverged, i, p.value.Float64s()[k], k)
		}
	}
	return loss, cost, nil
}

// nonFinite returns the index of the first NaN or ±Inf in v, or −1.
func nonFinite(v []float64) int {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return i
		}
	}
	return -1
}

// contextDimOf returns the context dimension of a conditional model, else 0.
func contextDimOf(m distributions.Trainable) int {
	if cm, ok := m.(interface{ ContextDim() int }); ok {
		return cm.ContextDim()
	}
	return 0
}

// clipNorm scales g so that its global L2 norm is at most c.
func clipNorm(g Grads, c float64) {
	var sq float64
	for _, gi := range g {
		for _, v := range gi {
			sq += v * v
		}
	}
	if norm := math.Sqrt(sq); norm > c {
		s := c / norm
		for _, gi := range g {
			for i := range gi {
				gi[i] *= s
			}
		}
	}
}
