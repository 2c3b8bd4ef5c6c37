package stattest

import (
	"math"
	"testing"
)

// TestKSToNormal: a sample at the normal's quantiles is within 1/n of Φ,
// and one shifted by a standard deviation is about 0.38 away.
func TestKSToNormal(t *testing.T) {
	const n = 1000
	v := make([]float64, n)
	for i := range v {
		v[i] = -math.Sqrt2 * math.Erfcinv(2*(float64(i)+0.5)/n)
	}
	if d := KSToNormal(append([]float64(nil), v...)); d > 1.0/n {
		t.Errorf("quantile sample: distance %g, want ≤ %g", d, 1.0/n)
	}
	for i := range v {
		v[i]++
	}
	if d := KSToNormal(v); math.Abs(d-0.383) > 0.01 {
		t.Errorf("shifted sample: distance %g, want about 0.383", d)
	}
}
