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
// It is one ode.Solver.SolveShared whose rows are the step groups of the
// forward solve, [z of each point; a of each point]: one row of all the
// points (the layout of one ODE) under whole-batch control, a row per
// point under per-row control. g and the context's gradient, which every
// point adds to, are its shared state, which the step control decides how
// to solve: with the points and in their error norm for a whole batch
// (TFP's adjoint), along each point's own steps and out of its norm per
// row (the seminorm of Kidger, Chen and Lyons, 2021).
func (b *FFJORD) backwardAdjoint(tape *recording, g ode.BacksolveAdjoint, c cotangents, grads [][]float64) ([]float64, error) {
	solver, err := b.adjointSolver(g, tape.perRow)
	if err != nil {
		return nil, fmt.Errorf("ffjord: adjoint: %w", err)
	}
	D, n := b.dyn.Dim(), tape.n
	R := n // points per row of the solve
	if solver.PerRow() {
		R = 1
	}
	all := make([]int, n) // the points of the one row of a whole batch
	for p := range all {
		all[p] = p
	}
	w := 2 * R * D
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
		v := b.rowVJP(len(rows) * R) // more than n for a quadrature's stages
		pts := rows
		if R > 1 {
			pts = all
		}
		rd := R * D
		// A whole batch is one row [z of every point; a of every point]:
		// the VJP reads its z and writes f and ∂/∂z in place. Per row, the
		// rows' z and a are gathered into the compact buffers and back.
		call, inPlace := v, R > 1
		if inPlace {
			flat := *v
			flat.z, flat.dz, flat.gz = y[:rd], dy[:rd], dy[rd:2*rd]
			call = &flat
		}
		// Loops rather than copies: a row is often one point of a few
		// values. The slices of one length let the compiler drop the
		// bounds checks.
		for j := range rows {
			// The cotangents carry the adjoint's minus and the weight.
			s := -1.0
			if wt != nil {
				s = -wt[j]
			}
			a := v.a[j*rd : j*rd+rd]
			ya := y[j*w+rd : j*w+rd+len(a)]
			for e := range a {
				a[e] = s * ya[e]
			}
			if !inPlace {
				z, yz := v.z[j*rd:j*rd+len(a)], y[j*w:j*w+len(a)]
				for e := range z {
					z[e] = yz[e]
				}
			}
			b.rowCotangents(v, j*R, pts[j*R:(j+1)*R], &c, s)
			v.ts[j*R] = t[j]
			if len(rows) > 1 { // else vjp takes one time for all
				for x := j*R + 1; x < (j+1)*R; x++ {
					v.ts[x] = t[j]
				}
			}
		}
		if err := b.vjp(call, tape, pts, len(rows) == 1); err != nil {
			return err
		}
		for j := 0; j < len(rows) && !inPlace; j++ { // in place: in dy already
			dz := dy[j*w : j*w+rd]
			da, fz, gz := dy[j*w+rd:j*w+rd+len(dz)], v.dz[j*rd:j*rd+len(dz)], v.gz[j*rd:j*rd+len(dz)]
			for e := range dz {
				dz[e], da[e] = fz[e], gz[e]
			}
		}
		if ds != nil {
			v.addShared(ds, pts)
		}
		return nil
	}
	// Point p is the (p mod R)th of row p/R.
	y := make([]float64, n*2*D)
	me := len(tape.end) / n
	for p := range n {
		z, a := (p/R)*w+(p%R)*D, (p/R)*w+(R+p%R)*D
		copy(y[z:z+D], tape.end[p*me:p*me+D])
		copy(y[a:a+D], c.Z[p*D:(p+1)*D])
	}
	stats, err := solver.SolveShared(y, shared, f, tape.tb, tape.ta, y, n/R)
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
	for p := range n {
		a := (p/R)*w + (R+p%R)*D
		copy(za[p*D:(p+1)*D], y[a:a+D])
	}
	return za, nil
}

// adjointSolver returns the solver of g's backward solve after a forward
// solve whose steps were controlled per row or as a whole batch: the
// forward settings with g's Controller, and the same step control.
// The solvers of BacksolveAdjoint{} are the block's.
func (b *FFJORD) adjointSolver(g ode.BacksolveAdjoint, perRow bool) (*ode.Solver, error) {
	if g.Controller != nil {
		return newAdjointSolver(g.Settings(b.settings), perRow, b.dyn.Parallel)
	}
	i := 0
	if perRow {
		i = 1
	}
	if b.adjoint[i] == nil {
		sv, err := newAdjointSolver(g.Settings(b.settings), perRow, b.dyn.Parallel)
		if err != nil {
			return nil, err
		}
		b.adjoint[i] = sv
	}
	return b.adjoint[i], nil
}

// newAdjointSolver makes the backward solver of BacksolveAdjoint with the
// settings s, controlling steps per row or as a whole batch, and splitting
// its loops with par: the per-row bookkeeping under per-row control, the
// long state [z, a, ∂L/∂θ] by ranges of values for a whole batch.
func newAdjointSolver(s ode.Settings, perRow bool, par ode.Parallel) (*ode.Solver, error) {
	s.StepControl = ode.WholeBatch
	if perRow {
		s.StepControl = ode.PerRow
	}
	sv, err := ode.NewSolver(s)
	if err != nil {
		return nil, err
	}
	sv.SetParallel(par)
	return sv, nil
}
