package targets_test

import (
	"math"
	"testing"

	"github.com/ffjord-go/ffjord-go/train/targets"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func gridLogZ(t *testing.T, g targets.Grid, tg targets.Target) float64 {
	t.Helper()
	v, err := g.Eval(tg)
	require.NoError(t, err)
	z, err := g.LogZ(v)
	require.NoError(t, err)
	return z
}

// TestGridLogZNormalised: on normalised targets the midpoint rule's log Z
// is 0 to the stated accuracy: the mass outside the rectangle (below
// 1e−8 for each box here) plus the aliasing, negligible once a cell is
// under about a third of the narrowest feature.
func TestGridLogZNormalised(t *testing.T) {
	for _, c := range []struct {
		name string
		tg   targets.Target
		g    targets.Grid
		tol  float64
	}{
		// h = 1, one σ: the aliasing is 2e^{−2π²} ≈ 5e−9 per axis.
		{"gaussian h=σ", targets.Banana{}, targets.Grid{Lo: [2]float64{-8.5, -8.5}, Hi: [2]float64{8.5, 8.5}, N: [2]int{17, 17}}, 2e-8},
		{"gaussian", targets.Banana{}, targets.Grid{Lo: [2]float64{-8, -8}, Hi: [2]float64{8, 8}, N: [2]int{64, 64}}, 1e-13},
		{"banana b=1", targets.Banana{B: 1}, targets.Grid{Lo: [2]float64{-6.5, -6}, Hi: [2]float64{6.5, 50}, N: [2]int{520, 560}}, 1e-8},
		{"eight modes", targets.EightModeRing{}, targets.Grid{Lo: [2]float64{-8, -8}, Hi: [2]float64{8, 8}, N: [2]int{160, 160}}, 1e-12},
	} {
		z := gridLogZ(t, c.g, c.tg)
		t.Logf("%s: log Z = %.3g", c.name, z)
		assert.InDelta(t, 0, z, c.tol, c.name)
	}
}

// funnelBoxMass is ∫∫ π over [−V, V]×[−X, X] for Neal's funnel,
// ∫ N(v; 0, 3²) erf(X e^{−v/2}/√2) dv, by the midpoint rule on 20 000
// cells (the integrand is smooth; the error is far below 1e−10).
func funnelBoxMass(V, X float64) float64 {
	const n = 20000
	h := 2 * V / n
	var s float64
	for i := range n {
		v := -V + (float64(i)+0.5)*h
		s += math.Exp(-v*v/18) / (3 * math.Sqrt(2*math.Pi)) * math.Erf(X*math.Exp(-v/2)/math.Sqrt2)
	}
	return s * h
}

// TestGridFunnel: the funnel's neck is narrower than any affordable cell
// (x's scale is e^{v/2}, 0.0025 at v = −12), so the grid's log Z is
// measured against the exact mass of its rectangle. With cells of
// 0.02 × 0.04 on [−12, 12]×[−40, 40] the error is 1.4e−3 (asserted under
// 2e−3): the aliasing of the slices v < −6.4, where a cell is wider than
// x's scale, which hold 1.6 % of the mass.
func TestGridFunnel(t *testing.T) {
	const V, X = 12.0, 40.0
	want := math.Log(funnelBoxMass(V, X))
	g := targets.Grid{Lo: [2]float64{-V, -X}, Hi: [2]float64{V, X}, N: [2]int{1200, 2000}}
	z := gridLogZ(t, g, targets.Funnel{})
	t.Logf("funnel: box log mass %.6f (of log Z = 0), grid %.6f, error %.2g", want, z, z-want)
	assert.InDelta(t, want, z, 2e-3)
}

// TestGridU1Converges: U1's log Z has no closed form; the grid's agrees
// with itself at four times the resolution to 1e−10: 1.8775016261.
func TestGridU1Converges(t *testing.T) {
	box := targets.Grid{Lo: [2]float64{-5, -5}, Hi: [2]float64{5, 5}}
	box.N = [2]int{200, 200}
	coarse := gridLogZ(t, box, targets.TwoLobeRing{})
	box.N = [2]int{800, 800}
	fine := gridLogZ(t, box, targets.TwoLobeRing{})
	t.Logf("U1: log Z = %.12f (h = 0.05), %.12f (h = 0.0125)", coarse, fine)
	assert.InDelta(t, fine, coarse, 1e-10)
}

// TestGridKL: KL(q‖π) of two Gaussians matches the closed form, KL(π‖π)
// is 0, and the rectangle's share of q is reported.
func TestGridKL(t *testing.T) {
	g := targets.Grid{Lo: [2]float64{-9, -9}, Hi: [2]float64{9, 9}, N: [2]int{180, 180}}
	logp, err := g.Eval(targets.Banana{})
	require.NoError(t, err)
	// π̃ off by a constant: KL does not see it.
	for i := range logp {
		logp[i] += 3.5
	}
	pts, err := g.Points()
	require.NoError(t, err)
	mu, s := []float64{0.5, -0.3}, []float64{0.8, 1.2}
	logq := make([]float64, g.Len())
	for i := range logq {
		for a := range 2 {
			u := (pts[2*i+a] - mu[a]) / s[a]
			logq[i] += -0.5*u*u - math.Log(s[a]) - 0.5*math.Log(2*math.Pi)
		}
	}
	var want float64
	for a := range 2 {
		want += -math.Log(s[a]) + (s[a]*s[a]+mu[a]*mu[a])/2 - 0.5
	}
	d, err := g.KL(logq, logp)
	require.NoError(t, err)
	t.Logf("KL %.12f, closed form %.12f", d.KL, want)
	assert.InDelta(t, want, d.KL, 1e-10)
	assert.InDelta(t, 3.5, d.LogZ, 1e-12)
	assert.InDelta(t, 1, d.MassQ, 1e-10)

	u1, err := targets.Grid{Lo: [2]float64{-5, -5}, Hi: [2]float64{5, 5}, N: [2]int{200, 200}}.Eval(targets.TwoLobeRing{})
	require.NoError(t, err)
	g.Lo, g.Hi, g.N = [2]float64{-5, -5}, [2]float64{5, 5}, [2]int{200, 200}
	z, err := g.LogZ(u1)
	require.NoError(t, err)
	self := make([]float64, len(u1))
	for i, v := range u1 {
		self[i] = v - z
	}
	d, err = g.KL(self, u1)
	require.NoError(t, err)
	assert.InDelta(t, 0, d.KL, 1e-14)

	// Errors, never a panic.
	_, err = g.KL(self[:3], u1)
	assert.ErrorIs(t, err, targets.ErrInvalidArgument)
	self[0] = math.NaN()
	_, err = g.KL(self, u1)
	assert.ErrorIs(t, err, targets.ErrInvalidArgument)
	_, err = targets.Grid{N: [2]int{1, 1}}.Points()
	assert.ErrorIs(t, err, targets.ErrInvalidArgument)
	_, err = g.LogZ(make([]float64, 3))
	assert.ErrorIs(t, err, targets.ErrInvalidArgument)
	inf := make([]float64, g.Len())
	for i := range inf {
		inf[i] = math.Inf(-1)
	}
	_, err = g.LogZ(inf)
	assert.ErrorIs(t, err, targets.ErrInvalidArgument)
	_, err = g.Eval(targetIn3D{})
	assert.ErrorIs(t, err, targets.ErrInvalidArgument)
}

type targetIn3D struct{ targets.Banana }

func (targetIn3D) Dim() int { return 3 }
