package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bruteAssign returns the minimum of Σ_i cost[i][π(i)] over all
// permutations π.
func bruteAssign(cost []float64, n int) float64 {
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	best := math.Inf(1)
	var rec func(k int)
	rec = func(k int) {
		if k == n {
			s := 0.0
			for i, j := range perm {
				s += cost[i*n+j]
			}
			best = min(best, s)
			return
		}
		for i := k; i < n; i++ {
			perm[k], perm[i] = perm[i], perm[k]
			rec(k + 1)
			perm[k], perm[i] = perm[i], perm[k]
		}
	}
	rec(0)
	return best
}

// TestAssignBruteForce compares Assign with every permutation on small
// random matrices, continuous and with many ties (small integers).
func TestAssignBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 300 {
		n := 1 + trial%7
		cost := make([]float64, n*n)
		for i := range cost {
			if trial%2 == 0 {
				cost[i] = r.NormFloat64()
			} else {
				cost[i] = float64(r.IntN(4))
			}
		}
		dst := make([]int, n)
		got, err := Assign(dst, cost, n)
		require.NoError(t, err)
		assert.InDelta(t, bruteAssign(cost, n), got, 1e-12, "trial %d", trial)
		seen := make([]bool, n)
		for _, j := range dst {
			require.False(t, seen[j], "trial %d: not a permutation: %v", trial, dst)
			seen[j] = true
		}
	}
	_, err := Assign(make([]int, 2), []float64{0, 1, math.NaN(), 0}, 2)
	assert.ErrorIs(t, err, ErrInvalidConfig)
	_, err = Assign(make([]int, 3), make([]float64, 4), 2)
	assert.ErrorIs(t, err, ErrInvalidConfig)
	got, err := Assign(nil, nil, 0)
	assert.NoError(t, err)
	assert.Zero(t, got)
}

// TestAssignSortedLine checks a known optimum: on a line with squared
// distances, the optimal pairing of two sets matches them in sorted order.
func TestAssignSortedLine(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const n = 200
	a, b := make([]float64, n), make([]float64, n)
	for i := range a {
		a[i], b[i] = r.NormFloat64(), r.NormFloat64()
	}
	cost := make([]float64, n*n)
	for i := range n {
		for j := range n {
			cost[i*n+j] = (a[i] - b[j]) * (a[i] - b[j])
		}
	}
	dst := make([]int, n)
	_, err := Assign(dst, cost, n)
	require.NoError(t, err)
	for i := range n {
		for k := range n {
			// Monotone: a[i] < a[k] implies b[dst[i]] ≤ b[dst[k]].
			if a[i] < a[k] {
				assert.LessOrEqual(t, b[dst[i]], b[dst[k]])
			}
		}
	}
}

func BenchmarkAssign256(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	const n = 256
	cost := make([]float64, n*n)
	for i := range cost {
		cost[i] = r.Float64()
	}
	dst := make([]int, n)
	for b.Loop() {
		if _, err := Assign(dst, cost, n); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAssignOT256 is the assignment OT-CFM solves: squared distances
// between 256 standard normal points and 256 others, in 2 and 64
// dimensions.
func BenchmarkAssignOT256(b *testing.B) {
	for _, D := range []int{2, 64} {
		b.Run(fmt.Sprintf("D=%d", D), func(b *testing.B) {
			r := rand.New(rand.NewPCG(7, uint64(D)))
			const n = 256
			x, y := make([]float64, n*D), make([]float64, n*D)
			for i := range x {
				x[i], y[i] = r.NormFloat64(), r.NormFloat64()+1
			}
			cost := make([]float64, n*n)
			for i := range n {
				for j := range n {
					for d := range D {
						e := x[i*D+d] - y[j*D+d]
						cost[i*n+j] += e * e
					}
				}
			}
			dst := make([]int, n)
			for b.Loop() {
				if _, err := Assign(dst, cost, n); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// plainAssign is Assign without the start-up: every row added by a search
// from the columns' least costs, the algorithm before Jonker and
// Volgenant's initialisation was added; its minimum is the reference.
func plainAssign(dst []int, cost []float64, n int) float64 {
	var a assignment
	a.init(dst, n)
	for j := range n {
		a.row4col[j] = -1
		a.v[j] = math.Inf(1)
		for i := range n {
			a.v[j] = min(a.v[j], cost[i*n+j])
		}
	}
	free := make([]int, n)
	for i := range n {
		dst[i], a.u[i], free[i] = -1, 0, i
	}
	a.augment(free, cost, n)
	total := 0.0
	for i, j := range dst {
		total += cost[i*n+j]
	}
	return total
}

// TestAssignStartUp compares Assign with the searches alone on larger
// matrices than brute force reaches: uniform, squared distances in 2 and
// 64 dimensions (OT-CFM's), and small integers (many ties). The minima
// must agree to rounding and dst must be a permutation.
func TestAssignStartUp(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for trial := range 40 {
		n := []int{2, 3, 17, 64, 100, 256}[trial%6]
		cost := make([]float64, n*n)
		switch trial % 4 {
		case 0:
			for i := range cost {
				cost[i] = r.Float64()
			}
		case 1, 2:
			D := map[int]int{1: 2, 2: 64}[trial%4]
			x, y := make([]float64, n*D), make([]float64, n*D)
			for i := range x {
				x[i], y[i] = r.NormFloat64(), r.NormFloat64()+0.5
			}
			for i := range n {
				for j := range n {
					for d := range D {
						e := x[i*D+d] - y[j*D+d]
						cost[i*n+j] += e * e
					}
				}
			}
		case 3:
			for i := range cost {
				cost[i] = float64(r.IntN(3))
			}
		}
		dst, ref := make([]int, n), make([]int, n)
		got, err := Assign(dst, cost, n)
		require.NoError(t, err)
		want := plainAssign(ref, cost, n)
		assert.InDelta(t, want, got, 1e-9*(1+math.Abs(want)), "trial %d, n %d", trial, n)
		seen := make([]bool, n)
		for _, j := range dst {
			require.False(t, seen[j], "trial %d: not a permutation: %v", trial, dst)
			seen[j] = true
		}
	}
}

// TestAssignAllocs: once warm, Assign allocates nothing.
func TestAssignAllocs(t *testing.T) {
	const n = 64
	r := rand.New(rand.NewPCG(11, 12))
	cost := make([]float64, n*n)
	for i := range cost {
		cost[i] = r.Float64()
	}
	dst := make([]int, n)
	allocs := testing.AllocsPerRun(20, func() {
		if _, err := Assign(dst, cost, n); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}
