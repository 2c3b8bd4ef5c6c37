package ffjord

import (
	"fmt"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
)

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
	if tape.perRow {
		stepper.SetParallel(b.dyn.Parallel) // as the forward solve did
	}
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
	v := b.rowVJP(n)
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
			if err := b.vjp(v, tape, active, false); err != nil {
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
	return za, nil
}
