package graph

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkProducts times the vector kernel set's products at the shapes
// of the digits-scale network (128 rows a chunk, 128-wide hidden layers,
// 64 outputs), in GFLOP/s counted as 2mnk: the mean, and the fastest call.
func BenchmarkProducts(b *testing.B) {
	ks := vectorKernels
	r := rand.New(rand.NewPCG(1, 2))
	rnd := func(n int) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = r.NormFloat64()
		}
		return x
	}
	for _, tc := range []struct {
		name    string
		f       func(c, a, b, scratch []float64, m, n, k int)
		m, n, k int
	}{
		{"ab", ks.matMul, 128, 128, 128},
		{"ab", ks.matMul, 128, 64, 128},
		{"abt", ks.matMulBT, 128, 128, 128},
		{"abt", ks.matMulBT, 128, 128, 64},
		{"atb", ks.matMulAT, 128, 128, 128},
		{"atb", ks.matMulAT, 128, 64, 128},
	} {
		b.Run(fmt.Sprintf("%s/%dx%dx%d", tc.name, tc.m, tc.n, tc.k), func(b *testing.B) {
			a, bb, c, s := rnd(tc.m*tc.k), rnd(tc.k*tc.n), make([]float64, tc.m*tc.n), make([]float64, tc.n*tc.k)
			best := time.Duration(1<<63 - 1)
			for b.Loop() {
				start := time.Now()
				tc.f(c, a, bb, s, tc.m, tc.n, tc.k)
				best = min(best, time.Since(start))
			}
			flops := 2 * float64(tc.m*tc.n*tc.k)
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			// The fastest call: the kernel's speed on a machine shared with
			// other work, where the mean includes the waits.
			b.ReportMetric(flops/best.Seconds()/1e9, "best-GFLOP/s")
		})
	}
}
