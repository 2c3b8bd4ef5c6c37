package targets

import "math"

// Tempered is the target raised to the power Beta, log π̃_β = β·log π̃:
// the annealed target with which a reverse-KL fit starts flat (β small,
// the modes merged) and sharpens towards β = 1, a remedy for reverse KL's
// habit of settling on one mode. For β < 1 the tempered density must
// still be integrable (it is for the targets here with Gaussian tails).
type Tempered struct {
	Target Target
	Beta   float64
}

// Dim returns the target's D, or 0 if Target is nil.
func (t Tempered) Dim() int {
	if isNil(t.Target) {
		return 0
	}
	return t.Target.Dim()
}

// LogDensity returns β·log π̃(x), or NaN if Target is nil.
func (t Tempered) LogDensity(x []float64) float64 {
	if isNil(t.Target) {
		return math.NaN()
	}
	return t.Beta * t.Target.LogDensity(x)
}

// LogDensityGrad writes β·∇log π̃(x) into grad and returns β·log π̃(x);
// if Target is nil, it sets grad to NaN and returns NaN.
func (t Tempered) LogDensityGrad(grad, x []float64) float64 {
	if isNil(t.Target) {
		return undefined(grad)
	}
	v := t.Target.LogDensityGrad(grad, x)
	for i := range grad {
		grad[i] *= t.Beta
	}
	return t.Beta * v
}
