package graph

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dirty returns n NaNs: kernels must overwrite every element they own.
func dirty(n int) []float64 {
	d := make([]float64, n)
	for i := range d {
		d[i] = math.NaN()
	}
	return d
}

func TestMatMulKernels(t *testing.T) {
	// A = [1 2 3; 4 5 6], B = [7 8; 9 10; 11 12], A·B = [58 64; 139 154].
	a := []float64{1, 2, 3, 4, 5, 6}
	at := []float64{1, 4, 2, 5, 3, 6} // Aᵀ stored 3×2
	b := []float64{7, 8, 9, 10, 11, 12}
	bt := []float64{7, 9, 11, 8, 10, 12} // Bᵀ stored 2×3
	want := []float64{58, 64, 139, 154}

	c := dirty(4)
	matMul(c, a, b, dirty(6), 2, 2, 3)
	assert.Equal(t, want, c, "A × B")
	c = dirty(4)
	matMulBT(c, a, bt, 2, 2, 3)
	assert.Equal(t, want, c, "A × Bᵀ")
	c = dirty(4)
	matMulAT(c, at, b, 2, 2, 3)
	assert.Equal(t, want, c, "Aᵀ × B")
	c = dirty(4)
	matMulATBT(c, at, bt, 2, 2, 3)
	assert.Equal(t, want, c, "Aᵀ × Bᵀ")
	// A matrix–vector product is a product with one column.
	c = dirty(2)
	matMul(c, a, []float64{1, 0, -1}, dirty(3), 2, 1, 3)
	assert.Equal(t, []float64{-2, -2}, c, "A × b")
}

func TestElementwiseKernels(t *testing.T) {
	x, y := []float64{1, -2, 4}, []float64{2, 4, -8}
	for _, tc := range []struct {
		name string
		fn   func(d []float64)
		want []float64
	}{
		{"add", func(d []float64) { addVV(d, x, y) }, []float64{3, 2, -4}},
		{"sub", func(d []float64) { subVV(d, x, y) }, []float64{-1, -6, 12}},
		{"mul", func(d []float64) { mulVV(d, x, y) }, []float64{2, -8, -32}},
		{"div", func(d []float64) { divVV(d, x, y) }, []float64{0.5, -0.5, -0.5}},
		{"x+s", func(d []float64) { addVS(d, x, 10) }, []float64{11, 8, 14}},
		{"x-s", func(d []float64) { subVS(d, x, 10) }, []float64{-9, -12, -6}},
		{"s-x", func(d []float64) { subSV(d, 10, x) }, []float64{9, 12, 6}},
		{"x*s", func(d []float64) { mulVS(d, x, 3) }, []float64{3, -6, 12}},
		{"x/s", func(d []float64) { divVS(d, x, 2) }, []float64{0.5, -1, 2}},
		{"s/x", func(d []float64) { divSV(d, 4, x) }, []float64{4, -2, 1}},
		{"s-x²", func(d []float64) { subSVSquare(d, 10, x) }, []float64{9, 6, -6}},
		{"neg", func(d []float64) { unary(opNeg, d, x) }, []float64{-1, 2, -4}},
		{"square", func(d []float64) { unary(opSquare, d, x) }, []float64{1, 4, 16}},
		{"cube", func(d []float64) { unary(opCube, d, x) }, []float64{1, -8, 64}},
		{"sqrt", func(d []float64) { unary(opSqrt, d, []float64{1, 4, 16}) }, []float64{1, 2, 4}},
		{"inv", func(d []float64) { unary(opInv, d, x) }, []float64{1, -0.5, 0.25}},
		{"exp", func(d []float64) { unary(opExp, d, []float64{0, 1, -1}) }, []float64{1, math.E, 1 / math.E}},
		{"ln", func(d []float64) { unary(opLn, d, []float64{1, math.E, 1}) }, []float64{0, 1, 0}},
		{"log1p", func(d []float64) { unary(opLog1p, d, []float64{0, math.E - 1, 0}) }, []float64{0, 1, 0}},
		{"expm1", func(d []float64) { unary(opExpm1, d, []float64{0, 0, 0}) }, []float64{0, 0, 0}},
		{"tanh", func(d []float64) { unary(opTanh, d, []float64{0, math.Log(2), -math.Log(2)}) }, []float64{0, 0.6, -0.6}},
		{"sigmoid", func(d []float64) { unary(opSigmoid, d, []float64{0, math.Log(3), -800}) }, []float64{0.5, 0.75, 0}},
		{"softplus", func(d []float64) { unary(opSoftplus, d, []float64{0, math.Log(3), 20}) }, []float64{math.Ln2, 2 * math.Ln2, 20}},
	} {
		d := dirty(3)
		tc.fn(d)
		assert.InDeltaSlice(t, tc.want, d, 1e-15, tc.name)
	}
	// A row repeated down three rows of two.
	d := dirty(6)
	addRow(d, []float64{1, 2, 3, 4, 5, 6}, []float64{10, 20})
	assert.Equal(t, []float64{11, 22, 13, 24, 15, 26}, d, "add-row")
	d = dirty(6)
	mulRow(d, []float64{1, 2, 3, 4, 5, 6}, []float64{10, 20})
	assert.Equal(t, []float64{10, 40, 30, 80, 50, 120}, d, "mul-row")
	assert.Equal(t, 1.0, sigmoid(20), "sigmoid saturates like Gorgonia's")
	assert.Equal(t, 0.0, softplus(-800), "softplus underflows like Gorgonia's")
}

func TestLayoutKernels(t *testing.T) {
	// concat(axis=1) of t, t (2×1) and z (2×2).
	d := dirty(8)
	concat(d, [][]float64{{1, 2}, {1, 2}, {3, 4, 5, 6}}, []int{1, 1, 2}, 2)
	assert.Equal(t, []float64{1, 1, 3, 4, 2, 2, 5, 6}, d, "concat")

	// Repeat0 of a 1×2 row to 3×2.
	d = dirty(6)
	repeat(d, []float64{7, 8}, 1, 1, 2, 3)
	assert.Equal(t, []float64{7, 8, 7, 8, 7, 8}, d, "repeat rows")
	// Repeat1 of a 2×1 column to 2×3.
	d = dirty(6)
	repeat(d, []float64{7, 8}, 2, 1, 1, 3)
	assert.Equal(t, []float64{7, 7, 7, 8, 8, 8}, d, "repeat columns")
	// numpy's repeat of a length-2 axis: each slab twice in a row.
	d = dirty(8)
	repeat(d, []float64{1, 2, 3, 4}, 1, 2, 2, 2)
	assert.Equal(t, []float64{1, 2, 1, 2, 3, 4, 3, 4}, d, "repeat slabs")
	d = dirty(6)
	repeat(d, []float64{1, 2, 3}, 1, 3, 1, 2)
	assert.Equal(t, []float64{1, 1, 2, 2, 3, 3}, d, "repeat values")

	x := []float64{ // 2×4
		0, 1, 2, 3,
		4, 5, 6, 7,
	}
	d = dirty(2)
	slice(d, x, 2, 4, 1, 1, 1, 1)
	assert.Equal(t, []float64{1, 5}, d, "T[:, 1]")
	d = dirty(4)
	slice(d, x, 2, 4, 1, 1, 2, 2)
	assert.Equal(t, []float64{1, 3, 5, 7}, d, "T[:, 1:4:2]")
	d = dirty(4)
	slice(d, x, 2, 4, 1, 1, 1, 2)
	assert.Equal(t, []float64{1, 2, 5, 6}, d, "T[:, 1:3]")
	d = dirty(4)
	slice(d, x, 1, 2, 4, 1, 1, 1)
	assert.Equal(t, []float64{4, 5, 6, 7}, d, "T[1]")

	d = dirty(8)
	sliceIncr(d, []float64{10, 20, 30, 40}, false, 2, 4, 1, 2, 1, 2)
	assert.Equal(t, []float64{0, 0, 10, 20, 0, 0, 30, 40}, d, "T[:, 2:4]+=")
	d = dirty(8)
	sliceIncr(d, []float64{9}, true, 2, 4, 1, 0, 1, 1)
	assert.Equal(t, []float64{9, 0, 0, 0, 9, 0, 0, 0}, d, "T[:, 0]+=scalar")

	d = dirty(1)
	sumAll(d, x)
	assert.Equal(t, []float64{28}, d, "Σ")
	d = dirty(4)
	sumAxis(d, x, 1, 2, 4)
	assert.Equal(t, []float64{4, 6, 8, 10}, d, "Σ[0]")
	d = dirty(2)
	sumAxis(d, x, 2, 4, 1)
	assert.Equal(t, []float64{6, 22}, d, "Σ[1]")
}

// The layout kernels against the obvious index arithmetic, on random shapes,
// so that each specialised path (one- and two-value columns, rows wider than
// sixteen, single values) is covered.
func TestLayoutKernelsAgainstIndexing(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for range 300 {
		outer := 1 + r.IntN(9)
		if r.IntN(4) == 0 {
			outer = 1
		}
		widths := make([]int, 1+r.IntN(4))
		srcs := make([][]float64, len(widths))
		total := 0
		for i := range widths {
			widths[i] = 1 + r.IntN(3)
			if r.IntN(5) == 0 {
				widths[i] = 1 + r.IntN(12)
			}
			srcs[i] = randomValues(r, outer*widths[i])
			total += widths[i]
		}
		want := make([]float64, 0, outer*total)
		for o := range outer {
			for i, w := range widths {
				want = append(want, srcs[i][o*w:(o+1)*w]...)
			}
		}
		d := dirty(outer * total)
		concat(d, srcs, widths, outer)
		require.Equal(t, want, d, "concat of widths %v, %d blocks", widths, outer)

		length, inner := 1+r.IntN(6), 1+r.IntN(3)
		if r.IntN(2) == 0 {
			inner = 1
		}
		start := r.IntN(length)
		step := 1 + r.IntN(2)
		count := 1 + (length-1-start)/step
		a := randomValues(r, outer*length*inner)
		want = want[:0]
		for o := range outer {
			for c := range count {
				at := (o*length + start + c*step) * inner
				want = append(want, a[at:at+inner]...)
			}
		}
		part := dirty(outer * count * inner)
		slice(part, a, outer, length, inner, start, step, count)
		require.Equal(t, want, part, "slice %d:%d of %d×%d×%d", start, step, outer, length, inner)

		back := make([]float64, len(a))
		for o := range outer {
			for c := range count {
				at := (o*length + start + c*step) * inner
				copy(back[at:at+inner], part[(o*count+c)*inner:])
			}
		}
		d = dirty(len(a))
		sliceIncr(d, part, false, outer, length, inner, start, step, count)
		require.Equal(t, back, d, "slice-incr %d:%d of %d×%d×%d", start, step, outer, length, inner)
	}
}

// TestTransposeVec: the vector transpose moves every value to its place,
// for sides that are and are not multiples of four.
func TestTransposeVec(t *testing.T) {
	for _, sz := range [][2]int{{4, 4}, {8, 4}, {4, 12}, {128, 64}, {3, 5}, {1, 8}, {6, 4}} {
		rows, cols := sz[0], sz[1]
		x := make([]float64, rows*cols)
		for i := range x {
			x[i] = float64(i) + 0.5
		}
		got := dirty(rows * cols)
		transposeVec(got, x, rows, cols)
		for i := range rows {
			for j := range cols {
				require.Equal(t, x[i*cols+j], got[j*rows+i], "%d×%d at %d,%d", rows, cols, i, j)
			}
		}
	}
}
