package distributions

// ForwardDifferentiable is a Differentiable bijector whose forward pass
// can be recorded too: the sample path x = T(z) of a reparameterised draw,
// what variational inference differentiates. FFJORD blocks, Affine,
// AffineTriL and Chains of them are; Sigmoid and MixtureCDF are not.
type ForwardDifferentiable interface {
	Differentiable
	// RecordForward maps the n rows of the row-major z through the
	// bijector, as ForwardWithLogDet, and records the pass: its X is
	// T(z), its LogDet log|det ∂T/∂z| and its Backward returns ∂L/∂z.
	RecordForward(z []float64, n int, req Request) (*Pass, error)
}

// RecordForward records the chain's forward pass: c[len(c)−1] first, as
// Forward. Every bijector must be ForwardDifferentiable; the pass's
// log-determinant and penalties are the sums over the bijectors.
func (c Chain) RecordForward(z []float64, n int, req Request) (*Pass, error) {
	return c.record(z, n, req, true)
}
