package train

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// knownMixture is a 2-D mixture of three separated components.
func knownMixture(t *testing.T, src rand.Source) *distributions.GaussianMixture {
	locs := [][]float64{{-4, 0}, {3, 3}, {2, -4}}
	scales := [][]float64{{1, 0, 0.5, 0.6}, {0.4, 0, -0.3, 1.2}, {0.8, 0, 0, 0.3}}
	cs := make([]*distributions.MultivariateNormalTriL, 3)
	for k := range cs {
		var err error
		cs[k], err = distributions.NewMultivariateNormalTriL(locs[k], scales[k], nil)
		require.NoError(t, err)
	}
	g, err := distributions.NewGaussianMixture([]float64{0, math.Log(2), math.Log(1.5)}, cs, src)
	require.NoError(t, err)
	return g
}

// TestFitMixtureRecoversKnownMixture: EM on 20 000 draws of a known
// mixture finds its weights, means and covariances, and its held-out
// log-likelihood is the true model's within 0.01 nats.
func TestFitMixtureRecoversKnownMixture(t *testing.T) {
	truth := knownMixture(t, rand.NewPCG(1, 2))
	x, err := truth.Sample(20_000)
	require.NoError(t, err)
	fit, err := FitMixture(x, MixtureFit{Components: 3, Restarts: 3}, rand.NewPCG(3, 4))
	require.NoError(t, err)
	// Match components by their means.
	for k := range 3 {
		want, err := truth.Component(k, nil)
		require.NoError(t, err)
		best, bd := -1, math.Inf(1)
		for j := range 3 {
			c, err := fit.Component(j, nil)
			require.NoError(t, err)
			d := math.Hypot(c.Loc()[0]-want.Loc()[0], c.Loc()[1]-want.Loc()[1])
			if d < bd {
				best, bd = j, d
			}
		}
		assert.Less(t, bd, 0.05, "component %d's mean", k)
		got, err := fit.Component(best, nil)
		require.NoError(t, err)
		wc, gc := cov2(want.ScaleTriL()), cov2(got.ScaleTriL())
		for i := range wc {
			assert.InDelta(t, wc[i], gc[i], 0.05*(1+math.Abs(wc[i])), "component %d covariance %d", k, i)
		}
		assert.InDelta(t, truth.Weights()[k], fit.Weights()[best], 0.015, "component %d's weight", k)
	}
	test, err := truth.Sample(20_000)
	require.NoError(t, err)
	lt, err := truth.LogProb(test)
	require.NoError(t, err)
	lf, err := fit.LogProb(test)
	require.NoError(t, err)
	assert.InDelta(t, mean(lt), mean(lf), 0.01)
}

// cov2 returns L·Lᵀ of a 2×2 lower-triangular L.
func cov2(l []float64) []float64 {
	return []float64{l[0] * l[0], l[0] * l[2], l[2]*l[2] + l[3]*l[3]}
}

// TestFitGaussianIsTheSampleCovariance: one component is the closed-form
// maximum-likelihood Gaussian, and the ridge adds its share of each
// column's variance.
func TestFitGaussianIsTheSampleCovariance(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const n, D = 50, 3
	x := make([]float64, n*D)
	for i := range x {
		x[i] = r.NormFloat64() * float64(1+i%D)
	}
	for _, ridge := range []float64{0, 0.1} {
		g, err := FitGaussian(tensor.New(tensor.WithShape(n, D), tensor.WithBacking(x)), ridge, rand.NewPCG(1, 1))
		require.NoError(t, err)
		mu := make([]float64, D)
		for r := range n {
			for i := range D {
				mu[i] += x[r*D+i] / n
			}
		}
		l := g.ScaleTriL()
		for i := range D {
			assert.InDelta(t, mu[i], g.Loc()[i], 1e-12)
			for j := range D {
				c := 0.0
				for r := range n {
					c += (x[r*D+i] - mu[i]) * (x[r*D+j] - mu[j]) / n
				}
				if i == j {
					c *= 1 + ridge
				}
				got := 0.0
				for k := range D {
					got += l[i*D+k] * l[j*D+k]
				}
				assert.InDelta(t, c, got, 1e-10, "cov %d %d ridge %g", i, j, ridge)
			}
		}
	}
}

// TestSelectMixtureChoosesTheTruth: on held-out draws of a three-component
// mixture, three components score better than one or eight, and a fit
// that cannot succeed scores +Inf without failing the selection.
func TestSelectMixtureChoosesTheTruth(t *testing.T) {
	truth := knownMixture(t, rand.NewPCG(7, 8))
	tr, err := truth.Sample(600)
	require.NoError(t, err)
	val, err := truth.Sample(2000)
	require.NoError(t, err)
	g, scores, err := SelectMixture(tr, val, []int{1, 3, 8, 400}, []float64{1e-3}, MixtureFit{Restarts: 2}, rand.NewPCG(9, 10))
	require.NoError(t, err)
	require.Len(t, scores, 4)
	assert.Equal(t, 3, g.Components())
	assert.True(t, math.IsInf(scores[3].ValidationNLL, 1), "400 components of 600 rows")
	assert.Less(t, scores[1].ValidationNLL, scores[0].ValidationNLL)
	assert.Less(t, scores[1].ValidationNLL, scores[2].ValidationNLL)
}

// TestTrainerFitsGaussianAlone: a MultivariateNormalTriL is Trainable on
// its own: Adam from a unit Gaussian reaches the EM fit's likelihood.
func TestTrainerFitsGaussianAlone(t *testing.T) {
	truth := knownMixture(t, rand.NewPCG(11, 12))
	x, err := truth.Sample(2000)
	require.NoError(t, err)
	em, err := FitGaussian(x, 0, rand.NewPCG(1, 1))
	require.NoError(t, err)
	m, err := distributions.NewMultivariateNormalTriL([]float64{0, 0}, []float64{1, 0, 0, 1}, nil)
	require.NoError(t, err)
	tr, err := NewTrainer(m, Options{Epochs: 300, BatchSize: 500, LearningRate: 0.05, Schedule: Cosine(0.01), Seed: 1})
	require.NoError(t, err)
	require.NoError(t, tr.Run(context.Background(), x))
	le, err := em.LogProb(x)
	require.NoError(t, err)
	lm, err := m.LogProb(x)
	require.NoError(t, err)
	assert.InDelta(t, mean(le), mean(lm), 2e-3)
}

func TestFitMixtureRefuses(t *testing.T) {
	x := tensor.New(tensor.WithShape(4, 1), tensor.WithBacking([]float64{1, 2, 3, 4}))
	for name, o := range map[string]MixtureFit{
		"too many components": {Components: 3},
		"negative ridge":      {Ridge: -1},
		"NaN tol":             {Tol: math.NaN()},
		"restarts":            {Restarts: -2},
	} {
		_, err := FitMixture(x, o, rand.NewPCG(1, 1))
		assert.ErrorIs(t, err, ErrInvalidConfig, name)
	}
	_, err := FitMixture(x, MixtureFit{}, nil)
	assert.ErrorIs(t, err, ErrInvalidConfig, "nil source")
	same := tensor.New(tensor.WithShape(4, 1), tensor.WithBacking([]float64{1, 1, 1, 1}))
	_, err = FitMixture(same, MixtureFit{}, rand.NewPCG(1, 1))
	assert.ErrorIs(t, err, ErrInvalidConfig, "singular")
}

// TestMatchingFromMixtureBase: flow matching draws x₀ from a mixture base:
// data that is the base moved by (5, 0) is learned as that move (paired by
// OT, the target velocity is about constant), and the loss falls tenfold.
func TestMatchingFromMixtureBase(t *testing.T) {
	truth := knownMixture(t, rand.NewPCG(21, 22))
	x, err := truth.Sample(512)
	require.NoError(t, err)
	for r := range 512 {
		x.Float64s()[2*r] += 5
	}
	f, err := NewFlow(FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{16, 16}}, Settings{}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	base := knownMixture(t, nil)
	d, err := distributions.NewTransformed(base, f.dist.Bijector)
	require.NoError(t, err)
	flow, err := NewFlowOf(d, Settings{})
	require.NoError(t, err)
	tr, err := NewTrainer(flow, Options{Epochs: 30, BatchSize: 128, LearningRate: 1e-2, Objective: OTCFM{}, Seed: 3})
	require.NoError(t, err)
	require.NoError(t, tr.Run(context.Background(), x))
	h := tr.History()
	assert.Less(t, h[len(h)-1].Loss, 0.1*h[0].Loss)
}

// TestNewStartIsItsBaseUnderItsPreprocessing: with its fields zero, the
// start's log-density is the base's at the preprocessed point plus the
// preprocessing's log-determinant, to the solver's tolerance, for each
// preprocessing; and the baselines' Gaussian is FitGaussian's.
func TestNewStartIsItsBaseUnderItsPreprocessing(t *testing.T) {
	truth := knownMixture(t, rand.NewPCG(31, 32))
	fit, err := truth.Sample(400)
	require.NoError(t, err)
	val, err := truth.Sample(100)
	require.NoError(t, err)
	test, err := truth.Sample(20)
	require.NoError(t, err)
	for _, p := range []Preprocessing{Whiten, Standardize, Marginals, Raw} {
		s, err := NewStart(fit, val, StartConfig{Preprocessing: p, MixtureBase: true, Hidden: []int{8}, Components: []int{1, 3}, Ridges: []float64{0.01}}, rand.NewPCG(1, 2))
		require.NoError(t, err, "%v", p)
		assert.Equal(t, 3, s.Base.Components, "%v: the validation rows pick the truth's size", p)
		chain := s.Flow.dist.Bijector.(distributions.Chain)
		pre := chain[:len(chain)-1] // all but the FFJORD block
		z, ld, err := pre.InverseWithLogDet(test)
		if p == Raw {
			require.Len(t, pre, 0)
			z, ld = test, make([]float64, 20)
		} else {
			require.NoError(t, err)
		}
		want, err := s.Flow.dist.Base.LogProb(z)
		require.NoError(t, err)
		got, err := s.Flow.LogProb(test)
		require.NoError(t, err)
		for i := range got {
			assert.InDelta(t, want[i]+ld[i], got[i], 1e-9, "%v row %d", p, i)
		}
	}
}
