package targets

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// funnelScale is the standard deviation of Neal's v.
const (
	funnelScale = 3
	ln3         = 1.09861228866810969139524523692252570 // log 3
)

// Funnel is Neal's funnel in two dimensions, the point (v, x) with
//
//	v ~ N(0, 3²),  x | v ~ N(0, eᵛ),
//	log π(v, x) = −v²/18 − log 3 − ½x²e^{−v} − v/2 − log 2π.
//
// It is normalised (log Z = 0), and v's quantiles are exact (QuantileV):
// the scale of x spans e^{±4.5} ≈ 0.011…90 between v's 0.1 % and 99.9 %
// quantiles, the neck that samplers and flows fail to reach.
type Funnel struct{}

// Dim returns 2: the point is (v, x).
func (Funnel) Dim() int { return 2 }

// LogDensity returns log π(v, x) for p = (v, x).
func (f Funnel) LogDensity(p []float64) float64 {
	if len(p) != 2 {
		return math.NaN()
	}
	v, x := p[0], p[1]
	return -v*v/(2*funnelScale*funnelScale) - ln3 - 0.5*x*x*math.Exp(-v) - 0.5*v - 2*halfLog2Pi
}

// LogDensityGrad writes ∇log π(v, x) into grad and returns log π(v, x).
func (f Funnel) LogDensityGrad(grad, p []float64) float64 {
	if len(p) != 2 || len(grad) != 2 {
		return undefined(grad)
	}
	v, x := p[0], p[1]
	e := math.Exp(-v)
	grad[0] = -v/(funnelScale*funnelScale) + 0.5*x*x*e - 0.5
	grad[1] = -x * e
	return -v*v/(2*funnelScale*funnelScale) - ln3 - 0.5*x*x*e - 0.5*v - 2*halfLog2Pi
}

// QuantileV returns the exact p-quantile of v, 3·Φ⁻¹(p), for 0 ≤ p ≤ 1.
func (Funnel) QuantileV(p float64) float64 {
	return distuv.Normal{Mu: 0, Sigma: funnelScale}.Quantile(p)
}
