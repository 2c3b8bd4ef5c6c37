package datasets

import (
	"bytes"
	"math"
	"testing"
)

// FuzzReadCSV: any input either fails with an error or gives finite points
// that write and read back bit for bit.
func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{"x,y\n1,2\n3,4\n", "1\n", "a,b\n1,2,3\n", "1,NaN\n", "\ufeff1e308,-0\r\n", "\"1\",2\n", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		x, header, err := ReadCSV(bytes.NewReader(data))
		if err != nil {
			return
		}
		vals := x.Float64s()
		for _, v := range vals {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("non-finite value %v accepted", v)
			}
		}
		if len(vals) != x.Shape()[0]*x.Shape()[1] {
			t.Fatalf("shape %v holds %d values", x.Shape(), len(vals))
		}
		var buf bytes.Buffer
		if err := WriteCSV(&buf, x, header); err != nil {
			return // e.g. a header WriteCSV refuses to write ambiguously
		}
		y, _, err := ReadCSV(&buf)
		if err != nil {
			t.Fatalf("re-reading what WriteCSV wrote: %v", err)
		}
		for i, v := range y.Float64s() {
			if math.Float64bits(v) != math.Float64bits(vals[i]) {
				t.Fatalf("value %d: %v became %v", i, vals[i], v)
			}
		}
	})
}
