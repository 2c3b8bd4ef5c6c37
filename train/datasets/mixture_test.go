package datasets

import (
	"errors"
	"math"
	"testing"

	"gorgonia.org/tensor"
)

func TestGaussianMixtureShapeAndDeterminism(t *testing.T) {
	for _, c := range []struct{ n, dim, k int }{{1, 1, 1}, {257, 3, 5}, {100, 16, 32}} {
		x, err := GaussianMixture(c.n, c.dim, c.k, 2, seeded(7))
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if s := x.Shape(); len(s) != 2 || s[0] != c.n || s[1] != c.dim || x.Dtype() != tensor.Float64 {
			t.Fatalf("%+v: %v of shape %v", c, x.Dtype(), s)
		}
		again, err := GaussianMixture(c.n, c.dim, c.k, 2, seeded(7))
		if err != nil {
			t.Fatal(err)
		}
		if !sameBits(x.Float64s(), again.Float64s()) {
			t.Errorf("%+v: the same seed gave different points", c)
		}
		data, _, err := gaussianMixture(c.n, c.dim, c.k, 2, seeded(7))
		if err != nil {
			t.Fatal(err)
		}
		if !sameBits(x.Float64s(), data) {
			t.Errorf("%+v: GaussianMixture and gaussianMixture differ", c)
		}
	}
}

func TestGaussianMixtureComponents(t *testing.T) {
	const (
		n   = 20000
		dim = 4
		k   = 7 // odd: the last axis has only its + component
		sep = 3.0
	)
	data, labels, err := gaussianMixture(n, dim, k, sep, seeded(11))
	if err != nil {
		t.Fatal(err)
	}
	means, err := GaussianMixtureMeans(dim, k, sep)
	if err != nil {
		t.Fatal(err)
	}
	counts := make([]int, k)
	// Offsets from each point's own mean, per component and dimension:
	// they should be standard normal.
	offsets := make([][][]float64, k)
	for c := range offsets {
		offsets[c] = make([][]float64, dim)
	}
	for i, c := range labels {
		if c < 0 || c >= k {
			t.Fatalf("label %d out of range", c)
		}
		counts[c]++
		for j := range dim {
			offsets[c][j] = append(offsets[c][j], data[i*dim+j]-means[c][j])
		}
	}
	for c := range k {
		checkCount(t, "component count", counts[c], n, 1.0/k, 4)
		for j := range dim {
			checkMean(t, "offset", offsets[c][j], 0, 1, 4)
			checkStd(t, "offset", offsets[c][j], 1, 0.06)
		}
	}
	// Per-dimension moments of the whole sample: with p± the weights of
	// the components at ±sep·e_j, E[x_j] = sep·(p₊ − p₋) and
	// E[x_j²] = 1 + sep²·(p₊ + p₋).
	for j := range dim {
		var pPlus, pMinus float64
		if 2*j < k {
			pPlus = 1.0 / k
		}
		if 2*j+1 < k {
			pMinus = 1.0 / k
		}
		mean := sep * (pPlus - pMinus)
		std := math.Sqrt(1 + sep*sep*(pPlus+pMinus) - mean*mean)
		col := make([]float64, n)
		for i := range col {
			col[i] = data[i*dim+j]
		}
		checkMean(t, "column", col, mean, std, 4)
		checkStd(t, "column", col, std, 0.04)
	}
}

// naiveLogProb is the mixture density written out directly from the means.
func naiveLogProb(x []float64, means [][]float64) float64 {
	p := 0.0
	for _, mu := range means {
		sq := 0.0
		for j := range x {
			sq += (x[j] - mu[j]) * (x[j] - mu[j])
		}
		p += math.Exp(-0.5*sq) / math.Pow(2*math.Pi, float64(len(x))/2)
	}
	return math.Log(p / float64(len(means)))
}

func TestGaussianMixtureLogProbMatchesNaive(t *testing.T) {
	const dim, k, sep = 3, 5, 1.5
	x, err := GaussianMixture(200, dim, k, sep, seeded(3))
	if err != nil {
		t.Fatal(err)
	}
	got, err := GaussianMixtureLogProb(x, dim, k, sep)
	if err != nil {
		t.Fatal(err)
	}
	means, _ := GaussianMixtureMeans(dim, k, sep)
	d := x.Float64s()
	for i, g := range got {
		want := naiveLogProb(d[i*dim:(i+1)*dim], means)
		if math.Abs(g-want) > 1e-12*math.Max(1, math.Abs(want)) {
			t.Fatalf("row %d: log p = %.15g, want %.15g", i, g, want)
		}
	}
}

func TestGaussianMixtureLogProbIntegratesToOne(t *testing.T) {
	// Midpoint rule on a grid wide enough that the tails are negligible.
	const lo, hi, m = -14.0, 14.0, 400
	h := (hi - lo) / m
	t.Run("1d", func(t *testing.T) {
		pts := make([]float64, m)
		for i := range pts {
			pts[i] = lo + (float64(i)+0.5)*h
		}
		lp, err := GaussianMixtureLogProb(tensor.New(tensor.WithShape(m, 1), tensor.WithBacking(pts)), 1, 2, 4)
		if err != nil {
			t.Fatal(err)
		}
		if s := integrate(lp, h); math.Abs(s-1) > 1e-9 {
			t.Errorf("∫ p = %.12g, want 1", s)
		}
	})
	t.Run("2d", func(t *testing.T) {
		pts := make([]float64, 0, 2*m*m)
		for i := range m {
			for j := range m {
				pts = append(pts, lo+(float64(i)+0.5)*h, lo+(float64(j)+0.5)*h)
			}
		}
		lp, err := GaussianMixtureLogProb(tensor.New(tensor.WithShape(m*m, 2), tensor.WithBacking(pts)), 2, 3, 5)
		if err != nil {
			t.Fatal(err)
		}
		if s := integrate(lp, h*h); math.Abs(s-1) > 1e-9 {
			t.Errorf("∬ p = %.12g, want 1", s)
		}
	})
}

// integrate returns Σ exp(lp)·cell.
func integrate(lp []float64, cell float64) float64 {
	s := 0.0
	for _, v := range lp {
		s += math.Exp(v) * cell
	}
	return s
}

func TestGaussianMixtureLogProbFarAway(t *testing.T) {
	// exp(−½·|x−μ|²) underflows here; log-sum-exp must not.
	x := tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float64{100, -100}))
	lp, err := GaussianMixtureLogProb(x, 2, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	// The nearest means, +e_0 and −e_1, are each at squared distance
	// 99² + 100²; the other two are farther by 4·100 and add only e^−200.
	want := -0.5*(99*99+100*100) + math.Log(2.0/4) - math.Log(2*math.Pi)
	if math.Abs(lp[0]-want) > 1e-9*math.Abs(want) {
		t.Errorf("log p = %g, want %g", lp[0], want)
	}
}

func TestGaussianMixtureLogProbView(t *testing.T) {
	// A transposed tensor is a strided view; it must be read by rows.
	x, err := GaussianMixture(5, 3, 2, 1, seeded(1))
	if err != nil {
		t.Fatal(err)
	}
	want, err := GaussianMixtureLogProb(x, 3, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	xt := tensor.New(tensor.WithShape(3, 5), tensor.WithBacking(make([]float64, 15)))
	for i := range 5 {
		for j := range 3 {
			xt.Float64s()[j*5+i] = x.Float64s()[i*3+j]
		}
	}
	if err := xt.T(); err != nil {
		t.Fatal(err)
	}
	if !xt.RequiresIterator() {
		t.Fatal("the transposed tensor is not a strided view")
	}
	got, err := GaussianMixtureLogProb(xt, 3, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Errorf("row %d: %g through a view, %g directly", i, got[i], want[i])
		}
	}
}

func TestGaussianMixtureMeans(t *testing.T) {
	means, err := GaussianMixtureMeans(2, 3, 2.5)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float64{{2.5, 0}, {-2.5, 0}, {0, 2.5}}
	for c := range want {
		for j := range want[c] {
			if means[c][j] != want[c][j] {
				t.Fatalf("means = %v, want %v", means, want)
			}
		}
	}
	// As documented, every pair of means is at least separation·√2 apart.
	means, err = GaussianMixtureMeans(3, 6, 2)
	if err != nil {
		t.Fatal(err)
	}
	for a := range means {
		for b := range a {
			d := 0.0
			for j := range means[a] {
				d += (means[a][j] - means[b][j]) * (means[a][j] - means[b][j])
			}
			if math.Sqrt(d) < 2*math.Sqrt2-1e-12 {
				t.Errorf("means %d and %d are %g apart", a, b, math.Sqrt(d))
			}
		}
	}
}

func TestGaussianMixtureBadArguments(t *testing.T) {
	cases := []struct {
		name       string
		n, dim, k  int
		separation float64
		nilSrc     bool
	}{
		{"n = 0", 0, 2, 2, 1, false},
		{"n < 0", -1, 2, 2, 1, false},
		{"n·dim overflows", math.MaxInt/2 + 1, 3, 2, 1, false},
		{"dim = 0", 10, 0, 1, 1, false},
		{"components = 0", 10, 2, 0, 1, false},
		{"components > 2·dim", 10, 2, 5, 1, false},
		{"huge components", 10, 2, math.MaxInt, 1, false},
		{"negative separation", 10, 2, 2, -1, false},
		{"NaN separation", 10, 2, 2, math.NaN(), false},
		{"infinite separation", 10, 2, 2, math.Inf(1), false},
		{"nil source", 10, 2, 2, 1, true},
	}
	for _, c := range cases {
		src := seeded(1)
		if c.nilSrc {
			src = nil
		}
		if _, err := GaussianMixture(c.n, c.dim, c.k, c.separation, src); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: err = %v, want ErrInvalidArgument", c.name, err)
		}
	}
	ok := tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float64{0, 0, 1, 1}))
	for name, f := range map[string]func() error{
		"nil x":         func() error { _, err := GaussianMixtureLogProb(nil, 2, 2, 1); return err },
		"wrong columns": func() error { _, err := GaussianMixtureLogProb(ok, 3, 2, 1); return err },
		"float32": func() error {
			_, err := GaussianMixtureLogProb(tensor.New(tensor.WithShape(1, 2), tensor.Of(tensor.Float32)), 2, 2, 1)
			return err
		},
		"vector": func() error {
			_, err := GaussianMixtureLogProb(tensor.New(tensor.WithBacking([]float64{1, 2})), 2, 2, 1)
			return err
		},
		"bad components":  func() error { _, err := GaussianMixtureLogProb(ok, 2, 5, 1); return err },
		"bad separation":  func() error { _, err := GaussianMixtureLogProb(ok, 2, 2, math.NaN()); return err },
		"means, bad dim":  func() error { _, err := GaussianMixtureMeans(0, 1, 1); return err },
		"means, bad sep.": func() error { _, err := GaussianMixtureMeans(2, 2, -1); return err },
	} {
		if err := f(); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: err = %v, want ErrInvalidArgument", name, err)
		}
	}
}
