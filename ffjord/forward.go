package ffjord

import "github.com/ffjord-go/ffjord-go/ffjord/bijector"

// RecordForward solves the n rows of the row-major z from t0 to t1 with
// the log-det, as ForwardWithLogDet, and records the solve for its backward
// pass: the sample path x = T(z | c) of a reparameterised draw, with
// LogDet = log|det ∂T/∂z| = ∫_{t0}^{t1} tr(∂f/∂z) dt. It is RecordInverse's
// solve run the other way, with the same Request, the same adjoint or
// discrete gradients, whole-batch or per-row step control alike: Backward
// takes the cotangents of X and LogDet, returns ∂L/∂z, adds ∂L/∂θ (and
// ∂L/∂s of a learned end time) and sets ContextGrad.
func (b *FFJORD) RecordForward(z []float64, n int, req bijector.Request) (*bijector.Pass, error) {
	return b.record("RecordForward", z, n, req, false)
}
