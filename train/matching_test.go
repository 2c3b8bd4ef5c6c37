package train

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/internal/fdtest"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// TestMatchingGradientFiniteDifferences checks ∂L/∂θ of the matching loss,
// computed by one VJP per block, against central differences of the loss
// with the same draws: CFM and OT-CFM, one and three blocks (consecutive
// intervals of s), unconditional and conditional.
func TestMatchingGradientFiniteDifferences(t *testing.T) {
	for _, tc := range []struct {
		crit    Criterion
		blocks  int
		context int
	}{
		{CFM{SigmaMin: 0.1}, 1, 0},
		{CFM{}, 3, 0},
		{OTCFM{SigmaMin: 0.05}, 3, 0},
		{OTCFM{}, 2, 2},
		{Reflow{SigmaMin: 0.1, X0: tensor.New(tensor.WithShape(13, 2), tensor.WithBacking(seq(26)))}, 2, 0},
	} {
		t.Run(tc.crit.String(), func(t *testing.T) {
			f, err := NewFlow(FlowConfig{Dim: 2, Blocks: tc.blocks, Hidden: []int{5}, Context: tc.context, T1: 0.7}, Settings{}, rand.NewPCG(1, 2))
			require.NoError(t, err)
			mt, err := newMatcher(f.dist, tc.crit)
			require.NoError(t, err)
			r := rand.New(rand.NewPCG(3, 4))
			const n, D = 13, 2
			x1, c := make([]float64, n*D), make([]float64, n*tc.context)
			for i := range x1 {
				x1[i] = 2 * r.NormFloat64()
			}
			for i := range c {
				c[i] = r.NormFloat64()
			}
			if tc.context == 0 {
				c = nil
			}
			g := NewGrads(f)
			idx := rand.New(rand.NewPCG(7, 8)).Perm(n) // Reflow's rows
			loss := func(g Grads) float64 {
				l, cost, err := mt.loss(x1, c, idx, n, D, rand.New(rand.NewPCG(5, 6)), g)
				require.NoError(t, err)
				for k, nfe := range cost.ForwardNFE {
					assert.LessOrEqual(t, nfe, 1, "block %d", k)
				}
				return l.Total
			}
			loss(g)
			scratch := NewGrads(f)
			for i, p := range f.Params() {
				v := p.Float64s()
				for j := range v {
					fd := fdtest.Central(v, j, 1e-6, func() float64 { return loss(scratch) })
					assert.InDelta(t, fd, g[i][j], 1e-6, "θ%d[%d]", i, j)
				}
			}
		})
	}
}

// seq returns n values spread over [−1, 1].
func seq(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = -1 + 2*float64(i)/float64(n-1)
	}
	return v
}

// TestMatchingResumeIsExact: a CFM run stopped after epoch 1 and resumed
// from its checkpoint ends bit for bit where the uninterrupted run does,
// because the base points, times and path noise come from a saved stream.
func TestMatchingResumeIsExact(t *testing.T) {
	for _, crit := range []Criterion{CFM{SigmaMin: 0.1}, OTCFM{}} {
		t.Run(crit.String(), func(t *testing.T) {
			opts := Options{Epochs: 3, BatchSize: 32, LearningRate: 3e-2, Seed: 11, Objective: crit}
			whole, resumed, all, rest := resumeAfterFirstEpoch(t, func() *Flow { return tinyFlow(t) }, opts)
			assert.Equal(t, paramsOf(whole), paramsOf(resumed), "resumed training must match bit for bit")
			assert.Equal(t, scrubSeconds(all.History()), scrubSeconds(rest.History()))
			assert.Equal(t, crit.String(), rest.History()[2].Objective)
		})
	}
}

// scrubSeconds returns a copy of h without wall times, which checkpoints
// do not keep.
func scrubSeconds(h []EpochStats) []EpochStats {
	out := append([]EpochStats(nil), h...)
	for i := range out {
		out[i].Seconds = 0
	}
	return out
}

// TestFlowMatchingFitsMoons: a few epochs of OT-CFM take a one-block flow
// well below its initial test NLL, one evaluation per block per step.
func TestFlowMatchingFitsMoons(t *testing.T) {
	data, err := datasets.Moons(1024, datasets.MoonsNoise, true, rand.NewPCG(1, 2))
	require.NoError(t, err)
	test, err := datasets.Moons(256, datasets.MoonsNoise, true, rand.NewPCG(9, 2))
	require.NoError(t, err)
	f, err := NewFlow(FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{32, 32}}, Settings{}, rand.NewPCG(3, 4))
	require.NoError(t, err)
	before, err := f.NLL(test)
	require.NoError(t, err)
	tr, err := NewTrainer(f, Options{Epochs: 30, BatchSize: 128, Seed: 5, Objective: OTCFM{}})
	require.NoError(t, err)
	require.NoError(t, tr.Run(context.Background(), data))
	after, err := f.NLL(test)
	require.NoError(t, err)
	t.Logf("NLL %.3f → %.3f, matching loss %.3f → %.3f", before, after, tr.History()[0].Loss, tr.History()[29].Loss)
	assert.Less(t, after, before-0.5)
	assert.Equal(t, []float64{1}, tr.History()[29].ForwardNFE)
	nfe, err := f.SampleNFE(64)
	require.NoError(t, err)
	assert.Positive(t, nfe)
}

func TestMatchingBadConfigurations(t *testing.T) {
	f := tinyFlow(t)
	_, err := NewTrainer(f, Options{Objective: CFM{SigmaMin: -1}})
	assert.ErrorIs(t, err, ErrInvalidConfig)
	_, err = NewTrainer(f, Options{Objective: OTCFM{}, Regularization: Regularization{Kinetic: 0.1}})
	assert.ErrorIs(t, err, ErrInvalidConfig)
	lt, err := NewFlow(FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}, LearnTime: true}, Settings{Gradient: ode.Discrete{}}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	_, err = NewTrainer(lt, Options{Objective: CFM{}})
	assert.ErrorIs(t, err, ErrInvalidConfig)
	for _, name := range []string{"mle", "cfm", "otcfm"} {
		c, err := ParseCriterion(name, 0)
		require.NoError(t, err)
		assert.Equal(t, name, c.String())
	}
	_, err = ParseCriterion("fm", 0)
	assert.ErrorIs(t, err, ErrInvalidConfig)
}
