// Package ffjord implements the FFJORD bijector (Grathwohl et al., 2018): an
// invertible map defined by the ODE dz/dt = f(t, z) of a dynamics, integrated
// together with its log-determinant.
//
// Forward maps the base side z(t0) to the data side z(t1) (t0 = 0, t1 = 1 by
// default), solving the augmented ODE
//
//	d/dt [z, ℓ] = [f(t, z), tr(∂f/∂z (t, z))],  ℓ(t0) = 0,
//
// so that ℓ(t1) = log|det ∂z(t1)/∂z(t0)| = ∫_{t0}^{t1} tr(∂f/∂z) dt, the
// forward log-det-Jacobian. Inverse solves the same ODE from t1 back to t0,
// and its ℓ is the inverse log-det-Jacobian, −∫_{t0}^{t1} tr dt. The trace is
// exact or Hutchinson's estimate (noise drawn once per solve, as in the
// paper); the ODE is solved by package ode, adaptive Dormand–Prince unless
// configured otherwise. Evaluation controls steps per row by default
// (EvaluationPreset: ode.PerRow at rtol 1e-5, atol 1e-7): every point has its
// own steps and error estimate over its own z and ℓ, so its result is the
// one it would get alone, whatever its batch-mates; the rows still share
// one batched call of the dynamics per stage. The recorded passes of
// training solve the whole batch as one ODE by default, as TFP does
// (TrainingPreset: ode.WholeBatch, one error norm over every point and
// log-det, at the tutorial's rtol 1e-3, atol 1e-5); per row, their
// gradients follow each row's own steps too. Both are settings of one
// ode.Solver, whose rows fall into step groups.
//
// An FFJORD satisfies distributions.Differentiable, so blocks stack with
// distributions.Chain and give densities with
// distributions.TransformedDistribution. RecordInverse is its recorded
// pass: the inverse solve with the log-det (the exact trace, or with
// Request.Estimate the block's estimator), optionally RNODE's regularisers,
// and a backward pass — the adjoint ODE solved back
//
//	da/dt = −aᵀ ∂g/∂y,  dθ̄/dt = −aᵀ ∂g/∂θ,  dc̄/dt = −aᵀ ∂g/∂c,
//
// with g = [f, tr] (Options.Gradient = ode.BacksolveAdjoint), or reverse
// mode through the recorded Runge–Kutta steps (ode.Discrete) — that gives
// ∂L/∂y, ∂L/∂θ, ∂L/∂T of a learned end time and, for a conditional block
// whose dynamics reads a context c per point (odefunc.ContextModel),
// ∂L/∂c. Evaluation (Forward, Inverse, the WithLogDet methods) always uses
// the exact trace.
package ffjord
