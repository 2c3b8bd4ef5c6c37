// Package bijector holds the vocabulary of a recorded, differentiable pass
// through a bijector: what a pass is asked for (Request), what it returns
// (Pass) and what its backward pass takes (Cotangents). It sits below the
// ffjord and distributions packages so that both speak it; users meet the
// same types as distributions.Request, distributions.Pass and so on.
package bijector

// Request says what a recorded pass computes besides the map and its
// log-determinant. It is chosen per call, so that one model is trained
// with one estimator and evaluated with another without changing state.
// The zero value asks for the exact log-determinant and no regularisers.
type Request struct {
	// Estimate lets a bijector whose log-determinant is costly use its
	// stochastic estimator (an FFJORD block's Hutchinson trace, when it
	// was configured with one) instead of the exact value.
	Estimate bool
	// Regularize asks bijectors that have regularisers (an FFJORD block's
	// RNODE kinetic energy and Jacobian norm) to integrate them.
	Regularize bool
	// Training marks a pass of training, to be differentiated: an FFJORD
	// block then solves with the settings of training (by default the
	// tutorial's whole-batch error norm at rtol 1e-3, atol 1e-5) instead
	// of those of evaluation (per row, at rtol 1e-5, atol 1e-7).
	Training bool
	// Context is the context of a conditional flow, N×C row-major (row r
	// the context of point r); nil for an unconditional one. Bijectors
	// that read no context ignore it.
	Context []float64
}

// Work is the solver work of one continuous block of a pass: evaluations
// of the dynamics in the forward solve, and in the backward pass (adjoint
// solve or discrete replay) once Backward has run.
type Work struct {
	Forward, Backward int
}

// Penalties are per-row regularisers that a pass integrates beside the
// log-determinant when asked (Request.Regularize): RNODE's kinetic energy
// ∫‖f‖² dt and Jacobian norm ∫‖∂f/∂z‖²_F dt (Finlay et al., 2020), summed
// over the blocks that have them, positive along the flow's time. Nil
// slices mean no bijector of the pass has them.
type Penalties struct {
	Kinetic, Jacobian []float64
}

// Cotangents are the derivatives of a loss L with respect to the outputs
// of a pass: the points (N×D, row-major), and per row the log-determinant
// (or log-density) and the penalties. A nil slice means zero.
type Cotangents struct {
	X                 []float64
	LogDet            []float64
	Kinetic, Jacobian []float64
}

// Pass is a recorded inverse pass y → x = T⁻¹(y) of a Differentiable
// bijector, or a recorded forward pass z → x = T(z) (RecordForward), with
// what its backward pass needs. The fields below name the inverse pass's
// quantities; a forward pass holds T(z), log|det ∂T/∂z| and returns ∂L/∂z.
type Pass struct {
	// X is T⁻¹(y), N×D row-major.
	X []float64
	// LogDet is log|det ∂T⁻¹/∂y| per row.
	LogDet []float64
	// Penalties holds the regularisers, when requested.
	Penalties
	// Work lists the solver work of each continuous block, in the order
	// the blocks are applied by Forward; empty for bijectors without a
	// solver.
	Work []Work
	// Backward takes the cotangents of X, LogDet and the penalties,
	// returns ∂L/∂y (N×D) and adds ∂L/∂θ to grads, one slice per
	// parameter of the bijector's Params, shaped like it. It updates the
	// Backward counts of Work and, for a pass with a context, sets
	// ContextGrad. It may be called once.
	Backward func(c Cotangents, grads [][]float64) ([]float64, error)
	// ContextGrad is ∂L/∂context (N×C) once Backward has run, for a pass
	// given a Request.Context; nil for bijectors that read none.
	ContextGrad []float64
}
