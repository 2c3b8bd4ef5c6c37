package datasets

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat"
	"gorgonia.org/tensor"
)

// seeded returns a fresh deterministic source for tests.
func seeded(seed uint64) rand.Source { return rand.NewPCG(seed, 0x9e3779b97f4a7c15) }

// pointsOf checks that x is a float64 tensor of shape (n, 2) and returns its
// row-major backing data.
func pointsOf(t *testing.T, x *tensor.Dense, n int) []float64 {
	t.Helper()
	if x == nil {
		t.Fatal("nil tensor")
	}
	if got := x.Shape(); len(got) != 2 || got[0] != n || got[1] != 2 {
		t.Fatalf("shape = %v, want (%d, 2)", got, n)
	}
	if x.Dtype() != tensor.Float64 {
		t.Fatalf("dtype = %v, want float64", x.Dtype())
	}
	d := x.Data().([]float64)
	if len(d) != 2*n {
		t.Fatalf("len(data) = %d, want %d", len(d), 2*n)
	}
	return d
}

// column returns coordinate j (0 or 1) of every point in data.
func column(data []float64, j int) []float64 {
	c := make([]float64, len(data)/2)
	for i := range c {
		c[i] = data[2*i+j]
	}
	return c
}

// radii returns the distance of every point in data from (cx, cy).
func radii(data []float64, cx, cy float64) []float64 {
	r := make([]float64, len(data)/2)
	for i := range r {
		r[i] = math.Hypot(data[2*i]-cx, data[2*i+1]-cy)
	}
	return r
}

// checkMean asserts that the sample mean of v is within k standard errors
// of want, the standard error being sd/√len(v). A non-positive sd uses the
// sample standard deviation.
func checkMean(t *testing.T, what string, v []float64, want, sd, k float64) {
	t.Helper()
	m, s := stat.MeanStdDev(v, nil)
	if sd <= 0 {
		sd = s
	}
	se := sd / math.Sqrt(float64(len(v)))
	if math.Abs(m-want) > k*se {
		t.Errorf("%s: mean = %.6g, want %.6g ± %.3g (%g standard errors)", what, m, want, k*se, k)
	}
}

// checkStd asserts that the sample standard deviation of v is within the
// relative tolerance rel of want.
func checkStd(t *testing.T, what string, v []float64, want, rel float64) {
	t.Helper()
	s := stat.StdDev(v, nil)
	if math.Abs(s-want) > rel*want {
		t.Errorf("%s: std = %.6g, want %.6g ± %.0f%%", what, s, want, 100*rel)
	}
}

// checkCount asserts that count is within k binomial standard errors of
// n·p.
func checkCount(t *testing.T, what string, count, n int, p, k float64) {
	t.Helper()
	want := float64(n) * p
	tol := k * math.Sqrt(float64(n)*p*(1-p))
	if math.Abs(float64(count)-want) > tol {
		t.Errorf("%s: count = %d, want %.0f ± %.0f", what, count, want, tol)
	}
}

// sameBits reports whether a and b are bit-for-bit identical.
func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// wrap maps the angle a to [−period/2, period/2).
func wrap(a, period float64) float64 {
	a = math.Mod(a+period/2, period)
	if a < 0 {
		a += period
	}
	return a - period/2
}
