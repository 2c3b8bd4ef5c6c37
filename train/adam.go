package train

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Adam applies Adam's update to a Flow's parameters, in place.
//
// By default (GorgoniaAdam) the update is Gorgonia's AdamSolver, called
// through its Solver and ValueGrad interfaces. InPlaceAdam, chosen with
// NewAdamWith or Options.Adam, is the same arithmetic on buffers kept from
// step to step, without Gorgonia's allocations (see InPlaceAdam).
//
// Gorgonia keeps Adam's moments and step count unexported; State and Restore
// reach them so that checkpoints can resume training exactly. They rely on
// the field layout of gorgonia v0.9.18's AdamSolver and are checked by a test
// that a resumed run matches an uninterrupted one bit for bit. The state of
// either update restores into the other.
//
// With a weight decay λ (SetWeightDecay) it is AdamW (Loshchilov & Hutter,
// 2019): each step first shrinks every parameter, θ ← θ − η·λ·θ with the
// current learning rate η, then takes Adam's step, so the decay does not
// pass through the moments as an L2 penalty in the gradient would.
type Adam struct {
	params []*valueGrad
	lr     float64
	decay  float64 // λ of the decoupled weight decay; 0: plain Adam
	update AdamUpdate
	// Exactly one of solver and own is set: solver for GorgoniaAdam, with
	// vgs, the params as Gorgonia's ValueGrads (made once, so that a step
	// does not make them again), own for InPlaceAdam.
	solver *G.AdamSolver
	vgs    []G.ValueGrad
	own    *adamMoments
}

// valueGrad pairs a parameter with its gradient for Gorgonia's solvers
// (the gradient is nil with InPlaceAdam, which reads the Grads).
type valueGrad struct {
	value, grad *tensor.Dense
}

func (v *valueGrad) Value() G.Value         { return v.value }
func (v *valueGrad) Grad() (G.Value, error) { return v.grad, nil }

// AdamUpdate chooses the code that applies Adam's update: GorgoniaAdam
// (the default) or InPlaceAdam. Both give the same bits.
type AdamUpdate interface {
	// String names the update: gorgonia or inplace.
	String() string
	inPlace() bool
}

// GorgoniaAdam is the update of Gorgonia's AdamSolver (v0.9.18), Adam's
// default: its Step clones four tensors per parameter tensor and step
// and allocates about 60 times per parameter tensor in all.
type GorgoniaAdam struct{}

// InPlaceAdam is Gorgonia's AdamSolver update (v0.9.18, float64, with the
// options Adam gives it: β₁ 0.9, β₂ 0.999, ε 1e-8, no clipping, no L1 or
// L2 term, batch 1) written out over buffers allocated once, so that a
// step allocates nothing. Each value goes through the same IEEE operations
// in the same order as in Gorgonia's tensor kernels,
//
//	m ← g·(1 − β₁) + m·β₁,  v ← (g·g)·(1 − β₂) + v·β₂,
//	θ ← θ + ((m·(1/c₁))·(−η)) / (√(v·(1/c₂)) + ε),  c_k = 1 − β_k^t,
//
// down to Gorgonia's x/0 = +Inf, so parameters and moments keep their bits
// (a test runs both for many steps and compares them). It is not the
// default: the update of record is Gorgonia's.
type InPlaceAdam struct{}

func (GorgoniaAdam) String() string { return "gorgonia" }
func (InPlaceAdam) String() string  { return "inplace" }
func (GorgoniaAdam) inPlace() bool  { return false }
func (InPlaceAdam) inPlace() bool   { return true }

// adamMoments is InPlaceAdam's memory: as Gorgonia's, the step count and
// the moments of every parameter (nil before the first step).
type adamMoments struct {
	iter int
	m, v [][]float64
}

// Gorgonia's AdamSolver defaults, which Adam keeps.
const (
	adamBeta1 = 0.9
	adamBeta2 = 0.999
	adamEps   = 1e-8
)

// NewAdam returns Adam with learning rate lr over params, Gorgonia's
// defaults otherwise (β₁ 0.9, β₂ 0.999, ε 1e-8), updating through
// Gorgonia's AdamSolver.
func NewAdam(params []*tensor.Dense, lr float64) (*Adam, error) {
	return NewAdamWith(params, lr, GorgoniaAdam{})
}

// NewAdamWith is NewAdam with the update u (nil: GorgoniaAdam).
func NewAdamWith(params []*tensor.Dense, lr float64, u AdamUpdate) (*Adam, error) {
	if !(lr > 0) {
		return nil, fmt.Errorf("%w: learning rate %g, want > 0", ErrInvalidConfig, lr)
	}
	if u == nil {
		u = GorgoniaAdam{}
	}
	if nilPointer(u) {
		return nil, fmt.Errorf("%w: Adam update is a nil %T", ErrInvalidConfig, u)
	}
	inPlace, err := inPlaceOf(u)
	if err != nil {
		return nil, err
	}
	for i, p := range params {
		if p == nil || p.Dtype() != tensor.Float64 || !p.IsNativelyAccessible() || len(p.Float64s()) != p.Shape().TotalSize() {
			return nil, fmt.Errorf("%w: Adam's parameter %d is not a float64 tensor of its own memory", ErrInvalidConfig, i)
		}
		if p.Dims() == 0 {
			// Gorgonia's AdamSolver keeps a scalar's moments as
			// scalars and panics on its second step.
			return nil, fmt.Errorf("%w: Adam's parameter %d has shape (); give it shape (1)", ErrInvalidConfig, i)
		}
	}
	a := &Adam{lr: lr, update: u}
	for _, p := range params {
		vg := &valueGrad{value: p}
		if !inPlace {
			vg.grad = tensor.New(tensor.WithShape(p.Shape().Clone()...), tensor.Of(tensor.Float64))
		}
		a.params = append(a.params, vg)
	}
	if inPlace {
		a.own = &adamMoments{}
		return a, nil
	}
	a.solver = G.NewAdamSolver(G.WithLearnRate(lr))
	a.vgs = make([]G.ValueGrad, len(a.params))
	for i, p := range a.params {
		a.vgs[i] = p
	}
	return a, nil
}

// inPlaceOf returns u.inPlace(), or an error if that panics: u embeds a
// nil AdamUpdate.
func inPlaceOf(u AdamUpdate) (inPlace bool, err error) {
	defer func() {
		if recover() != nil {
			err = fmt.Errorf("%w: Adam update %T wraps no update", ErrInvalidConfig, u)
		}
	}()
	return u.inPlace(), nil
}

// errNoAdam reports an Adam that NewAdam or NewAdamWith did not make.
var errNoAdam = fmt.Errorf("%w: the Adam is nil or a zero value; make one with NewAdam or NewAdamWith", ErrInvalidConfig)

// made reports whether NewAdamWith made a.
func (a *Adam) made() bool { return a != nil && (a.solver != nil || a.own != nil) }

// Update returns the update Adam applies: GorgoniaAdam or InPlaceAdam.
func (a *Adam) Update() AdamUpdate {
	if a == nil {
		return nil
	}
	return a.update
}

// LearningRate returns the current learning rate.
func (a *Adam) LearningRate() float64 {
	if a == nil {
		return 0
	}
	return a.lr
}

// SetLearningRate changes the learning rate from the next step on.
func (a *Adam) SetLearningRate(lr float64) {
	if a == nil {
		return
	}
	if a.solver != nil {
		G.WithLearnRate(lr)(a.solver)
	}
	a.lr = lr
}

// WeightDecay returns λ, the decoupled weight decay (0: none).
func (a *Adam) WeightDecay() float64 {
	if a == nil {
		return 0
	}
	return a.decay
}

// SetWeightDecay sets λ, the decoupled weight decay of every parameter from
// the next step on; it must be finite and ≥ 0, and 0 is plain Adam.
func (a *Adam) SetWeightDecay(wd float64) error {
	if !a.made() {
		return errNoAdam
	}
	if !(wd >= 0) || math.IsInf(wd, 0) {
		return fmt.Errorf("%w: weight decay %g, want finite and ≥ 0", ErrInvalidConfig, wd)
	}
	a.decay = wd
	return nil
}

// Step applies one Adam update with the gradients g (in Params order),
// which it leaves as they are.
func (a *Adam) Step(g Grads) error {
	if !a.made() {
		return errNoAdam
	}
	if len(g) != len(a.params) {
		return fmt.Errorf("train: Adam.Step got %d gradients for %d parameters", len(g), len(a.params))
	}
	for i, p := range a.params {
		if n := p.value.Shape().TotalSize(); len(g[i]) != n {
			return fmt.Errorf("train: Adam.Step: gradient %d has %d values for a parameter of %d", i, len(g[i]), n)
		}
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
	if a.own != nil {
		a.stepInPlace(g)
		return nil
	}
	for i, p := range a.params {
		copy(p.grad.Float64s(), g[i])
	}
	if err := a.solver.Step(a.vgs); err != nil {
		return fmt.Errorf("train: Adam step: %w", err)
	}
	return nil
}

// stepInPlace is InPlaceAdam's step: AdamSolver.Step's arithmetic for
// float64 tensors, one value at a time. Where Gorgonia's kernels store an
// intermediate result, an explicit conversion rounds it here too, so that
// no multiply–add is fused where theirs is not; the two accumulations are
// written as their kernel writes them (incr[i] += a[i] * b), so that a
// compiler that fuses them (GOAMD64=v3, arm64) fuses both alike.
func (a *Adam) stepInPlace(g Grads) {
	o := a.own
	if o.m == nil {
		o.m, o.v = make([][]float64, len(a.params)), make([][]float64, len(a.params))
		for i, p := range a.params {
			n := p.value.Shape().TotalSize()
			o.m[i], o.v[i] = make([]float64, n), make([]float64, n)
		}
	}
	o.iter++
	correction1 := (1 - math.Pow(adamBeta1, float64(o.iter)))
	correction2 := (1 - math.Pow(adamBeta2, float64(o.iter)))
	beta1, beta2 := float64(adamBeta1), float64(adamBeta2)
	omβ1, omβ2 := float64(1)-beta1, float64(1)-beta2
	eps, negEta := float64(adamEps), -a.lr
	correctionV1 := float64(1) / float64(correction1)
	correctionV2 := float64(1) / float64(correction2)
	for i, p := range a.params {
		w, m, v, gi := p.value.Float64s(), o.m[i], o.v[i], g[i]
		m, v, gi = m[:len(w)], v[:len(w)], gi[:len(w)]
		single := len(w) == 1
		for j, gj := range gi {
			t1 := float64(gj * omβ1) // t1 := g.Clone(); t1 *= (1 − β₁)
			gg := float64(gj * gj)   // g *= g
			gg = float64(gg * omβ2)  // g *= (1 − β₂)
			if single {
				// A tensor of one value takes another path in
				// Gorgonia's MulIncr: m·β₁ is stored, then added.
				t1 += float64(m[j] * beta1)
				gg += float64(v[j] * beta2)
			} else {
				t1 += m[j] * beta1 // t1 += m·β₁ (WithIncr)
				gg += v[j] * beta2 // g += v·β₂ (WithIncr)
			}
			m[j], v[j] = t1, gg              // the new moments
			mh := float64(t1 * correctionV1) // mHats
			vh := float64(gg * correctionV2) // vHats
			vh = math.Sqrt(vh)
			vh = float64(vh + eps)
			mh = float64(mh * negEta)
			if vh == 0 { // vecf64.Div's x/0
				mh = math.Inf(0)
			} else {
				mh = float64(mh / vh)
			}
			w[j] = w[j] + mh
		}
	}
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
	if !a.made() {
		return AdamState{}, errNoAdam
	}
	if a.own != nil {
		if a.own.iter == 0 {
			return AdamState{}, nil
		}
		st := AdamState{Step: a.own.iter}
		for i := range a.params {
			st.M = append(st.M, append([]float64(nil), a.own.m[i]...))
			st.V = append(st.V, append([]float64(nil), a.own.v[i]...))
		}
		return st, nil
	}
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
	if !a.made() {
		return errNoAdam
	}
	if err := a.check(st); err != nil {
		return err
	}
	if a.own != nil {
		a.restoreInPlace(st)
		return nil
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
	err = a.solver.Step(a.vgs)
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

// restoreInPlace is Restore for InPlaceAdam, of a checked st.
func (a *Adam) restoreInPlace(st AdamState) {
	o := a.own
	o.iter = st.Step
	if st.Step == 0 {
		o.m, o.v = nil, nil
		return
	}
	o.m, o.v = make([][]float64, len(a.params)), make([][]float64, len(a.params))
	for i := range a.params {
		o.m[i] = append([]float64(nil), st.M[i]...)
		o.v[i] = append([]float64(nil), st.V[i]...)
	}
}

// check returns an ErrInvalidConfig error if Restore cannot restore st.
func (a *Adam) check(st AdamState) error {
	if st.Step == 0 {
		return nil
	}
	if st.Step < 0 || len(st.M) != len(a.params) || len(st.V) != len(a.params) {
		return fmt.Errorf("%w: Adam state has step %d and %d/%d moments for %d parameters", ErrInvalidConfig, st.Step, len(st.M), len(st.V), len(a.params))
	}
	for i, p := range a.params {
		n := p.value.Shape().TotalSize()
		if len(st.M[i]) != n || len(st.V[i]) != n {
			return fmt.Errorf("%w: Adam moments of parameter %d have %d/%d values, want %d", ErrInvalidConfig, i, len(st.M[i]), len(st.V[i]), n)
		}
		for j := range n {
			if m, v := st.M[i][j], st.V[i][j]; math.IsNaN(m) || math.IsInf(m, 0) || !(v >= 0) || math.IsInf(v, 0) {
				return fmt.Errorf("%w: Adam moments of parameter %d: value %d has first moment %g and second %g, want finite and a second ≥ 0", ErrInvalidConfig, i, j, m, v)
			}
		}
	}
	return nil
}
