package ode

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sharedOscillator is the SharedFunc of rowOscillator's rows driving the
// shared state s' = (Σ_r x_r, Σ_r t·v_r), each weighted by w.
func sharedOscillator(dy, ds, t, y []float64, rows []int, w []float64) error {
	for j := range rows {
		rowOscillator(dy[2*j:2*j+2], t[j], y[2*j:2*j+2])
		if ds == nil {
			continue
		}
		wj := 1.0
		if w != nil {
			wj = w[j]
		}
		ds[0] += wj * y[2*j]
		ds[1] += wj * (t[j] * y[2*j+1])
	}
	return nil
}

// TestSharedWholeBatchMatchesOneODE: SolveShared of rows [x_r, v_r] with
// a shared state in one group has the bits, step times and counts of
// Solve on [x of every row; v of every row; s], with or without a
// Parallel, under adaptive and fixed steps.
func TestSharedWholeBatchMatchesOneODE(t *testing.T) {
	const n = 17
	r := rand.New(rand.NewPCG(5, 6))
	rows := rowStarts(r, 2*n)
	flat := make([]float64, 2*n+2)
	for i := range n {
		flat[i], flat[n+i] = rows[2*i], rows[2*i+1]
	}
	flatF := func(dy []float64, t float64, y []float64) error {
		var x, dx [2]float64
		dy[2*n], dy[2*n+1] = 0, 0
		for j := range n {
			x[0], x[1] = y[j], y[n+j]
			rowOscillator(dx[:], t, x[:])
			dy[j], dy[n+j] = dx[0], dx[1]
			dy[2*n] += 1 * x[0]
			dy[2*n+1] += 1 * (t * x[1])
		}
		return nil
	}
	for _, c := range []Controller{Adaptive{}, Adaptive{RTol: 1e-7, ATol: 1e-9}, Adaptive{FirstStep: 0.01}, Constant{Step: 0.1}} {
		for _, par := range []Parallel{nil, ragged(4)} {
			set := Settings{StepControl: WholeBatch, Controller: c, RecordSteps: true}
			want, wantRes := solveOne(t, set, flatF, 0, 2, flat)
			sv, err := NewSolver(set)
			require.NoError(t, err)
			sv.SetParallel(par)
			sv.SetFields([]int{1, 1})
			got, shared := make([]float64, len(rows)), []float64{0.5, -1}
			res, err := sv.SolveShared(got, shared, sharedOscillator, 0, 2, rows, n)
			require.NoError(t, err)
			for i := range n {
				assert.Equal(t, []float64{want[i], want[n+i]}, got[2*i:2*i+2], "row %d", i)
			}
			assert.Equal(t, []float64{0.5 + want[2*n], -1 + want[2*n+1]}, shared)
			assertSameSteps(t, wantRes, res)
		}
	}
}

// TestSharedPerRowQuadrature: under per-row control the rows of
// SolveShared have the bits and steps of SolveRows, the shared state
// leaves them alone, and its quadrature along each row's steps is the
// integral to the tolerance.
func TestSharedPerRowQuadrature(t *testing.T) {
	k := []float64{-3, -1, 0.5, 1, 2}
	n := len(k)
	f := func(dy, ds, t, y []float64, rows []int, w []float64) error {
		for j, r := range rows {
			dy[j] = -k[r] * y[j]
			if ds != nil {
				ds[0] += w[j] * y[j]
				ds[1] += w[j] * (t[j] * y[j])
			}
		}
		return nil
	}
	rowF := func(dy, t, y []float64, rows []int) error { return f(dy, nil, t, y, rows, nil) }
	y0 := []float64{1, 2, -1, 0.5, 3}
	for _, par := range []Parallel{nil, ragged(2)} {
		sv, err := NewSolver(Settings{StepControl: PerRow, Controller: Adaptive{RTol: 1e-10, ATol: 1e-12}})
		require.NoError(t, err)
		sv.SetParallel(par)
		want := make([]float64, n)
		wantRes, err := sv.SolveRows(want, rowF, 0, 1, y0, n)
		require.NoError(t, err)
		got, shared := make([]float64, n), []float64{1, 0}
		res, err := sv.SolveShared(got, shared, f, 0, 1, y0, n)
		require.NoError(t, err)
		assert.Equal(t, want, got)
		assert.Equal(t, wantRes.RowNFE, res.RowNFE)
		assert.Equal(t, wantRes.Accepted, res.Accepted)
		assert.Equal(t, wantRes.Rejected, res.Rejected)
		assert.Greater(t, res.NFE, wantRes.NFE) // the quadrature's calls
		var q0, q1 float64
		for r, kr := range k {
			q0 += y0[r] * -math.Expm1(-kr) / kr
			q1 += y0[r] * (1 - (1+kr)*math.Exp(-kr)) / (kr * kr)
		}
		assert.InDelta(t, 1+q0, shared[0], 1e-8)
		assert.InDelta(t, q1, shared[1], 1e-8)
	}
}

func TestSharedErrors(t *testing.T) {
	sv, err := NewSolver(Settings{})
	require.NoError(t, err)
	y := []float64{1, 0}
	_, err = sv.SolveShared(y, []float64{0, 0}, nil, 0, 1, y, 1)
	assert.ErrorIs(t, err, ErrInvalidInput)

	nan := func(dy, ds, t, y []float64, rows []int, w []float64) error {
		clear(dy)
		if ds != nil {
			ds[1] = math.NaN()
		}
		return nil
	}
	res, err := sv.SolveShared(y, []float64{0, 0}, nan, 0, 1, y, 1)
	wantSolveError(t, err, ErrNonFinite)
	assert.Equal(t, NonFinite, res.Status)

	rs, err := NewSolver(Settings{StepControl: PerRow})
	require.NoError(t, err)
	stop := errors.New("stop")
	fail := func(dy, ds, t, y []float64, rows []int, w []float64) error {
		clear(dy)
		if w != nil {
			return stop
		}
		return nil
	}
	y = []float64{1, 2}
	res, err = rs.SolveShared(y, []float64{0}, fail, 0, 1, y, 2)
	assert.ErrorIs(t, err, stop)
	assert.ErrorContains(t, err, "row 0")
	assert.Equal(t, FuncFailed, res.Status)
}

// TestSharedPerRowNonFinite: a NaN in the shared derivative fails the
// solve with ErrNonFinite under per-row control too, where the shared
// state is integrated outside the error norm, as it does in one group.
func TestSharedPerRowNonFinite(t *testing.T) {
	f := func(dy, ds, t, y []float64, rows []int, w []float64) error {
		for j := range rows {
			dy[j] = -y[j]
			if ds != nil {
				ds[0] += w[j] * y[j]
				if t[j] > 0.5 {
					ds[0] = math.NaN()
				}
			}
		}
		return nil
	}
	sv, err := NewSolver(Settings{StepControl: PerRow})
	require.NoError(t, err)
	y := []float64{1, 2, 3}
	res, err := sv.SolveShared(make([]float64, 3), []float64{0}, f, 0, 1, y, 3)
	wantSolveError(t, err, ErrNonFinite)
	assert.Equal(t, NonFinite, res.Status)
}

// TestSharedRefusesOverlap: a shared state that overlaps dst or y0 is
// refused, in one group and per row; it would be overwritten by the
// rows or would overwrite them.
func TestSharedRefusesOverlap(t *testing.T) {
	f := func(dy, ds, t, y []float64, rows []int, w []float64) error {
		for j := range rows {
			dy[j] = -y[j]
			if ds != nil {
				ds[0] += y[j]
			}
		}
		return nil
	}
	for _, c := range []StepControl{WholeBatch, PerRow} {
		sv, err := NewSolver(Settings{StepControl: c})
		require.NoError(t, err)
		buf := []float64{1, 2, 3, 4, 5}
		y0 := []float64{1, 2, 3}
		res, err := sv.SolveShared(buf[:3], buf[2:3], f, 0, 1, y0, 3)
		assert.ErrorIs(t, err, ErrInvalidInput, "%v: shared in dst", c)
		assert.Equal(t, InvalidInput, res.Status)
		assert.Equal(t, []float64{1, 2, 3, 4, 5}, buf, "%v", c)
		_, err = sv.SolveShared(make([]float64, 3), buf[1:2], f, 0, 1, buf[:3], 3)
		assert.ErrorIs(t, err, ErrInvalidInput, "%v: shared in y0", c)
		_, err = sv.SolveShared(buf[:3], buf[3:5], f, 0, 1, buf[:3], 3)
		assert.NoError(t, err, "%v: shared next to dst", c)
	}
}
