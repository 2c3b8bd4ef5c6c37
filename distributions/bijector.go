package distributions

import (
	"fmt"

	"github.com/ffjord-go/ffjord-go/internal/batch"
	"gorgonia.org/tensor"
)

// Bijector is an invertible, differentiable map T of ℝ^D onto itself, with
// TFP's naming: Forward maps the base side to the data side.
//
// The WithLogDet methods return the map and its log-determinant from one
// evaluation: ForwardWithLogDet(x) gives T(x) and log|det ∂T/∂x| per row,
// InverseWithLogDet(y) gives T⁻¹(y) and log|det ∂T⁻¹/∂y| per row.
type Bijector interface {
	Forward(x *tensor.Dense) (*tensor.Dense, error)
	Inverse(y *tensor.Dense) (*tensor.Dense, error)
	ForwardWithLogDet(x *tensor.Dense) (*tensor.Dense, []float64, error)
	InverseWithLogDet(y *tensor.Dense) (*tensor.Dense, []float64, error)
}

// Identity is the bijector T(x) = x on ℝ^D.
type Identity struct{ D int }

func (b Identity) copyOf(x *tensor.Dense) (*tensor.Dense, int, error) {
	data, n, err := batch.Data(x, b.D)
	if err != nil {
		return nil, 0, fmt.Errorf("distributions: Identity: %w", err)
	}
	return batch.New(n, b.D, append([]float64(nil), data...)), n, nil
}

// Forward returns a copy of x.
func (b Identity) Forward(x *tensor.Dense) (*tensor.Dense, error) {
	y, _, err := b.copyOf(x)
	return y, err
}

// Inverse returns a copy of y.
func (b Identity) Inverse(y *tensor.Dense) (*tensor.Dense, error) { return b.Forward(y) }

// ForwardWithLogDet returns a copy of x and zeros.
func (b Identity) ForwardWithLogDet(x *tensor.Dense) (*tensor.Dense, []float64, error) {
	y, n, err := b.copyOf(x)
	if err != nil {
		return nil, nil, err
	}
	return y, make([]float64, n), nil
}

// InverseWithLogDet returns a copy of y and zeros.
func (b Identity) InverseWithLogDet(y *tensor.Dense) (*tensor.Dense, []float64, error) {
	return b.ForwardWithLogDet(y)
}
