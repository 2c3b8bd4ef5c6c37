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
	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// tight are tolerances at which the solve error is far below the asserts.
var tight = ode.Settings{Controller: ode.Adaptive{RTol: 1e-10, ATol: 1e-12}}

// linear is the dynamics f(t, z) = A z, whose flow is expm(A t).
type linear struct {
	at *tensor.Dense // Aᵀ, for the row convention z·Aᵀ
}

func newLinear(a []float64, d int) *linear {
	at := make([]float64, d*d)
	for i := range d {
		for j := range d {
			at[j*d+i] = a[i*d+j]
		}
	}
	return &linear{at: tensor.New(tensor.WithShape(d, d), tensor.WithBacking(at))}
}

func (l *linear) Dim() int                { return l.at.Shape()[0] }
func (l *linear) Params() []*tensor.Dense { return []*tensor.Dense{l.at} }
func (l *linear) Build(_, z *G.Node, params, dirs []*G.Node) (*G.Node, []*G.Node, error) {
	f, err := G.Mul(z, params[0])
	if err != nil {
		return nil, nil, err
	}
	jv := make([]*G.Node, len(dirs))
	for i, v := range dirs {
		if jv[i], err = G.Mul(v, params[0]); err != nil {
			return nil, nil, err
		}
	}
	return f, jv, nil
}

func TestLinearDynamicsMatchExpm(t *testing.T) {
	a := []float64{-0.5, 1.2, 0.3, -0.8, 0.1, 0.4, 0.7, -0.2, 0.25}
	const d = 3
	for _, times := range [][2]float64{{0, 1}, {0.5, 2}, {1, -0.5}} {
		b, err := New(newLinear(a, d), Options{T0: times[0], T1: times[1], Solver: tight})
		require.NoError(t, err)
		r := rand.New(rand.NewPCG(1, 2))
		x := make([]float64, 5*d)
		for i := range x {
			x[i] = r.NormFloat64()
		}
		y, ld, err := b.ForwardWithLogDet(batch.New(5, d, x))
		require.NoError(t, err)

		span := times[1] - times[0]
		var e mat.Dense
		e.Exp(mat.NewDense(d, d, scaled(a, span)))
		trA := a[0] + a[4] + a[8]
		for row := range 5 {
			var want mat.VecDense
			want.MulVec(&e, mat.NewVecDense(d, x[row*d:(row+1)*d]))
			assert.InDeltaSlice(t, want.RawVector().Data, y.Float64s()[row*d:(row+1)*d], 1e-9)
			assert.InDelta(t, span*trA, ld[row], 1e-9)
		}
		ild, err := b.InverseLogDetJacobian(y)
		require.NoError(t, err)
		assert.InDelta(t, -span*trA, ild[0], 1e-9)
	}
}

func scaled(a []float64, s float64) []float64 {
	out := make([]float64, len(a))
	for i, v := range a {
		out[i] = v * s
	}
	return out
}

func randomMLPBlock(t *testing.T, seed uint64, opts Options) *FFJORD {
	t.Helper()
	net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2}, rand.NewPCG(seed, 99))
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(seed, 7))
	for _, p := range net.Params() {
		for i, v := range p.Float64s() {
			p.Float64s()[i] = v + 0.2*r.NormFloat64() // non-zero biases too
		}
	}
	b, err := New(net, opts)
	require.NoError(t, err)
	return b
}

func TestInverseUndoesForward(t *testing.T) {
	b := randomMLPBlock(t, 3, Options{Solver: tight})
	r := rand.New(rand.NewPCG(4, 5))
	x := make([]float64, 40)
	for i := range x {
		x[i] = 1.5 * r.NormFloat64()
	}
	y, fldj, err := b.ForwardWithLogDet(batch.New(20, 2, x))
	require.NoError(t, err)
	back, ildj, err := b.InverseWithLogDet(y)
	require.NoError(t, err)
	assert.InDeltaSlice(t, x, back.Float64s(), 1e-8)
	for i := range fldj {
		assert.InDelta(t, -fldj[i], ildj[i], 1e-8)
	}
	// Forward without the log-det lands on the same points.
	y2, err := b.Forward(batch.New(20, 2, x))
	require.NoError(t, err)
	assert.InDeltaSlice(t, y.Float64s(), y2.Float64s(), 1e-8)
}

func TestLogDetMatchesFiniteDifferenceJacobian(t *testing.T) {
	b := randomMLPBlock(t, 6, Options{Solver: tight})
	points := [][]float64{{0.3, -0.4}, {1.2, 0.9}, {-1.5, 0.2}}
	for _, p := range points {
		_, ld, err := b.ForwardWithLogDet(batch.New(1, 2, p))
		require.NoError(t, err)
		// Central differences of the whole map, column by column.
		const h = 1e-5
		var jac [4]float64
		for j := range 2 {
			xp := append([]float64(nil), p...)
			xm := append([]float64(nil), p...)
			xp[j] += h
			xm[j] -= h
			yp, err := b.Forward(batch.New(1, 2, xp))
			require.NoError(t, err)
			ym, err := b.Forward(batch.New(1, 2, xm))
			require.NoError(t, err)
			for i := range 2 {
				jac[i*2+j] = (yp.Float64s()[i] - ym.Float64s()[i]) / (2 * h)
			}
		}
		det := jac[0]*jac[3] - jac[1]*jac[2]
		assert.InDelta(t, math.Log(math.Abs(det)), ld[0], 1e-5, "at %v", p)
	}
}

func TestHutchinsonLogDetIsUnbiased(t *testing.T) {
	exact := randomMLPBlock(t, 8, Options{Solver: tight})
	x := batch.New(1, 2, []float64{0.4, -0.3})
	want, err := exact.ForwardLogDetJacobian(x)
	require.NoError(t, err)

	hutch := randomMLPBlock(t, 8, Options{Solver: tight, Trace: odefunc.HutchinsonRademacher, Source: rand.NewPCG(1, 1)})
	// Many copies of one point: each row draws its own noise.
	const n = 2000
	rows := make([]float64, 0, 2*n)
	for range n {
		rows = append(rows, 0.4, -0.3)
	}
	// Evaluation is exact; a taped solve uses the block's estimator.
	_, got, _, err := hutch.recordSolve(rows, n, 0, 1, ode.BacksolveAdjoint{}, false)
	require.NoError(t, err)
	var mean, sq float64
	for _, v := range got {
		mean += v
	}
	mean /= n
	for _, v := range got {
		sq += (v - mean) * (v - mean)
	}
	se := math.Sqrt(sq / (n - 1) / n)
	assert.Greater(t, se, 0.0)
	assert.InDelta(t, want[0], mean, 4*se)
}

func TestStatsAreReported(t *testing.T) {
	for _, c := range []ode.StepControl{ode.WholeBatch, ode.PerRow} {
		b := randomMLPBlock(t, 9, Options{Solver: ode.Settings{StepControl: c}})
		_, err := b.Forward(batch.New(2, 2, []float64{0, 0, 1, 1}))
		require.NoError(t, err)
		s := b.Stats()
		assert.Positive(t, s.Accepted)
		assert.Equal(t, 2, s.Rows)
		// Dormand–Prince: 6 evaluations per attempted step, plus the first
		// stage and the starting-step estimate; per row, the steps are
		// summed over the rows, as are the row evaluations.
		assert.GreaterOrEqual(t, s.RowNFE, 6*(s.Accepted+s.Rejected), c)
	}
}

func TestBadOptionsAndInput(t *testing.T) {
	net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2}, rand.NewPCG(1, 1))
	require.NoError(t, err)
	for name, opts := range map[string]Options{
		"t0 = t1":           {T0: 0.5, T1: 0.5},
		"NaN time":          {T0: math.NaN(), T1: 1},
		"negative rtol":     {Solver: ode.Settings{Controller: ode.Adaptive{RTol: -1}}},
		"zero-free atol":    {Solver: ode.Settings{Controller: ode.Adaptive{ATol: math.Inf(1)}}},
		"unknown trace":     {Trace: odefunc.Trace(42)},
		"hutchinson no rng": {Trace: odefunc.HutchinsonGaussian},
	} {
		_, err := New(net, opts)
		assert.Error(t, err, name)
	}
	b, err := New(net, Options{})
	require.NoError(t, err)
	_, err = b.Forward(batch.New(1, 3, []float64{1, 2, 3}))
	assert.ErrorIs(t, err, batch.ErrShape)
	_, err = b.Forward(batch.New(1, 2, []float64{1, math.Inf(-1)}))
	assert.ErrorIs(t, err, batch.ErrNonFinite)
	_, err = b.Forward(tensor.New(tensor.WithShape(0, 2), tensor.Of(tensor.Float64)))
	assert.ErrorIs(t, err, batch.ErrEmpty)
	_, err = New(nil, Options{})
	assert.Error(t, err)
}
