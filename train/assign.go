package train

import (
	"fmt"
	"math"
)

// Assign solves the linear assignment problem: it writes into dst (length
// n) the permutation that minimises Σ_i cost[i·n + dst[i]] over the n×n
// row-major cost matrix, and returns that minimum.
//
// It is the Hungarian method in its shortest-augmenting-path form (Jonker
// and Volgenant's formulation with row and column potentials): n
// augmentations of O(n²) each, so O(n³) time and O(n) memory besides the
// matrix — about 25 ms for n = 256 on one core. Costs must be finite.
func Assign(dst []int, cost []float64, n int) (float64, error) {
	// len(cost) = n·n, tested by division: n·n may overflow an int.
	if n < 0 || len(dst) != n || (n == 0 && len(cost) != 0) || (n > 0 && (len(cost)%n != 0 || len(cost)/n != n)) {
		return 0, fmt.Errorf("%w: Assign of %d rows needs %d destinations and %d×%d costs, got %d and %d", ErrInvalidConfig, n, n, n, n, len(dst), len(cost))
	}
	for i, c := range cost {
		if math.IsNaN(c) || math.IsInf(c, 0) {
			return 0, fmt.Errorf("%w: cost %d is %g", ErrInvalidConfig, i, c)
		}
	}
	// 1-based, as in the textbook statement: column 0 is a sentinel.
	u, v, minv := make([]float64, n+1), make([]float64, n+1), make([]float64, n+1)
	p, way := make([]int, n+1), make([]int, n+1) // p[j]: row matched to column j
	used := make([]bool, n+1)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j], used[j] = math.Inf(1), false
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], math.Inf(1), 0
			row := cost[(i0-1)*n:]
			for j := 1; j <= n; j++ {
				if used[j] {
					continue
				}
				if cur := row[j-1] - u[i0] - v[j]; cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= n; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 { // augment along the path
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	total := 0.0
	for j := 1; j <= n; j++ {
		dst[p[j]-1] = j - 1
	}
	for i, j := range dst {
		total += cost[i*n+j]
	}
	return total, nil
}
