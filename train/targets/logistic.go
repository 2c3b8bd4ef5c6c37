package targets

import (
	"fmt"
	"math"

	"github.com/ffjord-go/ffjord-go/train/datasets"
)

// LogisticRegression is the posterior of Bayesian logistic regression,
// known up to the marginal likelihood: for N rows x_i of P features
// (a bias among them if wanted), labels y_i ∈ {0, 1} and independent
// priors β_j ~ N(0, s²),
//
//	log π̃(β) = Σ_i [y_i η_i − log(1 + e^{η_i})] − ‖β‖²/2s² − P log s − (P/2) log 2π,
//	η_i = x_iᵀβ,
//
// with ∇log π̃(β) = Σ_i (y_i − σ(η_i)) x_i − β/s². A gradient costs 2NP
// multiply-adds and allocates nothing.
type LogisticRegression struct {
	x     []float64 // N×P row-major
	y     []float64 // N labels, 0 or 1
	n, p  int
	prior float64
}

// NewLogisticRegression returns the posterior for the n×p row-major
// features x (finite), labels y (0 or 1) and prior scale s > 0. The slices
// are copied.
func NewLogisticRegression(x []float64, y []int, n, p int, s float64) (*LogisticRegression, error) {
	if n < 1 || p < 1 || len(x) != n*p || len(y) != n {
		return nil, errInvalid("logistic regression: %d features and %d labels are not %d rows of %d", len(x), len(y), n, p)
	}
	if !(s > 0) || math.IsInf(s, 1) {
		return nil, errInvalid("logistic regression: prior scale %g", s)
	}
	l := &LogisticRegression{x: append([]float64(nil), x...), y: make([]float64, n), n: n, p: p, prior: s}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, errInvalid("logistic regression: feature %d of row %d is %g", i%p, i/p, v)
		}
	}
	for i, v := range y {
		if v != 0 && v != 1 {
			return nil, errInvalid("logistic regression: label %d is %d, not 0 or 1", i, v)
		}
		l.y[i] = float64(v)
	}
	return l, nil
}

// BreastCancerLogistic returns issue 25's posterior: logistic regression
// of the diagnosis (1 benign, 0 malignant) of datasets.BreastCancer on its
// 30 features, each standardised to mean 0 and standard deviation 1 (the
// population's, as scikit-learn's StandardScaler), after a bias column of
// ones: 31 coefficients, β₀ the bias and β_j feature j − 1, with N(0, 1)
// priors.
func BreastCancerLogistic() (*LogisticRegression, error) {
	t, labels, err := datasets.BreastCancer()
	if err != nil {
		return nil, fmt.Errorf("targets: BreastCancerLogistic: %w", err)
	}
	n, f := t.Shape()[0], t.Shape()[1]
	raw := t.Float64s()
	x := make([]float64, n*(f+1))
	for j := range f {
		var mean, ss float64
		for i := range n {
			mean += raw[i*f+j]
		}
		mean /= float64(n)
		for i := range n {
			d := raw[i*f+j] - mean
			ss += d * d
		}
		sd := math.Sqrt(ss / float64(n))
		for i := range n {
			x[i*(f+1)+j+1] = (raw[i*f+j] - mean) / sd
		}
	}
	for i := range n {
		x[i*(f+1)] = 1
	}
	return NewLogisticRegression(x, labels, n, f+1, 1)
}

// Dim returns P, or 0 for a nil or zero-value LogisticRegression (one not
// made by NewLogisticRegression), whose every value is NaN.
func (l *LogisticRegression) Dim() int {
	if l == nil {
		return 0
	}
	return l.p
}

// Rows returns N, or 0 for a nil LogisticRegression.
func (l *LogisticRegression) Rows() int {
	if l == nil {
		return 0
	}
	return l.n
}

// LogDensity returns log π̃(β), or NaN for β not of length P.
func (l *LogisticRegression) LogDensity(beta []float64) float64 {
	if l.Dim() < 1 || len(beta) != l.p {
		return math.NaN()
	}
	return l.eval(nil, beta)
}

// LogDensityGrad writes ∇log π̃(β) into grad and returns log π̃(β); for β
// or grad not of length P it sets grad to NaN and returns NaN.
func (l *LogisticRegression) LogDensityGrad(grad, beta []float64) float64 {
	if l.Dim() < 1 || len(beta) != l.p || len(grad) != l.p {
		return undefined(grad)
	}
	return l.eval(grad, beta)
}

func (l *LogisticRegression) eval(grad, beta []float64) float64 {
	p, s2 := l.p, l.prior*l.prior
	var lp float64
	for j, b := range beta {
		lp -= b * b / (2 * s2)
		if grad != nil {
			grad[j] = -b / s2
		}
	}
	lp -= float64(p) * (math.Log(l.prior) + halfLog2Pi)
	for i := range l.n {
		row := l.x[i*p : (i+1)*p]
		var eta float64
		for j, v := range row {
			eta += v * beta[j]
		}
		lp += l.y[i]*eta - softplus(eta)
		if grad != nil {
			r := l.y[i] - sigmoid(eta)
			for j, v := range row {
				grad[j] += r * v
			}
		}
	}
	return lp
}

// softplus returns log(1 + eˣ) without overflow.
func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// sigmoid returns 1/(1 + e^{−x}) without overflow.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}
