package odefunc

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestResultsDoNotDependOnWorkers: every output, parameter gradients
// included, is bit-identical for 1, 2 and 3 workers.
func TestResultsDoNotDependOnWorkers(t *testing.T) {
	for _, hidden := range [][]int{nil, {96, 96}} {
		t.Run(fmt.Sprint(hidden), func(t *testing.T) { resultsDoNotDependOnWorkers(t, hidden) })
	}
}

// resultsDoNotDependOnWorkers is TestResultsDoNotDependOnWorkers for an MLP
// with the given hidden widths (nil: the default, whose parameters the
// caller sums alone; {96, 96}: enough for the helpers to share the sum).
func resultsDoNotDependOnWorkers(t *testing.T, hidden []int) {
	net, err := NewMLP(MLPConfig{Dim: 2, Hidden: hidden}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	if hidden != nil {
		size := 0
		for _, p := range net.Params() {
			size += p.Shape().TotalSize()
		}
		require.GreaterOrEqual(t, size, gradSumMin)
	}
	r := rand.New(rand.NewPCG(3, 4))
	const n = 300 // three chunks, the last one padded
	z, a, c := randomBatch(r, n, 2), randomBatch(r, n, 2), randomBatch(r, n, 1)
	eps := make([]float64, 2*n)
	HutchinsonRademacher.DrawNoise(eps, r)

	type result struct {
		f, tr, fv, gz []float64
		gp            [][]float64
	}
	eval := func(workers int) result {
		dyn, err := New(net)
		require.NoError(t, err)
		require.NoError(t, dyn.SetWorkers(workers))
		var res result
		res.f, res.tr = make([]float64, 2*n), make([]float64, n)
		require.NoError(t, dyn.Eval(res.f, Terms{Trace: res.tr}, Request{Z: z, T: 0.2, Want: WantTrace, Trace: HutchinsonRademacher, Noise: eps}))
		res.fv, res.gz = make([]float64, 2*n), make([]float64, 2*n)
		for _, p := range net.Params() {
			res.gp = append(res.gp, make([]float64, p.Shape().TotalSize()))
		}
		require.NoError(t, dyn.VJP(VJPOut{F: res.fv, Z: res.gz, Params: res.gp}, Request{Z: z, T: 0.2, Want: WantTrace, Trace: ExactTrace}, a, Terms{Trace: c}))
		return res
	}
	one := eval(1)
	for _, w := range []int{2, 3} {
		assert.Equal(t, one, eval(w), "%d workers", w)
	}
	dyn, _ := New(net)
	assert.Error(t, dyn.SetWorkers(0))
}

// TestEvaluationsDoNotAllocate: after warm-up, f with its trace and the VJP
// allocate nothing, on one worker or two.
func TestEvaluationsDoNotAllocate(t *testing.T) {
	for _, hidden := range [][]int{nil, {96, 96}} {
		t.Run(fmt.Sprint(hidden), func(t *testing.T) { evaluationsDoNotAllocate(t, hidden) })
	}
}

// evaluationsDoNotAllocate is TestEvaluationsDoNotAllocate for an MLP with
// the given hidden widths.
func evaluationsDoNotAllocate(t *testing.T, hidden []int) {
	net, err := NewMLP(MLPConfig{Dim: 2, Hidden: hidden}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(3, 4))
	const n = 256
	z, a, c := randomBatch(r, n, 2), randomBatch(r, n, 2), randomBatch(r, n, 1)
	dz, gz, tr := make([]float64, 2*n), make([]float64, 2*n), make([]float64, n)
	var gp [][]float64
	for _, p := range net.Params() {
		gp = append(gp, make([]float64, p.Shape().TotalSize()))
	}
	for _, workers := range []int{1, 2} {
		dyn, err := New(net)
		require.NoError(t, err)
		require.NoError(t, dyn.SetWorkers(workers))
		ftrace := func() {
			require.NoError(t, dyn.Eval(dz, Terms{Trace: tr}, Request{Z: z, T: 0.5, Want: WantTrace, Trace: ExactTrace}))
		}
		vjp := func() {
			require.NoError(t, dyn.VJP(VJPOut{F: dz, Z: gz, Params: gp}, Request{Z: z, T: 0.5, Want: WantTrace, Trace: ExactTrace}, a, Terms{Trace: c}))
		}
		ftrace()
		vjp()
		assert.Zero(t, testing.AllocsPerRun(50, ftrace), "f+trace, %d workers", workers)
		assert.Zero(t, testing.AllocsPerRun(50, vjp), "VJP, %d workers", workers)
	}
}

// TestParallelCoversEachIndexOnce: Parallel calls its body on parts that
// cover [0, n) once each, on as many goroutines as the Dynamics has
// workers (helpers permitting), and on the caller alone for one worker or
// a small n; it allocates nothing.
func TestParallelCoversEachIndexOnce(t *testing.T) {
	net, err := NewMLP(MLPConfig{Dim: 2}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	dyn, err := New(net)
	require.NoError(t, err)
	for _, workers := range []int{1, 2, 3} {
		require.NoError(t, dyn.SetWorkers(workers))
		for _, n := range []int{0, 1, parallelMin - 1, 2*parallelMin + 1, 1000} {
			seen := make([]int, n)
			parts := make([][2]int, 0, 4)
			var mu sync.Mutex
			dyn.Parallel(n, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					seen[i]++
				}
				mu.Lock()
				parts = append(parts, [2]int{lo, hi})
				mu.Unlock()
			})
			for i, c := range seen {
				require.Equal(t, 1, c, "index %d of %d, %d workers", i, n, workers)
			}
			want := min(dyn.Workers(), max(n/parallelMin, 1))
			if n == 0 {
				want = 0
			}
			assert.Len(t, parts, want, "n = %d, %d workers", n, workers)
		}
	}
	require.NoError(t, dyn.SetWorkers(2))
	var sum atomic.Int64
	body := func(lo, hi int) { sum.Add(int64(hi - lo)) }
	assert.Zero(t, testing.AllocsPerRun(20, func() { dyn.Parallel(1000, body) }))
	assert.Equal(t, int64(21*1000), sum.Load())
}

// TestParallelPanics: a panic in a part, on the caller's goroutine or a
// helper's, reaches the caller once every part has returned, and the pool
// works as before afterwards.
func TestParallelPanics(t *testing.T) {
	net, err := NewMLP(MLPConfig{Dim: 2}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	dyn, err := New(net)
	require.NoError(t, err)
	require.NoError(t, dyn.SetWorkers(2))
	if dyn.Workers() < 2 {
		t.Skip("needs a helper goroutine (GOMAXPROCS ≥ 2)")
	}
	z := randomBatch(rand.New(rand.NewPCG(3, 4)), 300, 2)
	want := make([]float64, len(z))
	require.NoError(t, dyn.Eval(want, Terms{}, Request{Z: z, T: 0.3}))
	for _, first := range []bool{true, false} {
		var done atomic.Int64
		assert.PanicsWithValue(t, "boom", func() {
			dyn.Parallel(2048, func(lo, hi int) {
				if (lo == 0) == first {
					panic("boom")
				}
				time.Sleep(20 * time.Millisecond) // the other part outlives the panic
				done.Add(1)
			})
		})
		assert.Equal(t, int64(1), done.Load(), "the other part finished first")
		var sum atomic.Int64
		dyn.Parallel(2048, func(lo, hi int) { sum.Add(int64(hi - lo)) })
		assert.Equal(t, int64(2048), sum.Load())
		got := make([]float64, len(z))
		require.NoError(t, dyn.Eval(got, Terms{}, Request{Z: z, T: 0.3}))
		assert.Equal(t, want, got)
	}
}

// TestEvalPackedIsEvalRows: f and the terms of wide rows (Request.Width)
// have the bits of rows of D on the same points, for the exact and a stochastic trace,
// with and without the regularisers' terms, on one worker and two; the
// values of a row past its terms are left alone; bad shapes are errors.
func TestEvalPackedIsEvalRows(t *testing.T) {
	net, err := NewMLP(MLPConfig{Dim: 2}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(5, 6))
	const n, D = 300, 2
	z, ts := randomBatch(r, n, D), randomBatch(r, n, 1)
	eps := make([]float64, n*D)
	HutchinsonRademacher.DrawNoise(eps, r)
	for _, workers := range []int{1, 2} {
		dyn, err := New(net)
		require.NoError(t, err)
		require.NoError(t, dyn.SetWorkers(workers))
		for _, est := range []Trace{ExactTrace, HutchinsonRademacher} {
			var e []float64
			if est.Stochastic() {
				e = eps
			}
			for _, reg := range []bool{false, true} {
				dz, tm := make([]float64, n*D), Terms{Trace: make([]float64, n)}
				w := D + 2 // one spare value per row
				if reg {
					tm.Kinetic, tm.Frobenius = make([]float64, n), make([]float64, n)
					w = D + 4
				}
				require.NoError(t, dyn.Eval(dz, tm, Request{Z: z, Times: ts, Want: wantOf(tm), Trace: est, Noise: e}))
				y, dy := make([]float64, n*w), make([]float64, n*w)
				for i := range n {
					copy(y[i*w:], z[i*D:(i+1)*D])
					y[i*w+D] = 7 // not z: must not be read
					dy[(i+1)*w-1] = -3
				}
				require.NoError(t, dyn.Eval(dy, Terms{}, Request{Z: y, Width: w, Times: ts, Want: wantReg(reg), Trace: est, Noise: e}))
				for i := range n {
					row := dy[i*w : (i+1)*w]
					require.Equal(t, dz[i*D:(i+1)*D], row[:D], "%v reg=%v row %d", est, reg, i)
					require.Equal(t, tm.Trace[i], row[D])
					if reg {
						require.Equal(t, tm.Kinetic[i], row[D+1])
						require.Equal(t, tm.Frobenius[i], row[D+2])
					}
					require.Equal(t, -3.0, row[w-1], "the spare value is left alone")
				}
			}
		}
		y, dy := make([]float64, 3*n), make([]float64, 3*n)
		assert.ErrorIs(t, dyn.Eval(dy, Terms{}, Request{Z: y, Width: 2, Times: ts, Want: wantReg(false), Trace: ExactTrace}), ErrDimension, "no room for the trace")
		assert.ErrorIs(t, dyn.Eval(dy, Terms{}, Request{Z: y, Width: 3, Times: ts, Want: wantReg(true), Trace: ExactTrace}), ErrDimension, "no room for the regularisers")
		assert.ErrorIs(t, dyn.Eval(dy[:3], Terms{}, Request{Z: y, Width: 3, Times: ts, Want: wantReg(false), Trace: ExactTrace}), ErrDimension)
		assert.ErrorIs(t, dyn.Eval(dy, Terms{}, Request{Z: y, Width: 3, Times: ts[:5], Want: wantReg(false), Trace: ExactTrace}), ErrDimension)
		assert.ErrorIs(t, dyn.Eval(dy, Terms{}, Request{Z: y, Width: 3, Times: ts, Want: wantReg(false), Trace: HutchinsonRademacher, Noise: eps[:4]}), ErrDimension)
		assert.ErrorIs(t, dyn.Eval(dy[:0], Terms{}, Request{Z: y[:0], Width: 3, Times: ts, Want: wantReg(false), Trace: ExactTrace}), ErrDimension)
	}
}
