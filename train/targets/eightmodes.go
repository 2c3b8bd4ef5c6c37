package targets

import "math"

// Defaults of an EightModeRing's zero fields.
const (
	DefaultRingRadius = 4
	DefaultRingSigma  = 0.5
)

// EightModeRing is the equal mixture of eight Gaussians N(c_k, σ²I) whose
// means c_k = R(cos 2πk/8, sin 2πk/8) sit evenly on a circle of radius R:
//
//	log π(x) = log Σ_k ⅛ N(x; c_k, σ²I).
//
// It is normalised (log Z = 0). A zero Radius or Sigma means its default
// (DefaultRingRadius, DefaultRingSigma: neighbouring modes 6.1σ apart);
// a negative or non-finite one makes every value NaN.
type EightModeRing struct {
	Radius, Sigma float64
}

func (e EightModeRing) radius() float64 {
	if e.Radius == 0 {
		return DefaultRingRadius
	}
	return e.Radius
}

func (e EightModeRing) sigma() float64 {
	if e.Sigma == 0 {
		return DefaultRingSigma
	}
	return e.Sigma
}

func (e EightModeRing) valid() bool {
	r, s := e.radius(), e.sigma()
	return r > 0 && s > 0 && !math.IsInf(r, 0) && !math.IsInf(s, 0)
}

// Modes is the number of components of an EightModeRing.
const Modes = 8

// Mean returns c_k, the mean of mode k (0 ≤ k < 8).
func (e EightModeRing) Mean(k int) [2]float64 {
	a := 2 * math.Pi * float64(k) / Modes
	return [2]float64{e.radius() * math.Cos(a), e.radius() * math.Sin(a)}
}

// Dim returns 2.
func (EightModeRing) Dim() int { return 2 }

// LogDensity returns log π(x).
func (e EightModeRing) LogDensity(x []float64) float64 {
	var g [2]float64
	return e.LogDensityGrad(g[:], x)
}

// LogDensityGrad writes ∇log π(x) = −Σ_k ρ_k (x − c_k)/σ² into grad, with
// ρ_k the modes' responsibilities, and returns log π(x).
func (e EightModeRing) LogDensityGrad(grad, x []float64) float64 {
	if !e.valid() || len(x) != 2 || len(grad) != 2 {
		return undefined(grad)
	}
	s := e.sigma()
	var q [Modes]float64
	m := math.Inf(-1)
	for k := range Modes {
		c := e.Mean(k)
		dx, dy := (x[0]-c[0])/s, (x[1]-c[1])/s
		q[k] = -0.5 * (dx*dx + dy*dy)
		m = max(m, q[k])
	}
	var sum, gx, gy float64
	for k := range Modes {
		w := math.Exp(q[k] - m)
		c := e.Mean(k)
		sum += w
		gx += w * (x[0] - c[0])
		gy += w * (x[1] - c[1])
	}
	grad[0], grad[1] = -gx/(sum*s*s), -gy/(sum*s*s)
	return m + math.Log(sum/Modes) - 2*math.Log(s) - 2*halfLog2Pi
}

// Mode returns the mode nearest to x, which for modes on one circle is
// the one of nearest angle: round(atan2(x₂, x₁)·8/2π) mod 8. The origin
// belongs to mode 0, and a point with a NaN or an infinity, or not of
// length 2, to none (−1).
func (e EightModeRing) Mode(x []float64) int {
	if len(x) != 2 || math.IsNaN(x[0]+x[1]) || math.IsInf(x[0]+x[1], 0) {
		return -1
	}
	k := int(math.Round(math.Atan2(x[1], x[0]) * Modes / (2 * math.Pi)))
	return ((k % Modes) + Modes) % Modes
}

// ModeMasses returns the share of the rows of the row-major x (N×2) that
// falls to each mode (Mode), weighted by w (nil: equal weights; otherwise
// N finite values ≥ 0, not all 0). Of samples of π each share is ⅛; issue
// 25 asks of a flow q that every mode holds at least 8 %.
func (e EightModeRing) ModeMasses(x, w []float64) ([Modes]float64, error) {
	var m [Modes]float64
	if len(x) == 0 || len(x)%2 != 0 {
		return m, errInvalid("ModeMasses: %d values are not rows of 2", len(x))
	}
	n := len(x) / 2
	if w != nil && len(w) != n {
		return m, errInvalid("ModeMasses: %d weights for %d points", len(w), n)
	}
	var total float64
	for r := range n {
		wr := 1.0
		if w != nil {
			wr = w[r]
			if !(wr >= 0) || math.IsInf(wr, 1) {
				return m, errInvalid("ModeMasses: weight %d is %g", r, wr)
			}
		}
		k := e.Mode(x[2*r : 2*r+2])
		if k < 0 {
			return m, errInvalid("ModeMasses: point %d is not finite", r)
		}
		m[k] += wr
		total += wr
	}
	if total == 0 {
		return m, errInvalid("ModeMasses: every weight is 0")
	}
	for k := range m {
		m[k] /= total
	}
	return m, nil
}
