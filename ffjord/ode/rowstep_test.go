package ode

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRowStepperMatchesStep: a row stepped among others, each row with its
// own times and only some rows listed, has exactly the bits of Method.Step
// on that row alone, and unlisted rows are not written.
func TestRowStepperMatchesStep(t *testing.T) {
	const n, w = 9, 2
	r := rand.New(rand.NewPCG(3, 4))
	y := make([]float64, n*w)
	t0, t1 := make([]float64, n), make([]float64, n)
	for i := range y {
		y[i] = r.NormFloat64()
	}
	for i := range n {
		t0[i] = r.Float64()
		t1[i] = t0[i] + 0.3*r.NormFloat64()
	}
	rows := []int{7, 0, 3, 4, 8}
	for _, m := range []*Method{DormandPrince(), RK4(), Euler()} {
		s := m.Stages()
		buffers := func(size int) [][]float64 {
			b := make([][]float64, s)
			for i := range b {
				b[i] = make([]float64, size)
			}
			return b
		}
		st, err := NewRowStepper(m)
		require.NoError(t, err)
		ynew := make([]float64, n*w)
		for i := range ynew {
			ynew[i] = math.NaN()
		}
		k, ys := buffers(n*w), buffers(n*w)
		calls, err := st.Step(ynew, rowFunc, t0, t1, y, w, rows, k, ys, EvalLast)
		require.NoError(t, err)
		assert.Equal(t, s, calls, m.Name) // every stage, FSAL's last with EvalLast
		listed := map[int]bool{}
		for _, row := range rows {
			listed[row] = true
			want := make([]float64, w)
			k1, ys1 := buffers(w), buffers(w)
			_, err := m.Step(want, oneRow, t0[row], t1[row], y[row*w:(row+1)*w], k1, ys1, EvalLast)
			require.NoError(t, err)
			assert.Equal(t, want, ynew[row*w:(row+1)*w], "%s row %d", m.Name, row)
			for i := range s {
				assert.Equal(t, k1[i], k[i][row*w:(row+1)*w], "%s row %d stage %d", m.Name, row, i)
			}
		}
		for row := range n {
			if !listed[row] {
				assert.True(t, math.IsNaN(ynew[row*w]), "%s: unlisted row %d was written", m.Name, row)
			}
		}
	}
}

// TestRowStepperErrors: bad shapes and rows are errors, and a non-finite
// derivative names its row.
func TestRowStepperErrors(t *testing.T) {
	var zero RowStepper
	_, err := zero.Step(nil, rowFunc, nil, nil, nil, 2, nil, nil, nil, 0)
	assert.ErrorIs(t, err, ErrInvalidSettings)
	_, err = NewRowStepper(&Method{Name: "broken"})
	assert.ErrorIs(t, err, ErrInvalidSettings)
	st, err := NewRowStepper(nil)
	require.NoError(t, err)
	k := make([][]float64, 7)
	for i := range k {
		k[i] = make([]float64, 4)
	}
	y, ynew, tt := make([]float64, 4), make([]float64, 4), []float64{0, 0}
	one := []float64{1, 1}
	_, err = st.Step(ynew, rowFunc, tt, one, y, 2, []int{2}, k, k, 0)
	assert.ErrorIs(t, err, ErrInvalidInput)
	_, err = st.Step(ynew, rowFunc, tt, one, y, 3, []int{0}, k, k, 0)
	assert.ErrorIs(t, err, ErrInvalidInput)
	_, err = st.Step(ynew, nil, tt, one, y, 2, []int{0}, k, k, 0)
	assert.ErrorIs(t, err, ErrInvalidInput)
	bad := func(dy, t, y []float64, rows []int) error {
		for j, r := range rows {
			dy[2*j], dy[2*j+1] = 1, 1
			if r == 1 {
				dy[2*j+1] = math.Inf(1)
			}
		}
		return nil
	}
	_, err = st.Step(ynew, bad, tt, one, y, 2, []int{0, 1}, k, make([][]float64, 7), 0)
	assert.ErrorIs(t, err, ErrInvalidInput) // ys of the wrong size
	ys := make([][]float64, 7)
	for i := range ys {
		ys[i] = make([]float64, 4)
	}
	_, err = st.Step(ynew, bad, tt, one, y, 2, []int{0, 1}, k, ys, 0)
	assert.ErrorIs(t, err, ErrNonFinite)
	assert.ErrorContains(t, err, "row 1")
}

// TestOnAcceptQuadrature integrates q' = y alongside y' = λ_r·y with the
// accepted stages' b weights, outside the solved state: q(1) = y0(e^λ − 1)/λ
// to the tolerance, and rejected attempts add nothing.
func TestOnAcceptQuadrature(t *testing.T) {
	const n = 5
	lambda := []float64{-3, -1, 0.5, 1, 2}
	f := func(dy, t, y []float64, rows []int) error {
		for j, r := range rows {
			dy[j] = lambda[r] * y[j]
		}
		return nil
	}
	y0 := []float64{1, 2, -1, 0.5, 3}
	rs, err := NewSolver(Settings{StepControl: PerRow, Controller: Adaptive{RTol: 1e-9, ATol: 1e-12}})
	require.NoError(t, err)
	m := DormandPrince()
	q := make([]float64, n)
	steps := make([]int, n)
	rs.OnAccept(func(a AcceptedSteps) error {
		for _, r := range a.Rows {
			h := a.TNew[r] - a.T[r]
			sum := m.B[0] * a.Y[r]
			for i := 1; i < m.Stages()-1; i++ {
				sum += m.B[i] * a.Stages[i][r]
			}
			q[r] += h * sum
			steps[r]++
		}
		return nil
	})
	y := make([]float64, n)
	_, err = rs.SolveRows(y, f, 0, 1, y0, n)
	require.NoError(t, err)
	for r := range n {
		acc, _ := rs.RowSteps(r)
		assert.Equal(t, acc, steps[r], "row %d: accepted steps", r)
		want := y0[r] * math.Expm1(lambda[r]) / lambda[r]
		assert.InDelta(t, want, q[r], 1e-8*math.Abs(want), "row %d", r)
		assert.InDelta(t, y0[r]*math.Exp(lambda[r]), y[r], 1e-8*math.Abs(y[r]), "row %d", r)
	}
}
