package distributions

import (
	"fmt"

	"github.com/ffjord-go/ffjord-go/internal/batch"
	"gorgonia.org/tensor"
)

// ConditionalBijector is a bijector whose map depends on a context vector
// per point (a conditional FFJORD block): ForwardContext maps x (N×D) given
// c (N×C). Its inverse pass with log-det is RecordInverse with
// Request.Context.
type ConditionalBijector interface {
	Bijector
	ContextDim() int
	ForwardContext(x, c *tensor.Dense) (*tensor.Dense, error)
}

// ContextDim returns the largest context dimension of the chain's
// bijectors (0: the chain is unconditional).
func (c Chain) ContextDim() int { return contextDim(Bijector(c)) }

// contextDim returns C of b: its ContextDim if it is a ConditionalBijector
// (a Chain included), else 0.
func contextDim(b Bijector) int {
	switch b := b.(type) {
	case Chain:
		C := 0
		for _, e := range b {
			C = max(C, contextDim(e))
		}
		return C
	case ConditionalBijector:
		return b.ContextDim()
	}
	return 0
}

// ForwardContext applies the chain given the context c, last element
// first: conditional bijectors see c, the others ignore it.
func (c Chain) ForwardContext(x, ctx *tensor.Dense) (*tensor.Dense, error) {
	if x == nil {
		return nil, fmt.Errorf("%w: nil batch", ErrShape)
	}
	for k := len(c) - 1; k >= 0; k-- {
		var err error
		if cb, ok := c[k].(ConditionalBijector); ok {
			x, err = cb.ForwardContext(x, ctx)
		} else {
			x, err = c[k].Forward(x)
		}
		if err != nil {
			return nil, fmt.Errorf("distributions: Chain bijector %d: %w", k, err)
		}
	}
	return x, nil
}

// ContextDim returns C, the context features of a conditional distribution
// p(x | c), or 0.
func (d *TransformedDistribution) ContextDim() int {
	if d == nil {
		return 0
	}
	return contextDim(d.Bijector)
}

// LogProbContext returns log p(x | c) for each row of x (N×D) and its
// context, the same row of c (N×C). It is the log-density of the recorded
// route (RecordLogProb) with the exact trace.
func (d *TransformedDistribution) LogProbContext(x, c *tensor.Dense) ([]float64, error) {
	if err := d.complete("LogProbContext"); err != nil {
		return nil, err
	}
	xv, n, err := batch.Data(x, d.Dim())
	if err != nil {
		return nil, fmt.Errorf("distributions: LogProbContext: %w", err)
	}
	cv, err := contextOf(c, d.ContextDim(), n)
	if err != nil {
		return nil, err
	}
	p, err := d.RecordLogProb(xv, n, Request{Context: cv})
	if err != nil {
		return nil, err
	}
	return p.LogProb, nil
}

// SampleContext draws one point from p(x | c) for each row of c (N×C).
func (d *TransformedDistribution) SampleContext(c *tensor.Dense) (*tensor.Dense, error) {
	if err := d.complete("SampleContext"); err != nil {
		return nil, err
	}
	C := d.ContextDim()
	if c == nil {
		return nil, fmt.Errorf("distributions: SampleContext: %w: nil context", ErrShape)
	}
	if C == 0 {
		return nil, fmt.Errorf("%w: SampleContext: the distribution reads no context", ErrInvalidParameter)
	}
	_, n, err := batch.Data(c, C)
	if err != nil {
		return nil, fmt.Errorf("distributions: SampleContext: context: %w", err)
	}
	z, err := d.Base.Sample(n)
	if err != nil {
		return nil, fmt.Errorf("distributions: SampleContext: %w", err)
	}
	cb, ok := d.Bijector.(ConditionalBijector)
	if !ok {
		return nil, fmt.Errorf("%w: SampleContext: the bijector %T takes no context", ErrInvalidParameter, d.Bijector)
	}
	return cb.ForwardContext(z, c)
}

// contextOf checks that c is n×C (nil when C = 0) and returns its values.
func contextOf(c *tensor.Dense, C, n int) ([]float64, error) {
	if C == 0 {
		if c != nil {
			return nil, fmt.Errorf("%w: a context for a distribution that reads none", ErrInvalidParameter)
		}
		return nil, nil
	}
	cv, rows, err := batch.Data(c, C)
	if err != nil {
		return nil, fmt.Errorf("distributions: context: %w", err)
	}
	if rows != n {
		return nil, fmt.Errorf("distributions: context: %w: %d rows for %d points", ErrShape, rows, n)
	}
	return cv, nil
}
