// Package train fits trainable distributions to data: the Flow (the
// tutorial's stack from NewFlow, or any composition from NewFlowOf, safe
// for concurrent use), the training objectives, Gorgonia's Adam, the
// training loop and its state (Trainer.State and Restore; package
// checkpoint saves them, train saves nothing).
//
// The default objective of a batch x_1…x_N is the mean negative
// log-likelihood, conditional on contexts c_r for a conditional flow,
//
//	L = −(1/N) Σ_r log p(x_r [| c_r]) + λ_K·K + λ_J·J,
//
// with RNODE's regularisers K and J when weighted. It is one recorded pass
// of the distribution (distributions.Trainable.RecordLogProb) and its
// Backward with the cotangent −1/N of every row's log-density: each block
// (adjoint or discrete) turns the cotangent of its output into that of its
// input, its parameters and the context. Flow matching (CFM, OTCFM)
// regresses the blocks' vector field instead, with no solve in the loop.
// ReverseKL fits a flow to a density known up to its constant instead of
// to data: E_z[log q(T(z)) − log π̃(T(z))] over reparameterised draws
// (distributions.TransformedDistribution.RecordSample).
package train
