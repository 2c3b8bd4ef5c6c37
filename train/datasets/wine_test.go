package datasets

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWine(t *testing.T) {
	x, labels, err := Wine()
	require.NoError(t, err)
	require.Equal(t, []int{178, 13}, []int(x.Shape()))
	require.Len(t, labels, 178)
	assert.Equal(t, []int{59, 71, 48}, labelCounts(labels, 3))

	assertRow(t, x, labels, 0, []float64{14.23, 1.71, 2.43, 15.6, 127, 2.8, 3.06, 0.28, 2.29, 5.64, 1.04, 3.92, 1065, 0})
	rows := plainRows(t, string(wineCSV), ",", 1)
	require.Len(t, rows, 178)
	assertRow(t, x, labels, 0, rows[0])
	assertRow(t, x, labels, 177, rows[177])

	// /usr/bin/python3 -c 'from sklearn.datasets import load_wine;
	//   print([repr(float(m)) for m in load_wine().data.mean(axis=0)])'
	// (Debian's python3-sklearn 1.2.1).
	assertMeans(t, x, []float64{
		13.000617977528083, 2.336348314606741, 2.3665168539325854, 19.49494382022472,
		99.74157303370787, 2.295112359550562, 2.0292696629213474, 0.36185393258426973,
		1.5908988764044953, 5.058089882022473, 0.9574494382022468, 2.6116853932584254,
		746.8932584269663,
	})
	assertShipped(t, "wine", map[string][]byte{"wine_data.csv": wineCSV})
}
