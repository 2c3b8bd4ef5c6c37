package distributions

import (
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/ffjord/bijector"
	"gorgonia.org/tensor"
)

// The vocabulary of recorded passes, defined in package bijector so that
// the ffjord package, below this one, speaks it too.
type (
	// Request says what a recorded pass computes; see bijector.Request.
	Request = bijector.Request
	// Work is the solver work of one continuous block of a pass.
	Work = bijector.Work
	// Penalties are per-row regularisers of a pass.
	Penalties = bijector.Penalties
	// Cotangents are the derivatives of a loss with respect to a pass's
	// outputs.
	Cotangents = bijector.Cotangents
	// Pass is a recorded inverse pass of a Differentiable bijector.
	Pass = bijector.Pass
)

// Differentiable is a Bijector whose inverse pass with log-determinant can
// be recorded and later differentiated with respect to its input and its
// parameters: what training by maximum likelihood needs.
type Differentiable interface {
	Bijector
	// Params returns the learnable tensors, in a fixed order. Optimisers
	// update them in place; they must not be replaced.
	Params() []*tensor.Dense
	// RecordInverse maps the n rows of the row-major y through the
	// inverse, as InverseWithLogDet, and records the pass.
	RecordInverse(y []float64, n int, req Request) (*Pass, error)
}

// DensityPass is a recorded evaluation of log p on a batch.
type DensityPass struct {
	// LogProb is log p(x) per row (with Request.Estimate, possibly an
	// unbiased estimate).
	LogProb []float64
	// Penalties holds the regularisers, when requested.
	Penalties
	// Work lists the solver work of each continuous block.
	Work []Work
	// Backward takes per-row cotangents of LogProb (c.LogDet) and of the
	// penalties (c.X is ignored), returns ∂L/∂x and adds ∂L/∂θ to grads,
	// one slice per parameter of the distribution's Params.
	Backward func(c Cotangents, grads [][]float64) ([]float64, error)
	// ContextGrad is ∂L/∂context (N×C) once Backward has run, for a pass
	// given a Request.Context.
	ContextGrad []float64
}

// Trainable is a distribution whose log-density can be recorded and
// differentiated with respect to its parameters: what a trainer fits.
// TransformedDistribution is one when its base and bijector are
// differentiable.
type Trainable interface {
	Distribution
	Params() []*tensor.Dense
	// RecordLogProb evaluates log p on the n rows of the row-major x and
	// records the pass.
	RecordLogProb(x []float64, n int, req Request) (*DensityPass, error)
}

// DifferentiableBase is a base distribution that gives the gradient of its
// log-density.
type DifferentiableBase interface {
	Distribution
	// Params returns the learnable tensors (none for a fixed base).
	Params() []*tensor.Dense
	// LogProbTo writes log p of each row of the row-major z into dst,
	// without checking its arguments.
	LogProbTo(dst, z []float64)
	// LogProbBackward takes the n rows of z and the cotangent w of each
	// row's log-density, writes Σ_r w_r ∂log p(z_r)/∂z into zbar (n×D)
	// and adds Σ_r w_r ∂log p(z_r)/∂θ to grads (one slice per Params
	// entry). It does not check its arguments.
	LogProbBackward(zbar, z, w []float64, grads [][]float64)
}

// Drawer is a distribution that draws points with a caller's generator,
// so that a trainer's saved random stream fixes them (flow matching draws
// its base points this way).
type Drawer interface {
	// Draw writes len(dst)/D points, row-major, drawn with r.
	Draw(dst []float64, r *rand.Rand)
}
