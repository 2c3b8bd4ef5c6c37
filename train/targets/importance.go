package targets

import "math"

// ImportanceEstimate summarises how well a normalised density q matches a
// target π̃ = Z·π, from N points x_i drawn from q and the log-weights
// log w_i = log π̃(x_i) − log q(x_i): the measures a reverse-KL trainer
// reports.
type ImportanceEstimate struct {
	// ELBO is the mean log-weight (1/N) Σ log w_i, which estimates
	// log Z − KL(q‖π) without bias, a lower bound on log Z in expectation;
	// ELBOSE is its standard error, sd(log w)/√N.
	ELBO, ELBOSE float64
	// LogZ is log Ẑ = log (1/N) Σ w_i, the importance-sampling estimate of
	// log Z (Ẑ is unbiased for Z; its log is biased low by about
	// LogZSE²/2); LogZSE is its delta-method standard error,
	// sd(w)/(√N·mean(w)).
	LogZ, LogZSE float64
	// KL is LogZ − ELBO, a consistent estimate of KL(q‖π) where no grid
	// can give it (in more than two dimensions).
	KL float64
	// ESS is Kish's effective sample size of the weights, (Σw)²/Σw², and
	// ESSFraction is ESS/N: 1 when q = π, near 1/N when one weight
	// dominates.
	ESS, ESSFraction float64
	// ParetoK is the Pareto-smoothed importance sampling diagnostic k̂ of
	// the weights' tail: below 0.7 the estimates above can be trusted,
	// above they cannot, however large ESS looks. NaN for N < 25 (fewer
	// than 5 tail weights to fit), and where the fit fails (a quarter of
	// the tail tied with the weight below it). −Inf when the tail weights are equal to
	// within the rounding of log π̃ − log q, as they are for constant
	// weights (q ∝ π̃ at every draw): such weights have no tail, the limit
	// k → −∞ of bounded ones, and the estimates are exact for the sample
	// (ESS = N, LogZSE = 0), so k̂ passes the 0.7 threshold with them. R's
	// loo instead warns that it cannot fit the tail and reports Inf, a
	// failed check for what is the best possible fit.
	ParetoK float64
}

// Importance returns the estimates from logq, log q(x_i), and logp,
// log π̃(x_i), at N ≥ 2 points drawn from q. log q must be finite (the
// points are q's); log π̃ may be −Inf (weight 0), making ELBO −Inf, but
// not NaN or +Inf, and not −Inf everywhere. A finite log π̃ − log q that
// overflows (log q = −1e308 with log π̃ = 1e308) is an error too.
func Importance(logq, logp []float64) (ImportanceEstimate, error) {
	n := len(logq)
	if n < 2 || len(logp) != n {
		return ImportanceEstimate{}, errInvalid("Importance: %d values of log q and %d of log π̃; want two or more of each", n, len(logp))
	}
	lw := make([]float64, n)
	// slack[i] bounds the rounding of lw[i], which paretoK needs to tell
	// a flat tail from a fitted one.
	slack := make([]float64, n)
	m := math.Inf(-1)
	for i := range logq {
		if math.IsNaN(logq[i]) || math.IsInf(logq[i], 0) {
			return ImportanceEstimate{}, errInvalid("Importance: log q of point %d is %g", i, logq[i])
		}
		if math.IsNaN(logp[i]) || math.IsInf(logp[i], 1) {
			return ImportanceEstimate{}, errInvalid("Importance: log π̃ of point %d is %g", i, logp[i])
		}
		lw[i] = logp[i] - logq[i]
		if math.IsInf(lw[i], 0) && !math.IsInf(logp[i], -1) {
			return ImportanceEstimate{}, errInvalid("Importance: log π̃ − log q of point %d overflows: %g − %g", i, logp[i], logq[i])
		}
		slack[i] = math.Abs(logp[i]) + math.Abs(logq[i])
		m = max(m, lw[i])
	}
	if math.IsInf(m, -1) {
		return ImportanceEstimate{}, errInvalid("Importance: π̃ is 0 at every point")
	}
	N := float64(n)
	var e ImportanceEstimate
	// Weights scaled by e^{−m}, so the largest is 1: the sums cannot
	// overflow, and the ratios below do not see the scale. The mean and
	// the deviations are taken of half the log-weights less half of m,
	// which cannot overflow however far apart the finite ones are.
	var s1, s2, half float64
	for _, v := range lw {
		w := math.Exp(v - m)
		s1 += w
		s2 += w * w
		half += (v/2 - m/2) / N
	}
	e.ELBO = m + 2*half
	if !math.IsInf(half, -1) {
		var scale, ss float64
		for _, v := range lw {
			scale = max(scale, math.Abs(v/2-m/2-half))
		}
		if scale > 0 {
			for _, v := range lw {
				d := (v/2 - m/2 - half) / scale
				ss += d * d
			}
		}
		e.ELBOSE = 2 * scale * math.Sqrt(ss/(N-1)/N)
	} else {
		e.ELBOSE = math.Inf(1)
	}
	wbar := s1 / N
	e.LogZ = m + math.Log(wbar)
	// Var(w)/mean(w)² = (Σw²/N − w̄²)·N/(N−1)/w̄².
	v := math.Max(0, (s2/N-wbar*wbar)*N/(N-1))
	e.LogZSE = math.Sqrt(v/N) / wbar
	// log w̄ ≥ mean log w by Jensen's inequality, for the sample as for
	// the expectations: a negative KL is rounding.
	e.KL = math.Max(0, math.Log(wbar)-2*half)
	e.ESS = s1 * s1 / s2
	e.ESSFraction = e.ESS / N
	e.ParetoK = paretoK(lw, slack)
	return e, nil
}
