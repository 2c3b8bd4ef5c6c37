package targets

import "math"

// halfLog2Pi is ½ log 2π.
const halfLog2Pi = 0.918938533204672741780329736406

// Banana is the twisted Gaussian x₁ ~ N(0, 1), x₂ − B·x₁² ~ N(0, 1):
//
//	log π(x) = −½x₁² − ½(x₂ − B·x₁²)² − log 2π.
//
// The twist has Jacobian 1, so π is normalised (log Z = 0) for every B;
// B = 0 is the standard Gaussian, and the zero value is that.
type Banana struct {
	B float64 // curvature of the twist
}

// Dim returns 2.
func (Banana) Dim() int { return 2 }

// LogDensity returns log π(x).
func (b Banana) LogDensity(x []float64) float64 {
	if len(x) != 2 {
		return math.NaN()
	}
	w := x[1] - b.B*x[0]*x[0]
	return -0.5*x[0]*x[0] - 0.5*w*w - 2*halfLog2Pi
}

// LogDensityGrad writes ∇log π(x) into grad and returns log π(x).
func (b Banana) LogDensityGrad(grad, x []float64) float64 {
	if len(x) != 2 || len(grad) != 2 {
		return undefined(grad)
	}
	w := x[1] - b.B*x[0]*x[0]
	grad[0] = -x[0] + 2*b.B*x[0]*w
	grad[1] = -w
	return -0.5*x[0]*x[0] - 0.5*w*w - 2*halfLog2Pi
}
