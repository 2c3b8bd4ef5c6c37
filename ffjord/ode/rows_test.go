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

// TestPerRowMatchesSolve: each row of a per-row solve has the
// bits, the step times and the counts of Solver on that row alone, so its
// result does not depend on the other rows, their order or their number.
func TestPerRowMatchesSolve(t *testing.T) {
	const n = 37
	r := rand.New(rand.NewPCG(1, 2))
	y0 := rowStarts(r, 2*n)
	for _, ad := range []Adaptive{{}, {RTol: 1e-7, ATol: 1e-9}, {FirstStep: 0.01}} {
		set := Settings{StepControl: PerRow, Controller: ad, RecordSteps: true}
		rs, err := NewSolver(set)
		require.NoError(t, err)
		got := make([]float64, 2*n)
		res, err := rs.SolveRows(got, rowFunc, 0, 3, y0, n)
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
		_, err = rs.SolveRows(out, rowFunc, 0, 3, sub, len(perm))
		require.NoError(t, err)
		for j, p := range perm {
			assert.Equal(t, got[2*p:2*p+2], out[2*j:2*j+2], "row %d as %d", p, j)
		}
	}
}

// TestPerRowBackwardsAndErrors: t1 < t0 works, and a failing row fails
// the solve with its status and name.
func TestPerRowBackwardsAndErrors(t *testing.T) {
	rs, err := NewSolver(Settings{StepControl: PerRow, MaxSteps: 5})
	require.NoError(t, err)
	y0 := []float64{1, 0, 0.1, 0, 3, 0}
	dst := make([]float64, 6)
	res, err := rs.SolveRows(dst, rowFunc, 0, -20, y0, 3)
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrMaxSteps))
	assert.Equal(t, MaxStepsReached, res.Status)
	assert.Contains(t, err.Error(), "row ")

	rs, err = NewSolver(Settings{StepControl: PerRow})
	require.NoError(t, err)
	res, err = rs.SolveRows(dst, rowFunc, 0, -2, y0, 3)
	require.NoError(t, err)
	sv, err := NewSolver(Settings{})
	require.NoError(t, err)
	want := make([]float64, 2)
	_, err = sv.Solve(want, oneRow, 0, -2, y0[2:4])
	require.NoError(t, err)
	assert.Equal(t, want, dst[2:4])
	assert.Equal(t, Successful, res.Status)

	// Under Constant steps nothing couples the rows: one group, and each
	// row gets Solve's bits.
	fixed := Settings{StepControl: PerRow, Method: RK4(), Controller: Constant{Step: 0.1}}
	rs, err = NewSolver(fixed)
	require.NoError(t, err)
	assert.False(t, rs.PerRow())
	res, err = rs.SolveRows(dst, rowFunc, 0, 1, y0, 3)
	require.NoError(t, err)
	assert.Equal(t, 10, res.Accepted)
	_, err = Solve(want, oneRow, 0, 1, y0[4:6], fixed)
	require.NoError(t, err)
	assert.Equal(t, want, dst[4:6])
	_, err = NewSolver(Settings{StepControl: 7})
	assert.True(t, errors.Is(err, ErrInvalidSettings))
	for _, c := range []StepControl{WholeBatch, PerRow} {
		p, err := ParseStepControl(c.String())
		require.NoError(t, err)
		assert.Equal(t, c, p)
	}
}

// TestPerRowAllocatesNothing: repeated solves of one shape reuse the
// workspace.
func TestPerRowAllocatesNothing(t *testing.T) {
	rs, err := NewSolver(Settings{StepControl: PerRow})
	require.NoError(t, err)
	y0 := []float64{1, 0, 0.1, 0, 3, 0}
	dst := make([]float64, 6)
	allocs := testing.AllocsPerRun(10, func() {
		if _, err := rs.SolveRows(dst, rowFunc, 0, 2, y0, 3); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)

	// Nor does a whole-batch solve whose fields are set before each.
	wb, err := NewSolver(Settings{StepControl: WholeBatch})
	require.NoError(t, err)
	fields := []int{1, 1}
	allocs = testing.AllocsPerRun(10, func() {
		wb.SetFields(fields)
		if _, err := wb.SolveRows(dst, rowFunc, 0, 2, y0, 3); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}

// BenchmarkPerRowBookkeeping times a per-row solve of 4096 cheap rows
// of width 3, where the solver's own per-row work (stage states, error
// norms, step sizes, gathering) is most of the time.
func BenchmarkPerRowBookkeeping(b *testing.B) {
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
	rs, err := NewSolver(Settings{StepControl: PerRow, Controller: Adaptive{RTol: 1e-5, ATol: 1e-7}})
	require.NoError(b, err)
	dst := make([]float64, w*n)
	for b.Loop() {
		if _, err := rs.SolveRows(dst, f, 0, 1, y0, n); err != nil {
			b.Fatal(err)
		}
	}
}

// TestWholeBatchMatchesOneODE: SolveRows with WholeBatch control, rows
// [x_r, q_r] in fields {2, 1}, has the bits, step times and counts of Solve
// on the layout [x of every row; q of every row], as one group should,
// with or without a Parallel.
func TestWholeBatchMatchesOneODE(t *testing.T) {
	const n, w = 23, 3
	r := rand.New(rand.NewPCG(3, 4))
	x0 := rowStarts(r, 2*n)
	rows := make([]float64, n*w)
	for i := range n {
		copy(rows[i*w:i*w+2], x0[2*i:2*i+2])
		rows[i*w+2] = 0.1 * float64(i)
	}
	batch := append(append([]float64(nil), x0...), make([]float64, n)...)
	for i := range n {
		batch[2*n+i] = rows[i*w+2]
	}
	rowF := func(dy, t, y []float64, _ []int) error {
		for j := range t {
			rowOscillator(dy[w*j:w*j+2], t[j], y[w*j:w*j+2])
			dy[w*j+2] = y[w*j] * y[w*j+1]
		}
		return nil
	}
	batchF := func(dy []float64, t float64, y []float64) error {
		for j := range n {
			rowOscillator(dy[2*j:2*j+2], t, y[2*j:2*j+2])
			dy[2*n+j] = y[2*j] * y[2*j+1]
		}
		return nil
	}
	for _, ad := range []Adaptive{{}, {RTol: 1e-7, ATol: 1e-9}, {FirstStep: 0.01}} {
		for _, par := range []Parallel{nil, ragged(4)} {
			set := Settings{StepControl: WholeBatch, Controller: ad, RecordSteps: true}
			want, wantRes := solveOne(t, set, batchF, 0, 3, batch)
			sv, err := NewSolver(set)
			require.NoError(t, err)
			sv.SetParallel(par)
			sv.SetFields([]int{2, 1})
			got := make([]float64, len(rows))
			res, err := sv.SolveRows(got, rowF, 0, 3, rows, n)
			require.NoError(t, err)
			for i := range n {
				assert.Equal(t, want[2*i:2*i+2], got[i*w:i*w+2], "row %d", i)
				assert.Equal(t, want[2*n+i], got[i*w+2], "row %d", i)
			}
			assertSameSteps(t, wantRes, res)
			assert.Equal(t, wantRes.NFE*n, res.RowNFE)
		}
	}
}

// solveOne returns the Solve of f from y0 under set, and its Result.
func solveOne(t *testing.T, set Settings, f Func, t0, t1 float64, y0 []float64) ([]float64, Result) {
	t.Helper()
	sv, err := NewSolver(set)
	require.NoError(t, err)
	y := make([]float64, len(y0))
	res, err := sv.Solve(y, f, t0, t1, y0)
	require.NoError(t, err)
	return y, res
}

// assertSameSteps checks that a solve in one step group took the steps
// of want, a Solve's.
func assertSameSteps(t *testing.T, want, got Result) {
	t.Helper()
	assert.Equal(t, want.Times, got.Times)
	assert.Equal(t, want.NFE, got.NFE)
	assert.Equal(t, want.Accepted, got.Accepted)
	assert.Equal(t, want.Rejected, got.Rejected)
	assert.Equal(t, want.LastStep, got.LastStep)
	assert.Equal(t, want.NextStep, got.NextStep)
}
