package distributions

import (
	"fmt"
	"math"

	"github.com/ffjord-go/ffjord-go/internal/batch"
	"gorgonia.org/tensor"
)

// Sigmoid is the bijector from the base side ℝ^D to data bounded in
// (lo, hi) in every coordinate: the logit preprocessing of RealNVP and
// Glow for pixels, with the squeeze α that keeps the logit finite at the
// ends of the interval. Coordinate by coordinate,
//
//	Inverse(x) = logit(p),  p = α + (1 − 2α)(x − lo)/(hi − lo),
//	Forward(z) = lo + (hi − lo)(sigmoid(z) − α)/(1 − 2α),
//
// so data in [lo, hi] map to p in [α, 1 − α]. Its log-determinants are,
// per row, Σ_i [log((1−2α)/(hi−lo)) − log p_i − log(1−p_i)] for Inverse
// and the negative of that at the image point for Forward.
//
// With α > 0, Forward maps ℝ onto the slightly wider interval
// (lo − αw, hi + αw), w = (hi − lo)/(1 − 2α), which is also the domain of
// Inverse; with α = 0 both are (lo, hi). Inverse, InverseWithLogDet and
// RecordInverse return an error wrapping ErrDomain, naming the row and
// column, for a value outside it (where the logit would be ±Inf or NaN).
// Forward of |z| beyond about 37 rounds to the end of the interval, which
// Inverse then refuses when α = 0.
//
// A Sigmoid has no parameters and is safe for concurrent use.
type Sigmoid struct {
	d                    int
	lo, hi, alpha        float64
	scale, logScale      float64 // c = (1 − 2α)/(hi − lo) and log c
	domainLo, domainHigh float64 // the domain of Inverse, for messages
}

// NewSigmoid returns the Sigmoid of D coordinates (1 ≤ D ≤ MaxDim) onto
// (lo, hi), lo < hi finite with hi − lo finite, and squeeze 0 ≤ α < 0.5.
// For 8×8 digits whose pixels v ∈ {0, …, 16} are dequantised to v + u,
// u ~ U[0, 1), it is NewSigmoid(64, 0, 17, 0.05).
func NewSigmoid(D int, lo, hi, alpha float64) (*Sigmoid, error) {
	if D <= 0 || D > MaxDim {
		return nil, fmt.Errorf("%w: Sigmoid of %d coordinates, want 1 to %d", ErrInvalidParameter, D, MaxDim)
	}
	if !finite(lo) || !finite(hi) || !(lo < hi) || !finite(hi-lo) {
		return nil, fmt.Errorf("%w: Sigmoid interval (%g, %g), want finite low < high with a finite width", ErrInvalidParameter, lo, hi)
	}
	if !(alpha >= 0 && alpha < 0.5) {
		return nil, fmt.Errorf("%w: Sigmoid alpha = %g, want 0 ≤ alpha < 0.5", ErrInvalidParameter, alpha)
	}
	c := (1 - 2*alpha) / (hi - lo)
	if !finite(c) {
		return nil, fmt.Errorf("%w: Sigmoid interval (%g, %g) is too narrow: (1 − 2α)/(high − low) overflows", ErrInvalidParameter, lo, hi)
	}
	return &Sigmoid{
		d: D, lo: lo, hi: hi, alpha: alpha,
		scale: c, logScale: math.Log(c),
		domainLo: lo - alpha/c, domainHigh: hi + alpha/c,
	}, nil
}

// Dim returns D.
func (s *Sigmoid) Dim() int { return s.d }

// Low returns lo.
func (s *Sigmoid) Low() float64 { return s.lo }

// High returns hi.
func (s *Sigmoid) High() float64 { return s.hi }

// Alpha returns α.
func (s *Sigmoid) Alpha() float64 { return s.alpha }

// Params returns nil: a Sigmoid has no parameters.
func (s *Sigmoid) Params() []*tensor.Dense { return nil }

// probs returns p = α + c(x − lo) and 1 − p = α + c(hi − x), the latter
// from hi − x rather than by 1 − p, which would cancel near the top.
func (s *Sigmoid) probs(x float64) (p, q float64) {
	return s.alpha + s.scale*(x-s.lo), s.alpha + s.scale*(s.hi-x)
}

// inverseTo writes z = log p − log(1 − p) and, if ld is not nil, the
// log-det per row; if dz and dld are not nil, it also writes dz/dx and
// dℓ/dx for each value. It refuses a value whose p is not in (0, 1).
func (s *Sigmoid) inverseTo(z, ld, dz, dld, x []float64) error {
	D := s.d
	for j, v := range x {
		p, q := s.probs(v)
		if !(p > 0 && q > 0) {
			return fmt.Errorf("%w: Sigmoid: %g at row %d, column %d is outside (%g, %g)", ErrDomain, v, j/D, j%D, s.domainLo, s.domainHigh)
		}
		lp, lq := math.Log(p), math.Log(q)
		z[j] = lp - lq
		if ld != nil {
			ld[j/D] += s.logScale - lp - lq
		}
		if dz != nil {
			// dz/dx = c/(pq) and d(−log p − log q)/dx = c(p − q)/(pq),
			// using p + q = 1.
			g := s.scale / (p * q)
			dz[j], dld[j] = g, g*(p-q)
		}
	}
	return nil
}

// forwardTo writes x = lo + (sigmoid(z) − α)/c and, if ld is not nil, the
// log-det per row, log(1/c) + log sigmoid(z) + log sigmoid(−z).
func (s *Sigmoid) forwardTo(x, ld, z []float64) {
	D := s.d
	for j, v := range z {
		// e/(1 + e) = sigmoid(−|z|), measured from the nearer end.
		a := math.Abs(v)
		e := math.Exp(-a)
		small := e / (1 + e)
		if v < 0 {
			x[j] = s.lo + (small-s.alpha)/s.scale
		} else {
			x[j] = s.hi - (small-s.alpha)/s.scale
		}
		if ld != nil {
			// log sigmoid(z) + log sigmoid(−z) = −|z| − 2 log(1 + e^{−|z|}).
			ld[j/D] += -s.logScale - a - 2*math.Log1p(e)
		}
	}
}

// Forward returns lo + (hi − lo)(sigmoid(z) − α)/(1 − 2α) of each value.
func (s *Sigmoid) Forward(z *tensor.Dense) (*tensor.Dense, error) {
	data, n, err := batch.Data(z, s.d)
	if err != nil {
		return nil, fmt.Errorf("distributions: Sigmoid: %w", err)
	}
	x := make([]float64, len(data))
	s.forwardTo(x, nil, data)
	return batch.New(n, s.d, x), nil
}

// ForwardWithLogDet returns Forward(z) and its log-determinant per row.
func (s *Sigmoid) ForwardWithLogDet(z *tensor.Dense) (*tensor.Dense, []float64, error) {
	data, n, err := batch.Data(z, s.d)
	if err != nil {
		return nil, nil, fmt.Errorf("distributions: Sigmoid: %w", err)
	}
	x, ld := make([]float64, len(data)), make([]float64, n)
	s.forwardTo(x, ld, data)
	return batch.New(n, s.d, x), ld, nil
}

// Inverse returns logit(α + (1 − 2α)(x − lo)/(hi − lo)) of each value; an
// error wrapping ErrDomain for a value outside the domain.
func (s *Sigmoid) Inverse(x *tensor.Dense) (*tensor.Dense, error) {
	z, _, err := s.inverse(x, false)
	return z, err
}

// InverseWithLogDet returns Inverse(x) and its log-determinant per row.
func (s *Sigmoid) InverseWithLogDet(x *tensor.Dense) (*tensor.Dense, []float64, error) {
	return s.inverse(x, true)
}

func (s *Sigmoid) inverse(x *tensor.Dense, withLogDet bool) (*tensor.Dense, []float64, error) {
	data, n, err := batch.Data(x, s.d)
	if err != nil {
		return nil, nil, fmt.Errorf("distributions: Sigmoid: %w", err)
	}
	z := make([]float64, len(data))
	var ld []float64
	if withLogDet {
		ld = make([]float64, n)
	}
	if err := s.inverseTo(z, ld, nil, nil, data); err != nil {
		return nil, nil, err
	}
	return batch.New(n, s.d, z), ld, nil
}

// RecordInverse records the inverse pass; an error wrapping ErrDomain for
// a value outside the domain. Its backward pass gives, value by value,
// ∂L/∂x = z̄ c/(p(1−p)) + ℓ̄_r c(2p − 1)/(p(1−p)), c = (1−2α)/(hi−lo).
func (s *Sigmoid) RecordInverse(x []float64, n int, _ Request) (*Pass, error) {
	D := s.d
	if n <= 0 || len(x)%D != 0 || len(x)/D != n { // not n*D, which can overflow
		return nil, fmt.Errorf("distributions: Sigmoid: %w: %d values are not %d rows of %d", ErrShape, len(x), n, D)
	}
	p := &Pass{X: make([]float64, n*D), LogDet: make([]float64, n)}
	dz, dld := make([]float64, n*D), make([]float64, n*D)
	if err := s.inverseTo(p.X, p.LogDet, dz, dld, x); err != nil {
		return nil, err
	}
	p.Backward = func(c Cotangents, grads [][]float64) ([]float64, error) {
		if len(grads) != 0 {
			return nil, fmt.Errorf("%w: Sigmoid has no parameters, got %d gradient slices", ErrInvalidParameter, len(grads))
		}
		if (c.X != nil && len(c.X) != n*D) || (c.LogDet != nil && len(c.LogDet) != n) {
			return nil, fmt.Errorf("%w: Sigmoid cotangents of %d and %d values, want %d and %d", ErrShape, len(c.X), len(c.LogDet), n*D, n)
		}
		xbar := make([]float64, n*D)
		for j := range xbar {
			if c.X != nil {
				xbar[j] = c.X[j] * dz[j]
			}
			if c.LogDet != nil {
				xbar[j] += c.LogDet[j/D] * dld[j]
			}
		}
		return xbar, nil
	}
	return p, nil
}
