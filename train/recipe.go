package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"gorgonia.org/tensor"
)

// The recipe for real data: fit the preprocessing and the base to the
// training rows, choose what there is to choose on held-out validation
// rows, start the flow at that model (its fields zero), then train it with
// early stopping on the same validation rows (Options.Validation,
// Patience), so that it can only improve on its start as far as held-out
// rows can tell. FitBaselines gives the classical models it must beat,
// chosen and scored the same way.

// Preprocessing is how NewStart maps the data before its FFJORD blocks.
type Preprocessing int

const (
	// Whiten maps the data by its full-covariance Gaussian (FitWhitening),
	// so that with a standard normal base the start is that Gaussian.
	Whiten Preprocessing = iota
	// Standardize maps each column by its mean and standard deviation.
	Standardize
	// Marginals maps each column through the CDF of its own fitted 1-D
	// Gaussian mixture and then Φ⁻¹ (a MixtureCDF): every marginal of the
	// result is about N(0, 1), whatever its shape in the data.
	Marginals
	// Raw leaves the data as it is.
	Raw
)

var preprocessingNames = []string{"whiten", "standardize", "marginals", "raw"}

func (p Preprocessing) String() string {
	if p < 0 || int(p) >= len(preprocessingNames) {
		return fmt.Sprintf("Preprocessing(%d)", int(p))
	}
	return preprocessingNames[p]
}

// ParsePreprocessing reads a Preprocessing by its String.
func ParsePreprocessing(s string) (Preprocessing, error) {
	for i, n := range preprocessingNames {
		if s == n {
			return Preprocessing(i), nil
		}
	}
	return 0, fmt.Errorf("%w: preprocessing %q, want one of %v", ErrInvalidConfig, s, preprocessingNames)
}

// StartConfig configures NewStart. Its zero value whitens the data, puts
// one FFJORD block of NewFlow's defaults on a standard normal base, and
// tries the default grids when a mixture is chosen.
type StartConfig struct {
	// Pre are fixed bijectors on the data side of everything else, in
	// TFP's order (the first is undone first when computing densities),
	// such as a Sigmoid onto pixels; what NewStart fits is fitted to the
	// data mapped through their inverses.
	Pre           []distributions.Bijector
	Preprocessing Preprocessing
	// MixtureBase makes the base a Gaussian mixture whose size and ridge
	// are chosen on the validation rows (false: a standard normal).
	MixtureBase bool
	Components  []int     // mixture sizes tried; nil means DefaultComponents
	Ridges      []float64 // mixture ridges tried (FitMixture's); nil means DefaultRidges
	Marginals   int       // components of each column's CDF for Marginals; 0 means 16
	// Blocks, Hidden, Activation, Time and LearnTime shape the FFJORD
	// blocks as FlowConfig's do (0 and nil: one block of NewFlow's
	// default widths).
	Blocks     int
	Hidden     []int
	Activation odefunc.Activation
	Time       odefunc.TimeInput
	LearnTime  bool
	Settings   Settings
}

// DefaultComponents and DefaultRidges are the grids a mixture is chosen
// from when a StartConfig or FitBaselines is given none.
var (
	DefaultComponents = []int{1, 2, 4, 8, 12, 16, 24}
	DefaultRidges     = []float64{0.01, 0.03, 0.1, 0.3, 1}
)

func (c StartConfig) grids() ([]int, []float64) {
	ks, rs := c.Components, c.Ridges
	if ks == nil {
		ks = DefaultComponents
	}
	if rs == nil {
		rs = DefaultRidges
	}
	return ks, rs
}

// Start is a flow for real data at its start: its FFJORD fields are zero,
// so that its density is that of its preprocessing and base alone.
type Start struct {
	Flow *Flow
	// Base is the chosen mixture's size and ridge and its validation
	// score (Components 0 for a standard normal base).
	Base MixtureScore
}

// NewStart fits cfg's preprocessing to the rows of fit (N×D), chooses the
// base on val when it is a mixture, and returns the flow
// Chain{Pre…, preprocessing, FFJORD blocks} on that base, with its
// fields zero. src seeds the fits, the blocks and the flow's sampling.
func NewStart(fit, val *tensor.Dense, cfg StartConfig, src rand.Source) (*Start, error) {
	if src == nil {
		return nil, fmt.Errorf("%w: NewStart needs a random source", ErrInvalidConfig)
	}
	if fit == nil || val == nil || len(fit.Shape()) != 2 || len(val.Shape()) != 2 {
		return nil, fmt.Errorf("%w: NewStart wants N×D fit and validation rows", ErrInvalidConfig)
	}
	D := fit.Shape()[1]
	if val.Shape()[1] != D {
		return nil, fmt.Errorf("%w: NewStart: validation rows of %d columns for fit rows of %d", ErrInvalidConfig, val.Shape()[1], D)
	}
	r := rand.New(src)
	seed := func() rand.Source { return rand.NewPCG(r.Uint64(), r.Uint64()) }
	pre := append([]distributions.Bijector(nil), cfg.Pre...)
	f, v, err := through(pre, fit, val)
	if err != nil {
		return nil, err
	}
	var p distributions.Bijector
	switch cfg.Preprocessing {
	case Whiten:
		p, err = FitWhitening(f, 1e-6)
	case Standardize:
		p, err = fitStandardize(f)
	case Marginals:
		k := cfg.Marginals
		if k == 0 {
			k = 16
		}
		p, err = FitMarginals(f, MixtureFit{Components: k, Ridge: 0.01}, seed())
	case Raw:
	default:
		return nil, fmt.Errorf("%w: %v", ErrInvalidConfig, cfg.Preprocessing)
	}
	if err != nil {
		return nil, err
	}
	if p != nil {
		pre = append(pre, p)
		if f, v, err = through([]distributions.Bijector{p}, f, v); err != nil {
			return nil, err
		}
	}
	s := &Start{}
	var base distributions.DifferentiableBase
	if cfg.MixtureBase {
		ks, rs := cfg.grids()
		g, scores, err := SelectMixture(f, v, ks, rs, MixtureFit{Restarts: 2}, seed())
		if err != nil {
			return nil, err
		}
		s.Base = best(scores)
		base = g
	}
	flowSrc := seed()
	ones := make([]float64, D)
	for i := range ones {
		ones[i] = 1
	}
	inner, err := NewFlow(FlowConfig{Dim: D, Blocks: max(cfg.Blocks, 1), Hidden: cfg.Hidden, BaseStd: ones,
		Activation: cfg.Activation, Time: cfg.Time, LearnTime: cfg.LearnTime}, cfg.Settings, flowSrc)
	if err != nil {
		return nil, err
	}
	for _, net := range inner.nets {
		layers := net.Layers()
		for _, p := range layers[len(layers)-1].Params() {
			clear(p.Float64s()) // a zero field: the flow starts as its base
		}
	}
	if base == nil {
		base = inner.dist.Base.(distributions.DifferentiableBase)
	}
	chain, err := distributions.NewChain(append(pre, inner.dist.Bijector)...)
	if err != nil {
		return nil, err
	}
	d, err := distributions.NewTransformed(base, chain)
	if err != nil {
		return nil, err
	}
	if s.Flow, err = NewFlowOf(d, cfg.Settings); err != nil {
		return nil, err
	}
	return s, s.Flow.SetSampleSource(seed())
}

// best returns the candidate of lowest validation NLL.
func best(scores []MixtureScore) MixtureScore {
	b := scores[0]
	for _, s := range scores {
		if s.ValidationNLL < b.ValidationNLL {
			b = s
		}
	}
	return b
}

// through maps the row sets through the inverses of bs, the first undone
// first.
func through(bs []distributions.Bijector, xs ...*tensor.Dense) (*tensor.Dense, *tensor.Dense, error) {
	if len(bs) == 0 {
		return xs[0], xs[1], nil
	}
	c, err := distributions.NewChain(bs...)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*tensor.Dense, len(xs))
	for i, x := range xs {
		if out[i], err = c.Inverse(x); err != nil {
			return nil, nil, fmt.Errorf("train: preprocessing: %w", err)
		}
	}
	return out[0], out[1], nil
}

// fitStandardize returns the diagonal AffineTriL of the columns' means and
// standard deviations (a constant column keeps scale 1).
func fitStandardize(x *tensor.Dense) (*distributions.AffineTriL, error) {
	D := x.Shape()[1]
	data, n, err := batch.Data(x, D)
	if err != nil {
		return nil, fmt.Errorf("train: standardize: %w", err)
	}
	// From the columns' variances, not FitGaussian, whose Cholesky
	// refuses a constant column.
	mean, variance, _ := columnVariances(data, n, D)
	diag := make([]float64, D*D)
	for i, v := range variance {
		diag[i*D+i] = math.Sqrt(v)
		if !(diag[i*D+i] > 0) || math.IsInf(diag[i*D+i], 0) {
			diag[i*D+i] = 1
		}
	}
	return distributions.NewAffineTriL(mean, diag)
}

// Baselines are the classical models a flow for real data must beat,
// densities of the same data in the same units (Pre included).
type Baselines struct {
	Gaussian *distributions.TransformedDistribution // the full-covariance Gaussian
	Mixture  *distributions.TransformedDistribution // the chosen Gaussian mixture
	Choice   MixtureScore                           // its size, ridge and validation NLL
}

// FitBaselines chooses a Gaussian mixture's size and ridge (from the
// grids, nil for the defaults) by fitting to fit and scoring on val, and
// refits it, and the full-covariance Gaussian, to fit and val together,
// each under the fixed bijectors pre (as StartConfig.Pre).
func FitBaselines(fit, val *tensor.Dense, pre []distributions.Bijector, components []int, ridges []float64, src rand.Source) (*Baselines, error) {
	if src == nil {
		return nil, fmt.Errorf("%w: FitBaselines needs a random source", ErrInvalidConfig)
	}
	if fit == nil || val == nil || len(fit.Shape()) != 2 || len(val.Shape()) != 2 || fit.Shape()[1] != val.Shape()[1] {
		return nil, fmt.Errorf("%w: FitBaselines wants fit and validation rows of the same width", ErrInvalidConfig)
	}
	r := rand.New(src)
	f, v, err := through(pre, fit, val)
	if err != nil {
		return nil, err
	}
	ks, rs := StartConfig{Components: components, Ridges: ridges}.grids()
	_, scores, err := SelectMixture(f, v, ks, rs, MixtureFit{Restarts: 2}, rand.NewPCG(r.Uint64(), r.Uint64()))
	if err != nil {
		return nil, err
	}
	b := &Baselines{Choice: best(scores)}
	all := tensor.New(tensor.WithShape(f.Shape()[0]+v.Shape()[0], f.Shape()[1]), tensor.WithBacking(append(append([]float64(nil), f.Float64s()...), v.Float64s()...)))
	// The maximum-likelihood Gaussian, or, when its covariance is
	// singular (a constant column), the one of FitWhitening's ridge.
	gsrc := rand.NewPCG(r.Uint64(), r.Uint64())
	g, err := FitGaussian(all, 0, gsrc)
	if err != nil {
		g, err = FitGaussian(all, 1e-6, gsrc)
	}
	if err != nil {
		return nil, err
	}
	m, err := FitMixture(all, MixtureFit{Components: b.Choice.Components, Ridge: b.Choice.Ridge, Restarts: 4}, rand.NewPCG(r.Uint64(), r.Uint64()))
	if err != nil {
		return nil, err
	}
	chain, err := distributions.NewChain(pre...)
	if err != nil {
		return nil, err
	}
	if b.Gaussian, err = distributions.NewTransformed(g, chain); err != nil {
		return nil, err
	}
	if b.Mixture, err = distributions.NewTransformed(m, chain); err != nil {
		return nil, err
	}
	return b, nil
}

// Score is a mean over rows with its standard error.
type Score struct{ Mean, SE float64 }

func (s Score) String() string { return fmt.Sprintf("%.4f ± %.4f", s.Mean, s.SE) }

// HeldOut compares a model with the baselines on the same held-out rows:
// mean negative log-likelihoods in nats, and the model's paired
// differences from each baseline, row by row, with their standard errors.
type HeldOut struct {
	Model, Gaussian, Mixture          Score
	MinusGaussian, MinusMixture       Score
	PerRow, GaussianRows, MixtureRows []float64 // −log p of each row
}

// Compare evaluates model and the baselines on the rows of test.
func Compare(model distributions.Distribution, b *Baselines, test *tensor.Dense) (*HeldOut, error) {
	if b == nil || b.Gaussian == nil || b.Mixture == nil {
		return nil, fmt.Errorf("%w: Compare needs fitted Baselines", ErrInvalidConfig)
	}
	if model == nil {
		return nil, fmt.Errorf("%w: Compare needs a model", ErrInvalidConfig)
	}
	h := &HeldOut{}
	var err error
	for _, c := range []struct {
		d   distributions.Distribution
		dst *[]float64
	}{{model, &h.PerRow}, {b.Gaussian, &h.GaussianRows}, {b.Mixture, &h.MixtureRows}} {
		lp, err := c.d.LogProb(test)
		if err != nil {
			return nil, err
		}
		for i := range lp {
			lp[i] = -lp[i]
		}
		*c.dst = lp
	}
	h.Model, h.Gaussian, h.Mixture = meanSE(h.PerRow), meanSE(h.GaussianRows), meanSE(h.MixtureRows)
	h.MinusGaussian, h.MinusMixture = pairedSE(h.PerRow, h.GaussianRows), pairedSE(h.PerRow, h.MixtureRows)
	return h, err
}

// meanSE returns the mean of v and its standard error.
func meanSE(v []float64) Score {
	m := mean(v)
	if len(v) < 2 {
		return Score{m, math.NaN()}
	}
	ss := 0.0
	for _, x := range v {
		ss += (x - m) * (x - m)
	}
	return Score{m, math.Sqrt(ss / float64(len(v)-1) / float64(len(v)))}
}

// pairedSE returns the mean of a − b and its standard error.
func pairedSE(a, b []float64) Score {
	d := make([]float64, len(a))
	for i := range d {
		d[i] = a[i] - b[i]
	}
	return meanSE(d)
}
