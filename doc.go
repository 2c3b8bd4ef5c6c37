// Package ffjordgo is the root of ffjord-go: continuous normalizing flows
// (FFJORD, Grathwohl et al., 2018) in Go, on the Gorgonia computation-graph
// library. It holds no code; this comment is the map of the packages.
//
// A flow maps base points z, drawn from a simple distribution, to data
// points x = T(z) by solving an ODE dz/dt = f(t, z) whose right-hand side
// f is a small neural network. Its log-density is
//
//	log p(x) = log p_base(z(t0)) − ∫_{t0}^{t1} tr(∂f/∂z) dt,
//
// integrated backwards from x at t1 beside the trace of f's Jacobian, and
// it is trained by maximum likelihood, differentiating the solve by the
// continuous adjoint or by backpropagation through its steps.
//
// Data flow one way through the packages, each with one job:
//
//   - graph: Gorgonia plumbing, graphs built once and compiled into
//     programs run many times.
//   - odefunc: the dynamics f(t, z) as Gorgonia graphs (the tutorial's
//     MLP, ConcatSquash layers), exact and Hutchinson traces, RNODE's
//     regularisers.
//   - ffjord/ode: Runge–Kutta tableaux, step-size controllers and
//     gradient modes as values, for any y' = f(t, y) on []float64.
//   - ffjord: the FFJORD bijector, one CNF block; ffjord/bijector: the
//     vocabulary of a recorded pass (Request, Pass, Cotangents).
//   - distributions: bases, bijectors, Chain and TransformedDistribution;
//     RecordLogProb records the pass that training differentiates.
//   - distributions/gnode: a flow as a node of your own Gorgonia graph.
//   - train: Flow, the objectives (maximum likelihood, flow matching),
//     Adam, the Trainer and its state, classical baselines;
//     train/targets and train/mcmc: densities known up to a constant,
//     quadrature, importance estimates and HMC reference posteriors.
//   - train/datasets: two moons, the FFJORD paper's toy sets, real data
//     sets, CSV.
//   - viz: figures from a log-density, a sampler or plain slices.
//   - checkpoint: saving and loading every part, through a Codec value;
//     Saver is the Trainer's per-epoch save callback.
//
// Where to start: train.NewFlow builds the TensorFlow Probability
// tutorial's model and train.NewTrainer trains it (the Example of this
// package, also in README.md); distributions' ExampleChain and
// ExampleTransformedDistribution_RecordLogProb show the composition and
// the gradient route; train's ExampleNewTrainer and checkpoint's
// ExampleLoad show validation, checkpoints and resuming; gnode's ExampleLogProb and
// ExampleLogProb_otherBatchSize put a flow in a Gorgonia model and
// evaluate it at another batch size. The programs in examples/ are
// commands built on these packages and examples/cli (their shared flags
// and limits), and docs/ holds the longer pages.
package ffjordgo
