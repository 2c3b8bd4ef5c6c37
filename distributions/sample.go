package distributions

import (
	"fmt"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/internal/batch"
)

// SamplePass is a recorded reparameterised draw of a
// TransformedDistribution: base points z, their image x = T(z | c) and
// log q(x), with the backward pass that differentiates them.
type SamplePass struct {
	// Z are the base draws and X = T(Z), N×D row-major.
	Z, X []float64
	// LogProb is log q(x) = log p_base(z) − log|det ∂T/∂z| per row.
	LogProb []float64
	// Penalties holds the regularisers, when requested.
	Penalties
	// Work lists the solver work of each continuous block.
	Work []Work
	// Backward takes the cotangents of X (c.X), of LogProb (c.LogDet) and
	// of the penalties, adds ∂L/∂θ to grads, one slice per parameter of
	// the distribution's Params (the base's get nothing: see RecordSample),
	// and returns ∂L/∂z, N×D. It sets ContextGrad for a pass with a
	// context. It may be called once.
	Backward func(c Cotangents, grads [][]float64) ([]float64, error)
	// ContextGrad is ∂L/∂context (N×C) once Backward has run, for a pass
	// given a Request.Context.
	ContextGrad []float64
}

// RecordSample draws n points z from the base with src (the same source
// state, the same points) and records x = T(z | req.Context) with
// log q(x) = log p_base(z) − log|det ∂T/∂z|: a draw whose x and log q are
// differentiable in the bijector's parameters by the reparameterisation
// trick, what reverse-KL variational inference minimises over. The base
// must be a DifferentiableBase and a Drawer, the bijector
// ForwardDifferentiable.
//
// The base is held fixed: a draw from it is not reparameterised in its
// parameters, so their gradient slices get nothing. Train the location
// and scale with an Affine or AffineTriL bijector instead.
func (d *TransformedDistribution) RecordSample(n int, src rand.Source, req Request) (*SamplePass, error) {
	if err := d.complete("RecordSample"); err != nil {
		return nil, err
	}
	base, bij, err := d.parts()
	if err != nil {
		return nil, fmt.Errorf("distributions: RecordSample: %w", err)
	}
	drawer, ok := d.Base.(Drawer)
	if !ok {
		return nil, fmt.Errorf("%w: RecordSample: the base %T cannot draw with a given source (it is not a Drawer)", ErrInvalidParameter, d.Base)
	}
	fwd, ok := d.Bijector.(ForwardDifferentiable)
	if !ok {
		return nil, fmt.Errorf("%w: RecordSample: the bijector %T has no recorded forward pass (it is not ForwardDifferentiable)", ErrInvalidParameter, d.Bijector)
	}
	if src == nil {
		return nil, fmt.Errorf("%w: RecordSample: nil source", ErrInvalidParameter)
	}
	D := d.Dim()
	if err := batch.CheckSize("distributions: RecordSample", n, D); err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, fmt.Errorf("distributions: RecordSample: %w: %d points", ErrShape, n)
	}
	z := make([]float64, n*D)
	drawer.Draw(z, rand.New(src))
	p, err := fwd.RecordForward(z, n, req)
	if err != nil {
		return nil, fmt.Errorf("distributions: RecordSample: %w", err)
	}
	lq := make([]float64, n)
	base.LogProbTo(lq, z)
	for r := range lq {
		lq[r] -= p.LogDet[r]
	}
	nb := len(base.Params())
	out := &SamplePass{Z: z, X: p.X, LogProb: lq, Penalties: p.Penalties, Work: p.Work}
	out.Backward = func(c Cotangents, grads [][]float64) ([]float64, error) {
		if len(grads) != nb+len(bij.Params()) {
			return nil, fmt.Errorf("%w: %d gradient slices for %d parameters", ErrInvalidParameter, len(grads), nb+len(bij.Params()))
		}
		if c.LogDet != nil && len(c.LogDet) != n {
			return nil, fmt.Errorf("%w: %d log-density cotangents for %d rows", ErrShape, len(c.LogDet), n)
		}
		// log q = log p_base(z) − ℓ: the log-det sees the cotangent negated.
		lbar := c.LogDet
		if lbar != nil {
			lbar = make([]float64, n)
			for r, v := range c.LogDet {
				lbar[r] = -v
			}
		}
		bc := c
		bc.LogDet = lbar
		zbar, err := p.Backward(bc, grads[nb:])
		out.Work, out.ContextGrad = p.Work, p.ContextGrad
		if err != nil {
			return nil, err
		}
		if c.LogDet != nil {
			// z's own term; the base's parameters are held fixed.
			scratch := make([][]float64, nb)
			for i, q := range base.Params() {
				scratch[i] = make([]float64, q.Shape().TotalSize())
			}
			bz := make([]float64, n*D)
			base.LogProbBackward(bz, z, c.LogDet, scratch)
			addTo(zbar, bz)
		}
		return zbar, nil
	}
	return out, nil
}
