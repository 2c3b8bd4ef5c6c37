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
	res, err := ode.Solve(y, decay, 0, 1, y, ode.Settings{RTol: 1e-8, ATol: 1e-10})
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
	s, err := ode.NewSolver(ode.Settings{RTol: 1e-8, ATol: 1e-10, RecordSteps: true})
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
	_, err := ode.Solve(y, blowup, 0, 2, y, ode.Settings{RTol: 1e-9, ATol: 1e-9})
	var se *ode.SolveError
	if errors.As(err, &se) && errors.Is(err, ode.ErrStepSizeTooSmall) {
		fmt.Printf("stopped at t = %.6f\n", se.T)
	}
	// Output:
	// stopped at t = 1.000000
}
