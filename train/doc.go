// Package train fits a stack of FFJORD blocks to data by maximum likelihood:
// the Flow model, the gradient of its loss, Gorgonia's Adam, the training
// loop and checkpoints.
//
// The loss of a batch x_1…x_N is the mean negative log-likelihood
//
//	L = −(1/N) Σ_r [ log p_base(z_r) + Σ_k ℓ_k,r ],
//
// where z_r is x_r pulled back through the blocks (last block first) and
// ℓ_k,r is block k's inverse log-det-Jacobian. Its gradient flows back
// through the blocks in the opposite order: ∂L/∂z = (z − μ)/(Nσ²) at the
// base, ∂L/∂ℓ = −1/N for every block, each block's Backward (adjoint or
// discrete) turning the cotangent of its output into that of its input and
// of its parameters.
package train
