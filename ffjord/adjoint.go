package ffjord

import (
	"fmt"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
)

// backwardAdjoint solves, from tb back to ta, the augmented ODE
//
//	dz/dt = f,  da/dt = −(aᵀ ∂f/∂z + c ∂tr/∂z),  dg/dt = −(aᵀ ∂f/∂θ + c ∂tr/∂θ)
//
// with a(tb) = ∂L/∂z(tb), g(tb) = 0 and c = ∂L/∂ℓ constant (ℓ appears in
// no right-hand side; the same holds for the regularisers, whose
// cotangents join c's terms); then a(ta) = ∂L/∂z(ta) and g(ta) = ∂L/∂θ.
//
// Every row's [z, a] is a row of ode.Solver.SolveShared, and g with the
// context's gradient, which every row adds to, is its shared state; the
// step control of the forward solve decides how that is solved: with
// the rows and in their error norm for a whole batch (TFP's adjoint),
// along each row's own steps and out of its norm per row (the seminorm of
// Kidger, Chen and Lyons, 2021).
func (b *FFJORD) backwardAdjoint(tape *recording, g ode.BacksolveAdjoint, c cotangents, grads [][]float64) ([]float64, error) {
	solver, err := b.adjointSolver(g, tape.perRow)
	if err != nil {
		return nil, fmt.Errorf("ffjord: adjoint: %w", err)
	}
	D, n := b.dyn.Dim(), tape.n
	w := 2 * D
	// The shared state: the parameters' gradients, then the context's
	// (n×C), as grads and tape.gc hold them.
	size := len(tape.gc)
	for _, g := range grads {
		size += len(g)
	}
	shared := make([]float64, 0, size)
	for _, g := range grads {
		shared = append(shared, g...)
	}
	shared = append(shared, tape.gc...)
	f := func(dy, ds, t, y []float64, rows []int, wt []float64) error {
		v := b.rowVJP(len(rows)) // more than n for a quadrature's stages
		copy(v.ts, t)
		// Index loops rather than copies: a row is a few values.
		z, a := v.z, v.a
		for j, r := range rows {
			// The cotangents carry the adjoint's minus and the weight.
			s := -1.0
			if wt != nil {
				s = -wt[j]
			}
			b.rowCotangents(v, j, r, &c, s)
			for e, i := j*D, j*w; e < (j+1)*D; e, i = e+1, i+1 {
				z[e], a[e] = y[i], s*y[i+D]
			}
		}
		if err := b.vjp(v, tape, rows); err != nil {
			return err
		}
		fz, gz := v.dz, v.gz
		for j := range rows {
			for e, i := j*D, j*w; e < (j+1)*D; e, i = e+1, i+1 {
				dy[i], dy[i+D] = fz[e], gz[e]
			}
		}
		if ds != nil {
			v.addShared(ds, rows)
		}
		return nil
	}
	y := make([]float64, n*w)
	me := len(tape.end) / n
	for r := range n {
		copy(y[r*w:r*w+D], tape.end[r*me:r*me+D])
		copy(y[r*w+D:(r+1)*w], c.Z[r*D:(r+1)*D])
	}
	solver.SetFields([]int{D, D}) // the norm of the state [z; a]
	stats, err := solver.SolveShared(y, shared, f, tape.tb, tape.ta, y, n)
	tape.backward = stats
	if err != nil {
		how := ""
		if solver.PerRow() {
			how = " per row"
		}
		return nil, fmt.Errorf("ffjord: adjoint solve%s from t=%g to t=%g: %w", how, tape.tb, tape.ta, err)
	}
	for _, g := range grads {
		shared = shared[copy(g, shared):]
	}
	copy(tape.gc, shared)
	za := make([]float64, n*D)
	for r := range n {
		copy(za[r*D:(r+1)*D], y[r*w+D:(r+1)*w])
	}
	return za, nil
}

// adjointSolver returns the solver of g's backward solve after a forward
// solve whose steps were controlled per row or as a whole batch: the
// forward settings with g's Controller, and the same step control.
func (b *FFJORD) adjointSolver(g ode.BacksolveAdjoint, perRow bool) (*ode.Solver, error) {
	if g.Controller == nil {
		if perRow {
			return b.adjoint[1], nil
		}
		return b.adjoint[0], nil
	}
	return newAdjointSolver(g.Settings(b.settings), perRow, b.dyn.Parallel)
}

// newAdjointSolver makes the backward solver of BacksolveAdjoint with the
// settings s, controlling steps per row or as a whole batch, and splitting
// its per-row bookkeeping with par under per-row control.
func newAdjointSolver(s ode.Settings, perRow bool, par ode.Parallel) (*ode.Solver, error) {
	s.StepControl = ode.WholeBatch
	if perRow {
		s.StepControl = ode.PerRow
	}
	sv, err := ode.NewSolver(s)
	if err != nil {
		return nil, err
	}
	if sv.PerRow() {
		sv.SetParallel(par)
	}
	return sv, nil
}
