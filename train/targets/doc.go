// Package targets holds densities known up to their normalising constant,
// log π̃(x) = log π(x) + log Z, with their gradients: the targets of
// variational inference, where a flow q is fitted by minimising the
// reverse Kullback–Leibler divergence
//
//	KL(q‖π) = E_q[log q(x) − log π̃(x)] + log Z,
//
// and the references that measure such a fit: quadrature on a grid for
// the two-dimensional targets (log Z, and KL(q‖π) from log q on the same
// grid).
//
// The two-dimensional targets are those of the literature:
//
//   - TwoLobeRing, U1 of Rezende & Mohamed (2015, Table 1),
//     log π̃(z) = −½((‖z‖ − 2)/0.4)² + log(e^{−½((z₁−2)/0.6)²} + e^{−½((z₁+2)/0.6)²});
//   - Banana, a Gaussian twisted by x₂ − b·x₁²;
//   - Funnel, Neal's funnel v ~ N(0, 3²), x ~ N(0, eᵛ);
//   - EightModeRing, eight equal Gaussians evenly spaced on a circle.
//
// LogisticRegression is a Bayesian posterior in P dimensions, and
// BreastCancerLogistic the 31-parameter example on the Wisconsin
// data, whose reference posterior (means and standard deviations from a
// long run of Hamiltonian Monte Carlo, package mcmc) BreastCancerReference
// returns; reference/README.md says how it was made and checked.
//
// Importance turns log q and log π̃ at draws of q into the ELBO, log Ẑ by
// importance sampling with its standard error, ESS/N and the Pareto k̂ of
// the weights' tail: the measures in any dimension.
//
// A Target's methods read only the point they are given and the target's
// fixed state, so every target here is safe for concurrent use.
package targets
