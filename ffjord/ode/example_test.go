package ode_test

import (
	"errors"
	"fmt"
	"log"
	"math"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
)

// Exponential decay y' = −y from y(0) = 1 to t = 1, where y(1) = e⁻¹.
func ExampleSolve() {
	decay := func(dy []float64, _ float64, y []float64) error {
		dy[0] = -y[0]
		return nil
	}
	y := []float64{1}
	res, err := ode.Solve(y, decay, 0, 1, y, ode.Settings{Controller: ode.Adaptive{RTol: 1e-8, ATol: 1e-10}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("y(1) = %.6f (exact %.6f)\n", y[0], math.Exp(-1))
	fmt.Printf("accepted %d, rejected %d, evaluations %d\n", res.Accepted, res.Rejected, res.NFE)
	// Output:
	// y(1) = 0.367879 (exact 0.367879)
	// accepted 12, rejected 0, evaluations 74
}

// Integrating backwards from t = 1 recovers y(0) = 1 with a reusable
// Solver, which allocates nothing after its first solve.
func ExampleSolver_Solve() {
	decay := func(dy []float64, _ float64, y []float64) error {
		dy[0] = -y[0]
		return nil
	}
	s, err := ode.NewSolver(ode.Settings{Controller: ode.Adaptive{RTol: 1e-8, ATol: 1e-10}, RecordSteps: true})
	if err != nil {
		log.Fatal(err)
	}
	y := []float64{math.Exp(-1)}
	res, err := s.Solve(y, decay, 1, 0, y)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("y(0) = %.6f after %d steps, from t = %g to %g\n", y[0], res.Accepted, res.Times[0], res.Times[len(res.Times)-1])
	// Output:
	// y(0) = 1.000000 after 12 steps, from t = 1 to 0
}

func ExampleSolveError() {
	// y' = y² from y(0) = 1 has y = 1/(1−t), which blows up at t = 1.
	blowup := func(dy []float64, _ float64, y []float64) error {
		dy[0] = y[0] * y[0]
		return nil
	}
	y := []float64{1}
	_, err := ode.Solve(y, blowup, 0, 2, y, ode.Settings{Controller: ode.Adaptive{RTol: 1e-9, ATol: 1e-9}})
	var se *ode.SolveError
	if errors.As(err, &se) && errors.Is(err, ode.ErrStepSizeTooSmall) {
		fmt.Printf("stopped at t = %.6f\n", se.T)
	}
	// Output:
	// stopped at t = 1.000000
}

// The same problem with each step-size controller, which combine freely
// with the methods (Adaptive needs an error estimate, so RK4 takes
// Constant or Grid steps).
func ExampleController() {
	decay := func(dy []float64, _ float64, y []float64) error {
		dy[0] = -y[0]
		return nil
	}
	for _, s := range []ode.Settings{
		{Controller: ode.Adaptive{RTol: 1e-6, ATol: 1e-9}},
		{Method: ode.RK4(), Controller: ode.Constant{Step: 0.1}},
		{Method: ode.RK4(), Controller: ode.Grid{Times: []float64{0, 0.5, 0.75, 1}}},
		{Method: ode.RK4()}, // the zero Controller is Adaptive
	} {
		y := []float64{1}
		res, err := ode.Solve(y, decay, 0, 1, y, s)
		if err != nil {
			fmt.Printf("%-12T %v: %v\n", s.Controller, res.Status, err)
			continue
		}
		fmt.Printf("%-12T %v after %2d steps, error %.0e\n", s.Controller, res.Status, res.Accepted, math.Abs(y[0]-math.Exp(-1)))
	}
	// Output:
	// ode.Adaptive successful after  6 steps, error 9e-08
	// ode.Constant successful after 10 steps, error 3e-07
	// ode.Grid     successful after  3 steps, error 2e-04
	// <nil>        invalid_input: ode: invalid Settings: Method "RK4" has no error estimate (BErr is nil) for the Adaptive controller; use Constant or Grid
}

// One classical Runge–Kutta step of y' = y from y(0) = 1, keeping the
// stage states, as a caller replaying a solve would.
func ExampleMethod_Step() {
	grow := func(dy []float64, _ float64, y []float64) error {
		dy[0] = y[0]
		return nil
	}
	m := ode.RK4()
	k, ys := make([][]float64, m.Stages()), make([][]float64, m.Stages())
	for i := range k {
		k[i], ys[i] = make([]float64, 1), make([]float64, 1)
	}
	y, ynew := []float64{1}, make([]float64, 1)
	nfe, err := m.Step(ynew, grow, 0, 0.1, y, k, ys, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("stages Y2..Y4 = %.5f %.5f %.5f\n", ys[1][0], ys[2][0], ys[3][0])
	fmt.Printf("y(0.1) ≈ %.9f (exact %.9f), %d evaluations\n", ynew[0], math.Exp(0.1), nfe)
	// Output:
	// stages Y2..Y4 = 1.05000 1.05250 1.10525
	// y(0.1) ≈ 1.105170833 (exact 1.105170918), 4 evaluations
}

// Solver pieces are parsed from the names used on command lines and in
// saved models.
func ExampleParseGradient() {
	m, _ := ode.ParseMethod("rk4")
	g, _ := ode.ParseGradient("adjoint")
	adj := g.(ode.BacksolveAdjoint)
	adj.Controller = ode.Constant{Step: 0.05}
	back := adj.Settings(ode.Settings{Method: m, Controller: ode.Constant{Step: 0.1}})
	fmt.Println(m.ShortName(), g, back.Controller)
	// Output:
	// rk4 adjoint {0.05}
}

// Three rows y' = −k·y, each solved with its own steps, and beside them
// the integral q = ∫₀¹ y dt taken along each row's accepted steps with the
// method's weights (h·Σ b_i·Y_i), without making q part of the solved state:
// q = (1 − e^{−k})/k.
func ExampleSolver_OnAccept() {
	k := []float64{0.5, 1, 4}
	f := func(dy, _, y []float64, rows []int) error {
		for j, r := range rows {
			dy[j] = -k[r] * y[j]
		}
		return nil
	}
	rs, err := ode.NewSolver(ode.Settings{StepControl: ode.PerRow, Controller: ode.Adaptive{RTol: 1e-10, ATol: 1e-12}})
	if err != nil {
		log.Fatal(err)
	}
	m := ode.DormandPrince()
	q := make([]float64, len(k))
	rs.OnAccept(func(a ode.AcceptedSteps) error {
		for _, r := range a.Rows {
			sum := m.B[0] * a.Y[r] // Y_0 is the row's state at the step's start
			for i := 1; i < m.Stages(); i++ {
				if m.B[i] != 0 {
					sum += m.B[i] * a.Stages[i][r]
				}
			}
			q[r] += (a.TNew[r] - a.T[r]) * sum
		}
		return nil
	})
	y := make([]float64, len(k))
	if _, err := rs.SolveRows(y, f, 0, 1, []float64{1, 1, 1}, len(k)); err != nil {
		log.Fatal(err)
	}
	for r := range k {
		acc, _ := rs.RowSteps(r)
		fmt.Printf("k=%g: %d steps, q=%.8f, exact %.8f\n", k[r], acc, q[r], -math.Expm1(-k[r])/k[r])
	}
	// Output:
	// k=0.5: 15 steps, q=0.78693868, exact 0.78693868
	// k=1: 28 steps, q=0.63212056, exact 0.63212056
	// k=4: 106 steps, q=0.24542109, exact 0.24542109
}

// Three rows y' = −k·y drive the shared q' = Σ_r y_r, so that q(1) =
// Σ_r (1 − e^{−k_r})/k_r. In one step group q is solved with the rows and
// counts in their error norm; per row it is integrated along each row's
// own steps, outside the norms, and the rows take the steps they would
// take without it.
func ExampleSolver_SolveShared() {
	k := []float64{0.5, 1, 4}
	f := func(dy, dq, _, y []float64, rows []int, w []float64) error {
		for j, r := range rows {
			dy[j] = -k[r] * y[j]
			if dq == nil {
				continue
			}
			if w != nil {
				dq[0] += w[j] * y[j]
			} else {
				dq[0] += y[j]
			}
		}
		return nil
	}
	exact := 0.0
	for _, kr := range k {
		exact += -math.Expm1(-kr) / kr
	}
	for _, ctl := range []ode.StepControl{ode.WholeBatch, ode.PerRow} {
		sv, err := ode.NewSolver(ode.Settings{StepControl: ctl, Controller: ode.Adaptive{RTol: 1e-8, ATol: 1e-10}})
		if err != nil {
			log.Fatal(err)
		}
		y, q := []float64{1, 1, 1}, []float64{0}
		res, err := sv.SolveShared(y, q, f, 0, 1, y, len(k))
		if err != nil {
			log.Fatal(err)
		}
		// Accepted sums the steps of the step groups.
		fmt.Printf("%v: %d steps, q=%.8f, exact %.8f\n", ctl, res.Accepted, q[0], exact)
	}
	// Output:
	// batch: 39 steps, q=1.66448033, exact 1.66448033
	// row: 62 steps, q=1.66448033, exact 1.66448033
}
