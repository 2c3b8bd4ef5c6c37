package targets

import "math"

// TwoLobeRing is U1 of Rezende & Mohamed (2015, Table 1): a ring of radius
// 2 cut by two Gaussian lobes at z₁ = ±2,
//
//	log π̃(z) = −½((‖z‖ − 2)/0.4)² + log(e^{−½((z₁−2)/0.6)²} + e^{−½((z₁+2)/0.6)²}).
//
// Its normalising constant has no closed form; Grid.LogZ gives
// log Z = 1.8775016261 (the value agrees to 1e−12 on grids of h = 0.05
// and 0.0125 over [−5, 5]²).
type TwoLobeRing struct{}

// Dim returns 2.
func (TwoLobeRing) Dim() int { return 2 }

// LogDensity returns log π̃(z).
func (r TwoLobeRing) LogDensity(z []float64) float64 {
	var g [2]float64
	return r.LogDensityGrad(g[:], z)
}

// LogDensityGrad writes ∇log π̃(z) into grad and returns log π̃(z). At the
// origin, where ‖z‖ has no gradient, the ring term contributes 0.
func (TwoLobeRing) LogDensityGrad(grad, z []float64) float64 {
	if len(z) != 2 || len(grad) != 2 {
		return undefined(grad)
	}
	r := math.Hypot(z[0], z[1])
	a := (r - 2) / 0.4
	// The lobes by log-sum-exp, so that far out they do not underflow.
	l1, l2 := (z[0]-2)/0.6, (z[0]+2)/0.6
	e1, e2 := -0.5*l1*l1, -0.5*l2*l2
	m := max(e1, e2)
	w1, w2 := math.Exp(e1-m), math.Exp(e2-m)
	s := w1 + w2
	lobes := m + math.Log(s)
	grad[0] = -(w1*l1 + w2*l2) / (0.6 * s)
	grad[1] = 0
	if r > 0 {
		k := -a / (0.4 * r)
		grad[0] += k * z[0]
		grad[1] += k * z[1]
	}
	return -0.5*a*a + lobes
}
