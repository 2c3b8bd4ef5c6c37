package ode

import (
	"fmt"
	"math"
)

// Method is an explicit Runge–Kutta tableau. Its fields are exported so
// that other packages can replay or differentiate steps; a Solver does not
// modify the Method it is given.
type Method struct {
	// Name identifies the method in error messages.
	Name string

	// A holds the stage coefficients: A[i][j] for j < i weights stage j
	// in stage i. A has one row per stage; row i has length i (entries at
	// j >= i, if present, must be zero).
	A [][]float64

	// B holds the solution weights, of order Order.
	B []float64

	// BErr holds B minus the embedded lower-order weights, so that
	// h·Σ BErr[i]·k_i estimates the local error. It is nil for methods
	// without an error estimate, which take Constant or Grid steps only.
	BErr []float64

	// C holds the stage times as fractions of the step; C[0] must be 0.
	C []float64

	// Order is the order of B.
	Order int

	// EmbeddedOrder is the order of the embedded weights B − BErr. The
	// controller's error exponent is 1/(min(Order, EmbeddedOrder)+1). It
	// is ignored when BErr is nil.
	EmbeddedOrder int

	// FSAL ("first same as last") means the last stage is evaluated at
	// the new state, y + h·Σ B[i]·k_i at t+h, and so doubles as the first
	// stage of the next step. It requires C[s-1] = 1, B[s-1] = 0 and
	// A[s-1][j] = B[j].
	FSAL bool
}

// ShortName returns the name ParseMethod reads for m's tableau ("dopri5",
// "rk4" or "euler"), or m.Name for other tableaux.
func (m *Method) ShortName() string {
	for _, nm := range methodNames {
		if nm.name == m.Name {
			return nm.short
		}
	}
	return m.Name
}

// methodNames pairs the short and long names of the built-in methods.
var methodNames = []struct {
	short, name string
	new         func() *Method
}{
	{"dopri5", "DormandPrince", DormandPrince},
	{"rk4", "RK4", RK4},
	{"euler", "Euler", Euler},
}

// ParseMethod returns a new copy of the method named "dopri5" (or ""),
// "rk4" or "euler", the names of torchdiffeq and of saved models. Other
// names give an error wrapping ErrInvalidSettings.
func ParseMethod(name string) (*Method, error) {
	if name == "" {
		return DormandPrince(), nil
	}
	for _, nm := range methodNames {
		if nm.short == name {
			return nm.new(), nil
		}
	}
	return nil, fmt.Errorf("%w: unknown ODE method %q (want dopri5, rk4 or euler)", ErrInvalidSettings, name)
}

// Stages returns the number of stages, len(m.B).
func (m *Method) Stages() int { return len(m.B) }

// DormandPrince returns the Dormand–Prince 5(4) pair (Dormand & Prince
// 1980; MATLAB's ode45, SciPy's RK45): 7 stages, FSAL, so 6 derivative
// evaluations per step after the first.
func DormandPrince() *Method {
	b := []float64{35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0}
	return &Method{
		Name: "DormandPrince",
		A: [][]float64{
			{},
			{1.0 / 5},
			{3.0 / 40, 9.0 / 40},
			{44.0 / 45, -56.0 / 15, 32.0 / 9},
			{19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
			{9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
			append([]float64(nil), b[:6]...), // FSAL: the last stage is the new state
		},
		B: b,
		// b minus the 4th-order weights
		// (5179/57600, 0, 7571/16695, 393/640, -92097/339200, 187/2100, 1/40).
		BErr:          []float64{71.0 / 57600, 0, -71.0 / 16695, 71.0 / 1920, -17253.0 / 339200, 22.0 / 525, -1.0 / 40},
		C:             []float64{0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1},
		Order:         5,
		EmbeddedOrder: 4,
		FSAL:          true,
	}
}

// RK4 returns the classical fourth-order Runge–Kutta method. It has no
// error estimate, so it takes Constant or Grid steps.
func RK4() *Method {
	return &Method{
		Name:  "RK4",
		A:     [][]float64{{}, {0.5}, {0, 0.5}, {0, 0, 1}},
		B:     []float64{1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6},
		C:     []float64{0, 0.5, 0.5, 1},
		Order: 4,
	}
}

// Euler returns the explicit (forward) Euler method, of order 1. It has no
// error estimate, so it takes Constant or Grid steps.
func Euler() *Method {
	return &Method{
		Name:  "Euler",
		A:     [][]float64{{}},
		B:     []float64{1},
		C:     []float64{0},
		Order: 1,
	}
}

// validate checks that m is a well-formed explicit tableau.
func (m *Method) validate() error {
	if m == nil {
		return errorf(ErrInvalidSettings, "ode: invalid Method: nil")
	}
	bad := func(format string, args ...any) error {
		return errorf(ErrInvalidSettings, "ode: invalid Method %q: "+format, append([]any{m.Name}, args...)...)
	}
	s := len(m.B)
	switch {
	case s == 0:
		return bad("no stages (len(B) = 0)")
	case len(m.A) != s:
		return bad("len(A) = %d, want %d stages", len(m.A), s)
	case len(m.C) != s:
		return bad("len(C) = %d, want %d stages", len(m.C), s)
	case m.BErr != nil && len(m.BErr) != s:
		return bad("len(BErr) = %d, want %d stages", len(m.BErr), s)
	case m.Order < 1:
		return bad("Order %d: must be >= 1", m.Order)
	case m.BErr != nil && m.EmbeddedOrder < 1:
		return bad("EmbeddedOrder %d: must be >= 1 when BErr is set", m.EmbeddedOrder)
	case m.C[0] != 0:
		// The first stage is reused after a rejection, so it must not
		// depend on h.
		return bad("C[0] = %v: must be 0", m.C[0])
	}
	for i, row := range m.A {
		if len(row) < i || len(row) > s {
			return bad("len(A[%d]) = %d, want %d", i, len(row), i)
		}
		for j, a := range row {
			if !isFinite(a) || (j >= i && a != 0) {
				return bad("A[%d][%d] = %v: must be finite, and zero unless j < i", i, j, a)
			}
		}
	}
	for i := range s {
		if !isFinite(m.B[i]) || !isFinite(m.C[i]) || (m.BErr != nil && !isFinite(m.BErr[i])) {
			return bad("stage %d has a non-finite coefficient", i)
		}
	}
	if m.FSAL {
		last := s - 1
		if s < 2 || m.C[last] != 1 || m.B[last] != 0 {
			return bad("FSAL needs at least 2 stages, C[%d] = 1 and B[%d] = 0", last, last)
		}
		for j := range last {
			if m.A[last][j] != m.B[j] {
				return bad("FSAL needs A[%d][%d] = B[%d]", last, j, j)
			}
		}
	}
	return nil
}

// errExponent returns the step-size controller's exponent 1/(q+1).
func (m *Method) errExponent() float64 {
	return 1 / float64(min(m.Order, m.EmbeddedOrder)+1)
}

func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
