package datasets

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDiabetes(t *testing.T) {
	x, y, err := Diabetes()
	require.NoError(t, err)
	require.Equal(t, []int{442, 10}, []int(x.Shape()))
	require.Len(t, y, 442)

	rows := plainRows(t, gunzipped(t, diabetesData), " ", 0)
	target := plainRows(t, gunzipped(t, diabetesTarget), " ", 0)
	require.Len(t, rows, 442)
	require.Len(t, target, 442)
	assertRow(t, x, nil, 0, rows[0])
	assertRow(t, x, nil, 441, rows[441])
	assertRow(t, x, nil, 0, []float64{59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87})
	assert.Equal(t, []float64{151, 57}, []float64{y[0], y[441]})
	assert.Equal(t, []float64{target[0][0], target[441][0]}, []float64{y[0], y[441]})

	sexes := map[float64]int{}
	for i := range 442 {
		sexes[x.Float64s()[i*10+1]]++
	}
	assert.Equal(t, map[float64]int{1: 235, 2: 207}, sexes, "values of sex")

	// /usr/bin/python3 -c 'from sklearn.datasets import load_diabetes;
	//   b = load_diabetes(scaled=False);
	//   print([repr(float(m)) for m in b.data.mean(axis=0)], repr(float(b.target.mean())))'
	// (Debian's python3-sklearn 1.2.1).
	assertMeans(t, x, []float64{
		48.51809954751131, 1.4683257918552035, 26.37579185520364, 94.64701357466065,
		189.14027149321268, 115.43914027149319, 49.78846153846154, 4.070248868778281,
		4.641410859728506, 91.26018099547511,
	})
	var s float64
	for _, v := range y {
		s += v
	}
	assert.InDelta(t, 152.13348416289594, s/442, 1e-12*152)
	assertShipped(t, "diabetes", map[string][]byte{
		"diabetes_data_raw.csv.gz": diabetesData,
		"diabetes_target.csv.gz":   diabetesTarget,
	})
}

func TestReadDiabetesRefuses(t *testing.T) {
	gz := func(s string) []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, err := zw.Write([]byte(s))
		require.NoError(t, err)
		require.NoError(t, zw.Close())
		return b.Bytes()
	}
	for _, c := range []struct {
		name string
		in   []byte
		msg  string
	}{
		{"not gzip", []byte("1 2\n3 4\n5 6\n7 8\n"), "gzip: invalid header"},
		{"short", gz("1 2\n3 4\n"), "2 rows of 2 numbers, want 442 of 2"},
		{"wide", gz(strings.Repeat("1 2 3\n", 442)), "442 rows of 3 numbers, want 442 of 2"},
		{"names", gz("a b\n" + strings.Repeat("1 2\n", 442)), "line 1 is a row of names"},
		{"two spaces", gz("1  2\n"), "line 1, column 2"},
	} {
		_, err := readDiabetes("test.gz", c.in, 2)
		if assert.Error(t, err, c.name) {
			assert.Contains(t, err.Error(), "datasets: diabetes: test.gz: ", c.name)
			assert.Contains(t, err.Error(), c.msg, c.name)
		}
	}
	_, err := readDiabetes("test.gz", gz(strings.Repeat("1 2\n", 442)), 2)
	assert.NoError(t, err)
}

func gunzipped(t *testing.T, gz []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	require.NoError(t, err)
	b, err := io.ReadAll(zr)
	require.NoError(t, err)
	return string(b)
}
