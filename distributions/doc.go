// Package distributions provides the probability side of a normalizing flow:
// a diagonal Gaussian base (fixed or with a learnable mean and scale), the
// Bijector interface, Affine, Chain, and TransformedDistribution; the
// full-covariance bases MultivariateNormalTriL and GaussianMixture (train
// fits them: FitGaussian, FitMixture, SelectMixture); and three
// preprocessing bijectors: AffineTriL (full-covariance affine;
// train.FitWhitening fits it to data), Sigmoid (onto bounded data such as
// pixels) and MixtureCDF (marginal Gaussianisation, z_i = Φ⁻¹(F_i(x_i))
// with F_i a 1-D Gaussian mixture's CDF; train.FitMarginals fits it to
// data).
//
// A TransformedDistribution pushes its base through a bijector T. With
// z = T⁻¹(x), the change of variables gives
//
//	log p(x) = log p_base(z) + log|det ∂T⁻¹/∂x| = log p_base(z) − log|det ∂T/∂z|,
//
// and sampling draws z from the base and returns T(z).
//
// One route serves evaluation and training. A Differentiable bijector
// records its inverse pass (RecordInverse) and later gives, by the pass's
// Backward, ∂L/∂y and ∂L/∂θ for the cotangents of its outputs; a
// DifferentiableBase gives its own gradient; RecordLogProb of a
// TransformedDistribution composes them, and a trainer's loss is that one
// call plus the regularisers. What a pass computes is chosen per call
// (Request): the exact log-det or the blocks' stochastic estimate, RNODE's
// regularisers, and the context c of a conditional flow p(x | c), whose
// gradient the pass also gives (ContextGrad). A ForwardDifferentiable
// bijector records its forward pass too (RecordForward), and
// RecordSample of a TransformedDistribution composes that with the base:
// a reparameterised draw x = T(z) with log q(x), differentiable in θ, what
// variational inference minimises over.
//
// Batches of N points in D dimensions are N×D *tensor.Dense values of
// float64; per-point results (log-densities, log-determinants) are []float64
// of length N. LogProbRows, SampleRows and their context forms take plain
// [][]float64 rows.
package distributions
