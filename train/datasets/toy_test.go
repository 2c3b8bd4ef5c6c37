package datasets

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat"
	"gorgonia.org/tensor"
)

// toySets lists the fixed-parameter generators under test.
var toySets = []struct {
	name string
	gen  func(int, rand.Source) (*tensor.Dense, error)
}{
	{"EightGaussians", EightGaussians},
	{"TwoSpirals", TwoSpirals},
	{"Checkerboard", Checkerboard},
	{"Rings", Rings},
	{"Circles", Circles},
	{"Pinwheel", Pinwheel},
	{"SwissRoll", SwissRoll},
}

func TestToyShapesAndDeterminism(t *testing.T) {
	for _, ts := range toySets {
		for _, n := range []int{1, 2, 3, 4, 5, 7, 101} {
			x, err := ts.gen(n, seeded(10))
			if err != nil {
				t.Fatalf("%s(%d): %v", ts.name, n, err)
			}
			d := pointsOf(t, x, n)
			for i, v := range d {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("%s(%d): element %d = %v", ts.name, n, i, v)
				}
			}
		}
		a, _ := ts.gen(300, seeded(11))
		b, _ := ts.gen(300, seeded(11))
		c, _ := ts.gen(300, seeded(12))
		if !sameBits(pointsOf(t, a, 300), pointsOf(t, b, 300)) {
			t.Errorf("%s: same seed gave different samples", ts.name)
		}
		if sameBits(pointsOf(t, a, 300), pointsOf(t, c, 300)) {
			t.Errorf("%s: different seeds gave identical samples", ts.name)
		}
	}
}

func TestToyBadArguments(t *testing.T) {
	for _, ts := range toySets {
		for _, n := range []int{0, -1} {
			x, err := ts.gen(n, seeded(1))
			if !errors.Is(err, ErrInvalidArgument) || x != nil {
				t.Errorf("%s(%d): (%v, %v), want ErrInvalidArgument", ts.name, n, x, err)
			} else if !strings.Contains(err.Error(), "n =") || !strings.Contains(err.Error(), ts.name) {
				t.Errorf("%s(%d): error %q should name the function and n", ts.name, n, err)
			}
		}
		x, err := ts.gen(10, nil)
		if !errors.Is(err, ErrInvalidArgument) || x != nil {
			t.Errorf("%s(10, nil): (%v, %v), want ErrInvalidArgument", ts.name, x, err)
		} else if !strings.Contains(err.Error(), "src") {
			t.Errorf("%s(10, nil): error %q should name src", ts.name, err)
		}
	}
}

func TestEightGaussians(t *testing.T) {
	const n = 20000
	x, err := EightGaussians(n, seeded(20))
	if err != nil {
		t.Fatal(err)
	}
	d := pointsOf(t, x, n)
	checkMean(t, "x", column(d, 0), 0, 0, 4)
	checkMean(t, "y", column(d, 1), 0, 0, 4)

	// Centres at radius 4/1.414 in the directions kπ/4; assign each point
	// to the nearest and look at counts and offsets.
	const r = 4 / 1.414
	var counts [8]int
	var dx, dy []float64
	for i := 0; i < n; i++ {
		px, py := d[2*i], d[2*i+1]
		k := int(math.Round(math.Atan2(py, px)/(math.Pi/4))+8) % 8
		counts[k]++
		s, c := math.Sincos(float64(k) * math.Pi / 4)
		dx = append(dx, px-r*c)
		dy = append(dy, py-r*s)
	}
	for k, c := range counts {
		checkCount(t, fmt.Sprintf("centre %d", k), c, n, 1.0/8, 4)
	}
	// Nearest-centre assignment truncates the tails slightly (the
	// centres are about 6σ apart), hence the 5% tolerance.
	checkStd(t, "offset x", dx, 0.5/1.414, 0.05)
	checkStd(t, "offset y", dy, 0.5/1.414, 0.05)
	checkMean(t, "offset x", dx, 0, 0, 4)
	checkMean(t, "offset y", dy, 0, 0, 4)
}

func TestTwoSpirals(t *testing.T) {
	const (
		n     = 20000
		m     = n / 2
		noise = 0.1
	)
	x, err := TwoSpirals(n, seeded(21))
	if err != nil {
		t.Fatal(err)
	}
	d := pointsOf(t, x, n)

	// Row m+i is the reflection of row i before noise, so their sum is
	// pure noise with standard deviation 0.1·√2.
	sx, sy := make([]float64, m), make([]float64, m)
	for i := 0; i < m; i++ {
		sx[i] = d[2*i] + d[2*(m+i)]
		sy[i] = d[2*i+1] + d[2*(m+i)+1]
	}
	for _, s := range [][]float64{sx, sy} {
		checkStd(t, "arm sum", s, noise*math.Sqrt2, 0.05)
		checkMean(t, "arm sum", s, 0, noise*math.Sqrt2, 4)
	}
	// The whole set is symmetric before noise.
	checkMean(t, "x", column(d, 0), 0, noise, 4)
	checkMean(t, "y", column(d, 1), 0, noise, 4)

	// First-arm mean, from t = 3π√u: E[−t·cos t] = 4/(3π),
	// E[t·sin t] = 2 − 8/(9π²), plus 1/4 from the uniform jitter, all /3.
	first := d[:2*m]
	checkMean(t, "first arm x", column(first, 0), (4/(3*math.Pi)+0.25)/3, 0, 4)
	checkMean(t, "first arm y", column(first, 1), (2-8/(9*math.Pi*math.Pi)+0.25)/3, 0, 4)

	// Radii stay below (3π + 0.5·√2)/3 plus noise.
	rad := radii(d, 0, 0)
	maxR := 0.0
	for _, r := range rad {
		maxR = math.Max(maxR, r)
	}
	if limit := math.Pi + 0.5*math.Sqrt2/3 + 6*noise; maxR > limit || maxR < math.Pi-0.1 {
		t.Errorf("max radius = %v, want in [π−0.1, %v]", maxR, limit)
	}
}

func TestCheckerboard(t *testing.T) {
	const n = 20000
	x, err := Checkerboard(n, seeded(22))
	if err != nil {
		t.Fatal(err)
	}
	d := pointsOf(t, x, n)
	counts := map[[2]int]int{}
	for i := 0; i < n; i++ {
		px, py := d[2*i], d[2*i+1]
		if px < -4 || px >= 4 || py < -4 || py >= 4 {
			t.Fatalf("point (%v, %v) outside [−4, 4)²", px, py)
		}
		sq := [2]int{int(math.Floor(px / 2)), int(math.Floor(py / 2))}
		if (sq[0]+sq[1])%2 != 0 {
			t.Fatalf("point (%v, %v) in a white square", px, py)
		}
		counts[sq]++
	}
	if len(counts) != 8 {
		t.Errorf("points in %d squares, want 8", len(counts))
	}
	for sq, c := range counts {
		checkCount(t, fmt.Sprintf("square %v", sq), c, n, 1.0/8, 4)
	}
	checkMean(t, "x", column(d, 0), 0, 0, 4)
	checkMean(t, "y", column(d, 1), 0, 0, 4)
	// Uniform on [−4, 4): variance 64/12.
	checkStd(t, "x", column(d, 0), math.Sqrt(64.0/12), 0.02)
}

func TestRings(t *testing.T) {
	const (
		n     = 20003 // not a multiple of 4: the inner ring gets 5003
		noise = 0.08
	)
	x, err := Rings(n, seeded(23))
	if err != nil {
		t.Fatal(err)
	}
	d := pointsOf(t, x, n)
	ringR := []float64{3, 2.25, 1.5, 0.75}
	want := []int{n / 4, n / 4, n / 4, n - 3*(n/4)}
	counts := make([]int, 4)
	res := make([]float64, n)
	bias := 0.0
	for i, r := range radii(d, 0, 0) {
		k := 0
		for j := range ringR {
			if math.Abs(r-ringR[j]) < math.Abs(r-ringR[k]) {
				k = j
			}
		}
		counts[k]++
		res[i] = r - ringR[k]
		bias += noise * noise / (2 * ringR[k])
	}
	bias /= n
	for k := range counts {
		// A point crosses half way to the next ring (0.375 ≈ 4.7σ) with
		// probability about 3e-6, so the counts are all but exact.
		if diff := counts[k] - want[k]; diff < -1 || diff > 1 {
			t.Errorf("ring of radius %v: %d points, want %d ± 1", ringR[k], counts[k], want[k])
		}
	}
	checkStd(t, "radial residual", res, noise, 0.05)
	checkMean(t, "radial residual", res, bias, noise, 4)
	checkMean(t, "x", column(d, 0), 0, noise, 4)
	checkMean(t, "y", column(d, 1), 0, noise, 4)
}

func TestCircles(t *testing.T) {
	const (
		n     = 20001
		noise = 3 * 0.08
	)
	x, err := Circles(n, seeded(24))
	if err != nil {
		t.Fatal(err)
	}
	d := pointsOf(t, x, n)
	var outer, inner []float64
	for _, r := range radii(d, 0, 0) {
		if r > 2.25 {
			outer = append(outer, r-3)
		} else {
			inner = append(inner, r-1.5)
		}
	}
	// The circles are 0.75 ≈ 3σ apart: about 0.1% cross the threshold.
	if diff := len(outer) - n/2; diff < -50 || diff > 50 {
		t.Errorf("%d points outside radius 2.25, want %d ± 50", len(outer), n/2)
	}
	checkStd(t, "outer radial residual", outer, noise, 0.05)
	checkStd(t, "inner radial residual", inner, noise, 0.05)
	if m := stat.Mean(outer, nil); math.Abs(m) > 0.03 {
		t.Errorf("outer mean radius = %v, want 3 ± 0.03", 3+m)
	}
	if m := stat.Mean(inner, nil); math.Abs(m) > 0.03 {
		t.Errorf("inner mean radius = %v, want 1.5 ± 0.03", 1.5+m)
	}
	checkMean(t, "x", column(d, 0), 0, noise, 4)
	checkMean(t, "y", column(d, 1), 0, noise, 4)
}

func TestPinwheel(t *testing.T) {
	const n = 20000
	x, err := Pinwheel(n, seeded(25))
	if err != nil {
		t.Fatal(err)
	}
	d := pointsOf(t, x, n)
	checkMean(t, "x", column(d, 0), 0, 0, 4)
	checkMean(t, "y", column(d, 1), 0, 0, 4)

	// |p|/2 = √(r² + s²) with r ~ N(1, 0.3²), s ~ N(0, 0.1²): mean
	// ≈ 1 + E[s²]/2 = 1.005, standard deviation ≈ 0.3.
	half := radii(d, 0, 0)
	for i := range half {
		half[i] /= 2
	}
	checkMean(t, "|p|/2", half, 1.005, 0.3, 4)
	checkStd(t, "|p|/2", half, 0.3, 0.05)

	// Each blade is rotated clockwise by 2πk/5 + 0.25·exp(r), so the
	// polar angle plus 0.25·exp(|p|/2) is near a multiple of 2π/5, off
	// by about s/r (standard deviation ≈ 0.1).
	const sector = 2 * math.Pi / 5
	res := make([]float64, n)
	var counts [5]int
	for i := 0; i < n; i++ {
		phi := math.Atan2(d[2*i+1], d[2*i])
		res[i] = wrap(phi+0.25*math.Exp(half[i]), sector)
		counts[int(math.Floor((phi+math.Pi)/sector))%5]++
	}
	if rms := math.Sqrt(stat.Mean(squares(res), nil)); rms > 0.15 {
		t.Errorf("angular residual RMS = %v, want ≤ 0.15", rms)
	}
	// Five-fold symmetry: every sector of angle 2π/5 holds a fifth.
	for _, c := range counts {
		checkCount(t, "sector", c, n, 0.2, 4)
	}
}

func squares(v []float64) []float64 {
	s := make([]float64, len(v))
	for i, x := range v {
		s[i] = x * x
	}
	return s
}

func TestSwissRoll(t *testing.T) {
	const n = 20000
	x, err := SwissRoll(n, seeded(26))
	if err != nil {
		t.Fatal(err)
	}
	d := pointsOf(t, x, n)
	// For t uniform on [1.5π, 4.5π]: E[t·cos t] = 2, E[t·sin t] = 2/(3π);
	// both are divided by 5.
	checkMean(t, "x", column(d, 0), 2.0/5, 0, 4)
	checkMean(t, "y", column(d, 1), 2/(3*math.Pi)/5, 0, 4)
	// Noise-free radii lie in [0.3π, 0.9π]; noise has std 0.2.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range radii(d, 0, 0) {
		lo, hi = math.Min(lo, r), math.Max(hi, r)
	}
	if lo < 0.3*math.Pi-1.2 || lo > 0.3*math.Pi || hi > 0.9*math.Pi+1.2 || hi < 0.9*math.Pi {
		t.Errorf("radii in [%v, %v], want about [%v, %v] widened by noise", lo, hi, 0.3*math.Pi, 0.9*math.Pi)
	}
	// Mean squared radius: E[t²]/25 + 2·0.2² with E[t²] = 39π²/4.
	r2 := squares(radii(d, 0, 0))
	checkMean(t, "|p|²", r2, 39*math.Pi*math.Pi/4/25+2*0.04, 0, 4)
}
