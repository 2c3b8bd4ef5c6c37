package ffjord

import (
	"fmt"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/odefunc"
)

// Backward passes of solves with per-row step control (ode.PerRow): every
// row is differentiated along its own steps, so that ∂L/∂z(ta) of a row,
// like its forward values, does not depend on the other rows; the
// parameter gradient is their sum, added in a fixed order (steps, then
// stages, then rows in increasing order).

// rowVJP holds the compact buffers of one VJP of the dynamics over some
// rows, each at its own time, with its own cotangents.
type rowVJP struct {
	ts, z, a, dz, gz, eps, ctx, gc []float64
	tr, kin, frob                  []float64
	gp                             [][]float64 // ∂/∂θ summed over the call's rows
}

func (b *FFJORD) newRowVJP(k int) *rowVJP {
	D, C := b.dyn.Dim(), b.dyn.ContextDim()
	v := &rowVJP{
		ts: make([]float64, k), z: make([]float64, k*D), a: make([]float64, k*D),
		dz: make([]float64, k*D), gz: make([]float64, k*D), eps: make([]float64, k*D),
		ctx: make([]float64, k*C), gc: make([]float64, k*C),
		tr: make([]float64, k), kin: make([]float64, k), frob: make([]float64, k),
	}
	for _, p := range b.dyn.Model().Params() {
		v.gp = append(v.gp, make([]float64, p.Shape().TotalSize()))
	}
	return v
}

// vjp runs the VJP of g = [f, tr, (‖f‖², ‖∂f/∂z‖²_F)] for k = len(rows)
// entries whose times, states and cotangents the caller wrote into v.ts,
// v.z, v.a, v.tr (and v.kin, v.frob when regularised); entry j belongs to
// row rows[j] of the batch, whose noise and context it uses. It leaves
// f in v.dz, ∂/∂z in v.gz, ∂/∂context in v.gc and ∂/∂θ in v.gp.
func (b *FFJORD) vjp(v *rowVJP, tape *recording, rows []int) error {
	D, C, k := b.dyn.Dim(), b.dyn.ContextDim(), len(rows)
	var eps, gc []float64
	if tape.trace.Stochastic() {
		eps = gatherRows(v.eps, tape.eps, rows, D)
	}
	if C > 0 {
		if err := b.dyn.SetContext(gatherRows(v.ctx, tape.context, rows, C)); err != nil {
			return err
		}
		gc = v.gc[:k*C]
	}
	terms := odefunc.Terms{Trace: v.tr[:k]}
	if tape.reg {
		terms.Kinetic, terms.Frobenius = v.kin[:k], v.frob[:k]
	}
	return b.dyn.VJPRows(v.dz[:k*D], v.gz[:k*D], gc, v.gp, v.ts[:k], v.z[:k*D], v.a[:k*D], terms, tape.trace, eps)
}

// addGrads adds the call's parameter and context gradients: ∂/∂θ to grads,
// and entry j's ∂/∂context to row rows[j] of tape.gc.
func (v *rowVJP) addGrads(tape *recording, grads [][]float64, rows []int) {
	for p, g := range grads {
		axpy(g, 1, v.gp[p])
	}
	if tape.gc == nil {
		return
	}
	C := len(tape.gc) / tape.n
	for j, r := range rows {
		axpy(tape.gc[r*C:(r+1)*C], 1, v.gc[j*C:(j+1)*C])
	}
}

// neededStages reports which stages of m the new state depends on,
// directly or through a needed later stage (Dormand–Prince's FSAL stage
// is not needed).
func neededStages(m *ode.Method) []bool {
	s := m.Stages()
	needed := make([]bool, s)
	for i := s - 1; i >= 0; i-- {
		needed[i] = m.B[i] != 0
		for j := i + 1; j < s; j++ {
			if needed[j] && i < len(m.A[j]) && m.A[j][i] != 0 {
				needed[i] = true
			}
		}
	}
	return needed
}

// backwardDiscrete replays the taped steps with ode.RowStepper, the
// forward solver's own stage routine, every row on the steps of its step
// group, keeping every stage state Y_i, then runs reverse mode through
// them, the rows that have a step at a given index together:
//
//	k_i = g(t + c_i h, Y_i),  Y_i = y + h Σ_j a_ij k_j,  y' = y + h Σ_i b_i k_i,
//
// so k̄_i = h b_i ȳ' + Σ_{j>i} h a_ji Ȳ_j, Ȳ_i = k̄_iᵀ ∂g/∂Y_i, ȳ = ȳ' + Σ_i Ȳ_i,
// with g = [f, tr] and the same noise as the forward solve.
func (b *FFJORD) backwardDiscrete(tape *recording, c cotangents, grads [][]float64) ([]float64, error) {
	D, n := b.dyn.Dim(), tape.n
	sol := b.newSolve(n, true, tape.reg, tape.trace, tape.eps, tape.context)
	m := sol.width
	meth := b.method
	s := meth.Stages()
	needed := neededStages(meth)
	steps, maxSteps := make([]int, n), 0
	for r, g := range tape.rowGrid {
		steps[r] = len(g) - 1
		if steps[r] < 1 {
			return nil, fmt.Errorf("ffjord: Backward: the tape recorded no steps for row %d", r)
		}
		maxSteps = max(maxSteps, steps[r])
	}
	stepper, err := ode.NewRowStepper(meth)
	if err != nil {
		return nil, err
	}
	stepper.SetParallel(b.dyn.Parallel)
	times := func(st int, active []int, t, tNew []float64) []int {
		active = active[:0]
		for r := range n {
			if st < steps[r] {
				active = append(active, r)
				t[r], tNew[r] = tape.rowGrid[r][st], tape.rowGrid[r][st+1]
			}
		}
		return active
	}
	size := n * m
	y, ynew := append([]float64(nil), tape.start...), make([]float64, size)
	k := make([][]float64, s)
	for i := range k {
		k[i] = make([]float64, size)
	}
	scratch := make([]float64, size)
	t, tNew := make([]float64, n), make([]float64, n)
	active := make([]int, 0, n)
	stages := make([][][]float64, maxSteps) // stages[step][i] = Y_i, per-row layout
	nfe := 0
	for st := range maxSteps {
		active = times(st, active, t, tNew)
		ys := make([][]float64, s)
		for i := range s {
			switch {
			case i == 0:
				ys[0] = append([]float64(nil), y...)
			case needed[i]:
				ys[i] = make([]float64, size)
			default:
				ys[i] = scratch
			}
		}
		stages[st] = ys
		calls, err := stepper.Step(ynew, sol.eval, t, tNew, y, m, active, k, ys, 0)
		nfe += calls
		if err != nil {
			return nil, fmt.Errorf("ffjord: Backward: replaying step %d: %w", st, err)
		}
		for _, r := range active {
			copy(y[r*m:(r+1)*m], ynew[r*m:(r+1)*m])
		}
	}

	// Reverse sweep; ȳ_r = [∂L/∂z_r, ∂L/∂ℓ_r, (∂L/∂E_r, ∂L/∂F_r)].
	ybar := make([]float64, size)
	for r := range n {
		copy(ybar[r*m:r*m+D], c.Z[r*D:(r+1)*D])
		ybar[r*m+D] = c.LogDet[r]
		if tape.reg {
			ybar[r*m+D+1], ybar[r*m+D+2] = c.Kinetic[r], c.Frobenius[r]
		}
	}
	kbar := k // the stage buffers now hold cotangents
	v := b.newRowVJP(n)
	for st := maxSteps - 1; st >= 0; st-- {
		active = times(st, active, t, tNew)
		for i := range s {
			if !needed[i] {
				continue
			}
			for _, r := range active {
				row, yb := kbar[i][r*m:(r+1)*m], ybar[r*m:(r+1)*m]
				hb := (tNew[r] - t[r]) * meth.B[i]
				for e := range row {
					row[e] = hb * yb[e]
				}
			}
		}
		for i := s - 1; i >= 0; i-- {
			if !needed[i] {
				continue
			}
			yi := stages[st][i]
			for j, r := range active {
				v.ts[j] = t[r] + meth.C[i]*(tNew[r]-t[r])
				copy(v.z[j*D:(j+1)*D], yi[r*m:r*m+D])
				copy(v.a[j*D:(j+1)*D], kbar[i][r*m:r*m+D])
				v.tr[j] = kbar[i][r*m+D]
				if tape.reg {
					v.kin[j], v.frob[j] = kbar[i][r*m+D+1], kbar[i][r*m+D+2]
				}
			}
			if err := b.vjp(v, tape, active); err != nil {
				return nil, err
			}
			nfe++
			for j, r := range active {
				h, gz := tNew[r]-t[r], v.gz[j*D:(j+1)*D]
				axpy(ybar[r*m:r*m+D], 1, gz) // Ȳ_i has no ℓ, E, F parts: g does not read them
				for l, a := range meth.A[i] {
					if a != 0 {
						axpy(kbar[l][r*m:r*m+D], h*a, gz)
					}
				}
			}
			v.addGrads(tape, grads, active)
		}
	}
	tape.backward = ode.Result{NFE: nfe, Rows: n, Accepted: maxSteps}
	if tape.perRow {
		tape.backward.Accepted = 0
		for r := range n {
			tape.backward.Accepted += steps[r]
		}
	}
	za := make([]float64, n*D)
	for r := range n {
		copy(za[r*D:(r+1)*D], ybar[r*m:r*m+D])
	}
	return za, b.dyn.SetContext(tape.context)
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
	if cerr := b.dyn.SetContext(tape.context); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("ffjord: adjoint solve per row from t=%g to t=%g: %w", tape.tb, tape.ta, err)
	}
	za := make([]float64, n*D)
	for r := range n {
		copy(za[r*D:(r+1)*D], y[r*w+D:(r+1)*w])
	}
	return za, nil
}

// rowCotangents writes row r's cotangents of the per-row terms, scaled by
// wt, into entry j of v.
func (b *FFJORD) rowCotangents(v *rowVJP, j, r int, c cotangents, wt float64) {
	v.tr[j] = wt * c.LogDet[r]
	if c.Kinetic != nil {
		v.kin[j], v.frob[j] = wt*c.Kinetic[r], wt*c.Frobenius[r]
	}
}
