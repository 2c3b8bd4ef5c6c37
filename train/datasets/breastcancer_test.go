package datasets

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBreastCancer(t *testing.T) {
	x, labels, err := BreastCancer()
	require.NoError(t, err)
	require.Equal(t, []int{569, 30}, []int(x.Shape()))
	require.Len(t, labels, 569)
	assert.Equal(t, []int{212, 357}, labelCounts(labels, 2), "malignant, benign")

	rows := plainRows(t, string(breastCancerCSV), ",", 1)
	require.Len(t, rows, 569)
	assertRow(t, x, labels, 0, rows[0])
	assertRow(t, x, labels, 568, rows[568])
	assert.Equal(t, []float64{17.99, 10.38, 122.8, 1001}, x.Float64s()[:4])
	assert.Equal(t, 0, labels[0])

	// /usr/bin/python3 -c 'from sklearn.datasets import load_breast_cancer;
	//   print([repr(float(m)) for m in load_breast_cancer().data.mean(axis=0)])'
	// (Debian's python3-sklearn 1.2.1).
	assertMeans(t, x, []float64{
		14.127291739894563, 19.28964850615117, 91.96903339191566, 654.8891036906857,
		0.096360281195079, 0.10434098418277686, 0.08879931581722322, 0.048919145869947236,
		0.181161862917399, 0.06279760984182778, 0.4051720562390161, 1.2168534270650269,
		2.8660592267135288, 40.33707908611603, 0.007040978910369071, 0.025478138840070306,
		0.031893716344463946, 0.011796137082601056, 0.020542298769771532, 0.0037949038664323383,
		16.269189806678394, 25.677223198594014, 107.2612126537786, 880.5831282952545,
		0.13236859402460469, 0.25426504393673144, 0.27218848330404205, 0.11460622319859404,
		0.29007557117750454, 0.08394581722319855,
	})
	assertShipped(t, "breast_cancer", map[string][]byte{"breast_cancer.csv": breastCancerCSV})
}
