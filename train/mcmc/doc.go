// Package mcmc samples a density known up to a constant by Hamiltonian
// Monte Carlo, and checks that chains converged: the reference against
// which a flow fitted by variational inference is judged.
//
// HMC draws a momentum p ~ N(0, I), follows Hamilton's equations for
// H(θ, p) = −log π̃(θ) + ½‖p‖² in the coordinates u = L⁻¹θ by leapfrog
// steps, and accepts the end point with probability min(1, e^{−ΔH}). L is
// the Cholesky factor of the covariance Σ that warm-up estimates (a dense
// metric, as Stan's dense_e), so that a step works on a posterior whose
// scales differ by orders of magnitude; the step size is tuned in warm-up
// by dual averaging (Hoffman & Gelman 2014) to an acceptance rate.
//
// Convergence is checked as Vehtari, Gelman, Simpson, Carpenter & Bürkner
// (2021) recommend: the rank-normalised split-R̂ (RHat, the larger of the
// bulk and the folded tail value) and the bulk effective sample size
// (BulkESS), with the Monte Carlo standard error of a mean from the ESS of
// the draws themselves (MCSE).
package mcmc
