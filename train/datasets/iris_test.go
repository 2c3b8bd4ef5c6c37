package datasets

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIris(t *testing.T) {
	x, labels, err := Iris()
	require.NoError(t, err)
	require.Equal(t, []int{150, 4}, []int(x.Shape()))
	require.Len(t, labels, 150)
	assert.Equal(t, []int{50, 50, 50}, labelCounts(labels, 3))

	// sklearn's documented first flower, then the file read plainly.
	assertRow(t, x, labels, 0, []float64{5.1, 3.5, 1.4, 0.2, 0})
	rows := plainRows(t, string(irisCSV), ",", 1)
	require.Len(t, rows, 150)
	assertRow(t, x, labels, 0, rows[0])
	assertRow(t, x, labels, 149, rows[149])
	// Rows 35 and 38 as in Fisher's paper, not as in UCI's file.
	assertRow(t, x, labels, 34, []float64{4.9, 3.1, 1.5, 0.2, 0})
	assertRow(t, x, labels, 37, []float64{4.9, 3.6, 1.4, 0.1, 0})

	// /usr/bin/python3 -c 'from sklearn.datasets import load_iris;
	//   print([repr(float(m)) for m in load_iris().data.mean(axis=0)])'
	// (Debian's python3-sklearn 1.2.1).
	assertMeans(t, x, []float64{5.843333333333335, 3.057333333333334, 3.7580000000000027, 1.199333333333334})
	assertShipped(t, "iris", map[string][]byte{"iris.csv": irisCSV})
}
