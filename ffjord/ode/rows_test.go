package ode

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rowOscillator is a batch of 2-d nonlinear oscillators whose stiffness
// depends on the row's own state, so that rows need very different steps.
func rowOscillator(dy []float64, t float64, y []float64) {
	w := 1 + 10*y[0]*y[0]
	dy[0] = y[1] + 0.1*math.Sin(3*t)
	dy[1] = -w * y[0]
}

func rowFunc(dy, t, y []float64, _ []int) error {
	for j := range t {
		rowOscillator(dy[2*j:2*j+2], t[j], y[2*j:2*j+2])
	}
	return nil
}

func oneRow(dy []float64, t float64, y []float64) error {
	rowOscillator(dy, t, y)
	return nil
}

// rowStarts returns n normal values of standard deviation 2: start states
// from which rowOscillator's rows need very different steps.
func rowStarts(r *rand.Rand, n int) []float64 {
	y := make([]float64, n)
	for i := range y {
		y[i] = 2 * r.NormFloat64()
	}
	return y
}

// TestRowSolverMatchesSolverPerRow: each row of a per-row solve has the
// bits, the step times and the counts of Solver on that row alone, so its
// result does not depend on the other rows, their order or their number.
func TestRowSolverMatchesSolverPerRow(t *testing.T) {
	const n = 37
	r := rand.New(rand.NewPCG(1, 2))
	y0 := rowStarts(r, 2*n)
	for _, ad := range []Adaptive{{}, {RTol: 1e-7, ATol: 1e-9}, {FirstStep: 0.01}} {
		set := Settings{Controller: ad, RecordSteps: true}
		rs, err := NewRowSolver(set)
		require.NoError(t, err)
		got := make([]float64, 2*n)
		res, err := rs.Solve(got, rowFunc, 0, 3, y0, n)
		require.NoError(t, err)
		require.Equal(t, n, res.Rows)

		sv, err := NewSolver(set)
		require.NoError(t, err)
		accSum, nfeSum := 0, 0
		for row := range n {
			want := make([]float64, 2)
			one, err := sv.Solve(want, oneRow, 0, 3, y0[2*row:2*row+2])
			require.NoError(t, err)
			assert.Equal(t, want, got[2*row:2*row+2], "row %d", row)
			assert.Equal(t, one.Times, rs.RowTimes(row), "row %d", row)
			a, rj := rs.RowSteps(row)
			assert.Equal(t, one.Accepted, a)
			assert.Equal(t, one.Rejected, rj)
			assert.Equal(t, one.NFE, rs.RowNFE(row))
			accSum += a
			nfeSum += one.NFE
		}
		assert.Equal(t, accSum, res.Accepted)
		assert.Equal(t, nfeSum, res.RowNFE)
		assert.Less(t, res.NFE, res.RowNFE, "calls are batched")

		// Reversed and cut to a subset: the same bits per row.
		perm := r.Perm(n)[:n/2]
		sub := make([]float64, 0, len(perm)*2)
		for _, p := range perm {
			sub = append(sub, y0[2*p:2*p+2]...)
		}
		out := make([]float64, len(sub))
		_, err = rs.Solve(out, rowFunc, 0, 3, sub, len(perm))
		require.NoError(t, err)
		for j, p := range perm {
			assert.Equal(t, got[2*p:2*p+2], out[2*j:2*j+2], "row %d as %d", p, j)
		}
	}
}

// TestRowSolverBackwardsAndErrors: t1 < t0 works, and a failing row fails
// the solve with its status and name.
func TestRowSolverBackwardsAndErrors(t *testing.T) {
	rs, err := NewRowSolver(Settings{MaxSteps: 5})
	require.NoError(t, err)
	y0 := []float64{1, 0, 0.1, 0, 3, 0}
	dst := make([]float64, 6)
	res, err := rs.Solve(dst, rowFunc, 0, -20, y0, 3)
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrMaxSteps))
	assert.Equal(t, MaxStepsReached, res.Status)
	assert.Contains(t, err.Error(), "row ")

	rs, err = NewRowSolver(Settings{})
	require.NoError(t, err)
	res, err = rs.Solve(dst, rowFunc, 0, -2, y0, 3)
	require.NoError(t, err)
	sv, err := NewSolver(Settings{})
	require.NoError(t, err)
	want := make([]float64, 2)
	_, err = sv.Solve(want, oneRow, 0, -2, y0[2:4])
	require.NoError(t, err)
	assert.Equal(t, want, dst[2:4])
	assert.Equal(t, Successful, res.Status)

	_, err = NewRowSolver(Settings{Method: RK4(), Controller: Constant{Step: 0.1}})
	assert.True(t, errors.Is(err, ErrInvalidSettings))
	_, err = NewSolver(Settings{StepControl: 7})
	assert.True(t, errors.Is(err, ErrInvalidSettings))
	for _, c := range []StepControl{WholeBatch, PerRow} {
		p, err := ParseStepControl(c.String())
		require.NoError(t, err)
		assert.Equal(t, c, p)
	}
}

// TestRowSolverAllocatesNothing: repeated solves of one shape reuse the
// workspace.
func TestRowSolverAllocatesNothing(t *testing.T) {
	rs, err := NewRowSolver(Settings{})
	require.NoError(t, err)
	y0 := []float64{1, 0, 0.1, 0, 3, 0}
	dst := make([]float64, 6)
	allocs := testing.AllocsPerRun(10, func() {
		if _, err := rs.Solve(dst, rowFunc, 0, 2, y0, 3); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}

// BenchmarkRowSolverBookkeeping times a per-row solve of 4096 cheap rows
// of width 3, where the solver's own per-row work (stage states, error
// norms, step sizes, gathering) is most of the time.
func BenchmarkRowSolverBookkeeping(b *testing.B) {
	const n, w = 4096, 3
	r := rand.New(rand.NewPCG(1, 2))
	y0 := make([]float64, w*n)
	for i := range y0 {
		y0[i] = r.NormFloat64()
	}
	f := func(dy, t, y []float64, _ []int) error {
		for j := range t {
			rowOscillator(dy[w*j:w*j+2], t[j], y[w*j:w*j+2])
			dy[w*j+2] = y[w*j] * y[w*j+1]
		}
		return nil
	}
	rs, err := NewRowSolver(Settings{Controller: Adaptive{RTol: 1e-5, ATol: 1e-7}})
	require.NoError(b, err)
	dst := make([]float64, w*n)
	for b.Loop() {
		if _, err := rs.Solve(dst, f, 0, 1, y0, n); err != nil {
			b.Fatal(err)
		}
	}
}
