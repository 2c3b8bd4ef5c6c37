package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/internal/batch"
)

// BestState is the best validated point of a training: the epoch whose
// validation NLL was the lowest so far, and the parameters the model had
// then.
type BestState struct {
	Epoch int     // the epoch, 1-based; 0 is the start (Options.ValidateStart)
	NLL   float64 // its validation NLL
	// Params are the model's parameters after that epoch, in Params order
	// (for a Flow, Flow.Params).
	Params [][]float64
	// Stale counts the validations since Epoch, none of them better:
	// training stops when it reaches Options.Patience.
	Stale int
}

// validation is a Trainer's held-out set.
type validation struct {
	x, c     []float64 // n rows of D values, and of C context values (nil for C = 0)
	n        int
	every    int
	estimate bool
	seed     uint64 // of the fixed noise of estimates
}

// newValidation checks opts' validation fields against m and copies the
// rows; it returns nil when opts has no Validation.
func newValidation(m distributions.Trainable, use func(func(distributions.Trainable) error) error, blocks []*ffjord.FFJORD, opts Options) (*validation, error) {
	if opts.ValidateEvery < 0 || opts.Patience < 0 {
		return nil, fmt.Errorf("%w: ValidateEvery = %d and Patience = %d, want ≥ 0", ErrInvalidConfig, opts.ValidateEvery, opts.Patience)
	}
	if opts.Validation == nil {
		if opts.ValidationContext != nil || opts.ValidateEvery != 0 || opts.Patience != 0 || opts.ValidationEstimate || opts.ValidateStart {
			return nil, fmt.Errorf("%w: ValidationContext, ValidateEvery, Patience, ValidationEstimate and ValidateStart need Validation rows", ErrInvalidConfig)
		}
		return nil, nil
	}
	x, n, err := batch.Data(opts.Validation, m.Dim())
	if err != nil {
		return nil, fmt.Errorf("%w: Validation: %w", ErrInvalidConfig, err)
	}
	v := &validation{x: append([]float64(nil), x...), n: n, every: max(opts.ValidateEvery, 1), estimate: opts.ValidationEstimate, seed: opts.Seed}
	switch C := contextDimOf(m); {
	case C == 0 && opts.ValidationContext != nil:
		return nil, fmt.Errorf("%w: ValidationContext for a model that reads none", ErrInvalidConfig)
	case C > 0 && opts.ValidationContext == nil:
		return nil, fmt.Errorf("%w: the model reads a context of %d features: ValidationContext is required", ErrInvalidConfig, C)
	case C > 0:
		c, rows, err := batch.Data(opts.ValidationContext, C)
		if err != nil {
			return nil, fmt.Errorf("%w: ValidationContext: %w", ErrInvalidConfig, err)
		}
		if rows != n {
			return nil, fmt.Errorf("%w: ValidationContext has %d rows for %d validation points", ErrInvalidConfig, rows, n)
		}
		v.c = append([]float64(nil), c...)
	}
	if v.estimate {
		if len(blocks) == 0 {
			return nil, fmt.Errorf("%w: ValidationEstimate needs a model with FFJORD blocks, whose noise it can fix", ErrInvalidConfig)
		}
		// Fail now rather than after the first epoch.
		if err := use(func(distributions.Trainable) error { return v.withFixedNoise(blocks, func() error { return nil }) }); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// due reports whether the end of epoch is validated.
func (v *validation) due(epoch, epochs int) bool {
	return v != nil && (epoch%v.every == 0 || epoch == epochs)
}

// nll returns the mean −log p over the validation rows, from passes of at
// most bs rows of the model, in one turn of use. Estimates draw the same
// noise at every validation and leave the training's noise as it was.
func (v *validation) nll(ctx context.Context, use func(func(distributions.Trainable) error) error, blocks []*ffjord.FFJORD, bs int) (nll float64, err error) {
	err = use(func(model distributions.Trainable) error {
		nll, err = v.nllOf(ctx, model, blocks, bs)
		return err
	})
	return nll, err
}

func (v *validation) nllOf(ctx context.Context, model distributions.Trainable, blocks []*ffjord.FFJORD, bs int) (float64, error) {
	var sum float64
	eval := func() error {
		D, C := model.Dim(), len(v.c)/v.n
		for lo := 0; lo < v.n; lo += bs {
			if err := ctx.Err(); err != nil {
				return err
			}
			hi := min(lo+bs, v.n)
			req := distributions.Request{Estimate: v.estimate}
			if C > 0 {
				req.Context = v.c[lo*C : hi*C]
			}
			pass, err := model.RecordLogProb(v.x[lo*D:hi*D], hi-lo, req)
			if err != nil {
				return err
			}
			for _, lp := range pass.LogProb {
				sum -= lp
			}
		}
		return nil
	}
	var err error
	if v.estimate {
		err = v.withFixedNoise(blocks, eval)
	} else {
		err = eval()
	}
	if err != nil {
		return 0, err
	}
	nll := sum / float64(v.n)
	if math.IsNaN(nll) || math.IsInf(nll, 0) {
		return 0, fmt.Errorf("%w: validation NLL %g", ErrDiverged, nll)
	}
	return nll, nil
}

// withFixedNoise runs fn with every stochastic block's noise generator set
// to a state fixed by the seed, and then puts the generators back where
// they were, so that estimates are comparable from one validation to the
// next and the training draws the noise it would have drawn without them.
func (v *validation) withFixedNoise(blocks []*ffjord.FFJORD, fn func() error) error {
	var saved [][]byte
	defer func() {
		for k, s := range saved {
			_ = blocks[k].SetNoiseState(s) // a state it gave back
		}
	}()
	for k, b := range blocks {
		s, err := b.NoiseState()
		if err != nil {
			return fmt.Errorf("%w: ValidationEstimate: block %d: %v", ErrInvalidConfig, k, err)
		}
		saved = append(saved, s)
		if !b.Trace().Stochastic() {
			continue
		}
		fixed, _ := rand.NewPCG(v.seed^0x6a09e667f3bcc909, uint64(k)).MarshalBinary()
		if err := b.SetNoiseState(fixed); err != nil {
			return fmt.Errorf("%w: ValidationEstimate needs each stochastic block's noise source to be a rand.PCG: block %d: %v", ErrInvalidConfig, k, err)
		}
	}
	return fn()
}

// observe records the validation NLL of epoch: a new best keeps a copy of
// params, anything else counts towards patience. It reports whether the
// training should stop.
func (b *BestState) observe(epoch int, nll float64, params []*valueGrad, patience int) bool {
	if b.Params == nil || nll < b.NLL {
		b.Epoch, b.NLL, b.Stale = epoch, nll, 0
		b.Params = make([][]float64, len(params))
		for i, p := range params {
			b.Params[i] = append([]float64(nil), p.value.Float64s()...)
		}
		return false
	}
	b.Stale++
	return patience > 0 && b.Stale >= patience
}

// clone returns a deep copy of b, nil for nil.
func (b *BestState) clone() *BestState {
	if b == nil {
		return nil
	}
	c := *b
	c.Params = make([][]float64, len(b.Params))
	for i, p := range b.Params {
		c.Params[i] = append([]float64(nil), p...)
	}
	return &c
}
