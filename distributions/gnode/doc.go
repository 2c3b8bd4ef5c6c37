// Package gnode puts a flow into a user's own Gorgonia graph: LogProb adds
// a node computing log p(x) per row of an input node x, with the flow's
// parameters as nodes of the same graph, so that a loss built from ordinary
// Gorgonia layers and this node is differentiated by gorgonia.Grad (or by
// the LispMachine's automatic differentiation) and trained by Gorgonia's
// own solvers. Forward adds a differentiable sampler: a node computing the
// forward map x = T(z [| c]) of base points z, differentiable with respect
// to z, the context and the same parameter nodes.
//
// For x of shape N×D the node is the vector
//
//	logp_r = log p(x_r) = log p_base(T⁻¹(x_r)) + log|det ∂T⁻¹/∂x_r|,   r = 1…N,
//
// evaluated by the distribution's recorded pass (RecordLogProb), the same
// route the library's trainer takes. Its gradient is not derived by
// Gorgonia: the node's SymDiff returns nodes of a second Op whose Do runs
// the recorded pass's Backward — the continuous adjoint or the discrete
// gradient, as the flow's FFJORD blocks are set — with the incoming
// cotangent ∂L/∂logp, giving ∂L/∂x and ∂L/∂θ. Gorgonia's second-order
// symbolic gradients are wrong, so nothing here differentiates a gradient:
// the gradient nodes refuse to be differentiated.
//
// # Differentiable sampling
//
// Forward's node is built the same way on the bijector's recorded forward
// pass (distributions.ForwardDifferentiable.RecordForward): its gradient
// nodes run that pass's Backward with the cotangent ∂L/∂x of the samples,
// giving ∂L/∂z, ∂L/∂c and ∂L/∂θ, so a loss of samples (a
// reparameterised draw: z fed from the base, x = T(z)) trains the flow. It
// takes and returns parameter nodes as LogProb does, and can share
// LogProb's (Options.Params); the base's parameters are among them but get
// a zero gradient, T not reading them. Every part of the bijector must
// have a recorded forward pass (FFJORD blocks, Affine, AffineTriL and
// Chains of them): building the node on a Sigmoid or a MixtureCDF is an
// ErrInput naming the part. ExampleForward fits an Affine so that its
// samples take a target's mean and spread.
//
// # Solver settings
//
// By default the node solves as the library's trainer does: its pass is a
// training pass (distributions.Request.Training), which for an FFJORD
// block means the tutorial's whole-batch step control at rtol 1e-3, atol
// 1e-5. So a row's log p depends a little on
// the other rows of the batch, and differs from the library's evaluation
// (Flow.LogProb: per row, rtol 1e-5, atol 1e-7) by up to that tolerance.
// Options.Evaluation makes the node solve as evaluation does, equal to the
// library's LogProb bit for bit; tolerances or a step control set on the
// blocks (ffjord.Options.Solver) apply to both kinds of solve. Forward's
// node follows the same option; its samples are the recorded forward
// pass's (a reparameterised draw's), which integrates the log-det beside
// the points and so agrees with the library's Forward within the solver's
// tolerance rather than bit for bit.
//
// # Gorgonia's machines
//
// A TapeMachine adds each run's gradient to the gradient the nodes already
// hold, and only a Gorgonia solver's Step clears it: run the machine three
// times before reading a gradient and it is three times the gradient
// (ZeroGrads clears it by hand). Gorgonia's initialisers (G.GlorotN and
// the like) draw from the global math/rand generator: for a reproducible
// model, fill your own layers' weights from a seeded rand.Source and pass
// them with G.WithValue, as the flow's are.
//
// # Other batch sizes
//
// A Gorgonia graph's batch size N is fixed when it is built. To evaluate or
// sample at another N, build a second graph by the same function of N,
// whose nodes take their weights from the same tensors (G.WithValue) and,
// by default, the same flow: Gorgonia's solvers update those tensors in
// place, so the second graph sees what the first trained. Forward maps
// base points to samples at any N. ExampleLogProb_otherBatchSize shows
// both.
//
// # Parameters
//
// By default the parameter nodes are leaves whose values are the
// distribution's own tensors (no copy): a Gorgonia solver that updates them
// in place, as Gorgonia's solvers do, updates the flow, which can then be
// sampled, evaluated or saved by the library. Options.Params takes nodes of
// the caller's instead (to share them between several LogProb nodes of one
// graph, or to compute them); their values are copied into the flow's
// tensors before each evaluation, unless one is NaN or infinite: then the
// run fails with ErrInput naming the node and the index, and the flow's
// tensors are left as they were.
//
// # Passes and caching
//
// The forward Op records one pass per run and keeps it, with a copy of the
// rows and parameters it was recorded on, until the gradient Op of the same
// node consumes it; the gradients of x and of every parameter come from one
// Backward, computed once per (rows, parameters, cotangent) and shared by
// the gradient nodes. If the gradient Op finds inputs other than the pass's
// (a machine that ran only part of the graph, or two losses through one
// node), it records a fresh pass, so a stale pass is never differentiated
// (with Options.Estimate the fresh pass draws fresh noise).
//
// # Concurrency
//
// A node evaluates its distribution, whose FFJORD blocks keep solver state
// and whose parameters it writes: the nodes of one distribution must not
// run on two goroutines at once (two machines of one graph, or graphs
// sharing the distribution), nor beside the distribution's own methods or a
// train.Trainer of it. A machine runs its ops one at a time, so one machine
// is safe. Building graphs is not safe across goroutines in Gorgonia.
package gnode
