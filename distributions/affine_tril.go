package distributions

import (
	"fmt"
	"math"

	"github.com/ffjord-go/ffjord-go/internal/batch"
	"gorgonia.org/tensor"
)

// AffineTriL is the bijector y = L·x + b with L lower-triangular (D×D,
// positive diagonal) and shift b: TFP's ScaleMatvecTriL followed by Shift.
// It carries a full covariance: a standard-normal base pushed through it
// is N(b, L·Lᵀ), and its Inverse x = L⁻¹(y − b), by forward substitution,
// whitens data of that distribution. Its log-determinant is Σ_i log L_ii,
// the same for every row (the inverse's is its negative). train.FitWhitening
// fits one to data.
//
// A fixed AffineTriL (NewAffineTriL, train.FitWhitening) has no parameters. A
// learnable one (NewLearnableAffineTriL) has two: the shift and a D×D
// tensor holding L's strictly-lower entries as they are and log L_ii on
// its diagonal, so that any value of it is a valid L; its upper triangle
// is ignored and always gets zero gradient.
//
// A fixed AffineTriL is safe for concurrent use. A learnable one reads its
// parameters at every call; do not update them while a call runs.
type AffineTriL struct {
	shift *tensor.Dense // 1×D
	// scale is L for a fixed AffineTriL and the parameter described above
	// for a learnable one.
	scale     *tensor.Dense // D×D, row-major
	learnable bool
	logDet    float64 // Σ log L_ii of a fixed AffineTriL
}

// NewAffineTriL returns the fixed AffineTriL y = L·x + b of the given
// shift b (D values, 1 ≤ D ≤ MaxDim) and scaleTriL L (D×D, row-major):
// every entry finite, the entries above the diagonal zero, the diagonal
// > 0. The slices are copied.
func NewAffineTriL(shift, scaleTriL []float64) (*AffineTriL, error) {
	if err := checkTriL(shift, scaleTriL, false); err != nil {
		return nil, err
	}
	a := newAffineTriL(shift, scaleTriL, false)
	D := len(shift)
	for i := range D {
		a.logDet += math.Log(scaleTriL[i*D+i])
	}
	return a, nil
}

// NewLearnableAffineTriL returns the AffineTriL y = L·x + b whose shift and
// scale are parameters (Params), starting from the given values, which
// must be as NewAffineTriL wants with, besides, |log L_ii| ≤ 700.
// NewLearnableAffineTriL(zeros, identity) is the identity, a common
// starting point for training.
func NewLearnableAffineTriL(shift, scaleTriL []float64) (*AffineTriL, error) {
	if err := checkTriL(shift, scaleTriL, true); err != nil {
		return nil, err
	}
	a := newAffineTriL(shift, scaleTriL, true)
	D := len(shift)
	s := a.scale.Float64s()
	for i := range D {
		s[i*D+i] = math.Log(s[i*D+i])
	}
	return a, nil
}

// newAffineTriL wraps copies of shift and scale, which the caller has
// checked.
func newAffineTriL(shift, scale []float64, learnable bool) *AffineTriL {
	D := len(shift)
	return &AffineTriL{
		shift:     tensor.New(tensor.WithShape(1, D), tensor.WithBacking(append([]float64(nil), shift...))),
		scale:     tensor.New(tensor.WithShape(D, D), tensor.WithBacking(append([]float64(nil), scale...))),
		learnable: learnable,
	}
}

// checkTriL checks the arguments of the constructors: the length of shift
// against MaxDim before that of the D×D scale, then the values.
func checkTriL(shift, l []float64, learnable bool) error {
	D := len(shift)
	if D == 0 || D > MaxDim {
		return fmt.Errorf("%w: AffineTriL shift has %d entries, want 1 to %d", ErrInvalidParameter, D, MaxDim)
	}
	if len(l) != D*D {
		return fmt.Errorf("%w: AffineTriL scale has %d entries, want %d×%d = %d (row-major)", ErrInvalidParameter, len(l), D, D, D*D)
	}
	for i, v := range shift {
		if !finite(v) {
			return fmt.Errorf("%w: AffineTriL shift[%d] = %g, want finite", ErrInvalidParameter, i, v)
		}
	}
	for i := range D {
		for j, v := range l[i*D : (i+1)*D] {
			switch {
			case j > i && v != 0:
				return fmt.Errorf("%w: AffineTriL scale[%d][%d] = %g above the diagonal, want 0 (L is lower-triangular)", ErrInvalidParameter, i, j, v)
			case j < i && !finite(v):
				return fmt.Errorf("%w: AffineTriL scale[%d][%d] = %g, want finite", ErrInvalidParameter, i, j, v)
			case j == i && (!(v > 0) || math.IsInf(v, 0)):
				return fmt.Errorf("%w: AffineTriL scale[%d][%d] = %g on the diagonal, want finite and > 0", ErrInvalidParameter, i, j, v)
			case j == i && learnable && math.Abs(math.Log(v)) > maxLogScale:
				return fmt.Errorf("%w: AffineTriL scale[%d][%d] = %g on the diagonal of a learnable scale, want |log| ≤ %g", ErrInvalidParameter, i, j, v, maxLogScale)
			}
		}
	}
	return nil
}

// Dim returns D.
func (a *AffineTriL) Dim() int { return a.shift.Shape()[1] }

// Learnable reports whether the shift and scale are parameters.
func (a *AffineTriL) Learnable() bool { return a.learnable }

// Shift returns a copy of b.
func (a *AffineTriL) Shift() []float64 { return append([]float64(nil), a.shift.Float64s()...) }

// ScaleTriL returns a copy of L, D×D row-major, with zeros above the
// diagonal (for a learnable AffineTriL, L_ii = exp of the parameter's
// diagonal).
func (a *AffineTriL) ScaleTriL() []float64 {
	if !a.learnable {
		return append([]float64(nil), a.scale.Float64s()...)
	}
	D, s := a.Dim(), a.scale.Float64s()
	l := make([]float64, D*D)
	for i := range D {
		copy(l[i*D:i*D+i], s[i*D:i*D+i])
		l[i*D+i] = math.Exp(s[i*D+i])
	}
	return l
}

// Params returns the shift (1×D) and the scale parameter (D×D: L's
// strictly-lower entries and log L_ii on the diagonal) of a learnable
// AffineTriL, and nothing for a fixed one.
func (a *AffineTriL) Params() []*tensor.Dense {
	if !a.learnable {
		return nil
	}
	return []*tensor.Dense{a.shift, a.scale}
}

// lower returns L (D×D row-major, not to be modified) and Σ log L_ii. For a
// learnable AffineTriL it builds L from the parameters as they are now,
// and refuses values that define no L (a diverged optimiser's).
func (a *AffineTriL) lower() ([]float64, float64, error) {
	if !a.learnable {
		return a.scale.Float64s(), a.logDet, nil
	}
	D, s := a.Dim(), a.scale.Float64s()
	l := make([]float64, D*D)
	sum := 0.0
	for i := range D {
		for j := range i {
			v := s[i*D+j]
			if !finite(v) {
				return nil, 0, fmt.Errorf("%w: AffineTriL scale parameter [%d][%d] = %g, want finite", ErrInvalidParameter, i, j, v)
			}
			l[i*D+j] = v
		}
		v := s[i*D+i]
		e := math.Exp(v)
		if !(e > 0) || math.IsInf(e, 0) {
			return nil, 0, fmt.Errorf("%w: AffineTriL log-diagonal parameter [%d] = %g, want exp of it finite and > 0", ErrInvalidParameter, i, v)
		}
		l[i*D+i] = e
		sum += v
	}
	return l, sum, nil
}

// forwardTriL writes y = L·x + b for each row of x.
func forwardTriL(y, x, l, b []float64, D int) {
	for r := 0; r < len(x); r += D {
		xr := x[r : r+D]
		for i := range D {
			s := b[i]
			for j, v := range l[i*D : i*D+i+1] {
				s += v * xr[j]
			}
			y[r+i] = s
		}
	}
}

// solveTriL writes x = L⁻¹(y − b) for each row of y, by forward
// substitution.
func solveTriL(x, y, l, b []float64, D int) {
	for r := 0; r < len(y); r += D {
		xr := x[r : r+D]
		for i := range D {
			s := y[r+i] - b[i]
			for j, v := range l[i*D : i*D+i] {
				s -= v * xr[j]
			}
			xr[i] = s / l[i*D+i]
		}
	}
}

// solveTriLT overwrites each row g of w with L⁻ᵀg, by back substitution
// that reads L by rows.
func solveTriLT(w, l []float64, D int) {
	for r := 0; r < len(w); r += D {
		wr := w[r : r+D]
		for i := D - 1; i >= 0; i-- {
			wr[i] /= l[i*D+i]
			for j, v := range l[i*D : i*D+i] {
				wr[j] -= v * wr[i]
			}
		}
	}
}

// apply maps x forward (inverse = false) or back, with the log-det per row.
func (a *AffineTriL) apply(x *tensor.Dense, inverse bool) (*tensor.Dense, []float64, error) {
	D := a.Dim()
	data, n, err := batch.Data(x, D)
	if err != nil {
		return nil, nil, fmt.Errorf("distributions: AffineTriL: %w", err)
	}
	l, ld, err := a.lower()
	if err != nil {
		return nil, nil, err
	}
	out, lds := make([]float64, len(data)), make([]float64, n)
	if inverse {
		solveTriL(out, data, l, a.shift.Float64s(), D)
		ld = -ld
	} else {
		forwardTriL(out, data, l, a.shift.Float64s(), D)
	}
	for r := range lds {
		lds[r] = ld
	}
	return batch.New(n, D, out), lds, nil
}

// Forward returns L·x + b.
func (a *AffineTriL) Forward(x *tensor.Dense) (*tensor.Dense, error) {
	y, _, err := a.apply(x, false)
	return y, err
}

// Inverse returns L⁻¹(y − b).
func (a *AffineTriL) Inverse(y *tensor.Dense) (*tensor.Dense, error) {
	x, _, err := a.apply(y, true)
	return x, err
}

// ForwardWithLogDet returns Forward(x) and Σ log L_ii per row.
func (a *AffineTriL) ForwardWithLogDet(x *tensor.Dense) (*tensor.Dense, []float64, error) {
	return a.apply(x, false)
}

// InverseWithLogDet returns Inverse(y) and −Σ log L_ii per row.
func (a *AffineTriL) InverseWithLogDet(y *tensor.Dense) (*tensor.Dense, []float64, error) {
	return a.apply(y, true)
}

// RecordInverse records the inverse pass x = L⁻¹(y − b), ℓ = −Σ log L_ii,
// with L as it is now. With w_r = L⁻ᵀx̄_r, its backward pass gives
// ∂L/∂y_r = w_r and, for a learnable AffineTriL, ∂L/∂b = −Σ_r w_r,
// ∂L/∂L_ij = −Σ_r w_ri x_rj (i > j) and, for the parameter s_i = log L_ii,
// ∂L/∂s_i = −Σ_r (w_ri x_ri L_ii + ℓ̄_r).
func (a *AffineTriL) RecordInverse(y []float64, n int, _ Request) (*Pass, error) {
	D := a.Dim()
	if n <= 0 || len(y)%D != 0 || len(y)/D != n { // not n*D, which can overflow
		return nil, fmt.Errorf("distributions: AffineTriL: %w: %d values are not %d rows of %d", ErrShape, len(y), n, D)
	}
	l, ld, err := a.lower()
	if err != nil {
		return nil, err
	}
	p := &Pass{X: make([]float64, n*D), LogDet: make([]float64, n)}
	solveTriL(p.X, y, l, a.shift.Float64s(), D)
	for r := range p.LogDet {
		p.LogDet[r] = -ld
	}
	nParams := len(a.Params())
	p.Backward = func(c Cotangents, grads [][]float64) ([]float64, error) {
		if err := a.checkBackward(c, grads, n); err != nil {
			return nil, err
		}
		w := make([]float64, n*D)
		if c.X != nil {
			copy(w, c.X)
			solveTriLT(w, l, D)
		}
		if nParams == 0 {
			return w, nil
		}
		gb, gs := grads[0], grads[1]
		for r := 0; r < len(w); r += D {
			wr, xr := w[r:r+D], p.X[r:r+D]
			for i, wi := range wr {
				gb[i] -= wi
				row := gs[i*D : i*D+i+1]
				for j := range i {
					row[j] -= wi * xr[j]
				}
				row[i] -= wi * xr[i] * l[i*D+i]
			}
		}
		if c.LogDet != nil {
			sum := 0.0
			for _, v := range c.LogDet {
				sum += v
			}
			for i := range D {
				gs[i*D+i] -= sum
			}
		}
		return w, nil
	}
	return p, nil
}

// RecordForward records the forward pass x = L·z + b, ℓ = Σ log L_ii, with
// L as it is now. Its backward pass gives ∂L/∂z_r = Lᵀx̄_r and, for a
// learnable AffineTriL, ∂L/∂b = Σ_r x̄_r, ∂L/∂L_ij = Σ_r x̄_ri z_rj (i > j)
// and, for s_i = log L_ii, ∂L/∂s_i = Σ_r (x̄_ri z_ri L_ii + ℓ̄_r).
func (a *AffineTriL) RecordForward(z []float64, n int, _ Request) (*Pass, error) {
	D := a.Dim()
	if n <= 0 || len(z)%D != 0 || len(z)/D != n {
		return nil, fmt.Errorf("distributions: AffineTriL: %w: %d values are not %d rows of %d", ErrShape, len(z), n, D)
	}
	z = append([]float64(nil), z...) // the backward pass reads it
	l, ld, err := a.lower()
	if err != nil {
		return nil, err
	}
	p := &Pass{X: make([]float64, n*D), LogDet: make([]float64, n)}
	forwardTriL(p.X, z, l, a.shift.Float64s(), D)
	for r := range p.LogDet {
		p.LogDet[r] = ld
	}
	nParams := len(a.Params())
	p.Backward = func(c Cotangents, grads [][]float64) ([]float64, error) {
		if err := a.checkBackward(c, grads, n); err != nil {
			return nil, err
		}
		zbar := make([]float64, n*D)
		if c.X != nil {
			for r := 0; r < len(zbar); r += D {
				xb, zb := c.X[r:r+D], zbar[r:r+D]
				for i, g := range xb {
					for j, v := range l[i*D : i*D+i+1] {
						zb[j] += v * g
					}
				}
			}
		}
		if nParams == 0 {
			return zbar, nil
		}
		gb, gs := grads[0], grads[1]
		if c.X != nil {
			for r := 0; r < len(zbar); r += D {
				xb, zr := c.X[r:r+D], z[r:r+D]
				for i, g := range xb {
					gb[i] += g
					row := gs[i*D : i*D+i+1]
					for j := range i {
						row[j] += g * zr[j]
					}
					row[i] += g * zr[i] * l[i*D+i]
				}
			}
		}
		if c.LogDet != nil {
			sum := 0.0
			for _, v := range c.LogDet {
				sum += v
			}
			for i := range D {
				gs[i*D+i] += sum
			}
		}
		return zbar, nil
	}
	return p, nil
}

// checkBackward checks the cotangents of a pass of n rows and the gradient
// slices given to its backward pass.
func (a *AffineTriL) checkBackward(c Cotangents, grads [][]float64, n int) error {
	D, nParams := a.Dim(), len(a.Params())
	if len(grads) != nParams || (nParams == 2 && (len(grads[0]) != D || len(grads[1]) != D*D)) {
		return fmt.Errorf("%w: AffineTriL wants %d gradient slices (of %d and %d×%d values for a learnable one)", ErrInvalidParameter, nParams, D, D, D)
	}
	if (c.X != nil && len(c.X) != n*D) || (c.LogDet != nil && len(c.LogDet) != n) {
		return fmt.Errorf("%w: AffineTriL cotangents of %d and %d values, want %d and %d", ErrShape, len(c.X), len(c.LogDet), n*D, n)
	}
	return nil
}
