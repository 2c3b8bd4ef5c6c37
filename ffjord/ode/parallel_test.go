package ode

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"weak"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ragged is a Parallel that cuts [0, n) into parts of 1 to 7 indices and
// runs each on its own goroutine, so that any dependence of a row on the
// parts, or a race between parts, shows.
func ragged(seed uint64) Parallel {
	r := rand.New(rand.NewPCG(seed, 9))
	return func(n int, body func(lo, hi int)) {
		var wg sync.WaitGroup
		for lo := 0; lo < n; {
			hi := min(n, lo+1+r.IntN(7))
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
