package targets

import (
	"math"
)

// Grid is a rectangle of ℝ² cut into N[0]×N[1] equal cells, the nodes of
// the midpoint rule
//
//	∫ f ≈ h₀h₁ Σ_ij f(Lo₀ + (i+½)h₀, Lo₁ + (j+½)h₁),  h_a = (Hi_a − Lo_a)/N_a.
//
// For a smooth density the rule converges faster than any power of h
// (its error is the aliasing of the density's Fourier transform at
// 2π/h: for a Gaussian of scale σ in each axis, a relative error of about
// 2e^{−2π²σ²/h²}, 5e−9 at h = σ), so what limits it is the mass outside
// the rectangle and any feature narrower than a cell (the funnel's neck).
//
// A Grid's methods take the values of a log-density at its nodes, in the
// order of Points, so that the caller evaluates a flow's log q in one
// batch.
//
// A grid is valid when each axis has N ≥ 1 cells of a finite interval
// Lo < Hi, and N[0]·N[1] ≤ MaxGridPoints; Points, Eval, LogZ and KL return
// ErrInvalidArgument for any other before they allocate or loop.
type Grid struct {
	Lo, Hi [2]float64
	N      [2]int
}

// MaxGridPoints is the most nodes a Grid may have: 2²⁶, whose Points take
// 1 GiB. The midpoint rule converges so fast that a 2-D density needs far
// fewer (TwoLobeRing's log Z is exact to 1e−12 with 200²).
const MaxGridPoints = 1 << 26

func (g Grid) check() error {
	for a := range 2 {
		if g.N[a] < 1 || !(g.Lo[a] < g.Hi[a]) || math.IsInf(g.Hi[a]-g.Lo[a], 0) {
			return errInvalid("grid axis %d: [%g, %g] in %d cells", a, g.Lo[a], g.Hi[a], g.N[a])
		}
	}
	// N[0]·N[1] compared by division, so that it cannot overflow.
	if g.N[0] > MaxGridPoints/g.N[1] {
		return errInvalid("grid of %d×%d nodes: more than MaxGridPoints = %d", g.N[0], g.N[1], MaxGridPoints)
	}
	return nil
}

// Len returns the number of nodes, N[0]·N[1], or 0 for a grid that is not
// valid (Points' error says why).
func (g Grid) Len() int {
	if g.check() != nil {
		return 0
	}
	return g.N[0] * g.N[1]
}

// CellArea returns h₀h₁, or NaN for a grid that is not valid.
func (g Grid) CellArea() float64 {
	if g.check() != nil {
		return math.NaN()
	}
	return (g.Hi[0] - g.Lo[0]) / float64(g.N[0]) * (g.Hi[1] - g.Lo[1]) / float64(g.N[1])
}

// Points returns the nodes, row-major Len()×2: node i·N[1] + j is
// (Lo₀ + (i+½)h₀, Lo₁ + (j+½)h₁).
func (g Grid) Points() ([]float64, error) {
	if err := g.check(); err != nil {
		return nil, err
	}
	h0 := (g.Hi[0] - g.Lo[0]) / float64(g.N[0])
	h1 := (g.Hi[1] - g.Lo[1]) / float64(g.N[1])
	p := make([]float64, 0, 2*g.Len())
	for i := range g.N[0] {
		x := g.Lo[0] + (float64(i)+0.5)*h0
		for j := range g.N[1] {
			p = append(p, x, g.Lo[1]+(float64(j)+0.5)*h1)
		}
	}
	return p, nil
}

// Eval returns log π̃ of t at every node, in the order of Points.
func (g Grid) Eval(t Target) ([]float64, error) {
	if isNil(t) {
		return nil, errInvalid("Eval: a nil target (%T)", t)
	}
	if t.Dim() != 2 {
		return nil, errInvalid("a grid of ℝ² for a target in %d dimensions", t.Dim())
	}
	p, err := g.Points()
	if err != nil {
		return nil, err
	}
	v := make([]float64, g.Len())
	return v, LogDensityRows(t, v, p)
}

// LogZ returns log ∫ π̃ over the grid's rectangle by the midpoint rule,
// from logp, log π̃ at the nodes (−Inf allowed, NaN not).
func (g Grid) LogZ(logp []float64) (float64, error) {
	if err := g.check(); err != nil {
		return 0, err
	}
	if len(logp) != g.Len() {
		return 0, errInvalid("LogZ: %d values for %d nodes", len(logp), g.Len())
	}
	m := math.Inf(-1)
	for i, v := range logp {
		if math.IsNaN(v) || math.IsInf(v, 1) {
			return 0, errInvalid("LogZ: log π̃ at node %d is %g", i, v)
		}
		m = max(m, v)
	}
	if math.IsInf(m, -1) {
		return 0, errInvalid("LogZ: π̃ is 0 at every node")
	}
	var s float64
	for _, v := range logp {
		s += math.Exp(v - m)
	}
	return m + math.Log(s*g.CellArea()), nil
}

// Divergence is KL(q‖π) by quadrature on a grid.
type Divergence struct {
	// KL is ∫ q (log q − log π) over the rectangle, π = π̃/Z.
	KL float64
	// LogZ is the rectangle's log ∫ π̃ (Grid.LogZ).
	LogZ float64
	// MassQ is ∫ q over the rectangle: 1 − MassQ is what the rectangle
	// misses of q, whose part of the divergence KL does not hold.
	MassQ float64
}

// KL returns KL(q‖π) = ∫ q log(q/π) over the rectangle, from logq (a
// normalised density: a flow's log q) and logp (log π̃, normalised here
// by the rectangle's LogZ) at the nodes. Nodes where q is 0 add nothing;
// where q > 0 but π̃ = 0, KL is +Inf.
func (g Grid) KL(logq, logp []float64) (Divergence, error) {
	logZ, err := g.LogZ(logp)
	if err != nil {
		return Divergence{}, err
	}
	if len(logq) != len(logp) {
		return Divergence{}, errInvalid("KL: %d values of log q for %d nodes", len(logq), len(logp))
	}
	var kl, mass float64
	for i, lq := range logq {
		if math.IsNaN(lq) || math.IsInf(lq, 1) {
			return Divergence{}, errInvalid("KL: log q at node %d is %g", i, lq)
		}
		if math.IsInf(lq, -1) {
			continue
		}
		q := math.Exp(lq)
		if q == 0 {
			continue
		}
		mass += q
		kl += q * (lq - (logp[i] - logZ))
	}
	a := g.CellArea()
	return Divergence{KL: kl * a, LogZ: logZ, MassQ: mass * a}, nil
}
