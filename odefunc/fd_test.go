package odefunc

import "gorgonia.org/tensor"

// centralDiff returns the central difference of loss in x[i] with step h,
// restoring x[i].
func centralDiff(loss func() float64, x []float64, i int, h float64) float64 {
	old := x[i]
	x[i] = old + h
	lp := loss()
	x[i] = old - h
	lm := loss()
	x[i] = old
	return (lp - lm) / (2 * h)
}

// zeroGrads returns zeroed gradient slices shaped like ps.
func zeroGrads(ps []*tensor.Dense) [][]float64 {
	g := make([][]float64, len(ps))
	for i, p := range ps {
		g[i] = make([]float64, p.Shape().TotalSize())
	}
	return g
}
