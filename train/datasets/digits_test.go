package datasets

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDigits(t *testing.T) {
	x, labels, err := Digits()
	require.NoError(t, err)
	assert.Equal(t, []int{1797, 64}, []int(x.Shape()))
	require.Len(t, labels, 1797)
	counts := make([]int, 10)
	for _, l := range labels {
		counts[l]++
	}
	for d, c := range counts {
		assert.InDelta(t, 180, c, 10, "digit %d", d)
	}
	for _, v := range x.Float64s() {
		require.True(t, v >= 0 && v <= 16 && v == float64(int(v)), "pixel %g", v)
	}
	// The first image is sklearn's first 0.
	assert.Equal(t, 0, labels[0])
	assert.Equal(t, []float64{0, 0, 5, 13, 9, 1, 0, 0}, x.Float64s()[:8])
	assertShipped(t, "digits", map[string][]byte{"digits.csv.gz": digitsCSV})
}
