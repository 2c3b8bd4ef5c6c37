package ffjord

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rowBlock is a 2-d FFJORD block of a random MLP with larger weights than
// at initialisation, so that points need different steps.
func rowBlock(t *testing.T, s ode.Settings) *FFJORD {
	t.Helper()
	net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2, Hidden: []int{16, 16}}, rand.NewPCG(5, 6))
	require.NoError(t, err)
	for _, p := range net.Params() {
		for i, v := range p.Float64s() {
			p.Float64s()[i] = 3 * v
		}
	}
	b, err := New(net, Options{Solver: s})
	require.NoError(t, err)
	return b
}

func rowPoints(n int, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	x := make([]float64, 2*n)
	for i := range x {
		x[i] = 2 * r.NormFloat64()
	}
	return x
}

// TestPerRowIsTheRowAlone: with per-row step control a row's point and
// log-det have the same bits in a batch of 1100 (nine chunks of the
// dynamics, and the solver's bookkeeping split over two goroutines), alone,
// in reverse order, and with one worker (and no split) or two.
func TestPerRowIsTheRowAlone(t *testing.T) {
	const n = 1100
	x := rowPoints(n, 7)
	b := rowBlock(t, ode.Settings{Controller: ode.Adaptive{RTol: 1e-3, ATol: 1e-5}, StepControl: ode.PerRow})
	z, ld, err := b.InverseWithLogDet(batch.New(n, 2, x))
	require.NoError(t, err)
	zs := z.Float64s()
	st := b.Stats()
	assert.Equal(t, n, st.Rows)
	assert.Less(t, st.NFE, 100, "one call per stage over the rows")

	rev := make([]float64, 2*n)
	for r := range n {
		copy(rev[2*(n-1-r):], x[2*r:2*r+2])
	}
	require.NoError(t, b.Dynamics().SetWorkers(1))
	zr, ldr, err := b.InverseWithLogDet(batch.New(n, 2, rev))
	require.NoError(t, err)
	for r := range n {
		assert.Equal(t, zs[2*r:2*r+2], zr.Float64s()[2*(n-1-r):2*(n-r)], "row %d reversed", r)
		assert.Equal(t, ld[r], ldr[n-1-r], "row %d reversed", r)
	}
	for _, r := range []int{0, 17, 131, 299, 600, 1099} {
		z1, ld1, err := b.InverseWithLogDet(batch.New(1, 2, x[2*r:2*r+2]))
		require.NoError(t, err)
		assert.Equal(t, zs[2*r:2*r+2], z1.Float64s(), "row %d alone", r)
		assert.Equal(t, ld[r], ld1[0], "row %d alone", r)
	}

	// Forward (sampling) too.
	require.NoError(t, b.Dynamics().SetWorkers(2))
	back, err := b.Forward(z)
	require.NoError(t, err)
	for r := 0; r < n; r += 23 {
		one, err := b.Forward(batch.New(1, 2, zs[2*r:2*r+2]))
		require.NoError(t, err)
		require.Equal(t, back.Float64s()[2*r:2*r+2], one.Float64s(), "row %d", r)
	}
}

// TestPerRowMeetsTheTolerancePerPoint: at rtol 1e-6, atol 1e-8 every
// point's log-det is within 1e-4 of a tight solve, while the whole-batch
// norm lets points of a large batch drift further.
func TestPerRowMeetsTheTolerancePerPoint(t *testing.T) {
	const n = 256
	x := batch.New(n, 2, rowPoints(n, 8))
	ref := rowBlock(t, ode.Settings{Controller: ode.Adaptive{RTol: 1e-10, ATol: 1e-12}, StepControl: ode.PerRow})
	_, want, err := ref.InverseWithLogDet(x)
	require.NoError(t, err)
	worst := map[ode.StepControl]float64{}
	for _, c := range []ode.StepControl{ode.PerRow, ode.WholeBatch} {
		b := rowBlock(t, ode.Settings{Controller: ode.Adaptive{RTol: 1e-6, ATol: 1e-8}, StepControl: c})
		_, got, err := b.InverseWithLogDet(x)
		require.NoError(t, err)
		for r := range n {
			worst[c] = math.Max(worst[c], math.Abs(got[r]-want[r]))
		}
	}
	t.Logf("worst |Δ log-det|: per row %.2g, whole batch %.2g", worst[ode.PerRow], worst[ode.WholeBatch])
	assert.Less(t, worst[ode.PerRow], 1e-4)

	// The evaluation default (per row, rtol 1e-5, atol 1e-7): every point
	// within 1e-3.
	b := rowBlock(t, ode.Settings{})
	_, got, err := b.InverseWithLogDet(x)
	require.NoError(t, err)
	def := 0.0
	for r := range n {
		def = math.Max(def, math.Abs(got[r]-want[r]))
	}
	t.Logf("worst |Δ log-det| at the evaluation default: %.2g", def)
	assert.Less(t, def, 1e-3)
}

// TestStepControlDefaults: by default evaluation controls steps per row at
// rtol 1e-5, atol 1e-7, and the recorded passes of training control them
// over the whole batch at the tutorial's tolerances; an explicit step
// control or tolerance applies to both; Constant steps use the
// whole-batch solver, which is the same for every row.
func TestStepControlDefaults(t *testing.T) {
	b := rowBlock(t, ode.Settings{})
	assert.True(t, b.eval.PerRow())
	assert.False(t, b.train.PerRow())
	x := rowPoints(5, 9)
	_, _, tape, err := b.recordSolve(x, 5, 1, 0, ode.Discrete{}, false)
	require.NoError(t, err)
	assert.False(t, tape.perRow)
	tight := rowBlock(t, ode.Settings{Controller: ode.Adaptive{RTol: EvaluationPreset().RTol, ATol: EvaluationPreset().ATol}, StepControl: ode.PerRow})
	want, err := tight.Inverse(batch.New(5, 2, x))
	require.NoError(t, err)
	got, err := b.Inverse(batch.New(5, 2, x))
	require.NoError(t, err)
	assert.Equal(t, want.Float64s(), got.Float64s(), "evaluation: per row at rtol 1e-5, atol 1e-7")
	train := rowBlock(t, ode.Settings{Controller: ode.Adaptive{RTol: ode.DefaultRTol, ATol: ode.DefaultATol}, StepControl: ode.WholeBatch})
	wantZ, _, _, err := train.recordSolve(x, 5, 1, 0, ode.Discrete{}, false)
	require.NoError(t, err)
	gotZ, _, _, err := b.recordSolve(x, 5, 1, 0, ode.Discrete{}, false)
	require.NoError(t, err)
	assert.Equal(t, wantZ, gotZ, "training: whole batch at the tutorial's tolerances")

	b = rowBlock(t, ode.Settings{StepControl: ode.PerRow})
	assert.True(t, b.eval.PerRow())
	assert.True(t, b.train.PerRow())
	b = rowBlock(t, ode.Settings{StepControl: ode.WholeBatch})
	assert.False(t, b.eval.PerRow())
	b = rowBlock(t, ode.Settings{Method: ode.RK4(), Controller: ode.Constant{Step: 0.1}, StepControl: ode.PerRow})
	assert.False(t, b.eval.PerRow())
	assert.False(t, b.train.PerRow())
}
