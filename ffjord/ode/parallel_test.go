package ode

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
	"weak"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ragged is a Parallel that cuts [0, n) into parts of 1 to 7 indices and
// runs each on its own goroutine, so that any dependence of a row on the
// parts, or a race between parts, shows.
func ragged(seed uint64) Parallel { return raggedUpTo(seed, 7) }

// raggedUpTo is ragged with parts of 1 to most indices.
func raggedUpTo(seed uint64, most int) Parallel {
	r := rand.New(rand.NewPCG(seed, 9))
	return func(n int, body func(lo, hi int)) {
		var wg sync.WaitGroup
		for lo := 0; lo < n; {
			hi := min(n, lo+1+r.IntN(most))
			wg.Add(1)
			go func(lo, hi int) {
				defer wg.Done()
				body(lo, hi)
			}(lo, hi)
			lo = hi
		}
		wg.Wait()
	}
}

// TestParallelKeepsTheBits: a per-row Solver and a RowStepper whose per-row
// loops are split by a Parallel give every row the bits, step times and
// counts they give without one, and name the same failing row.
func TestParallelKeepsTheBits(t *testing.T) {
	const n = 101
	y0 := rowStarts(rand.New(rand.NewPCG(5, 6)), 2*n)
	set := Settings{StepControl: PerRow, Controller: Adaptive{RTol: 1e-6, ATol: 1e-8}, RecordSteps: true}
	serial, err := NewSolver(set)
	require.NoError(t, err)
	split, err := NewSolver(set)
	require.NoError(t, err)
	split.SetParallel(ragged(1))
	want, got := make([]float64, 2*n), make([]float64, 2*n)
	wantRes, err := serial.SolveRows(want, rowFunc, 0, 3, y0, n)
	require.NoError(t, err)
	gotRes, err := split.SolveRows(got, rowFunc, 0, 3, y0, n)
	require.NoError(t, err)
	assert.Equal(t, wantRes, gotRes)
	assert.Equal(t, want, got)
	for row := range n {
		assert.Equal(t, serial.RowTimes(row), split.RowTimes(row), "row %d", row)
		assert.Equal(t, serial.RowNFE(row), split.RowNFE(row), "row %d", row)
	}

	// Rows 40, 70 and 90 start at one point, so they take the same steps,
	// and their derivatives go infinite (or so large that their new
	// states overflow) after t = 0.5: both solves blame row 40, at the
	// same point.
	for _, r := range []int{70, 90} {
		copy(y0[2*r:2*r+2], y0[80:82])
	}
	for _, big := range []float64{math.Inf(1), math.MaxFloat64} {
		bad := func(dy, t, y []float64, rows []int) error {
			if err := rowFunc(dy, t, y, rows); err != nil {
				return err
			}
			for j, row := range rows {
				if (row == 40 || row == 70 || row == 90) && t[j] > 0.5 {
					dy[2*j], dy[2*j+1] = big, big
				}
			}
			return nil
		}
		_, errSerial := serial.SolveRows(want, bad, 0, 3, y0, n)
		_, errSplit := split.SolveRows(got, bad, 0, 3, y0, n)
		require.Error(t, errSerial)
		assert.Contains(t, errSerial.Error(), "row 40:")
		assert.Equal(t, errSerial.Error(), errSplit.Error())
		assert.Equal(t, want, got)
	}

	// RowStepper: one step of every other row.
	m := DormandPrince()
	st, err := NewRowStepper(m)
	require.NoError(t, err)
	stPar, err := NewRowStepper(m)
	require.NoError(t, err)
	stPar.SetParallel(ragged(2))
	var rows []int
	tt, tNew := make([]float64, n), make([]float64, n)
	for row := range n {
		tt[row], tNew[row] = 0.1*float64(row%5), 0.1*float64(row%5)+0.05+0.01*float64(row%3)
		if row%2 == 0 {
			rows = append(rows, row)
		}
	}
	buffers := func() [][]float64 {
		b := make([][]float64, m.Stages())
		for i := range b {
			b[i] = make([]float64, 2*n)
		}
		return b
	}
	k1, ys1, k2, ys2 := buffers(), buffers(), buffers(), buffers()
	y1, y2 := make([]float64, 2*n), make([]float64, 2*n)
	c1, err := st.Step(y1, rowFunc, tt, tNew, y0, 2, rows, k1, ys1, EvalLast)
	require.NoError(t, err)
	c2, err := stPar.Step(y2, rowFunc, tt, tNew, y0, 2, rows, k2, ys2, EvalLast)
	require.NoError(t, err)
	assert.Equal(t, c1, c2)
	assert.Equal(t, y1, y2)
	assert.Equal(t, k1, k2)
}

// TestParallelValuesKeepTheBits: a whole-batch SolveRows and a Solve whose
// states are long enough for a Parallel to split their loops by ranges of
// values (stage states, new states, error terms, copies, finiteness
// checks) give the bits, steps and errors they give without one.
func TestParallelValuesKeepTheBits(t *testing.T) {
	const n = 1200 // rows of two fields of 2: 4800 values
	require.GreaterOrEqual(t, 4*n, valuesMin)
	y0 := rowStarts(rand.New(rand.NewPCG(7, 8)), 2*n)
	// Two copies of every row side by side, as fields [2, 2]: the norm
	// adds the first field of every row, then the second.
	y2 := make([]float64, 4*n)
	for r := range n {
		copy(y2[4*r:4*r+2], y0[2*r:2*r+2])
		copy(y2[4*r+2:4*r+4], y0[2*r:2*r+2])
	}
	wide := func(dy, t, y []float64, rows []int) error {
		for j := range t {
			rowOscillator(dy[4*j:4*j+2], t[j], y[4*j:4*j+2])
			rowOscillator(dy[4*j+2:4*j+4], 1.5*t[j], y[4*j+2:4*j+4])
		}
		return nil
	}
	one := func(dy []float64, t float64, y []float64) error {
		ts := make([]float64, len(y)/4)
		for i := range ts {
			ts[i] = t
		}
		return wide(dy, ts, y, nil)
	}
	for c, ad := range []Adaptive{{}, {RTol: 1e-7, ATol: 1e-9}, {FirstStep: 0.01}} {
		set := Settings{StepControl: WholeBatch, Controller: ad, RecordSteps: true}
		solvers := [2]*Solver{}
		for i := range solvers {
			var err error
			solvers[i], err = NewSolver(set)
			require.NoError(t, err)
			solvers[i].SetFields([]int{2, 2})
		}
		solvers[1].SetParallel(raggedUpTo(uint64(c), 997))
		var got [2][]float64
		var res [2]Result
		var times [2][]float64
		for i, sv := range solvers {
			got[i] = make([]float64, 4*n)
			var err error
			res[i], err = sv.SolveRows(got[i], wide, 0, 3, y2, n)
			require.NoError(t, err)
			times[i] = slices.Clone(res[i].Times)
		}
		assert.Equal(t, res[0].NFE, res[1].NFE)
		assert.Equal(t, times[0], times[1])
		assert.Equal(t, got[0], got[1], "SolveRows, %+v", ad)
		for i, sv := range solvers {
			var err error
			res[i], err = sv.Solve(got[i], one, 0, 3, y2)
			require.NoError(t, err)
			times[i] = slices.Clone(res[i].Times)
		}
		assert.Equal(t, res[0].NFE, res[1].NFE)
		assert.Equal(t, times[0], times[1])
		assert.Equal(t, got[0], got[1], "Solve, %+v", ad)

		// Derivatives that go infinite, or so large that the new states
		// overflow, after t = 0.5 in rows 700 and 900 fail both solves at
		// the same step, naming the same row.
		for _, big := range []float64{math.Inf(1), math.MaxFloat64} {
			bad := func(dy, t, y []float64, rows []int) error {
				if err := wide(dy, t, y, rows); err != nil {
					return err
				}
				for j, row := range rows {
					if (row == 700 || row == 900) && t[j] > 0.5 {
						for c := range 4 {
							dy[4*j+c] = big
						}
					}
				}
				return nil
			}
			var errs [2]error
			for i, sv := range solvers {
				res[i], errs[i] = sv.SolveRows(got[i], bad, 0, 3, y2, n)
			}
			require.Error(t, errs[0])
			assert.Equal(t, errs[0].Error(), errs[1].Error())
			assert.Equal(t, res[0], res[1])
			assert.Equal(t, got[0], got[1])
		}
	}
}

// TestRowStepperKeepsNothing: after Step returns, a RowStepper holds none
// of the caller's buffers (they can be collected).
func TestRowStepperKeepsNothing(t *testing.T) {
	const n, w = 64, 2
	st, err := NewRowStepper(DormandPrince())
	require.NoError(t, err)
	st.SetParallel(ragged(3))
	wp := func() weak.Pointer[float64] {
		y, ynew := make([]float64, n*w), make([]float64, n*w)
		for i := range y {
			y[i] = float64(i) / 100
		}
		tt, tNew := make([]float64, n), make([]float64, n)
		for i := range tNew {
			tNew[i] = 0.1
		}
		k, ys := make([][]float64, st.method.Stages()), make([][]float64, st.method.Stages())
		for i := range k {
			k[i], ys[i] = make([]float64, n*w), make([]float64, n*w)
		}
		_, err := st.Step(ynew, rowFunc, tt, tNew, y, w, []int{1, 3, 5}, k, ys, 0)
		require.NoError(t, err)
		return weak.Make(&y[0])
	}()
	runtime.GC()
	runtime.GC()
	assert.Nil(t, wp.Value(), "the caller's y is still reachable")
	runtime.KeepAlive(st)
}
