// Package distributions provides the probability side of a normalizing flow:
// a diagonal Gaussian base, the Bijector interface, Chain, and
// TransformedDistribution.
//
// A TransformedDistribution pushes its base through a bijector T. With
// z = T⁻¹(x), the change of variables gives
//
//	log p(x) = log p_base(z) + log|det ∂T⁻¹/∂x| = log p_base(z) − log|det ∂T/∂z|,
//
// and sampling draws z from the base and returns T(z).
//
// Batches of N points in D dimensions are N×D *tensor.Dense values of
// float64; per-point results (log-densities, log-determinants) are []float64
// of length N.
package distributions
