package train

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/train/targets"
)

// Target is a density on ℝ^D known up to its normalising constant, as
// reverse-KL training reads it: the log of π̃ and its gradient
// (targets.Target is one, and NewGraphTarget builds one from a Gorgonia
// graph). LogDensityGrad writes ∇log π̃(x) into grad (length D), returns
// log π̃(x) and does not modify x; it is called from one goroutine at a
// time.
type Target interface {
	Dim() int
	LogDensityGrad(grad, x []float64) float64
}

// ReverseKL is variational inference: the flow q is fitted to a target
// known up to its constant, π̃ = Z·π, by minimising the reverse
// Kullback–Leibler divergence through the reparameterisation trick,
//
//	E_z[log q(T(z)) − β·log π̃(T(z))],  z ~ base,
//
// which for β = 1 is KL(q‖π) − log Z. Each step draws Options.BatchSize
// base points from the Trainer's saved stream (so that a resumed training
// draws what it would have), records their sample paths
// (distributions.TransformedDistribution.RecordSample, with the model's
// training estimator) and differentiates them. The model must be a
// *Flow or a TransformedDistribution whose base is a Drawer and whose
// bijector is ForwardDifferentiable; the base's parameters are not trained.
//
// Reverse KL seeks modes: started narrow, q may settle on some of π's modes
// and never find the others. Anneal is the remedy offered: the target is
// raised to a power β ≤ 1 that rises to 1 over the first epochs, so that
// q first spreads over a flattened π̃^β, whose modes are merged.
//
// Run(ctx, nil) trains; there is no data. After each epoch the Trainer
// reports (EpochStats.VI) the ELBO, log Ẑ by importance sampling with its
// standard error, ESS/N and Pareto k̂ of Evaluate fresh draws of q
// against β = 1 (targets.Importance), with the exact log-determinant and
// the evaluation's solver settings.
type ReverseKL struct {
	Target Target
	// Steps is the number of Adam steps in an epoch; 0 means 50.
	Steps int
	// Anneal gives β of each epoch as Anneal(epoch, epochs, 1); nil means
	// β = 1 throughout. AnnealGeometric is one.
	Anneal Schedule
	// Evaluate is the number of draws of each epoch's report; 0 means
	// 4096. It must be at least 25, for the Pareto k̂.
	Evaluate int
}

func (ReverseKL) String() string             { return "reversekl" }
func (ReverseKL) matching() (coupling, bool) { return coupling{}, false }
func (r ReverseKL) steps() int               { return cmp.Or(r.Steps, 50) }
func (r ReverseKL) evaluate() int            { return cmp.Or(r.Evaluate, 4096) }

// AnnealGeometric is β of an annealed reverse-KL fit (ReverseKL.Anneal):
// β0 at epoch 1, rising geometrically to 1 at epoch warm and 1 after it.
func AnnealGeometric(warm int, beta0 float64) Schedule {
	return func(epoch, _ int, base float64) float64 {
		if warm <= 1 || epoch >= warm {
			return base
		}
		frac := float64(epoch-1) / float64(warm-1)
		return base * math.Pow(beta0, 1-frac)
	}
}

// VIStats is the report of an epoch of ReverseKL: the epoch's β and the
// importance-sampling measures of q against π̃ (β = 1) from fresh draws
// (see targets.ImportanceEstimate).
type VIStats struct {
	Beta   float64 `json:"beta"`
	ELBO   float64 `json:"elbo"`
	ELBOSE float64 `json:"elbo_se"`
	LogZ   float64 `json:"log_z"`
	LogZSE float64 `json:"log_z_se"`
	// ESS is ESS/N, Kish's effective sample size over the draws.
	ESS float64 `json:"ess"`
	// ParetoK is k̂ of the weights' tail; 0 when every tail weight is
	// equal (k̂ = −∞, a perfect fit).
	ParetoK float64 `json:"pareto_k"`
}

// recordSampler is a model that draws differentiable samples: a
// TransformedDistribution.
type recordSampler interface {
	RecordSample(n int, src rand.Source, req distributions.Request) (*distributions.SamplePass, error)
}

// variational is a Trainer's ReverseKL: the criterion and its buffers.
type variational struct {
	ReverseKL
	beta float64 // of the running epoch
	grad []float64
}

// newVariational checks that m can be fitted by crit, which is a
// ReverseKL, with opts.
func newVariational(m distributions.Trainable, crit ReverseKL, opts Options) (*variational, error) {
	switch {
	case crit.Target == nil:
		return nil, fmt.Errorf("%w: ReverseKL without a Target", ErrInvalidConfig)
	case crit.Target.Dim() != m.Dim():
		return nil, fmt.Errorf("%w: ReverseKL's target is in %d dimensions, the model in %d", ErrInvalidConfig, crit.Target.Dim(), m.Dim())
	case crit.Steps < 0:
		return nil, fmt.Errorf("%w: ReverseKL Steps = %d, want ≥ 1 (0: 50)", ErrInvalidConfig, crit.Steps)
	case crit.Evaluate != 0 && crit.Evaluate < 25:
		return nil, fmt.Errorf("%w: ReverseKL Evaluate = %d, want ≥ 25 (0: 4096)", ErrInvalidConfig, crit.Evaluate)
	case opts.Validation != nil || opts.ValidateStart:
		return nil, fmt.Errorf("%w: ReverseKL has no data to validate on", ErrInvalidConfig)
	case contextDimOf(m) > 0:
		return nil, fmt.Errorf("%w: ReverseKL fits an unconditional flow; the model reads a context", ErrInvalidConfig)
	}
	if _, ok := m.(recordSampler); !ok {
		return nil, fmt.Errorf("%w: ReverseKL draws from the model, and a %T cannot record a draw (it is not a TransformedDistribution)", ErrInvalidConfig, m)
	}
	return &variational{ReverseKL: crit, grad: make([]float64, m.Dim())}, nil
}

// loss draws n points of q with draws, stores in g (zeroed first) the
// gradient of the epoch's objective, the mean of log q − β·log π̃ plus the
// weighted regularisers, and returns it.
func (v *variational) loss(m distributions.Trainable, n int, draws rand.Source, reg Regularization, g Grads) (Loss, Cost, error) {
	for _, gi := range g {
		clear(gi)
	}
	p, err := m.(recordSampler).RecordSample(n, draws, distributions.Request{Estimate: true, Regularize: reg.active(), Training: true})
	if err != nil {
		return Loss{}, Cost{}, fmt.Errorf("train: %w", err)
	}
	D := m.Dim()
	c := distributions.Cotangents{X: make([]float64, n*D), LogDet: make([]float64, n)}
	var loss Loss
	for r := range n {
		lp := v.Target.LogDensityGrad(v.grad, p.X[r*D:(r+1)*D])
		loss.ReverseKL += (p.LogProb[r] - v.beta*lp) / float64(n)
		for i, gv := range v.grad {
			c.X[r*D+i] = -v.beta * gv / float64(n)
		}
		c.LogDet[r] = 1 / float64(n)
	}
	reg.penalize(&loss, &c, p.Penalties, n)
	loss.Total = loss.ReverseKL + reg.Kinetic*loss.Kinetic + reg.Jacobian*loss.Jacobian
	cost := Cost{ForwardNFE: make([]int, len(p.Work)), BackwardNFE: make([]int, len(p.Work))}
	if math.IsNaN(loss.Total) || math.IsInf(loss.Total, 0) {
		return loss, cost, fmt.Errorf("%w: reverse-KL objective %g", ErrDiverged, loss.Total)
	}
	_, err = p.Backward(c, g)
	for k, w := range p.Work {
		cost.ForwardNFE[k], cost.BackwardNFE[k] = w.Forward, w.Backward
	}
	if err != nil {
		return Loss{}, cost, fmt.Errorf("train: backward: %w", err)
	}
	return loss, cost, nil
}

// report draws Evaluate points of q (the stream fixed by the seed and the
// epoch, so that a resumed training reports the same) and returns the
// importance-sampling measures against π̃.
func (v *variational) report(m distributions.Trainable, seed uint64, epoch int) (VIStats, error) {
	n := v.evaluate()
	p, err := m.(recordSampler).RecordSample(n, rand.NewPCG(seed^0x6a09e667f3bcc909, uint64(epoch)), distributions.Request{})
	if err != nil {
		return VIStats{}, fmt.Errorf("train: report: %w", err)
	}
	D := m.Dim()
	lp := make([]float64, n)
	for r := range n {
		lp[r] = v.Target.LogDensityGrad(v.grad, p.X[r*D:(r+1)*D])
	}
	e, err := targets.Importance(p.LogProb, lp)
	if err != nil {
		return VIStats{}, fmt.Errorf("train: report: %w", err)
	}
	s := VIStats{Beta: v.beta, ELBO: e.ELBO, ELBOSE: e.ELBOSE, LogZ: e.LogZ, LogZSE: e.LogZSE, ESS: e.ESSFraction, ParetoK: e.ParetoK}
	if math.IsInf(s.ParetoK, -1) {
		s.ParetoK = 0
	}
	for _, x := range []float64{s.ELBO, s.ELBOSE, s.LogZ, s.LogZSE, s.ESS, s.ParetoK} {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return s, fmt.Errorf("%w: report %+v", ErrDiverged, s)
		}
	}
	return s, nil
}

// runVariational is Run for ReverseKL: epochs of Steps Adam steps, each
// on BatchSize fresh draws, then the epoch's report.
func (t *Trainer) runVariational(ctx context.Context) error {
	grads := NewGrads(t.model)
	bar := newProgress(t.opts.Progress)
	steps := t.vi.steps()
	for t.epoch < t.opts.Epochs {
		epoch := t.epoch + 1
		lr, err := t.epochRate(epoch)
		if err != nil {
			return err
		}
		t.vi.beta = 1
		if t.vi.Anneal != nil {
			t.vi.beta = t.vi.Anneal(epoch, t.opts.Epochs, 1)
			if !(t.vi.beta > 0 && t.vi.beta <= 1) {
				return fmt.Errorf("%w: epoch %d: Anneal gave β = %g, want 0 < β ≤ 1", ErrInvalidConfig, epoch, t.vi.beta)
			}
		}
		start := time.Now()
		stats := EpochStats{Epoch: epoch, LearningRate: lr, Objective: t.opts.Objective.String()}
		for b := range steps {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("train: stopped in epoch %d, step %d: %w", epoch, b+1, err)
			}
			loss, cost, err := t.step(nil, nil, nil, nil, grads)
			if err != nil {
				return fmt.Errorf("train: epoch %d, step %d: %w", epoch, b+1, err)
			}
			stats.addStep(loss.ReverseKL, loss, cost, steps)
			bar.batch(epoch, t.opts.Epochs, b+1, steps, loss.ReverseKL, cost, time.Since(start))
		}
		var vs VIStats
		if err := t.use(func(m distributions.Trainable) (err error) {
			vs, err = t.vi.report(m, t.opts.Seed, epoch)
			return err
		}); err != nil {
			return fmt.Errorf("train: epoch %d: %w", epoch, err)
		}
		stats.VI = &vs
		stop, err := t.endEpoch(stats, start, bar)
		if err != nil {
			return err
		}
		if stop {
			break
		}
	}
	return nil
}
