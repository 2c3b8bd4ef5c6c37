package datasets

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

func TestDiscreteColumnsOfRealSets(t *testing.T) {
	all64 := make([]int, 64)
	for i := range all64 {
		all64[i] = i
	}
	for name, want := range map[string][]int{
		"breast_cancer": nil,
		"diabetes":      {0, 1, 4, 9}, // age, sex, s1, s6
		"digits":        all64,
		"iris":          nil,
		"wine":          {4, 12}, // magnesium, proline
	} {
		x, err := RealByName(name)
		require.NoError(t, err)
		assert.Equal(t, want, DiscreteColumns(x), name)
	}
}

func TestDiscreteColumns(t *testing.T) {
	table := func(rows, cols int, v ...float64) *tensor.Dense {
		return tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(v))
	}
	inf, nan := math.Inf(1), math.NaN()
	for _, c := range []struct {
		name string
		x    *tensor.Dense
		want []int
	}{
		{"mixed", table(2, 3, 1, 0.5, -3, 2, 1, 1e20), []int{0, 2}},
		{"fraction in the last row", table(2, 2, 1, 1, 2, 2.5), []int{0}},
		{"non-finite", table(2, 3, inf, nan, 1, 1, 1, 1), []int{2}},
		{"negative zero", table(1, 1, math.Copysign(0, -1)), []int{0}},
		{"none", table(1, 2, 0.1, 0.2), nil},
		{"nil", nil, nil},
		{"no rows", table(0, 2), nil},
		{"1-D", tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{1, 2, 3})), nil},
		{"float32", tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float32{1, 2})), nil},
		{"zero value", &tensor.Dense{}, nil},
	} {
		assert.Equal(t, c.want, DiscreteColumns(c.x), c.name)
	}

	// A view of rows 1–2 of a table whose row 0 has fractions.
	x := table(3, 2, 0.5, 0.5, 1, 2.5, 3, 4)
	v, err := x.Slice(sliceRows{1, 3})
	require.NoError(t, err)
	assert.Equal(t, []int{0}, DiscreteColumns(v.(*tensor.Dense)))
}

// sliceRows is the tensor.Slice of rows start to end−1.
type sliceRows [2]int

func (s sliceRows) Start() int { return s[0] }
func (s sliceRows) End() int   { return s[1] }
func (s sliceRows) Step() int  { return 1 }
