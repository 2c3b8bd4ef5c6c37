// Package odefunc defines the dynamics of a continuous normalizing flow as
// Gorgonia graphs, and evaluates them on batches.
//
// A dynamics is the right-hand side f(t, z; θ) of the ODE dz/dt = f for a
// batch of N points z ∈ ℝ^{N×D}. A flow also needs the trace of the Jacobian
// ∂f/∂z of each point, because the log-density changes along the flow as
//
//	d log p(z(t))/dt = −tr(∂f/∂z (t, z(t))).
//
// Gorgonia's second-order symbolic gradients are not reliable, so the trace
// is never built by differentiating f. Instead every Layer carries its
// tangent rule: given a tangent v of its input it returns J·v for its
// output, as ordinary graph nodes. Pushing the unit vectors e_1…e_D through
// the layers gives the exact trace
//
//	tr(∂f/∂z) = Σ_i ((∂f/∂z)·e_i)_i,
//
// and pushing a random ε with E[εεᵀ] = I gives Hutchinson's unbiased
// estimator εᵀ(∂f/∂z)ε. Gradients for training are then one first-order
// gorgonia.Grad of these graphs.
//
// A Model builds the graphs; NewMLP gives the TFP tutorial's MLP_ODE. A
// ContextModel is conditional, f(t, z, c), with a context vector c per
// point (ContextConcat, ContextSquashLinear, MLPConfig.Context): the trace
// stays over z, and the vector–Jacobian products also give ∂L/∂c. A
// Dynamics compiles a Model's graphs once per batch size and kind (through
// package graph) and evaluates them on plain []float64 batches. It has two
// entry points, Eval (f and the terms a Request wants) and VJP (their
// vector–Jacobian products); a Request says everything about one call —
// the rows, one time for the batch or one per row, the context, the terms
// and the noise — so a Dynamics keeps no state between calls beyond its
// compiled programs.
package odefunc
