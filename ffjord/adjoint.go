package ffjord

import (
	"fmt"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/odefunc"
)

// backwardAdjoint solves, from tb back to ta, the augmented ODE
//
//	dz/dt = f,  da/dt = −(aᵀ ∂f/∂z + c ∂tr/∂z),  dg/dt = −(aᵀ ∂f/∂θ + c ∂tr/∂θ)
//
// with a(tb) = ∂L/∂z(tb), g(tb) = 0 and c = ∂L/∂ℓ constant (ℓ appears in
// no right-hand side; the same holds for the regularisers, whose
// cotangents join c's terms); then a(ta) = ∂L/∂z(ta) and g(ta) = ∂L/∂θ.
func (b *FFJORD) backwardAdjoint(tape *recording, g ode.BacksolveAdjoint, c cotangents, grads [][]float64) ([]float64, error) {
	solver := b.adjoint
	if g.Controller != nil {
		var err error
		if solver, err = ode.NewSolver(g.Settings(b.settings)); err != nil {
			return nil, fmt.Errorf("ffjord: adjoint: %w", err)
		}
		solver.SetParallel(b.dyn.Parallel)
	}
	D, n := b.dyn.Dim(), tape.n
	nd := n * D
	total := 0
	for _, g := range grads {
		total += len(g)
	}
	nc := len(tape.gc)
	w := make([]float64, 2*nd+total+nc) // [z, a, g, g_c]
	me := len(tape.end) / n
	for r := range n {
		copy(w[r*D:(r+1)*D], tape.end[r*me:r*me+D])
	}
	copy(w[nd:], c.Z)
	terms := odefunc.Terms{Trace: c.LogDet, Kinetic: c.Kinetic, Frobenius: c.Frobenius}
	gp := make([][]float64, len(grads)) // views into dw, set per call
	var neg negation
	f := func(dw []float64, t float64, w []float64) error {
		off := 2 * nd
		for i, g := range grads {
			gp[i] = dw[off : off+len(g)]
			off += len(g)
		}
		var gc []float64
		if nc > 0 {
			gc = dw[len(dw)-nc:]
		}
		out := odefunc.VJPOut{F: dw[:nd], Z: dw[nd : 2*nd], Context: gc, Params: gp}
		r := odefunc.Request{Z: w[:nd], T: t, Context: tape.context, Want: want(tape.reg), Trace: tape.trace, Noise: tape.eps}
		if err := b.dyn.VJP(out, r, w[nd:2*nd], terms); err != nil {
			return err
		}
		neg.run(b.dyn.Parallel, dw[nd:])
		return nil
	}
	stats, err := solver.Solve(w, f, tape.tb, tape.ta, w)
	tape.backward = stats
	if err != nil {
		return nil, fmt.Errorf("ffjord: adjoint solve from t=%g to t=%g: %w", tape.tb, tape.ta, err)
	}
	off := 2 * nd
	for _, g := range grads {
		for j := range g {
			g[j] += w[off+j]
		}
		off += len(g)
	}
	copy(tape.gc, w[off:])
	return w[nd : 2*nd : 2*nd], nil
}

// backwardAdjointRows is backwardAdjoint for a per-row solve: every row's
// [z, a] is solved back from tb to ta with its own steps (ode.Solver.SolveRows,
// the error norm over the row's z and a), and the parameter and context
// gradients, which every row adds to, are integrated along each row's
// accepted steps with the method's b weights (Solver.OnAccept) instead
// of being part of the solved state: the error control of the
// "seminorm" of Kidger, Chen and Lyons (2021), which leaves the
// parameters' integral out of the norm.
func (b *FFJORD) backwardAdjointRows(tape *recording, g ode.BacksolveAdjoint, c cotangents, grads [][]float64) ([]float64, error) {
	set := g.Settings(b.settings)
	set.StepControl = ode.PerRow
	rs, err := ode.NewSolver(set)
	if err != nil {
		return nil, fmt.Errorf("ffjord: adjoint: %w", err)
	}
	rs.SetParallel(b.dyn.Parallel)
	D, n := b.dyn.Dim(), tape.n
	w := 2 * D
	meth := b.method
	var quad []int // the stages the solution weights
	for i, bi := range meth.B {
		if bi != 0 {
			quad = append(quad, i)
		}
	}
	v := b.newRowVJP(n * len(quad))
	f := func(dy, t, y []float64, rows []int) error {
		for j, r := range rows {
			v.ts[j] = t[j]
			copy(v.z[j*D:(j+1)*D], y[j*w:j*w+D])
			copy(v.a[j*D:(j+1)*D], y[j*w+D:(j+1)*w])
			b.rowCotangents(v, j, r, c, 1)
		}
		if err := b.vjp(v, tape, rows); err != nil {
			return err
		}
		for j := range rows {
			copy(dy[j*w:j*w+D], v.dz[j*D:(j+1)*D])
			for i, x := range v.gz[j*D : (j+1)*D] {
				dy[j*w+D+i] = -x
			}
		}
		return nil
	}
	quadNFE := 0
	entries := make([]int, 0, n*len(quad))
	rs.OnAccept(func(a ode.AcceptedSteps) error {
		// g += h·Σ_i b_i·(−aᵀ∂g/∂θ)(Y_i): one VJP over every accepted row
		// and weighted stage, with the cotangents scaled by −h·b_i.
		entries = entries[:0]
		for _, i := range quad {
			st := a.Y
			if i > 0 {
				st = a.Stages[i]
			}
			for _, r := range a.Rows {
				j := len(entries)
				h := a.TNew[r] - a.T[r]
				wt := -h * meth.B[i]
				v.ts[j] = a.T[r] + meth.C[i]*h
				copy(v.z[j*D:(j+1)*D], st[r*w:r*w+D])
				for e, x := range st[r*w+D : (r+1)*w] {
					v.a[j*D+e] = wt * x
				}
				b.rowCotangents(v, j, r, c, wt)
				entries = append(entries, r)
			}
		}
		if err := b.vjp(v, tape, entries); err != nil {
			return err
		}
		quadNFE++
		v.addGrads(tape, grads, entries)
		return nil
	})
	y := make([]float64, n*w)
	me := len(tape.end) / n
	for r := range n {
		copy(y[r*w:r*w+D], tape.end[r*me:r*me+D])
		copy(y[r*w+D:(r+1)*w], c.Z[r*D:(r+1)*D])
	}
	stats, err := rs.SolveRows(y, f, tape.tb, tape.ta, y, n)
	stats.NFE += quadNFE
	tape.backward = stats
	if err != nil {
		return nil, fmt.Errorf("ffjord: adjoint solve per row from t=%g to t=%g: %w", tape.tb, tape.ta, err)
	}
	za := make([]float64, n*D)
	for r := range n {
		copy(za[r*D:(r+1)*D], y[r*w+D:(r+1)*w])
	}
	return za, nil
}
