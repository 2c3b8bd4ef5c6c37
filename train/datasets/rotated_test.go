package datasets

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gorgonia.org/tensor"
)

// Rotated back by its angle, each point is an EightGaussians point: near
// one of the eight centres, with the component's spread; the angles are
// uniform on [0, MaxRotation).
func TestRotatedEightGaussians(t *testing.T) {
	const n = 20000
	x, angles, err := RotatedEightGaussians(n, seeded(5))
	if err != nil {
		t.Fatal(err)
	}
	d := pointsOf(t, x, n)
	if len(angles) != n {
		t.Fatalf("%d angles for %d points", len(angles), n)
	}
	const r, sd = 4 / 1.414, 0.5 / 1.414 // EightGaussians' centres and spread
	var dx []float64
	for i, a := range angles {
		if a < 0 || a >= MaxRotation {
			t.Fatalf("angle %d = %v, outside [0, π/4)", i, a)
		}
		s, c := math.Sincos(-a)
		px, py := c*d[2*i]-s*d[2*i+1], s*d[2*i]+c*d[2*i+1]
		// The nearest of the centres r·(cos kπ/4, sin kπ/4).
		k := math.Round(math.Atan2(py, px) / (math.Pi / 4))
		cs, cc := math.Sincos(k * math.Pi / 4)
		dx = append(dx, px-r*cc, py-r*cs)
	}
	checkMean(t, "angle", angles, MaxRotation/2, MaxRotation/math.Sqrt(12), 5)
	checkMean(t, "offset from the centre", dx, 0, sd, 5)
	checkMean(t, "squared offset", squares(dx), sd*sd, sd*sd*math.Sqrt2, 5)

	// The same source gives the same points and angles.
	y, again, err := RotatedEightGaussians(n, seeded(5))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(y.Data().([]float64), d) || !slices.Equal(again, angles) {
		t.Error("the same seed gave other points")
	}
	// Unrotated, they are EightGaussians' points from the derived source.
	rng := rand.New(seeded(5))
	for range n {
		rng.Float64()
	}
	plain, err := EightGaussians(n, rand.NewPCG(rng.Uint64(), rng.Uint64()))
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range plain.Data().([]float64)[:200] {
		a := angles[i/2]
		s, c := math.Sincos(-a)
		back := c*d[i-i%2] - s*d[i-i%2+1]
		if i%2 == 1 {
			back = s*d[i-1] + c*d[i]
		}
		if math.Abs(back-p) > 1e-12 {
			t.Fatalf("value %d unrotated = %v, EightGaussians gives %v", i, back, p)
		}
	}
	for _, n := range []int{0, -1} {
		if _, _, err := RotatedEightGaussians(n, seeded(1)); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("n = %d: %v", n, err)
		}
	}
	if _, _, err := RotatedEightGaussians(1, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("nil source: %v", err)
	}
}

func TestSplitColumns(t *testing.T) {
	tab := tensor.New(tensor.WithShape(2, 4), tensor.WithBacking([]float64{1, 2, 3, 4, 5, 6, 7, 8}))
	x, c, err := SplitColumns(tab, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(x.Data().([]float64), []float64{1, 2, 3, 5, 6, 7}) || x.Shape()[1] != 3 {
		t.Errorf("x = %v", x)
	}
	if !slices.Equal(c.Data().([]float64), []float64{4, 8}) || c.Shape()[1] != 1 {
		t.Errorf("c = %v", c)
	}
	x, c, err = SplitColumns(tab, 0)
	if err != nil || x != tab || c != nil {
		t.Errorf("k = 0: %v, %v, %v", x, c, err)
	}
	if !slices.Equal(tab.Data().([]float64), []float64{1, 2, 3, 4, 5, 6, 7, 8}) {
		t.Error("the table changed")
	}
	for _, k := range []int{-1, 4, 5} {
		if _, _, err := SplitColumns(tab, k); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("k = %d: %v", k, err)
		}
	}
	if _, _, err := SplitColumns(nil, 1); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("nil table: %v", err)
	}
}
