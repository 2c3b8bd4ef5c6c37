package ffjord

import (
	"fmt"

	"github.com/ffjord-go/ffjord-go/ffjord/bijector"
	"github.com/ffjord-go/ffjord-go/odefunc"
)

// RecordInverse solves the n rows of the row-major y from t1 back to t0
// with the log-det, as InverseWithLogDet, and records the solve for its
// backward pass (Options.Gradient: adjoint or discrete). With req.Estimate
// the log-det uses the block's estimator (Options.Trace), with fresh noise;
// with req.Regularize the pass also integrates RNODE's kinetic energy and
// Jacobian norm along the flow's time. The backward pass also gives ∂L/∂s
// of a learned end time T = s².
//
// This makes an FFJORD a distributions.Differentiable bijector.
func (b *FFJORD) RecordInverse(y []float64, n int, req bijector.Request) (*bijector.Pass, error) {
	return b.record("RecordInverse", y, n, req, true)
}

// record solves the n rows of y with the log-det from t0 to t1, or from
// t1 back to t0 when inverse, and records the solve for its backward pass:
// RecordForward and RecordInverse, which differ only in the direction.
// The log-det is ∫_{ta}^{tb} tr dt either way, the map's own; the
// penalties are positive along the flow's time whichever way it is solved.
func (b *FFJORD) record(what string, y []float64, n int, req bijector.Request, inverse bool) (*bijector.Pass, error) {
	D := b.dyn.Dim()
	if err := checkRows(what, y, n, D); err != nil {
		return nil, err
	}
	if err := b.syncTime(); err != nil {
		return nil, err
	}
	tr := odefunc.ExactTrace
	if req.Estimate {
		tr = b.trace
	}
	ta, tb := b.t0, b.t1
	if inverse {
		ta, tb = tb, ta
	}
	x, ld, tape, err := b.solveTaped(y, n, ta, tb, b.gradient, req.Regularize, tr, req.Context, req.Training)
	if err != nil {
		return nil, err
	}
	p := &bijector.Pass{X: x, LogDet: ld, Work: []bijector.Work{{Forward: tape.forward.NFE}}}
	sign := func(v []float64) []float64 { return v }
	if inverse {
		// Solved from t1 back to t0, the tape's integrals come out negated.
		sign = negated
	}
	if req.Regularize {
		p.Kinetic, p.Jacobian = sign(tape.Kinetic()), sign(tape.Frobenius())
	}
	np := len(b.dyn.Model().Params())
	p.Backward = func(c bijector.Cotangents, grads [][]float64) ([]float64, error) {
		want := np
		if b.sqrtT != nil {
			want++
		}
		if len(grads) != want {
			return nil, fmt.Errorf("%w: %d gradient slices for the block's %d parameters", ErrInvalidOptions, len(grads), want)
		}
		tc := cotangents{Z: c.X, LogDet: c.LogDet}
		if req.Regularize {
			tc.Kinetic, tc.Frobenius = sign(c.Kinetic), sign(c.Jacobian)
		} else if c.Kinetic != nil || c.Jacobian != nil {
			return nil, fmt.Errorf("%w: penalty cotangents for a pass that did not integrate them", ErrInvalidOptions)
		}
		za, err := b.backward(tape, tc, grads[:np])
		if err != nil {
			return nil, err
		}
		p.ContextGrad = tape.ContextGrad()
		p.Work[0].Backward = tape.backward.NFE
		if b.sqrtT != nil {
			// The inverse solve starts at T = s², the forward one ends
			// there: ∂L/∂s = 2s·∂L/∂T.
			dta, dtb, err := b.timeGradients(tape, tc, za)
			if err != nil {
				return nil, fmt.Errorf("ffjord: end time: %w", err)
			}
			dT := dtb
			if inverse {
				dT = dta
			}
			if len(grads[np]) != 1 {
				return nil, fmt.Errorf("%w: the end time's gradient slice has %d values, want 1", ErrInvalidOptions, len(grads[np]))
			}
			grads[np][0] += 2 * b.sqrtT.Float64s()[0] * dT
		}
		return za, nil
	}
	return p, nil
}

// negated returns −v, or nil for nil.
func negated(v []float64) []float64 {
	if v == nil {
		return nil
	}
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = -x
	}
	return out
}
