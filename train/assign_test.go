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
