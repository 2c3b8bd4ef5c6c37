package train

import (
	"fmt"

	"github.com/ffjord-go/ffjord-go/ffjord"
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

// LossAndGrad returns the mean negative log-likelihood of the n rows of the
// row-major batch x and stores its gradient in g (which it zeroes first).
func (f *Flow) LossAndGrad(x []float64, n int, mode ffjord.GradientMode, g Grads) (float64, Cost, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	D := f.Config.Dim
	if n <= 0 || len(x) != n*D {
		return 0, Cost{}, fmt.Errorf("%w: batch of %d values is not %d×%d", batch.ErrShape, len(x), n, D)
	}
	if err := batch.CheckFinite(x, D); err != nil {
		return 0, Cost{}, err
	}
	for _, gi := range g {
		clear(gi)
	}
	K := len(f.Blocks)
	cost := Cost{ForwardNFE: make([]int, K), BackwardNFE: make([]int, K)}
	tapes := make([]*ffjord.Tape, K)
	t0, t1 := f.Config.T0, f.Config.T1

	// Pull x back to the base: the last block first, from t1 to t0.
	z := x
	logp := make([]float64, n)
	for k := K - 1; k >= 0; k-- {
		var ld []float64
		var err error
		z, ld, tapes[k], err = f.Blocks[k].SolveTaped(z, n, t1, t0, mode, false)
		if err != nil {
			return 0, cost, fmt.Errorf("train: block %d: %w", k, err)
		}
		cost.ForwardNFE[k] = f.Blocks[k].Stats().NFE
		for r := range logp {
			logp[r] += ld[r]
		}
	}
	base := make([]float64, n)
	f.Base.LogProbTo(base, z)
	loss := 0.0
	for r := range logp {
		loss -= logp[r] + base[r]
	}
	loss /= float64(n)

	// ∂L/∂z at the base and ∂L/∂ℓ of every block.
	mean, std := f.Config.BaseMean, f.Config.BaseStd
	az := make([]float64, n*D)
	for i, v := range z {
		j := i % D
		az[i] = (v - mean[j]) / (std[j] * std[j] * float64(n))
	}
	cl := make([]float64, n)
	for r := range cl {
		cl[r] = -1 / float64(n)
	}
	off := 0
	for k := range K {
		np := len(f.Nets[k].Params())
		var err error
		az, err = f.Blocks[k].Backward(tapes[k], ffjord.Cotangents{Z: az, LogDet: cl}, g[off:off+np])
		if err != nil {
			return 0, cost, fmt.Errorf("train: block %d backward: %w", k, err)
		}
		cost.BackwardNFE[k] = f.Blocks[k].BackwardStats().NFE
		off += np
	}
	return loss, cost, nil
}
