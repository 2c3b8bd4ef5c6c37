package datasets

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// plainRows parses text as lines of fields split by sep, with
// strings.Split and strconv.ParseFloat only, skipping the first skip
// lines: a reading of the shipped files independent of ReadCSV.
func plainRows(t *testing.T, text string, sep string, skip int) [][]float64 {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")[skip:]
	rows := make([][]float64, len(lines))
	for i, l := range lines {
		for _, f := range strings.Split(l, sep) {
			v, err := strconv.ParseFloat(f, 64)
			require.NoError(t, err, "line %d", i+skip+1)
			rows[i] = append(rows[i], v)
		}
	}
	return rows
}

// assertShipped checks that the README in dir gives the SHA-256 of each
// embedded file, named by its path under dir.
func assertShipped(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	readme, err := os.ReadFile(dir + "/README.md")
	require.NoError(t, err)
	for name, data := range files {
		sum := sha256.Sum256(data)
		assert.Contains(t, string(readme), hex.EncodeToString(sum[:]), "%s/README.md: SHA-256 of %s", dir, name)
		onDisk, err := os.ReadFile(dir + "/" + name)
		require.NoError(t, err)
		assert.Equal(t, onDisk, data, "embedded %s/%s differs from the file", dir, name)
	}
}

// assertRows checks that rows i of x and labels equal want's, whose last
// field is the label (labels nil: want holds features only).
func assertRow(t *testing.T, x *tensor.Dense, labels []int, i int, want []float64) {
	t.Helper()
	d := x.Shape()[1]
	assert.Equal(t, want[:d], x.Float64s()[i*d:(i+1)*d], "row %d", i)
	if labels != nil {
		require.Len(t, want, d+1)
		assert.Equal(t, int(want[d]), labels[i], "label of row %d", i)
	}
}

// assertMeans checks the column means of x against want to 1e-12, relative
// for means above 1. (They agree bit for bit: numpy's mean over axis 0
// adds the rows in order, as here.)
func assertMeans(t *testing.T, x *tensor.Dense, want []float64) {
	t.Helper()
	n, d := x.Shape()[0], x.Shape()[1]
	require.Len(t, want, d)
	v := x.Float64s()
	for j := range d {
		var s float64
		for i := range n {
			s += v[i*d+j]
		}
		got := s / float64(n)
		assert.LessOrEqual(t, math.Abs(got-want[j]), 1e-12*math.Max(1, math.Abs(want[j])),
			"mean of column %d: %.17g, want %.17g", j, got, want[j])
	}
}

// labelCounts returns how many of labels are 0, 1, … k−1.
func labelCounts(labels []int, k int) []int {
	c := make([]int, k)
	for _, l := range labels {
		c[l]++
	}
	return c
}
