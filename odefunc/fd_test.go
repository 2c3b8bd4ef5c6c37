package odefunc

import "gorgonia.org/tensor"

// zeroGrads returns zeroed gradient slices shaped like ps.
func zeroGrads(ps []*tensor.Dense) [][]float64 {
	g := make([][]float64, len(ps))
	for i, p := range ps {
		g[i] = make([]float64, p.Shape().TotalSize())
	}
	return g
}
