package train

import (
	"fmt"
	"reflect"
	"unsafe"

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
type Adam struct {
	solver *G.AdamSolver
	params []*valueGrad
	lr     float64
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

// Step applies one Adam update with the gradients g (in Params order).
func (a *Adam) Step(g Grads) error {
	if len(g) != len(a.params) {
		return fmt.Errorf("train: Adam.Step got %d gradients for %d parameters", len(g), len(a.params))
	}
	for i, p := range a.params {
		copy(p.grad.Float64s(), g[i])
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

// adamFields exposes the AdamSolver's unexported step count and moment cache.
func (a *Adam) adamFields() (iter *int, cache reflect.Value) {
	s := reflect.ValueOf(a.solver).Elem()
	it := s.FieldByName("iter")
	c := s.FieldByName("cache")
	iter = (*int)(unsafe.Pointer(it.UnsafeAddr()))
	cache = reflect.NewAt(c.Type(), unsafe.Pointer(c.UnsafeAddr())).Elem()
	return iter, cache
}

// moments returns the tensors holding the mean and variance of parameter i.
func moments(cache reflect.Value, i int) (m, v *tensor.Dense, ok bool) {
	dv := cache.Index(i)
	if dv.IsNil() {
		return nil, nil, false
	}
	dv = dv.Elem()
	mf, vf := dv.Field(0), dv.FieldByName("d")
	mv := reflect.NewAt(mf.Type(), unsafe.Pointer(mf.UnsafeAddr())).Elem().Interface()
	vv := reflect.NewAt(vf.Type(), unsafe.Pointer(vf.UnsafeAddr())).Elem().Interface()
	m, ok1 := mv.(*tensor.Dense)
	v, ok2 := vv.(*tensor.Dense)
	return m, v, ok1 && ok2
}

// State returns a copy of Adam's memory.
func (a *Adam) State() AdamState {
	iter, cache := a.adamFields()
	st := AdamState{Step: *iter}
	if *iter == 0 || cache.Len() != len(a.params) {
		return AdamState{}
	}
	for i := range a.params {
		m, v, ok := moments(cache, i)
		if !ok {
			return AdamState{}
		}
		st.M = append(st.M, append([]float64(nil), m.Float64s()...))
		st.V = append(st.V, append([]float64(nil), v.Float64s()...))
	}
	return st
}

// Restore sets Adam's memory to st, as saved by State from an Adam over
// parameters of the same shapes.
func (a *Adam) Restore(st AdamState) error {
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
	}
	// A step with zero gradients creates the moment cache and moves
	// nothing: the update is 0/(0+ε).
	for _, p := range a.params {
		p.grad.Zero()
	}
	if err := a.solver.Step(a.valueGrads()); err != nil {
		return fmt.Errorf("train: Adam restore: %w", err)
	}
	iter, cache := a.adamFields()
	for i := range a.params {
		m, v, ok := moments(cache, i)
		if !ok {
			return fmt.Errorf("train: Adam restore: unexpected moment cache for parameter %d", i)
		}
		copy(m.Float64s(), st.M[i])
		copy(v.Float64s(), st.V[i])
	}
	*iter = st.Step
	return nil
}
