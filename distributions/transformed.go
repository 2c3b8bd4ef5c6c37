package distributions

import (
	"fmt"

	"gorgonia.org/tensor"
)

// TransformedDistribution is the distribution of Bijector.Forward(z) for z
// drawn from Base.
type TransformedDistribution struct {
	Base     Distribution
	Bijector Bijector
}

// NewTransformed returns the distribution of b.Forward(z), z ~ base.
func NewTransformed(base Distribution, b Bijector) (*TransformedDistribution, error) {
	if base == nil || b == nil {
		return nil, fmt.Errorf("%w: TransformedDistribution needs a base and a bijector", ErrInvalidParameter)
	}
	return &TransformedDistribution{Base: base, Bijector: b}, nil
}

// Dim returns the dimension of the base.
func (d *TransformedDistribution) Dim() int { return d.Base.Dim() }

// LogProb returns log p(x) = log p_base(T⁻¹(x)) + log|det ∂T⁻¹/∂x| for each
// row of x.
func (d *TransformedDistribution) LogProb(x *tensor.Dense) ([]float64, error) {
	z, ildj, err := d.Bijector.InverseWithLogDet(x)
	if err != nil {
		return nil, fmt.Errorf("distributions: LogProb: %w", err)
	}
	lp, err := d.Base.LogProb(z)
	if err != nil {
		return nil, fmt.Errorf("distributions: LogProb: %w", err)
	}
	for i := range lp {
		lp[i] += ildj[i]
	}
	return lp, nil
}

// Sample returns n points T(z), z drawn from the base.
func (d *TransformedDistribution) Sample(n int) (*tensor.Dense, error) {
	z, err := d.Base.Sample(n)
	if err != nil {
		return nil, fmt.Errorf("distributions: Sample: %w", err)
	}
	x, err := d.Bijector.Forward(z)
	if err != nil {
		return nil, fmt.Errorf("distributions: Sample: %w", err)
	}
	return x, nil
}

// SampleWithLogProb returns n points and their log-densities from one pass:
// log p(T(z)) = log p_base(z) − log|det ∂T/∂z|.
func (d *TransformedDistribution) SampleWithLogProb(n int) (*tensor.Dense, []float64, error) {
	z, err := d.Base.Sample(n)
	if err != nil {
		return nil, nil, fmt.Errorf("distributions: SampleWithLogProb: %w", err)
	}
	lp, err := d.Base.LogProb(z)
	if err != nil {
		return nil, nil, fmt.Errorf("distributions: SampleWithLogProb: %w", err)
	}
	x, fldj, err := d.Bijector.ForwardWithLogDet(z)
	if err != nil {
		return nil, nil, fmt.Errorf("distributions: SampleWithLogProb: %w", err)
	}
	for i := range lp {
		lp[i] -= fldj[i]
	}
	return x, lp, nil
}
