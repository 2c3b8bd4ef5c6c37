package mcmc

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"

	"gonum.org/v1/gonum/mat"
)

// ErrInvalidArgument is returned for settings, starting points or chains
// that define no run.
var ErrInvalidArgument = errors.New("mcmc: invalid argument")

// The limits Run checks before it allocates: the dimension of a target
// (the metric is D×D), and the values a chain holds (Samples·D) and a
// metric window may hold (Warmup·D).
const (
	MaxDim   = 1 << 12
	MaxDraws = 1 << 27
)

// Target is a density on ℝ^D known up to a constant, with its gradient:
// LogDensityGrad writes ∇log π̃(θ) into grad and returns log π̃(θ), and
// must not modify θ. A targets.Target is one.
type Target interface {
	Dim() int
	LogDensityGrad(grad, theta []float64) float64
}

// HMC holds the settings of a Hamiltonian Monte Carlo run; the zero value
// means the defaults given per field.
type HMC struct {
	// Warmup is the number of iterations that tune the step size and the
	// metric and are then discarded (0: 1000).
	Warmup int
	// Samples is the number of draws kept (0: 1000).
	Samples int
	// Length is the integration time of a trajectory in the whitened
	// coordinates (0: π/2, half a period of a standard Gaussian, where
	// successive draws of a Gaussian are independent). The step size is
	// jittered by ±20 % at each iteration, and with it the time.
	Length float64
	// AcceptRate is the mean acceptance probability warm-up aims at
	// (0: 0.8). The kept draws' rate is usually a little higher, since
	// their step is dual averaging's running mean.
	AcceptRate float64
	// MaxSteps bounds the leapfrog steps of one trajectory (0: 1024).
	MaxSteps int
}

// Chain is the result of one run.
type Chain struct {
	// Draws holds Samples points, row-major Samples×D.
	Draws []float64
	// StepSize is the tuned leapfrog step in the whitened coordinates.
	StepSize float64
	// Steps is the leapfrog steps of one trajectory.
	Steps int
	// AcceptRate is the mean acceptance probability of the kept draws.
	AcceptRate float64
	// Divergent counts the kept iterations whose energy error exceeded
	// 1000 or was not finite.
	Divergent int
	// Gradients counts the evaluations of the target, warm-up included.
	Gradients int
	// Scale is the Cholesky factor L of the metric's covariance, D×D
	// row-major.
	Scale []float64
}

func (h HMC) defaults() (HMC, error) {
	if h.Warmup == 0 {
		h.Warmup = 1000
	}
	if h.Samples == 0 {
		h.Samples = 1000
	}
	if h.Length == 0 {
		h.Length = math.Pi / 2
	}
	if h.AcceptRate == 0 {
		h.AcceptRate = 0.8
	}
	if h.MaxSteps == 0 {
		h.MaxSteps = 1024
	}
	if h.Warmup < 0 || h.Samples < 1 || !(h.Length > 0) || math.IsInf(h.Length, 1) ||
		!(h.AcceptRate > 0 && h.AcceptRate < 1) || h.MaxSteps < 1 {
		return h, fmt.Errorf("%w: HMC settings %+v", ErrInvalidArgument, h)
	}
	return h, nil
}

// Warm-up as Stan's: a first stretch that tunes only the step size, then
// windows doubling from metricWindow that each end in a new metric, then a
// last stretch for the step size.
const (
	initBuffer   = 75
	termBuffer   = 50
	metricWindow = 25
)

// Run draws one chain from t, starting at init (D finite values, where
// log π̃ is finite), with randomness from src. D is at most MaxDim, and
// Samples·D and Warmup·D at most MaxDraws.
func (h HMC) Run(t Target, init []float64, src rand.Source) (Chain, error) {
	h, err := h.defaults()
	if err != nil {
		return Chain{}, err
	}
	if t == nil {
		return Chain{}, fmt.Errorf("%w: nil target", ErrInvalidArgument)
	}
	if v := reflect.ValueOf(t); v.Kind() == reflect.Pointer && v.IsNil() {
		return Chain{}, fmt.Errorf("%w: the target is a nil %T", ErrInvalidArgument, t)
	}
	D := t.Dim()
	switch {
	case D < 1 || D > MaxDim:
		return Chain{}, fmt.Errorf("%w: a target in %d dimensions, want 1 to %d", ErrInvalidArgument, D, MaxDim)
	case h.Samples > MaxDraws/D || h.Warmup > MaxDraws/D:
		return Chain{}, fmt.Errorf("%w: %d warm-up iterations and %d samples in %d dimensions, over the limit of %d values", ErrInvalidArgument, h.Warmup, h.Samples, D, MaxDraws)
	case len(init) != D:
		return Chain{}, fmt.Errorf("%w: a start of %d values for a target in %d dimensions", ErrInvalidArgument, len(init), D)
	case src == nil:
		return Chain{}, fmt.Errorf("%w: nil source", ErrInvalidArgument)
	}
	for i, v := range init {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Chain{}, fmt.Errorf("%w: the start's value %d is %g", ErrInvalidArgument, i, v)
		}
	}
	s := &sampler{t: t, d: D, r: rand.New(src), h: h}
	s.theta = append([]float64(nil), init...)
	s.grad = make([]float64, D)
	s.lp = t.LogDensityGrad(s.grad, s.theta)
	s.grads = 1
	if math.IsNaN(s.lp) || math.IsInf(s.lp, 0) {
		return Chain{}, fmt.Errorf("%w: log π̃ is %g at the start", ErrInvalidArgument, s.lp)
	}
	s.scale = identity(D)
	s.alloc()
	s.findStep()

	windows := warmupWindows(h.Warmup)
	da := newDualAveraging(s.eps, h.AcceptRate)
	var win [][]float64
	w := 0
	for it := range h.Warmup {
		a, _ := s.iterate()
		s.eps = da.update(a)
		if w < len(windows) && it >= windows[w][0] {
			win = append(win, append([]float64(nil), s.theta...))
			if it == windows[w][1]-1 {
				if err := s.setMetric(win); err == nil {
					s.findStep()
					da = newDualAveraging(s.eps, h.AcceptRate)
				}
				win, w = win[:0], w+1
			}
		}
	}
	if h.Warmup > 0 {
		s.eps = da.final()
	}

	c := Chain{Draws: make([]float64, 0, h.Samples*D), StepSize: s.eps, Steps: s.steps()}
	var acc float64
	for range h.Samples {
		a, div := s.iterate()
		acc += a
		if div {
			c.Divergent++
		}
		c.Draws = append(c.Draws, s.theta...)
	}
	c.AcceptRate = acc / float64(h.Samples)
	c.Gradients = s.grads
	c.Scale = append([]float64(nil), s.scale...)
	return c, nil
}

// warmupWindows returns the [start, end) iterations of the metric windows.
func warmupWindows(n int) [][2]int {
	if n < initBuffer+metricWindow+termBuffer {
		return nil
	}
	var w [][2]int
	start, size, end := initBuffer, metricWindow, n-termBuffer
	for start < end {
		stop := start + size
		// A window that would leave less than twice its size to the end
		// takes the rest.
		if stop+2*size > end {
			stop = end
		}
		w = append(w, [2]int{start, stop})
		start, size = stop, 2*size
	}
	return w
}

type sampler struct {
	t     Target
	d     int
	r     *rand.Rand
	h     HMC
	eps   float64
	scale []float64 // L, D×D row-major, lower triangular
	theta []float64
	grad  []float64
	lp    float64
	grads int

	// Work space of a trajectory.
	p, q, g, tmp []float64
}

func (s *sampler) alloc() {
	s.p = make([]float64, s.d)
	s.q = make([]float64, s.d)
	s.g = make([]float64, s.d)
	s.tmp = make([]float64, s.d)
}

func identity(d int) []float64 {
	m := make([]float64, d*d)
	for i := range d {
		m[i*d+i] = 1
	}
	return m
}

func (s *sampler) steps() int {
	// In floating point: Length/ε beyond MaxInt would convert to a
	// negative int, and one step.
	n := math.Ceil(s.h.Length / s.eps)
	if !(n < float64(s.h.MaxSteps)) {
		return s.h.MaxSteps
	}
	return max(1, int(n))
}

// iterate makes one HMC transition from s.theta and returns its acceptance
// probability and whether it diverged.
func (s *sampler) iterate() (float64, bool) {
	eps := s.eps * (0.8 + 0.4*s.r.Float64())
	n := s.steps()
	for i := range s.p {
		s.p[i] = s.r.NormFloat64()
	}
	h0 := -s.lp + 0.5*dot(s.p, s.p)
	copy(s.q, s.theta)
	copy(s.g, s.grad)
	lp := s.lp
	for range n {
		s.kick(eps / 2)
		s.drift(eps)
		lp = s.t.LogDensityGrad(s.g, s.q)
		s.grads++
		if math.IsNaN(lp) || math.IsInf(lp, 0) {
			break
		}
		s.kick(eps / 2)
	}
	dH := -lp + 0.5*dot(s.p, s.p) - h0
	if math.IsNaN(dH) || math.IsInf(dH, 0) || dH > 1000 {
		return 0, true
	}
	a := math.Min(1, math.Exp(-dH))
	if s.r.Float64() < a {
		copy(s.theta, s.q)
		copy(s.grad, s.g)
		s.lp = lp
	}
	return a, false
}

// kick adds e·Lᵀ∇log π̃(q) to p.
func (s *sampler) kick(e float64) {
	d := s.d
	for j := range d {
		var v float64
		for i := j; i < d; i++ {
			v += s.scale[i*d+j] * s.g[i]
		}
		s.p[j] += e * v
	}
}

// drift adds e·L p to q.
func (s *sampler) drift(e float64) {
	d := s.d
	for i := range d {
		var v float64
		for j := 0; j <= i; j++ {
			v += s.scale[i*d+j] * s.p[j]
		}
		s.q[i] += e * v
	}
}

// findStep sets a first step size for the current metric: doubled or
// halved from 1 until one leapfrog step's acceptance crosses ½ (Hoffman &
// Gelman 2014, Algorithm 4).
func (s *sampler) findStep() {
	s.eps = 1
	a := s.oneStep()
	dir := 1.0
	if a < 0.5 {
		dir = -1
	}
	for range 60 {
		if (dir > 0 && a <= 0.5) || (dir < 0 && a >= 0.5) {
			break
		}
		s.eps *= math.Pow(2, dir)
		a = s.oneStep()
	}
}

func (s *sampler) oneStep() float64 {
	for i := range s.p {
		s.p[i] = s.r.NormFloat64()
	}
	h0 := -s.lp + 0.5*dot(s.p, s.p)
	copy(s.q, s.theta)
	copy(s.g, s.grad)
	s.kick(s.eps / 2)
	s.drift(s.eps)
	lp := s.t.LogDensityGrad(s.g, s.q)
	s.grads++
	s.kick(s.eps / 2)
	dH := -lp + 0.5*dot(s.p, s.p) - h0
	if math.IsNaN(dH) {
		return 0
	}
	return math.Min(1, math.Exp(-dH))
}

// setMetric sets L from the window's draws: the Cholesky factor of their
// covariance, shrunk towards 10⁻³·I as Stan does, (n/(n+5))Σ̂ + 10⁻³(5/(n+5))I.
func (s *sampler) setMetric(draws [][]float64) error {
	n, d := len(draws), s.d
	if n < 3 {
		return ErrInvalidArgument
	}
	x := mat.NewDense(n, d, nil)
	for i, r := range draws {
		x.SetRow(i, r)
	}
	var cov mat.SymDense
	covariance(&cov, x)
	w := float64(n) / float64(n+5)
	for i := range d {
		for j := 0; j <= i; j++ {
			v := w * cov.At(i, j)
			if i == j {
				v += 1e-3 * 5 / float64(n+5)
			}
			cov.SetSym(i, j, v)
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(&cov) {
		return ErrInvalidArgument
	}
	var l mat.TriDense
	ch.LTo(&l)
	for i := range d {
		for j := range d {
			s.scale[i*d+j] = l.At(i, j)
		}
	}
	return nil
}

func covariance(dst *mat.SymDense, x *mat.Dense) {
	n, d := x.Dims()
	mean := make([]float64, d)
	for i := range n {
		for j := range d {
			mean[j] += x.At(i, j) / float64(n)
		}
	}
	*dst = *mat.NewSymDense(d, nil)
	for i := range n {
		for a := range d {
			da := x.At(i, a) - mean[a]
			for b := 0; b <= a; b++ {
				dst.SetSym(a, b, dst.At(a, b)+da*(x.At(i, b)-mean[b])/float64(n-1))
			}
		}
	}
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// dualAveraging tunes log ε towards an acceptance rate δ (Hoffman &
// Gelman 2014, with their γ = 0.05, t₀ = 10, κ = 0.75).
type dualAveraging struct {
	mu, hbar, logEps, logEpsBar, delta float64
	m                                  int
}

func newDualAveraging(eps, delta float64) *dualAveraging {
	return &dualAveraging{mu: math.Log(10 * eps), delta: delta, logEps: math.Log(eps)}
}

func (d *dualAveraging) update(a float64) float64 {
	const gamma, t0, kappa = 0.05, 10, 0.75
	d.m++
	m := float64(d.m)
	d.hbar = (1-1/(m+t0))*d.hbar + (d.delta-a)/(m+t0)
	d.logEps = d.mu - math.Sqrt(m)/gamma*d.hbar
	w := math.Pow(m, -kappa)
	d.logEpsBar = w*d.logEps + (1-w)*d.logEpsBar
	return math.Exp(d.logEps)
}

func (d *dualAveraging) final() float64 {
	if d.m == 0 {
		return math.Exp(d.logEps)
	}
	return math.Exp(d.logEpsBar)
}
