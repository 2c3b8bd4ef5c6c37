package train

import (
	"fmt"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/internal/batch"
)

// Grads holds ∂L/∂θ for every parameter of a model, in Params order.
type Grads [][]float64

// NewGrads returns zeroed gradients shaped like m's parameters.
func NewGrads(m distributions.Trainable) Grads {
	ps := m.Params()
	g := make(Grads, len(ps))
	for i, p := range ps {
		g[i] = make([]float64, p.Shape().TotalSize())
	}
	return g
}

// Cost reports the solver work of one loss evaluation, per continuous
// block, in the order the blocks are applied when sampling.
type Cost struct {
	ForwardNFE  []int // evaluations of the dynamics in each block's solve
	BackwardNFE []int // evaluations of vector–Jacobian products (and replayed stages)
}

// Regularization weights the RNODE terms (Finlay et al., 2020) in the
// training objective; the zero value trains on the likelihood alone.
type Regularization struct {
	Kinetic  float64 // λ_K, the weight of Σ_k ∫ ‖f_k‖² dt
	Jacobian float64 // λ_J, the weight of Σ_k ∫ ‖∂f_k/∂z‖²_F dt
}

func (r Regularization) active() bool { return r.Kinetic != 0 || r.Jacobian != 0 }

// penalize sets, when r is active, the mean penalties of a pass of n rows
// in loss and their cotangents, the weights over n, in c.
func (r Regularization) penalize(loss *Loss, c *distributions.Cotangents, p distributions.Penalties, n int) {
	if !r.active() {
		return
	}
	loss.Kinetic, loss.Jacobian = mean(p.Kinetic), mean(p.Jacobian)
	c.Kinetic, c.Jacobian = make([]float64, n), make([]float64, n)
	for i := range n {
		c.Kinetic[i] = r.Kinetic / float64(n)
		c.Jacobian[i] = r.Jacobian / float64(n)
	}
}

// Loss is the value of the training objective on a batch, by part. The
// regularisers are reported apart so that the likelihood stays exact.
type Loss struct {
	NLL      float64 // mean negative log-likelihood
	Kinetic  float64 // mean over the points of Σ_k ∫ ‖f_k‖² dt
	Jacobian float64 // mean over the points of Σ_k ∫ ‖∂f_k/∂z‖²_F dt
	// Matching is the flow-matching loss, the mean of ‖v − u‖² over the
	// points (CFM, OTCFM); NLL is then not computed and is zero.
	Matching float64
	// ReverseKL is the mean of log q − β·log π̃ over ReverseKL's draws;
	// NLL is then not computed and is zero.
	ReverseKL float64
	Total     float64 // NLL + λ_K·Kinetic + λ_J·Jacobian, or Matching, or ReverseKL + the same

}

// Objective returns the training objective of m on the n rows of the
// row-major batch x — the mean negative log-likelihood plus the weighted
// regularisers — and stores the gradient of its Total in g (which it zeroes
// first). It is one recorded pass of m's log-density (with m's training
// estimator) and its backward pass, both in one turn of a Shared model (a
// *Flow).
func Objective(m distributions.Trainable, x []float64, n int, reg Regularization, g Grads) (Loss, Cost, error) {
	return ObjectiveContext(m, x, nil, n, reg, g)
}

// ObjectiveContext is Objective of a conditional model: the mean of
// −log p(x | c) over the n rows of x (N×D) and their contexts c (N×C, nil
// for an unconditional model), plus the weighted regularisers.
func ObjectiveContext(m distributions.Trainable, x, c []float64, n int, reg Regularization, g Grads) (Loss, Cost, error) {
	if m == nil {
		return Loss{}, Cost{}, fmt.Errorf("%w: nil model", ErrInvalidConfig)
	}
	if sh, ok := m.(Shared); ok {
		var loss Loss
		var cost Cost
		err := sh.Use(func(d *distributions.TransformedDistribution) (err error) {
			loss, cost, err = objectiveContext(d, x, c, n, reg, g)
			return err
		})
		return loss, cost, err
	}
	return objectiveContext(m, x, c, n, reg, g)
}

func objectiveContext(m distributions.Trainable, x, c []float64, n int, reg Regularization, g Grads) (Loss, Cost, error) {
	if cd, ok := m.(interface{ ContextDim() int }); c != nil && (!ok || cd.ContextDim() == 0) {
		return Loss{}, Cost{}, fmt.Errorf("%w: a context of %d values for a model that reads none", ErrInvalidConfig, len(c))
	}
	return objective(m, x, c, n, reg, g)
}

func objective(m distributions.Trainable, x, context []float64, n int, reg Regularization, g Grads) (Loss, Cost, error) {
	D := m.Dim()
	if n <= 0 || len(x) != n*D {
		return Loss{}, Cost{}, fmt.Errorf("%w: batch of %d values is not %d×%d", batch.ErrShape, len(x), n, D)
	}
	ps := m.Params()
	if len(g) != len(ps) {
		return Loss{}, Cost{}, fmt.Errorf("%w: %d gradient slices for %d parameters", ErrInvalidConfig, len(g), len(ps))
	}
	for i, p := range ps {
		if len(g[i]) != p.Shape().TotalSize() {
			return Loss{}, Cost{}, fmt.Errorf("%w: gradient %d has %d values, want %d", ErrInvalidConfig, i, len(g[i]), p.Shape().TotalSize())
		}
		clear(g[i])
	}
	pass, err := m.RecordLogProb(x, n, distributions.Request{Estimate: true, Regularize: reg.active(), Context: context, Training: true})
	if err != nil {
		return Loss{}, Cost{}, fmt.Errorf("train: %w", err)
	}
	var loss Loss
	for _, v := range pass.LogProb {
		loss.NLL -= v
	}
	loss.NLL /= float64(n)
	c := distributions.Cotangents{LogDet: make([]float64, n)}
	for r := range c.LogDet {
		c.LogDet[r] = -1 / float64(n)
	}
	reg.penalize(&loss, &c, pass.Penalties, n)
	loss.Total = loss.NLL + reg.Kinetic*loss.Kinetic + reg.Jacobian*loss.Jacobian
	_, err = pass.Backward(c, g)
	cost := Cost{ForwardNFE: make([]int, len(pass.Work)), BackwardNFE: make([]int, len(pass.Work))}
	for k, w := range pass.Work {
		cost.ForwardNFE[k], cost.BackwardNFE[k] = w.Forward, w.Backward
	}
	if err != nil {
		return Loss{}, cost, fmt.Errorf("train: backward: %w", err)
	}
	return loss, cost, nil
}

// mean returns the mean of v, 0 for nil.
func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	if len(v) == 0 {
		return 0
	}
	return s / float64(len(v))
}
