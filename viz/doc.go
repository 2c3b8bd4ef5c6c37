// Package viz draws the pictures of the FFJORD tutorial and a few more, with
// gonum/plot: the four-panel figure (grid and base samples, the grid and
// samples pushed through the flow, and filled kernel density estimates of
// the model's samples and of the data), the model's exact density as a heat
// map, the paths of points through the blocks, the loss curve, and an
// animated GIF of training.
//
// The density estimates are Gaussian kernel density estimates with Scott's
// bandwidth, as scipy.stats.gaussian_kde: for n points x_i in d = 2
// dimensions with sample covariance Σ,
//
//	p̂(x) = (1/n) Σ_i N(x; x_i, h²Σ),  h = n^(−1/(d+4)).
//
// They are drawn as filled contours (matplotlib's contourf) with the
// viridis colour map and a colour bar: in the tutorial's 10 levels from 0 to
// 0.75, densities above 0.75 in the top colour, or, with
// TutorialOptions.FitLevels, in 10 levels spanning each estimate up to its
// maximum, as seaborn's kdeplot chooses them, so that data of any scale
// shows. Axes have ticks on round values (RoundTicks) and points are
// clipped to them (Dots).
//
// The figures take data, not models: a log-density (LogProber), samplers
// (Sampler), a map from the base to the data side (Pusher), paths through
// the blocks (Trajectories) and plain slices, so that any model, a density
// known in closed form or a table of points can be pictured, and a figure
// can be tested without training anything. A *train.Flow is a LogProber, a
// Sampler, a Pusher and a Trajectories, and SampleFunc(flow.SampleBase)
// samples its base. Points are N×2 float64 batches, one point a row; the
// figures do not keep or modify the batches they pass in, and check the
// shape and finiteness of every batch they get back.
//
// Every picture is a *Figure, a grid of *plot.Plot that can be adjusted
// before it is saved as PNG, JPEG, TIFF, SVG or PDF. The figures are for
// two-dimensional flows and data; other shapes are errors, not panics.
package viz
