// Package datasets provides small two-dimensional toy distributions, a
// D-dimensional Gaussian mixture with its exact density, five small real
// data sets, and CSV input and output of point sets, for training and
// testing normalizing flows.
//
// The generators reproduce the toy data sets used by the FFJORD paper
// (Grathwohl et al., 2019, file lib/toy_data.py of the reference
// implementation) and scikit-learn's make_moons. Each returns a
// *tensor.Dense of float64 with shape (n, 2), stored row-major, so row i
// holds the point (x, y).
//
// All randomness is drawn from a caller-supplied math/rand/v2 Source: the
// same seed gives bit-identical output, and no global generator is used.
// The random streams do not match NumPy's, so the samples follow the same
// distributions as the Python code but are not the same numbers.
//
// The real data sets are scikit-learn's, shipped unchanged in this package
// with their attribution in a README beside each file: Digits, Iris, Wine,
// BreastCancer and Diabetes, or RealByName for the features by name. They
// are tables of measurements, many recorded as integers or on a coarse
// grid (each loader says which columns; DiscreteColumns finds the integer
// ones), so a continuous density model needs them dequantised, with noise
// of the grid's width added, and usually standardised.
//
// Invalid arguments never panic; they are reported as errors wrapping the
// sentinel values in this package, so callers can test them with errors.Is.
package datasets
