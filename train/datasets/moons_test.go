package datasets

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
)

func TestMoonsCounts(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7, 100, 101} {
		x, labels, err := MoonsLabeled(n, 0, false, seeded(1))
		if err != nil {
			t.Fatalf("n = %d: %v", n, err)
		}
		pointsOf(t, x, n)
		if len(labels) != n {
			t.Fatalf("n = %d: %d labels", n, len(labels))
		}
		// Unshuffled, the first n/2 rows are the upper arc.
		for i, l := range labels {
			want := 0
			if i >= n/2 {
				want = 1
			}
			if l != want {
				t.Errorf("n = %d: labels[%d] = %d, want %d", n, i, l, want)
			}
		}
	}
}

func TestMoonsNoiseFreeOnArcs(t *testing.T) {
	const n = 101 // odd: 50 on the upper arc, 51 on the lower
	x, err := Moons(n, 0, false, seeded(2))
	if err != nil {
		t.Fatal(err)
	}
	d := pointsOf(t, x, n)
	const tol = 1e-12
	for i := 0; i < n; i++ {
		px, py := d[2*i], d[2*i+1]
		var r, theta, want float64
		if i < n/2 {
			r = math.Hypot(px, py)
			theta = math.Atan2(py, px)
			want = float64(i) * math.Pi / float64(n/2-1)
		} else {
			j := i - n/2
			r = math.Hypot(px-1, py-0.5)
			theta = math.Atan2(0.5-py, 1-px)
			want = float64(j) * math.Pi / float64(n-n/2-1)
		}
		if math.Abs(r-1) > tol {
			t.Errorf("row %d = (%v, %v): distance to centre = %v, want 1", i, px, py, r)
		}
		if math.Abs(theta-want) > tol {
			t.Errorf("row %d: θ = %v, want %v", i, theta, want)
		}
	}
	// The arcs include both end points exactly, as numpy.linspace does.
	ends := []struct {
		row  int
		x, y float64
	}{{0, 1, 0}, {n/2 - 1, -1, math.Sin(math.Pi)}, {n / 2, 0, 0.5}, {n - 1, 2, 0.5 - math.Sin(math.Pi)}}
	for _, e := range ends {
		if d[2*e.row] != e.x || d[2*e.row+1] != e.y {
			t.Errorf("row %d = (%v, %v), want (%v, %v)", e.row, d[2*e.row], d[2*e.row+1], e.x, e.y)
		}
	}
}

func TestMoonsShuffle(t *testing.T) {
	const n = 200
	plain, err := Moons(n, 0, false, seeded(3))
	if err != nil {
		t.Fatal(err)
	}
	shuf, labels, err := MoonsLabeled(n, 0, true, seeded(3))
	if err != nil {
		t.Fatal(err)
	}
	p, s := pointsOf(t, plain, n), pointsOf(t, shuf, n)
	if sameBits(p, s) {
		t.Fatal("shuffle = true left the rows in order")
	}
	// The shuffled rows are a permutation of the plain rows, and each
	// label names the arc its row lies on.
	key := func(d []float64) []string {
		k := make([]string, n)
		for i := range k {
			k[i] = fmt.Sprintf("%016x,%016x", math.Float64bits(d[2*i]), math.Float64bits(d[2*i+1]))
		}
		sort.Strings(k)
		return k
	}
	kp, ks := key(p), key(s)
	for i := range kp {
		if kp[i] != ks[i] {
			t.Fatalf("shuffled rows are not a permutation of the plain rows")
		}
	}
	for i, l := range labels {
		cx, cy := 0.0, 0.0
		if l == 1 {
			cx, cy = 1, 0.5
		}
		if r := math.Hypot(s[2*i]-cx, s[2*i+1]-cy); math.Abs(r-1) > 1e-12 {
			t.Errorf("row %d has label %d but lies off that arc (r = %v)", i, l, r)
		}
	}
}

func TestMoonsNoiseStatistics(t *testing.T) {
	const (
		n     = 20000
		sigma = 0.1
	)
	x, labels, err := MoonsLabeled(n, sigma, true, seeded(4))
	if err != nil {
		t.Fatal(err)
	}
	d := pointsOf(t, x, n)
	// For even n the noise-free mean is exactly (0.5, 0.25), so only the
	// noise contributes to the standard error.
	checkMean(t, "x", column(d, 0), 0.5, sigma, 4)
	checkMean(t, "y", column(d, 1), 0.25, sigma, 4)

	// The signed distance from each point's own circle is the normal
	// component of the noise, plus a curvature bias of about σ²/2.
	res := make([]float64, n)
	for i, l := range labels {
		cx, cy := 0.0, 0.0
		if l == 1 {
			cx, cy = 1, 0.5
		}
		res[i] = math.Hypot(d[2*i]-cx, d[2*i+1]-cy) - 1
	}
	checkStd(t, "radial residual", res, sigma, 0.05)
	checkMean(t, "radial residual", res, sigma*sigma/2, sigma, 4)
}

func TestMoonsKeepsOrderWithoutShuffle(t *testing.T) {
	const (
		n     = 1000
		sigma = 0.05
	)
	clean, err := Moons(n, 0, false, seeded(5))
	if err != nil {
		t.Fatal(err)
	}
	noisy, err := Moons(n, sigma, false, seeded(5))
	if err != nil {
		t.Fatal(err)
	}
	c, y := pointsOf(t, clean, n), pointsOf(t, noisy, n)
	for i := range c {
		if math.Abs(c[i]-y[i]) > 6*sigma {
			t.Fatalf("element %d moved by %v, more than 6σ: rows were reordered", i, y[i]-c[i])
		}
	}
}

func TestMoonsDeterministic(t *testing.T) {
	a, err := Moons(500, 0.1, true, seeded(6))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Moons(500, 0.1, true, seeded(6))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Moons(500, 0.1, true, seeded(7))
	if err != nil {
		t.Fatal(err)
	}
	if !sameBits(pointsOf(t, a, 500), pointsOf(t, b, 500)) {
		t.Error("same seed gave different samples")
	}
	if sameBits(pointsOf(t, a, 500), pointsOf(t, c, 500)) {
		t.Error("different seeds gave identical samples")
	}
}

func TestMoonsBadArguments(t *testing.T) {
	tests := []struct {
		n     int
		noise float64
		nilSr bool
		name  string
	}{
		{0, 0.1, false, "n"},
		{-5, 0.1, false, "n"},
		{10, -0.1, false, "noise"},
		{10, math.NaN(), false, "noise"},
		{10, math.Inf(1), false, "noise"},
		{10, 0.1, true, "src"},
	}
	for _, tc := range tests {
		src := seeded(8)
		if tc.nilSr {
			src = nil
		}
		x, err := Moons(tc.n, tc.noise, true, src)
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("Moons(%d, %v, nil src = %t): err = %v, want ErrInvalidArgument", tc.n, tc.noise, tc.nilSr, err)
			continue
		}
		if x != nil {
			t.Errorf("Moons(%d, %v): non-nil tensor with error", tc.n, tc.noise)
		}
		if !strings.Contains(err.Error(), tc.name) {
			t.Errorf("error %q does not name %q", err, tc.name)
		}
	}
}
