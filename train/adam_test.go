package train

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// adamPair returns two Adams, Gorgonia's and InPlaceAdam, over equal
// copies of parameters of a few shapes (one of a single value).
func adamPair(t *testing.T, r *rand.Rand, lr float64) (gorgonia, inPlace *Adam) {
	t.Helper()
	shapes := [][]int{{3, 5}, {1, 5}, {1, 1}, {7, 2}}
	var ps, qs []*tensor.Dense
	for _, sh := range shapes {
		v := make([]float64, sh[0]*sh[1])
		for i := range v {
			v[i] = r.NormFloat64()
		}
		ps = append(ps, tensor.New(tensor.WithShape(sh...), tensor.WithBacking(v)))
		qs = append(qs, tensor.New(tensor.WithShape(sh...), tensor.WithBacking(append([]float64(nil), v...))))
	}
	a, err := NewAdam(ps, lr)
	require.NoError(t, err)
	b, err := NewAdamWith(qs, lr, InPlaceAdam{})
	require.NoError(t, err)
	assert.Equal(t, GorgoniaAdam{}, a.Update())
	assert.Equal(t, InPlaceAdam{}, b.Update())
	return a, b
}

// randomGrads draws gradients of a's shapes: mostly normal values of
// scales from 1e-6 to 1e3, with exact zeros, negative zeros and subnormal
// values among them, and if extreme huge ones too (whose square
// overflows, so that v is +Inf).
func randomGrads(a *Adam, r *rand.Rand, extreme bool) Grads {
	g := make(Grads, len(a.params))
	for i, p := range a.params {
		g[i] = make([]float64, p.value.Shape().TotalSize())
		for j := range g[i] {
			switch k := r.IntN(50); k {
			case 0:
				g[i][j] = 0
			case 1:
				g[i][j] = math.Copysign(0, -1)
			case 2:
				g[i][j] = 5e-320 * r.NormFloat64()
			case 3:
				if !extreme {
					g[i][j] = r.NormFloat64()
					break
				}
				g[i][j] = 1e160 * r.NormFloat64()
			default:
				g[i][j] = r.NormFloat64() * math.Pow(10, float64(r.IntN(10)-6))
			}
		}
	}
	return g
}

// assertSameBits fails unless a and b hold the same parameters and the
// same memory, bit for bit.
func assertSameBits(t *testing.T, a, b *Adam, step int) bool {
	t.Helper()
	for i := range a.params {
		x, y := a.params[i].value.Float64s(), b.params[i].value.Float64s()
		for j := range x {
			if math.Float64bits(x[j]) != math.Float64bits(y[j]) {
				return assert.Fail(t, "parameters differ", "step %d: parameter %d value %d: %v (gorgonia) against %v (in place)", step, i, j, x[j], y[j])
			}
		}
	}
	sa, err := a.State()
	require.NoError(t, err)
	sb, err := b.State()
	require.NoError(t, err)
	if !assert.Equal(t, sa.Step, sb.Step, "step %d", step) {
		return false
	}
	for i := range sa.M {
		for j := range sa.M[i] {
			if math.Float64bits(sa.M[i][j]) != math.Float64bits(sb.M[i][j]) || math.Float64bits(sa.V[i][j]) != math.Float64bits(sb.V[i][j]) {
				return assert.Fail(t, "moments differ", "step %d: parameter %d value %d: m %v/%v, v %v/%v", step, i, j, sa.M[i][j], sb.M[i][j], sa.V[i][j], sb.V[i][j])
			}
		}
	}
	return true
}

// TestInPlaceAdamIsGorgonias runs Gorgonia's AdamSolver and InPlaceAdam
// side by side on random gradients for many steps, changing the learning
// rate and the weight decay on the way, and requires the same bits in the
// parameters and both moments after every step; the gradients given must
// be left as they were.
func TestInPlaceAdamIsGorgonias(t *testing.T) {
	for seed := range uint64(4) {
		r := rand.New(rand.NewPCG(seed, 77))
		a, b := adamPair(t, r, 1e-2)
		for step := 1; step <= 600; step++ {
			if step%97 == 0 {
				lr := math.Pow(10, -1-3*r.Float64())
				a.SetLearningRate(lr)
				b.SetLearningRate(lr)
			}
			if step%151 == 0 {
				wd := []float64{0, 0.01, 0.3}[r.IntN(3)]
				require.NoError(t, a.SetWeightDecay(wd))
				require.NoError(t, b.SetWeightDecay(wd))
			}
			g := randomGrads(a, r, true)
			keep := make(Grads, len(g))
			for i := range g {
				keep[i] = append([]float64(nil), g[i]...)
			}
			require.NoError(t, a.Step(keep))
			require.NoError(t, b.Step(g))
			for i := range g {
				require.Equal(t, keep[i], g[i], "InPlaceAdam changed the gradients")
			}
			if !assertSameBits(t, a, b, step) {
				t.Fatalf("seed %d", seed)
			}
		}
	}
}

// TestAdamStateCrossesUpdates: the state of either update restores into
// the other, which then continues as the first would have, bit for bit;
// restoring step 0 forgets the moments in both.
func TestAdamStateCrossesUpdates(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	a, b := adamPair(t, r, 3e-2)
	for range 20 {
		g := randomGrads(a, r, false)
		require.NoError(t, a.Step(g))
		require.NoError(t, b.Step(g))
	}
	// Two more of each, from the other's state: a fresh Adam of each kind
	// over copies of the parameters.
	clone := func(x *Adam, u AdamUpdate) *Adam {
		var ps []*tensor.Dense
		for _, p := range x.params {
			ps = append(ps, tensor.New(tensor.WithShape(p.value.Shape().Clone()...), tensor.WithBacking(append([]float64(nil), p.value.Float64s()...))))
		}
		y, err := NewAdamWith(ps, x.LearningRate(), u)
		require.NoError(t, err)
		st, err := x.State()
		require.NoError(t, err)
		require.NoError(t, y.Restore(st))
		return y
	}
	fromA, fromB := clone(a, InPlaceAdam{}), clone(b, GorgoniaAdam{})
	for step := 21; step <= 40; step++ {
		g := randomGrads(a, r, false)
		for _, x := range []*Adam{a, b, fromA, fromB} {
			require.NoError(t, x.Step(g))
		}
		require.True(t, assertSameBits(t, a, fromA, step))
		require.True(t, assertSameBits(t, b, fromB, step))
		require.True(t, assertSameBits(t, a, b, step))
	}
	for _, x := range []*Adam{a, b} {
		require.NoError(t, x.Restore(AdamState{}))
		st, err := x.State()
		require.NoError(t, err)
		assert.Equal(t, AdamState{}, st, "%v", x.Update())
	}
	g := randomGrads(a, r, false)
	require.NoError(t, a.Step(g))
	require.NoError(t, b.Step(g))
	assertSameBits(t, a, b, 1)
	assert.Error(t, b.Restore(AdamState{Step: 3}), "a state without moments")
}

// TestNewAdamWithRefuses parameters it cannot update and a nil update;
// an Adam it did not make returns errors instead of panicking.
func TestNewAdamWithRefuses(t *testing.T) {
	for _, u := range []AdamUpdate{nil, GorgoniaAdam{}, InPlaceAdam{}} {
		_, err := NewAdamWith([]*tensor.Dense{nil}, 0.1, u)
		assert.ErrorIs(t, err, ErrInvalidConfig)
		_, err = NewAdamWith([]*tensor.Dense{tensor.New(tensor.WithShape(2), tensor.Of(tensor.Float32))}, 0.1, u)
		assert.ErrorIs(t, err, ErrInvalidConfig)
		_, err = NewAdamWith(nil, 0, u)
		assert.ErrorIs(t, err, ErrInvalidConfig)
	}
	_, err := NewAdamWith(nil, 0.1, (*InPlaceAdam)(nil))
	assert.ErrorIs(t, err, ErrInvalidConfig, "a nil *InPlaceAdam")
	for _, a := range []*Adam{nil, {}} {
		assert.ErrorIs(t, a.Step(nil), ErrInvalidConfig)
		_, err := a.State()
		assert.ErrorIs(t, err, ErrInvalidConfig)
		assert.ErrorIs(t, a.Restore(AdamState{}), ErrInvalidConfig)
		assert.ErrorIs(t, a.SetWeightDecay(0.1), ErrInvalidConfig)
		assert.Zero(t, a.LearningRate())
		assert.Zero(t, a.WeightDecay())
		a.SetLearningRate(0.1) // without panicking
	}
}

// TestTrainerInPlaceAdam: Options.Adam reaches the Trainer's Adam, and
// training with InPlaceAdam ends with the same parameters, bits and all,
// and the same history as with Gorgonia's, by maximum likelihood and by
// OT-CFM with weight decay.
func TestTrainerInPlaceAdam(t *testing.T) {
	for _, o := range []Options{
		{Epochs: 2, BatchSize: 32, LearningRate: 3e-2, Seed: 9},
		{Epochs: 3, BatchSize: 32, LearningRate: 3e-2, Seed: 9, Objective: OTCFM{SigmaMin: 0.1}, WeightDecay: 0.01},
	} {
		run := func(u AdamUpdate) ([]EpochStats, [][]float64) {
			f := tinyFlow(t)
			o.Adam = u
			tr, err := NewTrainer(f, o)
			require.NoError(t, err)
			if u == nil {
				u = GorgoniaAdam{}
			}
			assert.Equal(t, u, tr.adam.Update())
			require.NoError(t, tr.Run(context.Background(), tinyData(t)))
			h := tr.History()
			for i := range h {
				h[i].Seconds = 0
			}
			return h, paramsOf(f)
		}
		h0, p0 := run(nil)
		h1, p1 := run(InPlaceAdam{})
		assert.Equal(t, h0, h1, "%v", o.Objective)
		for i := range p0 {
			for j := range p0[i] {
				require.Equal(t, math.Float64bits(p0[i][j]), math.Float64bits(p1[i][j]), "%v: parameter %d value %d", o.Objective, i, j)
			}
		}
	}
}

// TestNewAdamWithRefusesScalarShape: a parameter of shape () (a tensor
// made from a scalar) is refused by both updates: Gorgonia's AdamSolver
// keeps its moments as scalars and panics on the second step.
func TestNewAdamWithRefusesScalarShape(t *testing.T) {
	for _, u := range []AdamUpdate{GorgoniaAdam{}, InPlaceAdam{}} {
		p := tensor.New(tensor.FromScalar(0.5))
		a, err := NewAdamWith([]*tensor.Dense{p}, 0.1, u)
		if !assert.ErrorIs(t, err, ErrInvalidConfig, "%v", u) {
			for range 3 {
				assert.NoError(t, a.Step(Grads{{1}}), "%v", u)
			}
		}
	}
}

// loggedUpdate is an AdamUpdate that wraps another, as a user's
// decorator would.
type loggedUpdate struct{ AdamUpdate }

// TestNewAdamWithRefusesEmptyWrapper: an update that embeds a nil
// AdamUpdate is refused with an error, not a nil-pointer panic; one that
// embeds InPlaceAdam is InPlaceAdam.
func TestNewAdamWithRefusesEmptyWrapper(t *testing.T) {
	p := tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{1, 2}))
	var err error
	assert.NotPanics(t, func() { _, err = NewAdamWith([]*tensor.Dense{p}, 0.1, loggedUpdate{}) })
	assert.ErrorIs(t, err, ErrInvalidConfig)
	a, err := NewAdamWith([]*tensor.Dense{p}, 0.1, loggedUpdate{InPlaceAdam{}})
	require.NoError(t, err)
	assert.NotNil(t, a.own)
}

// TestAdamStateErrorsNameTrainOnce: a state that does not fit is an
// ErrInvalidConfig error from Adam.Restore and from Trainer.Restore, whose
// message names the package once.
func TestAdamStateErrorsNameTrainOnce(t *testing.T) {
	tr, err := NewTrainer(tinyFlow(t), Options{Epochs: 1, BatchSize: 32, Seed: 1})
	require.NoError(t, err)
	for _, st := range []AdamState{{Step: -1}, {Step: 2}, {Step: 1, M: make([][]float64, 8), V: make([][]float64, 8)}} {
		err := tr.adam.Restore(st)
		assert.ErrorIs(t, err, ErrInvalidConfig, "Adam.Restore(%v)", st)
		ts, err := tr.State()
		require.NoError(t, err)
		ts.Adam = st
		err = tr.Restore(ts)
		require.ErrorIs(t, err, ErrInvalidConfig)
		assert.Equal(t, 1, strings.Count(err.Error(), "train:"), "%q", err)
	}
}
