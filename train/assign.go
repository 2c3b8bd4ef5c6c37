package train

import (
	"fmt"
	"math"
)

// Assign solves the linear assignment problem: it writes into dst (length
// n) the permutation that minimises Σ_i cost[i·n + dst[i]] over the n×n
// row-major cost matrix, and returns that minimum.
//
// It is the Hungarian method in Jonker and Volgenant's shortest augmenting
// path form, as Crouse (2016, "On implementing 2D rectangular assignment
// algorithms") states it and SciPy's linear_sum_assignment implements it:
// the columns start from their smallest costs as potentials, each row is
// added by a Dijkstra search over the columns not yet reached, preferring a
// free column among equals, and the potentials are updated once per row. n
// searches of O(n²) each, so O(n³) time at worst and O(n) memory besides
// the matrix. Costs must be finite.
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
	var a assignment
	a.solve(dst, cost, n)
	total := 0.0
	for i, j := range dst {
		total += cost[i*n+j]
	}
	return total, nil
}

// assignment is the state of one Assign: potentials u (rows) and v
// (columns), the matching both ways, and the search's shortest distances,
// predecessors and visited sets.
type assignment struct {
	u, v, dist       []float64
	col4row, row4col []int
	path, remaining  []int
	rowSeen, colSeen []bool
}

func (a *assignment) solve(col4row []int, cost []float64, n int) {
	a.u, a.v, a.dist = make([]float64, n), make([]float64, n), make([]float64, n)
	a.col4row, a.row4col = col4row, make([]int, n)
	a.path, a.remaining = make([]int, n), make([]int, n)
	a.rowSeen, a.colSeen = make([]bool, n), make([]bool, n)
	for j := range n {
		a.row4col[j] = -1
		a.v[j] = math.Inf(1)
		for i := range n {
			a.v[j] = min(a.v[j], cost[i*n+j]) // dual feasible with u = 0
		}
	}
	for i := range col4row {
		col4row[i] = -1
	}
	for row := range n {
		sink, minVal := a.search(row, cost, n)
		a.u[row] += minVal
		for i := range n {
			if a.rowSeen[i] && i != row {
				a.u[i] += minVal - a.dist[col4row[i]]
			}
		}
		for j := range n {
			if a.colSeen[j] {
				a.v[j] -= minVal - a.dist[j]
			}
		}
		for j := sink; ; { // augment along the path back to row
			i := a.path[j]
			a.row4col[j] = i
			col4row[i], j = j, col4row[i]
			if i == row {
				break
			}
		}
	}
}

// search finds the shortest augmenting path from row to a free column in
// the reduced costs, returning that column and the path's length.
func (a *assignment) search(row int, cost []float64, n int) (sink int, minVal float64) {
	for j := range n {
		a.remaining[j] = n - 1 - j
		a.dist[j] = math.Inf(1)
		a.rowSeen[j], a.colSeen[j] = false, false
	}
	left := n
	sink = -1
	for i := row; sink == -1; {
		a.rowSeen[i] = true
		best, lowest := -1, math.Inf(1)
		c, ui := cost[i*n:(i+1)*n], a.u[i]
		for k, j := range a.remaining[:left] {
			if r := minVal + c[j] - ui - a.v[j]; r < a.dist[j] {
				a.path[j], a.dist[j] = i, r
			}
			if d := a.dist[j]; d < lowest || (d == lowest && a.row4col[j] == -1) {
				best, lowest = k, d
			}
		}
		minVal = lowest
		j := a.remaining[best]
		if a.row4col[j] == -1 {
			sink = j
		} else {
			i = a.row4col[j]
		}
		a.colSeen[j] = true
		left--
		a.remaining[best] = a.remaining[left]
	}
	return sink, minVal
}
