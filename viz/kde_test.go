package viz

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/internal/batch"
)

// gaussian2 is N(mu, cov) in the plane.
type gaussian2 struct {
	mu  [2]float64
	cov [2][2]float64
}

func (g gaussian2) pdf(x, y float64) float64 {
	det := g.cov[0][0]*g.cov[1][1] - g.cov[0][1]*g.cov[1][0]
	dx, dy := x-g.mu[0], y-g.mu[1]
	q := (g.cov[1][1]*dx*dx - 2*g.cov[0][1]*dx*dy + g.cov[0][0]*dy*dy) / det
	return math.Exp(-q/2) / (2 * math.Pi * math.Sqrt(det))
}

// sample draws n points through the Cholesky factor of cov.
func (g gaussian2) sample(n int, r *rand.Rand) []float64 {
	l11 := math.Sqrt(g.cov[0][0])
	l21 := g.cov[1][0] / l11
	l22 := math.Sqrt(g.cov[1][1] - l21*l21)
	out := make([]float64, 2*n)
	for i := range n {
		a, b := r.NormFloat64(), r.NormFloat64()
		out[2*i] = g.mu[0] + l11*a
		out[2*i+1] = g.mu[1] + l21*a + l22*b
	}
	return out
}

var testGaussian = gaussian2{mu: [2]float64{0.5, -0.2}, cov: [2][2]float64{{0.5, 0.1}, {0.1, 0.3}}}

func TestKDEMatchesKnownGaussian(t *testing.T) {
	const n = 20000
	pts := testGaussian.sample(n, rand.New(rand.NewPCG(5, 6)))
	k, err := NewKDE(batch.New(n, 2, pts))
	if err != nil {
		t.Fatal(err)
	}
	g, err := k.Grid(Bounds{-2, 3, -2.5, 2}, 61, 61)
	if err != nil {
		t.Fatal(err)
	}
	// At the mode the estimate's standard deviation is √(p/(4πn·h²√detΣ))
	// ≈ 0.011 = 2.6% of the peak, so the largest error over 3721 nodes is
	// typically 5–8% of the peak and the RMS error about 1%.
	peak := testGaussian.pdf(testGaussian.mu[0], testGaussian.mu[1])
	var maxErr, sq float64
	for r := range g.Rows {
		for c := range g.Cols {
			d := math.Abs(g.Z(c, r) - testGaussian.pdf(g.X(c), g.Y(r)))
			maxErr = max(maxErr, d)
			sq += d * d
		}
	}
	rms := math.Sqrt(sq / float64(g.Rows*g.Cols))
	t.Logf("peak %.4f: max error %.4f, RMS error %.4f", peak, maxErr, rms)
	if maxErr > 0.1*peak {
		t.Errorf("max |KDE − density| = %.4f, want < 0.1·peak = %.4f", maxErr, 0.1*peak)
	}
	if rms > 0.02*peak {
		t.Errorf("RMS |KDE − density| = %.4f, want < 0.02·peak = %.4f", rms, 0.02*peak)
	}
	wide, err := k.Grid(Bounds{-4, 5, -4.5, 4}, 181, 171)
	if err != nil {
		t.Fatal(err)
	}
	if got := wide.Integral(); math.Abs(got-1) > 1e-2 {
		t.Errorf("KDE integrates to %.5f, want 1 ± 1e-2", got)
	}
}

// TestKDESkipsOnlyNegligibleTerms compares the windowed sum, which skips
// far points, with the plain sum over every point.
func TestKDESkipsOnlyNegligibleTerms(t *testing.T) {
	const n = 3000
	pts := testGaussian.sample(n, rand.New(rand.NewPCG(9, 10)))
	k, err := NewKDE(batch.New(n, 2, pts))
	if err != nil {
		t.Fatal(err)
	}
	kc := k.Covariance()
	det := kc[0][0]*kc[1][1] - kc[0][1]*kc[1][0]
	r := rand.New(rand.NewPCG(11, 12))
	for range 50 {
		x, y := 3*r.NormFloat64(), 3*r.NormFloat64()
		var want float64
		for i := range n {
			dx, dy := x-pts[2*i], y-pts[2*i+1]
			q := (kc[1][1]*dx*dx - 2*kc[0][1]*dx*dy + kc[0][0]*dy*dy) / det
			want += math.Exp(-q / 2)
		}
		want /= n * 2 * math.Pi * math.Sqrt(det)
		// Skipped terms are each below e^−40 ≈ 4e-18 of a kernel's peak.
		kernelPeak := 1 / (2 * math.Pi * math.Sqrt(det))
		if got := k.Density(x, y); math.Abs(got-want) > 1e-12*want+1e-17*kernelPeak {
			t.Errorf("Density(%.3f, %.3f) = %.17g, plain sum %.17g", x, y, got, want)
		}
	}
}

func TestScottBandwidth(t *testing.T) {
	const n = 20000
	pts := testGaussian.sample(n, rand.New(rand.NewPCG(7, 8)))
	k, err := NewKDE(batch.New(n, 2, pts))
	if err != nil {
		t.Fatal(err)
	}
	if want := math.Pow(n, -1.0/6); math.Abs(k.Factor()-want) > 1e-15 {
		t.Errorf("Factor() = %.17g, want n^(−1/6) = %.17g", k.Factor(), want)
	}
	dc, kc := k.DataCovariance(), k.Covariance()
	h2 := k.Factor() * k.Factor()
	for i := range 2 {
		for j := range 2 {
			if math.Abs(kc[i][j]-h2*dc[i][j]) > 1e-15 {
				t.Errorf("kernel covariance[%d][%d] = %g, want h²·Σ = %g", i, j, kc[i][j], h2*dc[i][j])
			}
			// The sample covariance of 20000 draws is within a few
			// hundredths of the true one.
			if math.Abs(dc[i][j]-testGaussian.cov[i][j]) > 0.02 {
				t.Errorf("data covariance[%d][%d] = %g, want ≈ %g", i, j, dc[i][j], testGaussian.cov[i][j])
			}
		}
	}
}

// TestKDEByHand checks the formula on four corners of the unit square,
// whose covariance (n − 1 in the denominator) is I/3.
func TestKDEByHand(t *testing.T) {
	k, err := NewKDE(batch.New(4, 2, []float64{0, 0, 1, 0, 0, 1, 1, 1}))
	if err != nil {
		t.Fatal(err)
	}
	h2 := math.Pow(4, -1.0/3)
	s2 := h2 / 3 // the kernel's variance along each axis
	want := (1 + 2*math.Exp(-0.5/s2) + math.Exp(-1/s2)) / (4 * 2 * math.Pi * s2)
	if got := k.Density(0, 0); math.Abs(got-want) > 1e-14*want {
		t.Errorf("Density(0, 0) = %.17g, want %.17g", got, want)
	}
	b := k.Support(3)
	w := 3 * math.Sqrt(s2)
	if math.Abs(b.XMin+w) > 1e-14 || math.Abs(b.XMax-1-w) > 1e-14 || math.Abs(b.YMin+w) > 1e-14 || math.Abs(b.YMax-1-w) > 1e-14 {
		t.Errorf("Support(3) = %+v, want the unit square widened by %g", b, w)
	}
}

func TestKDEBadInput(t *testing.T) {
	for name, pts := range map[string][]float64{
		"two points": {0, 0, 1, 1},
		"on a line":  {0, 0, 1, 1, 2, 2, 3, 3},
		"identical":  {1, 1, 1, 1, 1, 1},
	} {
		if _, err := NewKDE(batch.New(len(pts)/2, 2, pts)); err == nil {
			t.Errorf("%s: NewKDE succeeded", name)
		}
	}
	if _, err := NewKDE(batch.New(2, 3, make([]float64, 6))); err == nil {
		t.Error("NewKDE of 3-D points succeeded")
	}
	if _, err := NewKDE(nil); err == nil {
		t.Error("NewKDE(nil) succeeded")
	}
}
