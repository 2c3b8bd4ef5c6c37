package distributions

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"
)

// Limits on the size of a composition, for readers of saved models that
// check sizes before allocating.
const (
	MaxChain = 1 << 10 // bijectors in one Chain
	MaxDepth = 32      // Chains within Chains
	MaxDim   = 1 << 12 // dimension of a Normal, an Affine, an AffineTriL, a Sigmoid or a MixtureCDF, as odefunc.MaxDim
)

// The accessors and constructors of this file give and take each type's
// parameters as they are stored (a log-scale rather than a scale), so that
// a saved model reads back bit for bit.

// LogScale returns a copy of a learnable Normal's log σ, its parameter;
// nil for a fixed Normal.
func (n *Normal) LogScale() []float64 {
	if n.logScale == nil {
		return nil
	}
	return append([]float64(nil), n.logScale.Float64s()...)
}

// NewLearnableNormalFromParams returns the learnable Normal whose mean and
// log σ are exactly the given ones: D ≤ MaxDim finite values each, with
// |log σ| ≤ 700.
func NewLearnableNormalFromParams(mean, logScale []float64, src rand.Source) (*Normal, error) {
	if len(mean) == 0 || len(mean) > MaxDim || len(logScale) != len(mean) {
		return nil, fmt.Errorf("%w: mean has %d entries and log_scale %d; want the same number, 1 to %d", ErrInvalidParameter, len(mean), len(logScale), MaxDim)
	}
	for i, l := range logScale {
		if !finite(mean[i]) || !finite(l) || math.Abs(l) > maxLogScale {
			return nil, fmt.Errorf("%w: mean[%d] = %g, log_scale[%d] = %g: want finite, |log_scale| ≤ %g", ErrInvalidParameter, i, mean[i], i, l, maxLogScale)
		}
	}
	return learnableNormal(mean, logScale, src), nil
}

// ScaleParam returns a copy of a learnable AffineTriL's scale parameter:
// L with log L_ii on the diagonal, row-major D×D, zeros above the
// diagonal. For a fixed AffineTriL it is ScaleTriL.
func (a *AffineTriL) ScaleParam() []float64 {
	s := a.scale.Float64s()
	if !a.learnable {
		return append([]float64(nil), s...)
	}
	D := a.Dim()
	p := make([]float64, D*D)
	for i := range D {
		copy(p[i*D:i*D+i+1], s[i*D:i*D+i+1]) // the upper triangle is not read: zeros
	}
	return p
}

// NewLearnableAffineTriLFromParams returns the learnable AffineTriL whose
// shift and scale parameter (as ScaleParam writes it) are exactly the given
// ones: 1 ≤ D ≤ MaxDim, finite entries, |log L_ii| ≤ 700.
func NewLearnableAffineTriLFromParams(shift, scaleParam []float64) (*AffineTriL, error) {
	D := len(shift)
	l := append([]float64(nil), scaleParam...)
	if D <= MaxDim && len(scaleParam) == D*D {
		for i := range D {
			v := scaleParam[i*D+i]
			if !finite(v) || math.Abs(v) > maxLogScale {
				return nil, fmt.Errorf("%w: AffineTriL scale parameter[%d][%d] = %g, want finite, |log L_ii| ≤ %g", ErrInvalidParameter, i, i, v, maxLogScale)
			}
			l[i*D+i] = math.Exp(v)
		}
	}
	if err := checkTriL(shift, l, true); err != nil {
		return nil, err
	}
	return newAffineTriL(shift, scaleParam, true), nil
}

// ScaleParam returns a copy of the scale parameter (Params' second): L's
// strictly lower entries, log L_ii on the diagonal, row-major D×D.
func (m *MultivariateNormalTriL) ScaleParam() []float64 {
	return append([]float64(nil), m.scale.Float64s()...)
}

// NewMultivariateNormalTriLFromParams returns the Gaussian whose mean and
// scale parameter (as ScaleParam writes it) are exactly the given ones,
// drawing samples from src (nil when it is never sampled).
func NewMultivariateNormalTriLFromParams(loc, scaleParam []float64, src rand.Source) (*MultivariateNormalTriL, error) {
	D := len(loc)
	if D == 0 || D > MaxDim {
		return nil, fmt.Errorf("%w: loc has %d values, want 1 to %d", ErrInvalidParameter, D, MaxDim)
	}
	if err := checkFiniteValues(loc, "loc"); err != nil {
		return nil, err
	}
	if err := checkScale(scaleParam, D, "scale", true); err != nil {
		return nil, err
	}
	scaleParam = append([]float64(nil), scaleParam...)
	m := &MultivariateNormalTriL{
		loc:   tensor.New(tensor.WithShape(1, D), tensor.WithBacking(append([]float64(nil), loc...))),
		scale: tensor.New(tensor.WithShape(D, D), tensor.WithBacking(scaleParam)),
	}
	if src != nil {
		m.rng = rand.New(src)
	}
	return m, nil
}

// Locs returns a copy of the components' means, K×D row-major.
func (g *GaussianMixture) Locs() []float64 { return append([]float64(nil), g.locs.Float64s()...) }

// ScaleParams returns a copy of the components' scale parameters, each as
// MultivariateNormalTriL.ScaleParam writes it, one after the other.
func (g *GaussianMixture) ScaleParams() []float64 {
	return append([]float64(nil), g.scales.Float64s()...)
}

// NewGaussianMixtureFromParams returns the mixture of dimension D whose
// logits (K), means (K×D) and scale parameters (K×D×D, as ScaleParams
// writes them) are exactly the given ones, drawing samples from src.
func NewGaussianMixtureFromParams(D int, logits, locs, scaleParams []float64, src rand.Source) (*GaussianMixture, error) {
	K := len(logits)
	switch {
	case D < 1 || D > MaxDim:
		return nil, fmt.Errorf("%w: dim = %d, want 1 to %d", ErrInvalidParameter, D, MaxDim)
	case K < 1 || K > MaxComponents:
		return nil, fmt.Errorf("%w: %d logits, want 1 to %d", ErrInvalidParameter, K, MaxComponents)
	case len(locs) != K*D || len(scaleParams) != K*D*D:
		return nil, fmt.Errorf("%w: %d components in %d dimensions with %d locs and %d scale values, want %d and %d",
			ErrInvalidParameter, K, D, len(locs), len(scaleParams), K*D, K*D*D)
	}
	if err := checkFiniteValues(logits, "logits"); err != nil {
		return nil, err
	}
	if err := checkFiniteValues(locs, "locs"); err != nil {
		return nil, err
	}
	for k := range K {
		if err := checkScale(scaleParams[k*D*D:(k+1)*D*D], D, fmt.Sprintf("scales[%d]", k), true); err != nil {
			return nil, err
		}
	}
	g := &GaussianMixture{
		logits: tensor.New(tensor.WithShape(1, K), tensor.WithBacking(append([]float64(nil), logits...))),
		locs:   tensor.New(tensor.WithShape(K, D), tensor.WithBacking(append([]float64(nil), locs...))),
		scales: tensor.New(tensor.WithShape(K, D*D), tensor.WithBacking(append([]float64(nil), scaleParams...))),
	}
	return g.WithSource(src), nil
}

// NewMixtureCDFFromParams returns the MixtureCDF whose logits, means and
// log-scales (D×K row-major, as Logits, Means and LogScales give them) are
// exactly the given ones, learnable or fixed: 1 ≤ D ≤ MaxDim,
// 1 ≤ K ≤ MaxComponents, finite logits and means, |log-scale| ≤ 700.
func NewMixtureCDFFromParams(logits, means, logScales []float64, D, K int, learnable bool) (*MixtureCDF, error) {
	if err := checkMixtureSize(D, K); err != nil {
		return nil, err
	}
	if len(logits) != D*K || len(means) != D*K || len(logScales) != D*K {
		return nil, fmt.Errorf("%w: MixtureCDF logits, means and log-scales have %d, %d and %d values, want D×K = %d×%d = %d each", ErrInvalidParameter, len(logits), len(means), len(logScales), D, K, D*K)
	}
	if err := checkMixtureValues(logits, means, logScales, K); err != nil {
		return nil, err
	}
	return newMixtureCDF(logits, means, logScales, D, K, learnable), nil
}
