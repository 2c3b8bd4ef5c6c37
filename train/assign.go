package train

import (
	"fmt"
	"math"
	"sync"
)

// Assign solves the linear assignment problem: it writes into dst (length
// n) the permutation that minimises Σ_i cost[i·n + dst[i]] over the n×n
// row-major cost matrix, and returns that minimum.
//
// It is Jonker and Volgenant's algorithm (1987, "A shortest augmenting
// path algorithm for dense and sparse linear assignment problems"): their
// start-up first (column reduction, reduction transfer, two rounds of
// augmenting row reduction), which assigns most rows in O(n²) each round,
// then each row left free is added by a shortest augmenting path in
// Crouse's form (2016, "On implementing 2D rectangular assignment
// algorithms", as SciPy's linear_sum_assignment): a Dijkstra search over
// the columns not yet reached, preferring a free column among equals, the
// potentials updated once per row. O(n³) time at worst and O(n) memory
// besides the matrix; the start-up is what makes the usual case fast
// (the OT-CFM batch of 256 in 64-D: about 4× fewer operations than the
// searches alone). Costs must be finite.
//
// The result is a minimum: when several permutations reach it (ties), which
// one is returned is part of the algorithm, not of the contract.
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
	a := &assignment{}
	if spare.TryLock() { // else another Assign has it: this one allocates
		defer spare.Unlock()
		a = &spare.a
	}
	a.solve(dst, cost, n)
	a.col4row = nil // the caller's
	total := 0.0
	for i, j := range dst {
		total += cost[i*n+j]
	}
	return total, nil
}

// spare keeps the buffers of earlier Assigns, so that one per training
// step allocates nothing once warm.
var spare struct {
	sync.Mutex
	a assignment
}

// assignment is the state of one Assign: potentials u (rows) and v
// (columns), the matching both ways, and the search's shortest distances,
// predecessors and visited sets.
type assignment struct {
	u, v, dist       []float64
	col4row, row4col []int
	path, remaining  []int
	freeRows         []int
	rowSeen, colSeen []bool
}

func (a *assignment) solve(col4row []int, cost []float64, n int) {
	a.init(col4row, n)
	a.augment(a.startUp(cost, n), cost, n)
}

// init sizes a's buffers for n rows, reusing their room.
func (a *assignment) init(col4row []int, n int) {
	a.u, a.v, a.dist = resize(a.u, n), resize(a.v, n), resize(a.dist, n)
	a.col4row, a.row4col = col4row, resize(a.row4col, n)
	a.path, a.remaining, a.freeRows = resize(a.path, n), resize(a.remaining, n), resize(a.freeRows, n)
	a.rowSeen, a.colSeen = resize(a.rowSeen, n), resize(a.colSeen, n)
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// augment adds each free row by a shortest augmenting path, updating the
// potentials.
func (a *assignment) augment(free []int, cost []float64, n int) {
	col4row := a.col4row
	for _, row := range free {
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

// startUp is Jonker and Volgenant's initialisation. It leaves potentials v
// that only ever went down from the columns' minima (so c − v ≥ 0
// everywhere, dual feasible with u = 0), a partial matching in which every
// assigned row sits on a column of least reduced cost c − v, with u of
// that row set to it (complementary slackness), and returns the rows left
// free, in increasing order, for the searches. a.remaining serves as the
// list of free rows and a.dist (as counts) for the column reduction.
func (a *assignment) startUp(cost []float64, n int) []int {
	v, col4row, row4col := a.v, a.col4row, a.row4col
	for i := range n {
		col4row[i] = -1
		a.u[i] = 0
	}
	// Column reduction: v_j is column j's least cost, and its row takes j
	// unless it has a column of smaller v already. Columns are scanned from
	// the last, as in the paper, so that ties go the same way as there.
	matches := a.path // counts of columns whose least cost is in row i
	clear(matches)
	for j := n - 1; j >= 0; j-- {
		imin, lo := 0, cost[j]
		for i := 1; i < n; i++ {
			if c := cost[i*n+j]; c < lo {
				imin, lo = i, c
			}
		}
		v[j] = lo
		row4col[j] = -1
		matches[imin]++
		switch {
		case matches[imin] == 1:
			col4row[imin], row4col[j] = j, imin
		case v[j] < v[col4row[imin]]:
			row4col[col4row[imin]] = -1
			col4row[imin], row4col[j] = j, imin
		}
	}
	// Reduction transfer: a row that is the least of one column only moves
	// that column's potential down to its second-least reduced cost, so
	// that the other rows find the column dearer.
	free := a.remaining[:0]
	for i := range n {
		switch matches[i] {
		case 0:
			free = append(free, i)
		case 1:
			j1, lo := col4row[i], math.Inf(1)
			c := cost[i*n : (i+1)*n]
			for j := range n {
				if j != j1 {
					lo = min(lo, c[j]-v[j])
				}
			}
			if !math.IsInf(lo, 1) {
				v[j1] -= lo
			}
		}
	}
	// Augmenting row reduction, twice: a free row takes its column of least
	// reduced cost, lowering that column's potential to the row's second
	// least, and the row it displaces is treated next. Each pass is capped
	// (rounding can make a lowering vanish), leaving the rest to the
	// searches, which are exact from any such start.
	for range 2 {
		k, prev := 0, len(free)
		free = free[:0]
		list := a.remaining[:prev] // free rows still to treat, from k on
		budget := 2 * n
		for k < prev {
			i := list[k]
			k++
			c := cost[i*n : (i+1)*n]
			j1, j2, umin, usub := 0, -1, c[0]-v[0], math.Inf(1)
			for j := 1; j < n; j++ {
				h := c[j] - v[j]
				if h < usub {
					if h >= umin {
						usub, j2 = h, j
					} else {
						usub, umin, j2, j1 = umin, h, j1, j
					}
				}
			}
			i0 := row4col[j1]
			lowered := false
			if umin < usub {
				if nv := v[j1] - (usub - umin); nv < v[j1] {
					v[j1], lowered = nv, true
				}
			} else if i0 >= 0 && j2 >= 0 {
				j1, i0 = j2, row4col[j2]
			}
			col4row[i], row4col[j1] = j1, i
			if i0 < 0 {
				continue
			}
			col4row[i0] = -1
			if budget--; lowered && budget > 0 {
				k-- // the displaced row next, in this row's place
				list[k] = i0
			} else {
				free = append(free, i0) // list[len(free)] is treated already
			}
		}
	}
	for i := range n {
		if j := col4row[i]; j >= 0 {
			a.u[i] = cost[i*n+j] - v[j]
		}
	}
	// The searches want the free rows in order, and a.remaining for
	// themselves.
	rows := a.freeRows[:0]
	for i := range n {
		if col4row[i] < 0 {
			rows = append(rows, i)
		}
	}
	return rows
}

// search finds the shortest augmenting path from row to a free column in
// the reduced costs, returning that column and the path's length.
func (a *assignment) search(row int, cost []float64, n int) (sink int, minVal float64) {
	// The buffers in locals, n long: the loop below is the algorithm's
	// inner one, and stores through a's slices would otherwise make the
	// compiler reload their headers on every column.
	remaining, dist, path := a.remaining[:n], a.dist[:n], a.path[:n]
	v, row4col, colSeen := a.v[:n], a.row4col[:n], a.colSeen[:n]
	for j := range n {
		remaining[j] = n - 1 - j
		dist[j] = math.Inf(1)
		a.rowSeen[j], colSeen[j] = false, false
	}
	left := n
	sink = -1
	for i := row; sink == -1; {
		a.rowSeen[i] = true
		best, lowest := -1, math.Inf(1)
		c, ui := cost[i*n:(i+1)*n], a.u[i]
		for k, j := range remaining[:left] {
			d := dist[j]
			if r := minVal + c[j] - ui - v[j]; r < d {
				path[j], dist[j], d = i, r, r
			}
			if d < lowest || (d == lowest && row4col[j] == -1) {
				best, lowest = k, d
			}
		}
		minVal = lowest
		j := remaining[best]
		if row4col[j] == -1 {
			sink = j
		} else {
			i = row4col[j]
		}
		colSeen[j] = true
		left--
		remaining[best] = remaining[left]
	}
	return sink, minVal
}
