package ode

import "math"

// problem is an ODE with a closed-form solution.
type problem struct {
	name   string
	f      Func
	exact  func(y []float64, t float64) // writes y(t) into y
	dim    int
	t0, t1 float64
}

const (
	decayK = 0.7
	omega  = 2.0
)

var problems = []problem{
	{
		name: "decay",
		f: func(dy []float64, _ float64, y []float64) error {
			dy[0] = -decayK * y[0]
			return nil
		},
		exact: func(y []float64, t float64) { y[0] = 2 * math.Exp(-decayK*t) },
		dim:   1, t0: 0, t1: 5,
	},
	{
		name: "oscillator",
		f: func(dy []float64, _ float64, y []float64) error {
			dy[0] = y[1]
			dy[1] = -omega * omega * y[0]
			return nil
		},
		exact: func(y []float64, t float64) {
			y[0] = math.Cos(omega * t)
			y[1] = -omega * math.Sin(omega*t)
		},
		dim: 2, t0: 0, t1: 10,
	},
	{
		name: "expsin",
		f: func(dy []float64, t float64, y []float64) error {
			dy[0] = y[0] * math.Cos(t)
			return nil
		},
		exact: func(y []float64, t float64) { y[0] = math.Exp(math.Sin(t)) },
		dim:   1, t0: 0, t1: 10,
	},
}

// solveExact solves p from exact(t0) to t1 and returns the solution, the
// exact solution at t1 and the statistics.
func solveExact(p problem, t0, t1 float64, s Settings) (got, want []float64, res Result, err error) {
	y0 := make([]float64, p.dim)
	p.exact(y0, t0)
	got = make([]float64, p.dim)
	want = make([]float64, p.dim)
	p.exact(want, t1)
	res, err = Solve(got, p.f, t0, t1, y0, s)
	return got, want, res, err
}

// maxAbsDiff returns max_i |a_i − b_i|.
func maxAbsDiff(a, b []float64) float64 {
	var d float64
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d
}
