package odefunc

import (
	"fmt"
	"math/rand/v2"
)

// Trace selects how the trace of ∂f/∂z is computed.
type Trace int

const (
	// ExactTrace is Σ_i ((∂f/∂z)·e_i)_i: D Jacobian–vector products per row.
	ExactTrace Trace = iota
	// HutchinsonGaussian is εᵀ(∂f/∂z)ε with ε ~ N(0, I).
	HutchinsonGaussian
	// HutchinsonRademacher is εᵀ(∂f/∂z)ε with independent ±1 entries, which
	// has the smaller variance of the two.
	HutchinsonRademacher
)

// String returns the estimator's name as used in flags and checkpoints.
func (tr Trace) String() string {
	switch tr {
	case ExactTrace:
		return "exact"
	case HutchinsonGaussian:
		return "hutchinson-gaussian"
	case HutchinsonRademacher:
		return "hutchinson-rademacher"
	}
	return fmt.Sprintf("Trace(%d)", int(tr))
}

// ParseTrace returns the estimator named s: "exact", "hutchinson-gaussian"
// or "hutchinson-rademacher" ("hutchinson" means the Rademacher one).
func ParseTrace(s string) (Trace, error) {
	switch s {
	case "exact":
		return ExactTrace, nil
	case "hutchinson-gaussian", "gaussian":
		return HutchinsonGaussian, nil
	case "hutchinson-rademacher", "hutchinson", "rademacher":
		return HutchinsonRademacher, nil
	}
	return 0, fmt.Errorf("%w: unknown trace estimator %q (want exact, hutchinson-gaussian or hutchinson-rademacher)", ErrInvalidConfig, s)
}

// Stochastic reports whether the estimator needs noise.
func (tr Trace) Stochastic() bool { return tr == HutchinsonGaussian || tr == HutchinsonRademacher }

// Valid reports whether tr is one of the defined estimators.
func (tr Trace) Valid() bool { return tr >= ExactTrace && tr <= HutchinsonRademacher }

// DrawNoise fills eps with the estimator's noise from r. It does nothing for
// ExactTrace.
func (tr Trace) DrawNoise(eps []float64, r *rand.Rand) {
	switch tr {
	case HutchinsonGaussian:
		for i := range eps {
			eps[i] = r.NormFloat64()
		}
	case HutchinsonRademacher:
		for i := range eps {
			eps[i] = float64(2*int(r.Uint64()&1) - 1)
		}
	}
}
