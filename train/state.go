package train

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/internal/batch"
)

// MaxRecord is the most entries Options.Record may hold.
const MaxRecord = 256

// TrainingState is what a Trainer needs to continue exactly where it
// stopped: State takes it, Restore puts it back, and a program saves it
// with the model (package checkpoint) to resume in another run.
type TrainingState struct {
	Epoch   int // epochs completed
	LR      float64
	Adam    AdamState
	Shuffle []byte // the shuffling generator's state (rand.PCG binary form)
	// Noise is each FFJORD block's Hutchinson noise state, in the order
	// the blocks are applied when sampling (nil in files from before it
	// was saved).
	Noise [][]byte
	// Draws is the flow-matching or reverse-KL objective's stream
	// (rand.PCG binary form); nil for MLE.
	Draws   []byte
	History []EpochStats
	// Best is the best validated epoch and its parameters; nil when the
	// training had no Options.Validation.
	Best *BestState
	// Record is the training's Options.Record: nil in files from before
	// it was saved, or when the program recorded nothing.
	Record map[string]string
	// Params, when not nil, are the model's parameters at the end of the
	// last epoch (in Params order) while the model holds others: Run
	// puts the best validated ones in it when it ends. A checkpoint
	// saves these as the model's, so that resuming continues the last
	// epoch; Restore puts them back. nil: the model holds them.
	Params [][]float64
}

// State returns a copy of the Trainer's state, to save with the model:
// Restore on a Trainer of the same model and options continues the
// training bit for bit.
func (t *Trainer) State() (*TrainingState, error) {
	if !t.made() {
		return nil, errNoTrainer
	}
	shuffle, err := t.shuffle.MarshalBinary()
	if err != nil {
		return nil, err
	}
	adam, err := t.adam.State()
	if err != nil {
		return nil, err
	}
	var draws []byte
	if t.match != nil || t.vi != nil {
		if draws, err = t.draws.MarshalBinary(); err != nil {
			return nil, err
		}
	}
	var noise [][]byte
	if err := t.use(func(distributions.Trainable) error {
		for k, b := range t.blocks {
			n, err := b.NoiseState()
			if err != nil {
				return fmt.Errorf("train: block %d: %w", k, err)
			}
			noise = append(noise, n)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	ts := &TrainingState{
		Epoch: t.epoch, LR: t.adam.LearningRate(), Adam: adam, Shuffle: shuffle, Noise: noise, Draws: draws,
		History: append([]EpochStats(nil), t.history...), Record: maps.Clone(t.opts.Record),
	}
	if t.last != nil {
		ts.Params = make([][]float64, len(t.last))
		for i, p := range t.last {
			ts.Params[i] = slices.Clone(p)
		}
	}
	if t.best.Params != nil {
		ts.Best = t.best.clone()
	}
	return ts, nil
}

// Restore sets the Trainer to ts, as State took it from a Trainer of the
// same model: the epoch count, Adam's moments, the shuffling and
// flow-matching streams, the blocks' noise and, with validation, the best
// epoch, its parameters and the patience counter (the Trainer must then
// have Options.Validation). Call it before Run. A state that does not fit
// (an ErrInvalidConfig error) leaves the Trainer and its model as they
// were.
func (t *Trainer) Restore(ts *TrainingState) error {
	if !t.made() {
		return errNoTrainer
	}
	if ts == nil {
		return fmt.Errorf("%w: no training state to restore", ErrInvalidConfig)
	}
	if ts.Epoch < 0 {
		return fmt.Errorf("%w: the state has %d epochs done", ErrInvalidConfig, ts.Epoch)
	}
	if ts.Params != nil {
		if !batch.Fits(ts.Params, t.model.Params()) {
			return fmt.Errorf("%w: the state's last parameters do not fit the model", ErrInvalidConfig)
		}
		if err := allFinite(ts.Params); err != nil {
			return fmt.Errorf("%w: the state's last parameters: %v", ErrInvalidConfig, err)
		}
	}
	if err := t.adam.check(ts.Adam); err != nil {
		return err
	}
	shuffle, draws := new(rand.PCG), new(rand.PCG)
	if err := shuffle.UnmarshalBinary(ts.Shuffle); err != nil {
		return fmt.Errorf("%w: shuffling state: %v", ErrInvalidConfig, err)
	}
	if ts.Draws != nil {
		if err := draws.UnmarshalBinary(ts.Draws); err != nil {
			return fmt.Errorf("%w: the objective's draws: %v", ErrInvalidConfig, err)
		}
	}
	if ts.Noise != nil && len(ts.Noise) != len(t.blocks) {
		return fmt.Errorf("%w: %d noise states for %d blocks", ErrInvalidConfig, len(ts.Noise), len(t.blocks))
	}
	if ts.Best != nil {
		if t.val == nil {
			return fmt.Errorf("%w: the state was trained with validation; restore it with Options.Validation", ErrInvalidConfig)
		}
		if !batch.Fits(ts.Best.Params, t.model.Params()) {
			return fmt.Errorf("%w: the best parameters do not fit the model", ErrInvalidConfig)
		}
		if err := allFinite(ts.Best.Params); err != nil {
			return fmt.Errorf("%w: the best parameters: %v", ErrInvalidConfig, err)
		}
	}
	// Only a block's noise state is checked by setting it: those set
	// before a refused one are put back.
	if err := t.use(func(distributions.Trainable) error {
		old := make([][]byte, 0, len(ts.Noise))
		for k, state := range ts.Noise {
			o, err := t.blocks[k].NoiseState()
			if err == nil {
				old = append(old, o)
				err = t.blocks[k].SetNoiseState(state)
			}
			if err != nil {
				for j := range old[:k] {
					_ = t.blocks[j].SetNoiseState(old[j])
				}
				return fmt.Errorf("%w: block %d: %v", ErrInvalidConfig, k, err)
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := t.adam.Restore(ts.Adam); err != nil {
		return err // checked above: Gorgonia's layout, not the state
	}
	*t.shuffle = *shuffle
	if ts.Draws != nil {
		*t.draws = *draws
	}
	t.best, t.stopped = BestState{}, false
	if ts.Best != nil {
		t.best = *ts.Best.clone()
		t.stopped = t.opts.Patience > 0 && t.best.Stale >= t.opts.Patience
	}
	if ts.Params != nil {
		if err := t.use(func(distributions.Trainable) error {
			for i, p := range t.adam.params {
				copy(p.value.Float64s(), ts.Params[i])
			}
			return nil
		}); err != nil {
			return err
		}
	}
	t.last = nil
	t.epoch = ts.Epoch
	t.history = append([]EpochStats(nil), ts.History...)
	return nil
}

// allFinite returns an error naming the first value of ps that is not
// finite.
func allFinite(ps [][]float64) error {
	for i, p := range ps {
		for j, v := range p {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("value %d of parameter %d is %g", j, i, v)
			}
		}
	}
	return nil
}
