package ode

import "math"

// A whole-batch solve (one step group) or Solve of one large state spends
// its time between evaluations in loops over the values of the state: the
// stage combinations, the new state and its finiteness check, the error
// estimate, the copies that move the group on. Their rows are few (one, for
// Solve) and long, so a Parallel splits them by ranges of values rather
// than by rows. A value's arithmetic is the same whatever the ranges, and
// sums over values (the error norm) are still added one by one in their
// order, so results keep their bits.

// valuesMin is the fewest values that a loop over the values of one step
// group hands to a Parallel; smaller states (the tutorial's 2-D batches,
// 768 values forward) are looped over on the caller, where a loop costs
// less than handing parts to other goroutines.
const valuesMin = 1 << 12

// values runs body over the values [0, n): in parts on p when p is set and
// n is at least valuesMin, else at once (fn is body as a value bound once,
// so that nothing is allocated).
func (p Parallel) values(n int, body, fn func(lo, hi int)) {
	if p == nil || n < valuesMin {
		body(0, n)
		return
	}
	p(n, fn)
}

// stageTimes sets the stage times of a flat job's rows, which share one
// step.
func (j *rowJob) stageTimes() {
	h := j.tNew[0] - j.t[0]
	for x := range j.ts {
		j.ts[x] = j.t[0] + j.c*h
	}
}

// run runs one of j's per-row loops, body, on par: split by values (the
// rows' and the tail's) when j is flat, else by rows.
func (j *rowJob) run(par Parallel, body, fn func(lo, hi int)) {
	if j.flat {
		par.values(len(j.rows)*j.w+j.tail, body, fn)
		return
	}
	par.split(len(j.rows), body, fn)
}

// checkValues is scatterOut for derivatives in their rows (inPlace) over
// their values lo ≤ c < hi: it lowers gbad to the row of the first one
// that is not finite.
func (s *RowStepper) checkValues(lo, hi int) {
	for i, v := range s.dst[lo:hi] {
		if !isFinite(v) {
			lowerTo(&s.gbad, (lo+i)/s.gw)
			return
		}
	}
}

// groupValues holds the arguments of the Solver's loops over the values
// of its one step group, split by a Parallel.
type groupValues struct {
	dst, src []float64 // copy's
	q        []float64 // the scaled error of every value, for the norm
	h        float64   // the step of the error estimate

	copyFn, errFn func(lo, hi int)
}

// copyValues copies src into dst, which have the same length: on the
// Parallel when the solve has one step group (whose moves are long copies
// made on the caller).
func (s *Solver) copyValues(dst, src []float64) {
	if s.perRow || s.step.par == nil || len(dst) < valuesMin {
		copy(dst, src) // inlined: per-row solves move every row
		return
	}
	s.copySplit(dst, src)
}

// copySplit is copyValues on the Parallel.
func (s *Solver) copySplit(dst, src []float64) {
	v := &s.vals
	if v.copyFn == nil {
		v.copyFn = v.copyRange
	}
	v.dst, v.src = dst, src
	s.step.par(len(dst), v.copyFn)
	v.dst, v.src = nil, nil
}

func (v *groupValues) copyRange(lo, hi int) { copy(v.dst[lo:hi], v.src[lo:hi]) }

// errorTerms returns the scaled error estimates q_j of every value j of the
// one step group's attempt (see errorNorm), computed in parts on the
// Parallel, or nil when errorNorm should compute them as it sums them
// (several groups, no Parallel, or a small state).
func (s *Solver) errorTerms(h float64) []float64 {
	if s.perRow || s.step.par == nil || s.n*s.m+s.tail < valuesMin {
		return nil // inlined: per-row solves ask for every row
	}
	return s.splitErrorTerms(h)
}

// splitErrorTerms is errorTerms on the Parallel: the rows' values and the
// shared tail's.
func (s *Solver) splitErrorTerms(h float64) []float64 {
	nm, v := s.n*s.m+s.tail, &s.vals
	s.termsBuffer(h, nm)
	if v.errFn == nil {
		v.errFn = s.scaledErrorRange
	}
	s.step.par(nm, v.errFn)
	return v.q
}

// termsOf returns a buffer holding the scaled error estimates of the
// values lo ≤ j < hi of the attempt with step h at their indices,
// computed on the caller.
func (s *Solver) termsOf(h float64, lo, hi int) []float64 {
	s.termsBuffer(h, hi)
	s.scaledErrorRange(lo, hi)
	return s.vals.q
}

// termsBuffer readies s.vals.q for n terms of the attempt with step h.
func (s *Solver) termsBuffer(h float64, n int) {
	v := &s.vals
	if cap(v.q) < n {
		v.q = make([]float64, n)
	}
	v.q, v.h = v.q[:n], h
}

// scaledErrorRange sets s.vals.q[j] for lo ≤ j < hi: errorNorm's terms,
// by its arithmetic.
func (s *Solver) scaledErrorRange(lo, hi int) {
	berr, k, y, ynew, h, q := s.method.BErr, s.k, s.y, s.ynew, s.vals.h, s.vals.q
	rtol, atol := s.ad.RTol, s.ad.ATol
	for j := lo; j < hi; j++ {
		var e float64
		for l, el := range berr {
			e += el * k[l][j]
		}
		sc := atol + rtol*math.Max(math.Abs(y[j]), math.Abs(ynew[j]))
		q[j] = h * e / sc
	}
}
