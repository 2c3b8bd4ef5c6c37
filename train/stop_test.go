package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// TestErrStopEndsLikeTheLastEpoch: OnEpoch's ErrStop ends Run without an
// error after that epoch, and the model holds the best validated
// parameters (whose validation NLL is the best one); another error is
// returned.
func TestErrStopEndsLikeTheLastEpoch(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	data := make([]float64, 400)
	val := make([]float64, 200)
	for i := range data {
		data[i] = 3 + 0.5*r.NormFloat64()
	}
	for i := range val {
		val[i] = -1 + 0.5*r.NormFloat64() // held out elsewhere: the best is early
	}
	m, err := distributions.NewMultivariateNormalTriL([]float64{0, 0}, []float64{1, 0, 0, 1}, nil)
	require.NoError(t, err)
	vt := tensor.New(tensor.WithShape(100, 2), tensor.WithBacking(val))
	tr, err := NewTrainer(m, Options{Epochs: 100, BatchSize: 50, LearningRate: 0.1, Seed: 1, Validation: vt,
		OnEpoch: func(s EpochStats) error {
			if s.Epoch == 12 {
				return fmt.Errorf("budget: %w", ErrStop)
			}
			return nil
		}})
	require.NoError(t, err)
	require.NoError(t, tr.Run(context.Background(), tensor.New(tensor.WithShape(200, 2), tensor.WithBacking(data))))
	assert.Equal(t, 12, tr.Epoch())
	best, nll := tr.Best()
	require.Greater(t, best, 0)
	assert.Less(t, best, 12, "the validation's best is before the stop")
	lp, err := m.LogProb(vt)
	require.NoError(t, err)
	assert.Equal(t, math.Float64bits(nll), math.Float64bits(-mean(lp)), "the model holds the best epoch's parameters")

	other := fmt.Errorf("disk full")
	tr, err = NewTrainer(m, Options{Epochs: 5, Seed: 1, OnEpoch: func(EpochStats) error { return other }})
	require.NoError(t, err)
	assert.ErrorIs(t, tr.Run(context.Background(), tensor.New(tensor.WithShape(200, 2), tensor.WithBacking(data))), other)
}

// TestValidateStartKeepsABetterStart: when every epoch makes the
// validation worse, ValidateStart ends training at the start's parameters
// (epoch 0), bit for bit; without it the model ends at epoch 1's.
func TestValidateStartKeepsABetterStart(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	data, val := make([]float64, 400), make([]float64, 200)
	for i := range data {
		data[i] = 3 + 0.5*r.NormFloat64()
	}
	for i := range val {
		val[i] = -1 + 0.5*r.NormFloat64()
	}
	vt := tensor.New(tensor.WithShape(100, 2), tensor.WithBacking(val))
	for _, start := range []bool{true, false} {
		m, err := distributions.NewMultivariateNormalTriL([]float64{0, 0}, []float64{1, 0, 0, 1}, nil)
		require.NoError(t, err)
		initial := [][]float64{m.Loc(), m.ScaleTriL()}
		tr, err := NewTrainer(m, Options{Epochs: 5, BatchSize: 50, LearningRate: 0.1, Seed: 1, Validation: vt, ValidateStart: start})
		require.NoError(t, err)
		require.NoError(t, tr.Run(context.Background(), tensor.New(tensor.WithShape(200, 2), tensor.WithBacking(data))))
		epoch, _ := tr.Best()
		if start {
			assert.Equal(t, 0, epoch)
			assert.Equal(t, initial, [][]float64{m.Loc(), m.ScaleTriL()})
		} else {
			assert.Equal(t, 1, epoch)
			assert.NotEqual(t, initial[0], m.Loc())
		}
	}
}
