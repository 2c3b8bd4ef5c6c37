package train

import (
	"fmt"

	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/internal/batch"
)

// Grads holds ∂L/∂θ for every parameter of a Flow, in Params order.
type Grads [][]float64

// NewGrads returns zeroed gradients shaped like f's parameters.
func (f *Flow) NewGrads() Grads {
	ps := f.Params()
	g := make(Grads, len(ps))
	for i, p := range ps {
		g[i] = make([]float64, p.Shape().TotalSize())
	}
	return g
}

// Cost reports the solver work of one loss evaluation, per block.
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

// Loss is the value of the training objective on a batch, by part. The
// regularisers are reported apart so that the likelihood stays exact.
type Loss struct {
	NLL      float64 // mean negative log-likelihood
	Kinetic  float64 // mean over the points of Σ_k ∫ ‖f_k‖² dt
	Jacobian float64 // mean over the points of Σ_k ∫ ‖∂f_k/∂z‖²_F dt
	Total    float64 // NLL + λ_K·Kinetic + λ_J·Jacobian
}

// LossAndGrad returns the mean negative log-likelihood of the n rows of the
// row-major batch x and stores its gradient in g (which it zeroes first).
func (f *Flow) LossAndGrad(x []float64, n int, mode ode.Gradient, g Grads) (float64, Cost, error) {
	l, cost, err := f.Objective(x, n, mode, Regularization{}, g)
	return l.NLL, cost, err
}

// Objective returns the training objective of the n rows of the row-major
// batch x, the mean NLL plus the weighted regularisers, and stores the
// gradient of its Total in g (which it zeroes first).
func (f *Flow) Objective(x []float64, n int, mode ode.Gradient, reg Regularization, g Grads) (Loss, Cost, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	D := f.Config.Dim
	if n <= 0 || len(x) != n*D {
		return Loss{}, Cost{}, fmt.Errorf("%w: batch of %d values is not %d×%d", batch.ErrShape, len(x), n, D)
	}
	if err := batch.CheckFinite(x, D); err != nil {
		return Loss{}, Cost{}, err
	}
	for _, gi := range g {
		clear(gi)
	}
	K := len(f.Blocks)
	cost := Cost{ForwardNFE: make([]int, K), BackwardNFE: make([]int, K)}
	tapes := make([]*ffjord.Tape, K)
	if err := f.syncTimes(); err != nil {
		return Loss{}, Cost{}, err
	}
	var loss Loss

	// Pull x back to the base: the last block first, from t1 to t0.
	z := x
	logp := make([]float64, n)
	for k := K - 1; k >= 0; k-- {
		var ld []float64
		var err error
		t0, t1 := f.Blocks[k].Times()
		z, ld, tapes[k], err = f.Blocks[k].SolveTaped(z, n, t1, t0, mode, reg.active())
		if err != nil {
			return Loss{}, cost, fmt.Errorf("train: block %d: %w", k, err)
		}
		cost.ForwardNFE[k] = f.Blocks[k].Stats().NFE
		for r := range logp {
			logp[r] += ld[r]
		}
		if reg.active() {
			// Solved from t1 back to t0, the integrals come out negated.
			for r := range n {
				loss.Kinetic -= tapes[k].Kinetic()[r] / float64(n)
				loss.Jacobian -= tapes[k].Frobenius()[r] / float64(n)
			}
		}
	}
	base := make([]float64, n)
	f.Base.LogProbTo(base, z)
	for r := range logp {
		loss.NLL -= logp[r] + base[r]
	}
	loss.NLL /= float64(n)
	loss.Total = loss.NLL + reg.Kinetic*loss.Kinetic + reg.Jacobian*loss.Jacobian

	// ∂Total/∂z at the base, and ∂Total/∂ℓ, ∂Total/∂E, ∂Total/∂F of every
	// block.
	mean, std := f.Config.BaseMean, f.Config.BaseStd
	c := ffjord.Cotangents{Z: make([]float64, n*D), LogDet: make([]float64, n)}
	for i, v := range z {
		j := i % D
		c.Z[i] = (v - mean[j]) / (std[j] * std[j] * float64(n))
	}
	for r := range c.LogDet {
		c.LogDet[r] = -1 / float64(n)
	}
	if reg.active() {
		c.Kinetic, c.Frobenius = make([]float64, n), make([]float64, n)
		for r := range n {
			c.Kinetic[r] = -reg.Kinetic / float64(n)
			c.Frobenius[r] = -reg.Jacobian / float64(n)
		}
	}
	off := 0
	for k := range K {
		np := len(f.Nets[k].Params())
		za, err := f.Blocks[k].Backward(tapes[k], c, g[off:off+np])
		if err != nil {
			return Loss{}, cost, fmt.Errorf("train: block %d backward: %w", k, err)
		}
		cost.BackwardNFE[k] = f.Blocks[k].BackwardStats().NFE
		if f.sqrtT != nil {
			// The inverse solve starts at T = s²: ∂L/∂s = 2s·∂L/∂T.
			dT, _, err := f.Blocks[k].TimeGradients(tapes[k], c, za)
			if err != nil {
				return Loss{}, cost, fmt.Errorf("train: block %d end time: %w", k, err)
			}
			g[len(g)-K+k][0] = 2 * f.sqrtT[k].Float64s()[0] * dT
		}
		c.Z = za
		off += np
	}
	return loss, cost, nil
}
