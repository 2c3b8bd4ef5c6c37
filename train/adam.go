package train

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Adam applies Gorgonia's AdamSolver to a Flow's parameters through its
// Solver and ValueGrad interfaces, updating the tensors in place.
//
// Gorgonia keeps Adam's moments and step count unexported; State and Restore
// reach them so that checkpoints can resume training exactly. They rely on
// the field layout of gorgonia v0.9.18's AdamSolver and are checked by a test
// that a resumed run matches an uninterrupted one bit for bit.
//
// With a weight decay λ (SetWeightDecay) it is AdamW (Loshchilov & Hutter,
// 2019): each step first shrinks every parameter, θ ← θ − η·λ·θ with the
// current learning rate η, then takes Adam's step, so the decay does not
// pass through the moments as an L2 penalty in the gradient would.
type Adam struct {
	solver *G.AdamSolver
	params []*valueGrad
	lr     float64
	decay  float64 // λ of the decoupled weight decay; 0: plain Adam
}

// valueGrad pairs a parameter with its gradient for Gorgonia's solvers.
type valueGrad struct {
	value, grad *tensor.Dense
}

func (v *valueGrad) Value() G.Value         { return v.value }
func (v *valueGrad) Grad() (G.Value, error) { return v.grad, nil }
func (a *Adam) valueGrads() (vg []G.ValueGrad) {
	for _, p := range a.params {
		vg = append(vg, p)
	}
	return vg
}

// NewAdam returns Adam with learning rate lr over params, Gorgonia's
// defaults otherwise (β₁ 0.9, β₂ 0.999, ε 1e-8).
func NewAdam(params []*tensor.Dense, lr float64) (*Adam, error) {
	if !(lr > 0) {
		return nil, fmt.Errorf("%w: learning rate %g, want > 0", ErrInvalidConfig, lr)
	}
	a := &Adam{solver: G.NewAdamSolver(G.WithLearnRate(lr)), lr: lr}
	for _, p := range params {
		a.params = append(a.params, &valueGrad{value: p, grad: tensor.New(tensor.WithShape(p.Shape().Clone()...), tensor.Of(tensor.Float64))})
	}
	return a, nil
}

// LearningRate returns the current learning rate.
func (a *Adam) LearningRate() float64 { return a.lr }

// SetLearningRate changes the learning rate from the next step on.
func (a *Adam) SetLearningRate(lr float64) {
	G.WithLearnRate(lr)(a.solver)
	a.lr = lr
}

// WeightDecay returns λ, the decoupled weight decay (0: none).
func (a *Adam) WeightDecay() float64 { return a.decay }

// SetWeightDecay sets λ, the decoupled weight decay of every parameter from
// the next step on; it must be finite and ≥ 0, and 0 is plain Adam.
func (a *Adam) SetWeightDecay(wd float64) error {
	if !(wd >= 0) || math.IsInf(wd, 0) {
		return fmt.Errorf("%w: weight decay %g, want finite and ≥ 0", ErrInvalidConfig, wd)
	}
	a.decay = wd
	return nil
}

// Step applies one Adam update with the gradients g (in Params order).
func (a *Adam) Step(g Grads) error {
	if len(g) != len(a.params) {
		return fmt.Errorf("train: Adam.Step got %d gradients for %d parameters", len(g), len(a.params))
	}
	for i, p := range a.params {
		if len(g[i]) != p.grad.Shape().TotalSize() {
			return fmt.Errorf("train: Adam.Step: gradient %d has %d values for a parameter of %d", i, len(g[i]), p.grad.Shape().TotalSize())
		}
	}
	for i, p := range a.params {
		copy(p.grad.Float64s(), g[i])
	}
	if a.decay != 0 {
		// Adam's update does not read θ, so shrinking first is AdamW's
		// θ − η·λ·θ − η·m̂/(√v̂ + ε).
		s := a.lr * a.decay
		for _, p := range a.params {
			v := p.value.Float64s()
			for j := range v {
				v[j] -= s * v[j]
			}
		}
	}
	if err := a.solver.Step(a.valueGrads()); err != nil {
		return fmt.Errorf("train: Adam step: %w", err)
	}
	return nil
}

// AdamState is Adam's memory: the step count and the first and second
// moment estimates of every parameter.
type AdamState struct {
	Step int         `json:"step"`
	M    [][]float64 `json:"m"`
	V    [][]float64 `json:"v"`
}

// State returns a copy of Adam's memory.
func (a *Adam) State() (AdamState, error) {
	mem, err := adamMemoryOf(a.solver)
	if err != nil {
		return AdamState{}, err
	}
	if *mem.iter == 0 {
		return AdamState{}, nil
	}
	st := AdamState{Step: *mem.iter}
	for i := range a.params {
		m, v, err := mem.moments(i)
		if err != nil {
			return AdamState{}, err
		}
		st.M = append(st.M, append([]float64(nil), m...))
		st.V = append(st.V, append([]float64(nil), v...))
	}
	return st, nil
}

// Restore sets Adam's memory to st, as saved by State from an Adam over
// parameters of the same shapes; a step 0 (a new Adam's state) forgets
// the moments. It leaves the parameters as they are, and Adam as it was
// when st does not fit: moments of other sizes, a first moment that is
// not finite or a second one that is not finite and ≥ 0.
func (a *Adam) Restore(st AdamState) error {
	if err := a.check(st); err != nil {
		return err
	}
	mem, err := adamMemoryOf(a.solver)
	if err != nil {
		return err
	}
	if st.Step == 0 {
		if *mem.iter == 0 {
			return nil
		}
		for i := range a.params {
			m, v, err := mem.moments(i)
			if err != nil {
				return err
			}
			clear(m)
			clear(v)
		}
		*mem.iter = 0
		return nil
	}
	// A step with zero gradients creates the moment cache; it would move
	// the parameters by the moments already there (a second Restore, or
	// one after training), so they are put back.
	own := make([][]float64, len(a.params))
	for i, p := range a.params {
		p.grad.Zero()
		own[i] = append([]float64(nil), p.value.Float64s()...)
	}
	err = a.solver.Step(a.valueGrads())
	for i, p := range a.params {
		copy(p.value.Float64s(), own[i])
	}
	if err != nil {
		return fmt.Errorf("train: Adam restore: %w", err)
	}
	for i := range a.params {
		m, v, err := mem.moments(i)
		if err != nil {
			return err
		}
		copy(m, st.M[i])
		copy(v, st.V[i])
	}
	*mem.iter = st.Step
	return nil
}

// check returns an error if Restore cannot restore st.
func (a *Adam) check(st AdamState) error {
	if st.Step == 0 {
		return nil
	}
	if st.Step < 0 || len(st.M) != len(a.params) || len(st.V) != len(a.params) {
		return fmt.Errorf("train: Adam state has step %d and %d/%d moments for %d parameters", st.Step, len(st.M), len(st.V), len(a.params))
	}
	for i, p := range a.params {
		n := p.value.Shape().TotalSize()
		if len(st.M[i]) != n || len(st.V[i]) != n {
			return fmt.Errorf("train: Adam moments of parameter %d have %d/%d values, want %d", i, len(st.M[i]), len(st.V[i]), n)
		}
		for j := range n {
			if m, v := st.M[i][j], st.V[i][j]; math.IsNaN(m) || math.IsInf(m, 0) || !(v >= 0) || math.IsInf(v, 0) {
				return fmt.Errorf("train: Adam moments of parameter %d: value %d has first moment %g and second %g, want finite and a second ≥ 0", i, j, m, v)
			}
		}
	}
	return nil
}
