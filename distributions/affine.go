package distributions

import (
	"fmt"
	"math"

	"github.com/ffjord-go/ffjord-go/internal/batch"
	"gorgonia.org/tensor"
)

// Affine is the elementwise bijector y = exp(s) ⊙ x + b with a learnable
// shift b and log-scale s (each 1×D): the usual first block of a flow for
// data that is not centred or not of unit scale. Its log-determinant is
// Σ_i s_i, the same for every row.
//
// An Affine reads its parameters at every call; do not update them while
// a call runs.
type Affine struct {
	shift, logScale *tensor.Dense
}

// NewAffine returns the Affine with the given shift and log-scale, of equal
// length D ≥ 1 and finite. NewAffine(make([]float64, D), make([]float64, D))
// is the identity, a common starting point for training.
func NewAffine(shift, logScale []float64) (*Affine, error) {
	if len(shift) == 0 || len(shift) != len(logScale) {
		return nil, fmt.Errorf("%w: Affine shift has %d entries and log-scale %d; want the same number, at least 1", ErrInvalidParameter, len(shift), len(logScale))
	}
	for i := range shift {
		if !finite(shift[i]) || !finite(logScale[i]) || math.Abs(logScale[i]) > maxLogScale {
			return nil, fmt.Errorf("%w: Affine shift[%d] = %g, log-scale[%d] = %g: want finite, |log-scale| ≤ %g", ErrInvalidParameter, i, shift[i], i, logScale[i], maxLogScale)
		}
	}
	D := len(shift)
	return &Affine{
		shift:    tensor.New(tensor.WithShape(1, D), tensor.WithBacking(append([]float64(nil), shift...))),
		logScale: tensor.New(tensor.WithShape(1, D), tensor.WithBacking(append([]float64(nil), logScale...))),
	}, nil
}

// maxLogScale bounds a given log-scale: e^700 is near the largest float64.
const maxLogScale = 700.0

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Dim returns D.
func (a *Affine) Dim() int { return a.shift.Shape()[1] }

// Shift returns a copy of b.
func (a *Affine) Shift() []float64 { return append([]float64(nil), a.shift.Float64s()...) }

// LogScale returns a copy of s.
func (a *Affine) LogScale() []float64 { return append([]float64(nil), a.logScale.Float64s()...) }

// Params returns the shift and the log-scale, each 1×D.
func (a *Affine) Params() []*tensor.Dense { return []*tensor.Dense{a.shift, a.logScale} }

// apply maps x forward (inverse = false) or back, with the log-det per row.
func (a *Affine) apply(x *tensor.Dense, inverse bool) (*tensor.Dense, []float64, error) {
	D := a.Dim()
	data, n, err := batch.Data(x, D)
	if err != nil {
		return nil, nil, fmt.Errorf("distributions: Affine: %w", err)
	}
	out, ld := make([]float64, len(data)), make([]float64, n)
	if inverse {
		a.inverseTo(out, ld, data)
	} else {
		b, s := a.shift.Float64s(), a.logScale.Float64s()
		sum := 0.0
		e := make([]float64, D) // exp(s), once per column
		for i, v := range s {
			sum += v
			e[i] = math.Exp(v)
		}
		for j, v := range data {
			out[j] = e[j%D]*v + b[j%D]
		}
		for r := range ld {
			ld[r] = sum
		}
	}
	return batch.New(n, D, out), ld, nil
}

// inverseTo writes x = (y − b) ⊙ exp(−s) and −Σ s per row.
func (a *Affine) inverseTo(x, ld, y []float64) {
	D := a.Dim()
	b, e := a.shift.Float64s(), a.invScales()
	sum := 0.0
	for _, v := range a.logScale.Float64s() {
		sum += v
	}
	for j, v := range y {
		x[j] = (v - b[j%D]) * e[j%D]
	}
	for r := range ld {
		ld[r] = -sum
	}
}

// invScales returns exp(−s), once per column rather than per value.
func (a *Affine) invScales() []float64 {
	s := a.logScale.Float64s()
	e := make([]float64, len(s))
	for i, v := range s {
		e[i] = math.Exp(-v)
	}
	return e
}

// Forward returns exp(s) ⊙ x + b.
func (a *Affine) Forward(x *tensor.Dense) (*tensor.Dense, error) {
	y, _, err := a.apply(x, false)
	return y, err
}

// Inverse returns (y − b) ⊙ exp(−s).
func (a *Affine) Inverse(y *tensor.Dense) (*tensor.Dense, error) {
	x, _, err := a.apply(y, true)
	return x, err
}

// ForwardWithLogDet returns Forward(x) and Σ s per row.
func (a *Affine) ForwardWithLogDet(x *tensor.Dense) (*tensor.Dense, []float64, error) {
	return a.apply(x, false)
}

// InverseWithLogDet returns Inverse(y) and −Σ s per row.
func (a *Affine) InverseWithLogDet(y *tensor.Dense) (*tensor.Dense, []float64, error) {
	return a.apply(y, true)
}

// RecordInverse records the inverse pass. With x = (y − b)e^{−s} and
// ℓ = −Σ s, its backward pass gives ∂L/∂y = x̄ e^{−s}, ∂L/∂b = −Σ_r x̄ e^{−s}
// and ∂L/∂s = −Σ_r (x̄ ⊙ x + ℓ̄).
func (a *Affine) RecordInverse(y []float64, n int, _ Request) (*Pass, error) {
	D := a.Dim()
	if n <= 0 || len(y) != n*D {
		return nil, fmt.Errorf("distributions: Affine: %w: %d values are not %d rows of %d", ErrShape, len(y), n, D)
	}
	p := &Pass{X: make([]float64, n*D), LogDet: make([]float64, n)}
	a.inverseTo(p.X, p.LogDet, y)
	p.Backward = func(c Cotangents, grads [][]float64) ([]float64, error) {
		if err := a.checkBackward(c, grads, n); err != nil {
			return nil, err
		}
		e := a.invScales()
		ybar := make([]float64, n*D)
		for j := range ybar {
			i := j % D
			if c.X != nil {
				ybar[j] = c.X[j] * e[i]
				grads[0][i] -= c.X[j] * e[i]
				grads[1][i] -= c.X[j] * p.X[j]
			}
			if c.LogDet != nil {
				grads[1][i] -= c.LogDet[j/D]
			}
		}
		return ybar, nil
	}
	return p, nil
}

// RecordForward records the forward pass x = e^s ⊙ z + b, ℓ = Σ s. Its
// backward pass gives ∂L/∂z = x̄ e^s, ∂L/∂b = Σ_r x̄ and
// ∂L/∂s = Σ_r (x̄ ⊙ e^s ⊙ z + ℓ̄).
func (a *Affine) RecordForward(z []float64, n int, _ Request) (*Pass, error) {
	D := a.Dim()
	if n <= 0 || len(z) != n*D {
		return nil, fmt.Errorf("distributions: Affine: %w: %d values are not %d rows of %d", ErrShape, len(z), n, D)
	}
	z = append([]float64(nil), z...) // the backward pass reads it
	x, ld, err := a.apply(batch.New(n, D, z), false)
	if err != nil {
		return nil, err
	}
	p := &Pass{X: x.Float64s(), LogDet: ld}
	p.Backward = func(c Cotangents, grads [][]float64) ([]float64, error) {
		if err := a.checkBackward(c, grads, n); err != nil {
			return nil, err
		}
		s := a.logScale.Float64s()
		zbar := make([]float64, n*D)
		for j := range zbar {
			i := j % D
			if c.X != nil {
				e := math.Exp(s[i])
				zbar[j] = c.X[j] * e
				grads[0][i] += c.X[j]
				grads[1][i] += c.X[j] * e * z[j]
			}
			if c.LogDet != nil {
				grads[1][i] += c.LogDet[j/D]
			}
		}
		return zbar, nil
	}
	return p, nil
}

// checkBackward checks the cotangents of a pass of n rows and the gradient
// slices given to its backward pass.
func (a *Affine) checkBackward(c Cotangents, grads [][]float64, n int) error {
	D := a.Dim()
	if len(grads) != 2 || len(grads[0]) != D || len(grads[1]) != D {
		return fmt.Errorf("%w: Affine wants 2 gradient slices of %d values", ErrInvalidParameter, D)
	}
	if (c.X != nil && len(c.X) != n*D) || (c.LogDet != nil && len(c.LogDet) != n) {
		return fmt.Errorf("%w: Affine cotangents of %d and %d values, want %d and %d", ErrShape, len(c.X), len(c.LogDet), n*D, n)
	}
	return nil
}
