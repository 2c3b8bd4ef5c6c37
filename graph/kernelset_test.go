package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func requireVector(t *testing.T) {
	t.Helper()
	if !vectorAvailable {
		t.Skip("vector kernels not available on this CPU or build")
	}
}

// randomShape draws a size that is often 0, small or odd, and sometimes
// the batch sizes of the library's programs.
func randomShape(r *rand.Rand) int {
	sizes := []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 31, 33, 64, 65, 128, 131}
	return sizes[r.IntN(len(sizes))]
}

// randomValues fills n values of random sign over several binades.
func randomValues(r *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = r.NormFloat64() * math.Exp2(float64(r.IntN(21)-10))
	}
	return x
}

// The vector products agree with the pure-Go ones within 1e-13 of the sum of
// the terms' magnitudes (the bound that holds with cancellation), and a
// row's values are the same bits whichever rows surround it.
func TestVectorProducts(t *testing.T) {
	requireVector(t)
	r := rand.New(rand.NewPCG(5, 6))
	type product struct {
		op opcode
		// the index of A(i, p) and B(p, j) in a and b
		ai, bi func(i, p, j, m, n, k int) int
	}
	products := []product{
		{opMatMul, func(i, p, _, _, _, k int) int { return i*k + p }, func(_, p, j, _, n, _ int) int { return p*n + j }},
		{opMatMulBT, func(i, p, _, _, _, k int) int { return i*k + p }, func(_, p, j, _, _, k int) int { return j*k + p }},
		{opMatMulAT, func(i, p, _, m, _, _ int) int { return p*m + i }, func(_, p, j, _, n, _ int) int { return p*n + j }},
		{opMatMulATBT, func(i, p, _, m, _, _ int) int { return p*m + i }, func(_, p, j, _, _, k int) int { return j*k + p }},
	}
	pick := func(tab *kernelTable, op opcode) func(c, a, b, s []float64, m, n, k int) {
		return map[opcode]func(c, a, b, s []float64, m, n, k int){
			opMatMul: tab.matMul, opMatMulBT: tab.matMulBT, opMatMulAT: tab.matMulAT, opMatMulATBT: tab.matMulATBT,
		}[op]
	}
	for trial := range 600 {
		pr := products[trial%len(products)]
		m, n, k := randomShape(r), randomShape(r), randomShape(r)
		a, b := randomValues(r, m*k), randomValues(r, k*n)
		want, got := dirty(m*n), dirty(m*n)
		pick(&pureKernels, pr.op)(want, a, b, dirty(n*k), m, n, k)
		pick(&vectorKernels, pr.op)(got, a, b, dirty(n*k), m, n, k)
		for i := range m {
			for j := range n {
				mag := 0.0
				for p := range k {
					mag += math.Abs(a[pr.ai(i, p, j, m, n, k)] * b[pr.bi(i, p, j, m, n, k)])
				}
				require.LessOrEqual(t, math.Abs(got[i*n+j]-want[i*n+j]), 1e-13*mag,
					"%v %d×%d×%d at (%d, %d): %v, pure Go %v", pr.op, m, n, k, i, j, got[i*n+j], want[i*n+j])
			}
		}
		if (pr.op == opMatMul || pr.op == opMatMulBT) && m > 0 && n > 0 {
			i := r.IntN(m)
			row := dirty(n)
			pick(&vectorKernels, pr.op)(row, a[i*k:(i+1)*k], b, dirty(n*k), 1, n, k)
			require.Equal(t, bits(got[i*n:(i+1)*n]), bits(row), "%v %d×%d×%d: row %d alone", pr.op, m, n, k, i)
		}
	}
}

// bits returns x's bit patterns, so that comparisons see −0 and NaN.
func bits(x []float64) []uint64 {
	b := make([]uint64, len(x))
	for i, v := range x {
		b[i] = math.Float64bits(v)
	}
	return b
}

// The vector elementwise operators are one IEEE operation per value, as the
// pure-Go ones: the same bits, specials included, at every length.
func TestVectorElementwise(t *testing.T) {
	requireVector(t)
	r := rand.New(rand.NewPCG(7, 8))
	specials := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), 0x1p-1074, -0x1p-1060, math.MaxFloat64}
	values := func(n int) []float64 {
		x := randomValues(r, n)
		for i := range x {
			if r.IntN(8) == 0 {
				x[i] = specials[r.IntN(len(specials))]
			}
		}
		return x
	}
	pv, vk := &pureKernels, &vectorKernels
	for _, n := range []int{0, 1, 2, 3, 4, 5, 7, 15, 16, 17, 19, 33, 1000, 1027} {
		a, b := values(n), values(n)
		s := values(1)[0]
		check := func(name string, pure, vec func(d []float64)) {
			want, got := dirty(n), dirty(n)
			pure(want)
			vec(got)
			require.Equal(t, bits(want), bits(got), "%s, %d values", name, n)
		}
		for _, op := range []struct {
			name      string
			pure, vec func(d, a, b []float64)
		}{{"add", pv.addVV, vk.addVV}, {"sub", pv.subVV, vk.subVV}, {"mul", pv.mulVV, vk.mulVV}, {"div", pv.divVV, vk.divVV}} {
			check(op.name, func(d []float64) { op.pure(d, a, b) }, func(d []float64) { op.vec(d, a, b) })
		}
		for _, op := range []struct {
			name      string
			pure, vec func(d, a []float64, s float64)
		}{{"add-vs", pv.addVS, vk.addVS}, {"sub-vs", pv.subVS, vk.subVS}, {"mul-vs", pv.mulVS, vk.mulVS}, {"div-vs", pv.divVS, vk.divVS}} {
			check(op.name, func(d []float64) { op.pure(d, a, s) }, func(d []float64) { op.vec(d, a, s) })
		}
		for _, op := range []struct {
			name      string
			pure, vec func(d []float64, s float64, b []float64)
		}{{"sub-sv", pv.subSV, vk.subSV}, {"div-sv", pv.divSV, vk.divSV}} {
			check(op.name, func(d []float64) { op.pure(d, s, b) }, func(d []float64) { op.vec(d, s, b) })
		}
		check("sub-sv-square", func(d []float64) { pv.subSVSquare(d, s, b) }, func(d []float64) { vk.subSVSquare(d, s, b) })
		// A row of every width that divides n, down n/width rows: four and
		// its multiples in the assembly, one and two repeated to four,
		// others in Go.
		for w := 1; w <= min(n, 12); w++ {
			if n%w != 0 {
				continue
			}
			row := values(w)
			check(fmt.Sprintf("add-row of %d", w), func(d []float64) { pv.addRow(d, a, row) }, func(d []float64) { vk.addRow(d, a, row) })
			check(fmt.Sprintf("mul-row of %d", w), func(d []float64) { pv.mulRow(d, a, row) }, func(d []float64) { vk.mulRow(d, a, row) })
		}
		for _, op := range []opcode{opNeg, opSquare, opCube, opSqrt, opInv, opLn, opLog1p, opExpm1} {
			check(op.String(), func(d []float64) { pv.unary(op, d, a) }, func(d []float64) { vk.unary(op, d, a) })
		}
		// exp and tanh: within their bounds of math's, at every length and
		// position (the last len%4 values take another route in).
		for _, op := range []opcode{opExp, opTanh} {
			want, got := dirty(n), dirty(n)
			pv.unary(op, want, a)
			vk.unary(op, got, a)
			for i := range want {
				assert.LessOrEqual(t, ulpsApart(want[i], got[i]), float64(max(expMaxULP, tanhMaxULP)), "%v(%v), %d values", op, a[i], n)
			}
			one := dirty(1)
			if n > 0 {
				vk.unary(op, one, a[n-1:])
				assert.Equal(t, bits(got[n-1:]), bits(one), "%v: the last value alone", op)
			}
		}
	}
}

// The vector column sums add each column's values in the pure-Go kernel's
// order: the same bits, at widths in and out of the assembly's.
func TestVectorSumAxis(t *testing.T) {
	requireVector(t)
	r := rand.New(rand.NewPCG(11, 12))
	for range 300 {
		outer, length, inner := 1+r.IntN(3), randomShape(r), randomShape(r)
		a := randomValues(r, outer*length*inner)
		want, got := dirty(outer*inner), dirty(outer*inner)
		if length > 0 {
			pureKernels.sumAxis(want, a, outer, length, inner)
			vectorKernels.sumAxis(got, a, outer, length, inner)
		}
		require.Equal(t, bits(want), bits(got), "%d×%d×%d", outer, length, inner)
	}
}

// The vector concat copies what the pure-Go one does, for operands of the
// widths it copies as columns and of others.
func TestVectorConcat(t *testing.T) {
	requireVector(t)
	r := rand.New(rand.NewPCG(13, 14))
	for range 300 {
		outer := randomShape(r)
		widths := make([]int, 1+r.IntN(4))
		srcs := make([][]float64, len(widths))
		total := 0
		for i := range widths {
			widths[i] = []int{1, 2, 4, 3, 5, 8}[r.IntN(6)]
			srcs[i] = randomValues(r, outer*widths[i])
			total += widths[i]
		}
		want, got := dirty(outer*total), dirty(outer*total)
		pureKernels.concat(want, srcs, widths, outer)
		vectorKernels.concat(got, srcs, widths, outer)
		require.Equal(t, bits(want), bits(got), "widths %v, %d blocks", widths, outer)
	}
}

// Both kernel sets are reachable through the API, and an unavailable or
// unknown set is an error, not a panic.
func TestSetDefaultKernels(t *testing.T) {
	old := DefaultKernels()
	defer func() { require.NoError(t, SetDefaultKernels(old)) }()
	require.NoError(t, SetDefaultKernels(PureGo))
	assert.Equal(t, PureGo, DefaultKernels())
	if vectorAvailable {
		require.NoError(t, SetDefaultKernels(Vector))
		assert.Equal(t, Vector, DefaultKernels())
	} else {
		require.ErrorIs(t, SetDefaultKernels(Vector), ErrKernelsUnavailable)
	}
	require.ErrorIs(t, SetDefaultKernels(KernelSet(9)), ErrKernelsUnavailable)
	assert.Equal(t, "purego", PureGo.String())
	assert.Equal(t, "vector", Vector.String())
	assert.Equal(t, "KernelSet(9)", KernelSet(9).String())
	assert.False(t, KernelSet(9).Available())
}
