// Package ode integrates initial value problems
//
//	y'(t) = f(t, y(t)),  y(t0) = y0,  y ∈ ℝⁿ,
//
// from t0 to t1 with explicit Runge–Kutta methods. Integration runs
// forwards (t1 > t0) or backwards (t1 < t0, negative steps).
//
// An s-stage method with tableau (A, B, C) advances the state from t to
// t+h by
//
//	k_i   = f(t + c_i·h, y + h·Σ_{j<i} a_ij·k_j),  i = 1, …, s,
//	y_new = y + h·Σ_i b_i·k_i.
//
// An embedded pair carries a second, lower-order weight vector b̂; the
// package stores e = b − b̂ (Method.BErr), so the local error estimate is
// err = h·Σ_i e_i·k_i. Adaptive solves measure it in the mixed RMS norm
//
//	‖err‖ = sqrt( (1/n)·Σ_m ( err_m / (atol + rtol·max(|y_m|, |y_new_m|)) )² ),
//
// accept the step when ‖err‖ ≤ 1, and choose the next step size as
//
//	h_new = |h|·clamp(safety·‖err‖^(−1/(q+1)), minFactor, maxFactor),
//
// with q = min(p, p̂) the lower of the two orders (q = 4, exponent 1/5, for
// Dormand–Prince 5(4)). The step following a rejection is not allowed to
// grow. The starting step, unless given, comes from Hairer, Nørsett &
// Wanner, Solving Ordinary Differential Equations I, §II.4. The last step
// is shortened to land exactly on t1.
//
// A solve is configured by independent values (Settings): the Method (a
// tableau: DormandPrince, RK4, Euler), the step-size Controller (Adaptive
// as above; Constant steps; or the steps of a Grid of times) and a step
// budget. Any Controller works with any Method, except that Adaptive needs
// a method with an error estimate. Constant and Grid solves take
// predetermined steps without error control. A grid solve over the times
// recorded by an adaptive solve (Settings.RecordSteps) reproduces it bit for
// bit, which lets callers replay a forward pass, for example to
// backpropagate through it.
//
// Every step, in the Solver or in a caller's replay, is taken by the one
// stage routine Method.Step. A Gradient value (BacksolveAdjoint with its
// own Controller, or Discrete) names how callers differentiate through a
// solve; package ffjord implements both.
//
// A batch of independent rows of one width (Solver.SolveRows) is solved in
// step groups: a group shares its time, step size, error norm over its
// components and accept/reject decision, while each stage is one call of a
// RowFunc over the rows still being solved. One group of all rows
// (StepControl WholeBatch) is TensorFlow Probability's whole-batch control;
// one group per row (PerRow) solves every row as if it were alone.
// Solver.SolveShared adds a state that the rows drive together (an adjoint
// solve's parameter gradient): solved with the one group, in its norm, or
// integrated along every row's own steps, out of the norms.
//
// Every solve returns a Result whose Status (Successful, MaxStepsReached,
// StepSizeTooSmall, NonFinite, FuncFailed, InvalidInput) matches the
// returned error, which wraps one of the package's sentinel errors.
//
// A Solver owns its workspace: repeated solves of the same dimension
// allocate nothing.
package ode
