package datasets

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// SplitRows deals every row to exactly one part, in the sizes asked, the
// same way for the same seed and another way for another.
func TestSplitRows(t *testing.T) {
	const n, d = 50, 3
	v := make([]float64, n*d)
	for i := range v {
		v[i] = float64(i) // row r holds 3r, 3r+1, 3r+2
	}
	x := tensor.New(tensor.WithShape(n, d), tensor.WithBacking(v))
	s, err := SplitRows(x, 5, 7, rand.NewPCG(1, 4))
	require.NoError(t, err)
	assert.Equal(t, []int{38, 3}, []int(s.Train.Shape()))
	assert.Equal(t, []int{5, 3}, []int(s.Validation.Shape()))
	assert.Equal(t, []int{7, 3}, []int(s.Test.Shape()))
	var rows []int
	for _, p := range []*tensor.Dense{s.Train, s.Validation, s.Test} {
		pv := p.Float64s()
		for r := 0; r < len(pv); r += d {
			require.Equal(t, []float64{pv[r], pv[r] + 1, pv[r] + 2}, pv[r:r+d], "rows stay whole")
			rows = append(rows, int(pv[r])/d)
		}
	}
	slices.Sort(rows)
	for i, r := range rows {
		require.Equal(t, i, r, "every row exactly once")
	}
	again, err := SplitRows(x, 5, 7, rand.NewPCG(1, 4))
	require.NoError(t, err)
	assert.Equal(t, s, again)
	other, err := SplitRows(x, 5, 7, rand.NewPCG(2, 4))
	require.NoError(t, err)
	assert.NotEqual(t, s.Test.Float64s(), other.Test.Float64s())
	assert.Equal(t, v, x.Float64s(), "x unchanged")

	none, err := SplitRows(x, 0, 0, rand.NewPCG(1, 4))
	require.NoError(t, err)
	assert.Nil(t, none.Validation)
	assert.Nil(t, none.Test)

	for _, c := range [][2]int{{-1, 0}, {0, -1}, {25, 25}, {50, 0}} {
		_, err := SplitRows(x, c[0], c[1], rand.NewPCG(1, 4))
		assert.ErrorIs(t, err, ErrInvalidArgument, "%v", c)
	}
	_, err = SplitRows(x, 1, 1, nil)
	assert.ErrorIs(t, err, ErrInvalidArgument)
}

func TestHeldOutRows(t *testing.T) {
	for _, c := range []struct {
		n    int
		frac float64
		want int
	}{{100, 0.1, 10}, {30, 0.1, 3}, {4, 0.1, 1}, {100, 0, 0}, {100, math.NaN(), 0}, {7, 0.5, 4}, {3, 0.99, 3}} {
		assert.Equal(t, c.want, HeldOutRows(c.n, c.frac), "%d × %g", c.n, c.frac)
	}
}

// Dequantize adds noise in [0, 1) to the columns named, and only there.
func TestDequantize(t *testing.T) {
	x := tensor.New(tensor.WithShape(100, 3), tensor.WithBacking(make([]float64, 300)))
	for i := range 100 {
		copy(x.Float64s()[3*i:], []float64{float64(i % 3), 0.5 * float64(i), float64(i)})
	}
	before := append([]float64(nil), x.Float64s()...)
	y, err := Dequantize(x, []int{0, 2}, rand.NewPCG(1, 5))
	require.NoError(t, err)
	assert.Equal(t, before, x.Float64s(), "x unchanged")
	moved := map[int]bool{}
	for i, v := range y.Float64s() {
		d := v - before[i]
		require.True(t, d >= 0 && d < 1, "value %d moved by %g", i, d)
		if d != 0 {
			moved[i%3] = true
		}
	}
	assert.Equal(t, map[int]bool{0: true, 2: true}, moved)
	assert.Nil(t, DiscreteColumns(y), "no integer column is left")
	_, err = Dequantize(x, []int{3}, rand.NewPCG(1, 5))
	assert.ErrorIs(t, err, ErrInvalidArgument)
	_, err = Dequantize(x, nil, nil)
	assert.ErrorIs(t, err, ErrInvalidArgument)
}
