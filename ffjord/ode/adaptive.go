package ode

import "math"

// minStep returns the smallest adaptive step size allowed at t for a solve
// spanning span: 16 units of relative rounding at t, floored far below any
// useful step so that t = 0 still has a limit.
func minStep(t, span float64) float64 {
	const eps = 0x1p-52
	return 16 * eps * math.Max(math.Abs(t), eps*span)
}

// factor is the step-size ratio of the controller a after a step with
// error norm errNorm, for the error exponent expo: safety·errNorm^(−1/(q+1)),
// clamped to [MinFactor, MaxFactor]. An infinite norm gives MinFactor and
// a zero norm MaxFactor.
func (a Adaptive) factor(errNorm, expo float64) float64 {
	if errNorm == 0 {
		return a.MaxFactor
	}
	f := a.Safety * powNeg(errNorm, expo)
	return math.Min(a.MaxFactor, math.Max(a.MinFactor, f))
}

// powNeg returns math.Pow(x, −y) for x > 0 (and +Inf). For 0 < y < 1/2 it
// does what math.Pow does for those arguments, 1/Exp(y·Log(x)), without
// its case analysis, and so returns the same bits at less than half the
// cost: a per-row solve takes it once per row and attempt.
func powNeg(x, y float64) float64 {
	if y <= 0 || y >= 0.5 || x == 1 {
		return math.Pow(x, -y)
	}
	return 1 / math.Exp(y*math.Log(x))
}

// probeStep returns the size h0 of the initial step's Euler probe from
// (t0, y) with f0 = f(t0, y), and d1, the norm of f0 (Hairer, Nørsett &
// Wanner, Solving ODEs I, §II.4): 0.01·‖y‖/‖f0‖, or 1e-6 when either is
// tiny, at most span.
func probeStep(y, f0 []float64, rtol, atol, span float64) (h0, d1 float64) {
	var d0 float64
	for i, yi := range y {
		sc := atol + rtol*math.Abs(yi)
		d0 += (yi / sc) * (yi / sc)
		d1 += (f0[i] / sc) * (f0[i] / sc)
	}
	n := float64(len(y))
	d0, d1 = math.Sqrt(d0/n), math.Sqrt(d1/n)
	h0 = 1e-6
	if d0 >= 1e-5 && d1 >= 1e-5 {
		h0 = 0.01 * d0 / d1
	}
	return math.Min(h0, span), d1 // do not probe f beyond t1
}

// curvature returns d2 = ‖f1 − f0‖/h0, the estimate of the second
// derivative from the probe's derivative f1, in the norm of probeStep.
func curvature(y, f0, f1 []float64, rtol, atol, h0 float64) float64 {
	var d2 float64
	for i, yi := range y {
		sc := atol + rtol*math.Abs(yi)
		d := (f1[i] - f0[i]) / sc
		d2 += d * d
	}
	return math.Sqrt(d2/float64(len(y))) / h0
}

// hairerStep is the last part of the starting step of Hairer, Nørsett &
// Wanner (§II.4): from the scaled norms d1 of f(t0, y0) and d2 of its
// derivative estimate after a trial step h0, the step min(100·h0,
// (0.01/max(d1, d2))^expo, span), 0 for overflowed estimates (the caller
// reports a too-small step).
func hairerStep(d1, d2, h0, span, expo float64) float64 {
	var h1 float64
	if dm := math.Max(d1, d2); dm <= 1e-15 {
		h1 = math.Max(1e-6, h0*1e-3)
	} else {
		h1 = math.Pow(0.01/dm, expo)
	}
	h := math.Min(math.Min(100*h0, h1), span)
	if !(h > 0) {
		h = 0
	}
	return h
}
