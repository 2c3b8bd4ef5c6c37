package viz

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"

	"gorgonia.org/tensor"
)

// KDE is a Gaussian kernel density estimate of points in the plane with
// Scott's bandwidth and the full sample covariance, as
// scipy.stats.gaussian_kde(points.T) with its defaults:
//
//	p̂(x) = 1/(n·2π·√det(h²Σ)) Σ_i exp(−½ (x−x_i)ᵀ (h²Σ)⁻¹ (x−x_i)),
//	h = n^(−1/6),
//
// Σ being the sample covariance with n − 1 in the denominator.
type KDE struct {
	xs, ys   []float64 // the points, sorted by x so a grid column reads only its neighbours
	n        int
	factor   float64
	cov      [2][2]float64 // data covariance
	a, b, c  float64       // inverse kernel covariance [[a b] [b c]]
	norm     float64       // 1/(n·2π·√det)
	xReach   float64       // |Δx| beyond which every kernel term is negligible
	min, max [2]float64    // data range
}

// cutoff is the squared Mahalanobis distance past which a kernel term,
// exp(−cutoff/2) ≈ 4e-18 of its peak, is skipped.
const cutoff = 80

// NewKDE returns the density estimate of the N×2 points, N ≥ 3, whose
// sample covariance must be positive definite (not all points on a line).
func NewKDE(points *tensor.Dense) (*KDE, error) {
	data, n, err := planar("KDE points", points)
	if err != nil {
		return nil, err
	}
	if n < 3 {
		return nil, fmt.Errorf("%w: KDE of %d points, want at least 3", ErrInvalidInput, n)
	}
	k := &KDE{n: n, xs: make([]float64, n), ys: make([]float64, n)}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(i, j int) bool { return data[2*order[i]] < data[2*order[j]] })
	var mx, my float64
	for i, o := range order {
		k.xs[i], k.ys[i] = data[2*o], data[2*o+1]
		mx += k.xs[i]
		my += k.ys[i]
	}
	mx /= float64(n)
	my /= float64(n)
	var sxx, sxy, syy float64
	for i := range n {
		dx, dy := k.xs[i]-mx, k.ys[i]-my
		sxx += dx * dx
		sxy += dx * dy
		syy += dy * dy
	}
	d := float64(n - 1)
	k.cov = [2][2]float64{{sxx / d, sxy / d}, {sxy / d, syy / d}}
	k.factor = math.Pow(float64(n), -1.0/6)
	h2 := k.factor * k.factor
	kxx, kxy, kyy := h2*k.cov[0][0], h2*k.cov[0][1], h2*k.cov[1][1]
	det := kxx*kyy - kxy*kxy
	// A relative test: collinear points leave only rounding in det.
	if !(det > 1e-12*kxx*kyy) {
		return nil, fmt.Errorf("%w: KDE points have a singular covariance (they lie on a line)", ErrInvalidInput)
	}
	k.a, k.b, k.c = kyy/det, -kxy/det, kxx/det
	k.norm = 1 / (float64(n) * 2 * math.Pi * math.Sqrt(det))
	// (x−x_i)ᵀK⁻¹(x−x_i) ≥ Δx²/K_xx whatever Δy is.
	k.xReach = math.Sqrt(cutoff * kxx)
	k.min = [2]float64{k.xs[0], slices.Min(k.ys)}
	k.max = [2]float64{k.xs[n-1], slices.Max(k.ys)}
	return k, nil
}

// Len returns the number of points.
func (k *KDE) Len() int { return k.n }

// Factor returns Scott's factor h = n^(−1/6), scipy's kde.factor.
func (k *KDE) Factor() float64 { return k.factor }

// DataCovariance returns the sample covariance Σ of the points.
func (k *KDE) DataCovariance() [2][2]float64 { return k.cov }

// Covariance returns the kernel's covariance h²Σ, scipy's kde.covariance.
func (k *KDE) Covariance() [2][2]float64 {
	h2 := k.factor * k.factor
	return [2][2]float64{{h2 * k.cov[0][0], h2 * k.cov[0][1]}, {h2 * k.cov[1][0], h2 * k.cov[1][1]}}
}

// Density returns p̂(x, y).
func (k *KDE) Density(x, y float64) float64 {
	lo, hi := k.window(x)
	return k.sum(x, y, lo, hi)
}

// window returns the range of sorted points within reach of x.
func (k *KDE) window(x float64) (lo, hi int) {
	lo = sort.SearchFloat64s(k.xs, x-k.xReach)
	hi = sort.SearchFloat64s(k.xs, x+k.xReach)
	for hi < k.n && k.xs[hi] <= x+k.xReach {
		hi++
	}
	return lo, hi
}

func (k *KDE) sum(x, y float64, lo, hi int) float64 {
	var s float64
	for i := lo; i < hi; i++ {
		dx, dy := x-k.xs[i], y-k.ys[i]
		q := k.a*dx*dx + 2*k.b*dx*dy + k.c*dy*dy
		if q < cutoff {
			s += math.Exp(-0.5 * q)
		}
	}
	return s * k.norm
}

// Support returns the points' bounding box widened on each side by cut
// times the kernel's standard deviation along that axis, h·σ: seaborn's
// kdeplot evaluates on this box with cut = 3.
func (k *KDE) Support(cut float64) Bounds {
	wx := cut * k.factor * math.Sqrt(k.cov[0][0])
	wy := cut * k.factor * math.Sqrt(k.cov[1][1])
	return Bounds{k.min[0] - wx, k.max[0] + wx, k.min[1] - wy, k.max[1] + wy}
}

// Grid evaluates the estimate at the cols×rows nodes of a grid over b,
// splitting the rows among GOMAXPROCS goroutines.
func (k *KDE) Grid(b Bounds, cols, rows int) (*Grid, error) {
	g, err := NewGrid(b, cols, rows)
	if err != nil {
		return nil, err
	}
	lo, hi := make([]int, cols), make([]int, cols)
	for c := range cols {
		lo[c], hi[c] = k.window(g.X(c))
	}
	workers := min(runtime.GOMAXPROCS(0), rows)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			// Interleaved rows share the work evenly however the mass lies.
			for r := w; r < rows; r += workers {
				y := g.Y(r)
				for c := range cols {
					g.Values[r*cols+c] = k.sum(g.X(c), y, lo[c], hi[c])
				}
			}
		})
	}
	wg.Wait()
	return g, nil
}
