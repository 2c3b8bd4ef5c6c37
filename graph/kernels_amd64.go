//go:build !purego

package graph

import "golang.org/x/sys/cpu"

// vectorAvailable is read once at start-up: the assembly needs AVX2 and FMA
// (and the OS saving the YMM registers, which cpu.X86.HasAVX2 includes).
var vectorAvailable = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// The assembly kernels (kernels_amd64.s, vecmath_amd64.s). They take
// pointers and counts; the wrappers below check the slices' lengths first,
// so that a bad shape panics in Go (and Run turns it into an error) instead
// of reading past a buffer.

//go:noescape
func gemmAVX2(c, a, b *float64, m, n, k, ars, acs int, row *float64)

//go:noescape
func addVVAVX2(d, a, b *float64, n int)

//go:noescape
func subVVAVX2(d, a, b *float64, n int)

//go:noescape
func mulVVAVX2(d, a, b *float64, n int)

//go:noescape
func divVVAVX2(d, a, b *float64, n int)

//go:noescape
func addVSAVX2(d, a *float64, n int, s float64)

//go:noescape
func subVSAVX2(d, a *float64, n int, s float64)

//go:noescape
func mulVSAVX2(d, a *float64, n int, s float64)

//go:noescape
func divVSAVX2(d, a *float64, n int, s float64)

//go:noescape
func subSVAVX2(d, a *float64, n int, s float64)

//go:noescape
func divSVAVX2(d, a *float64, n int, s float64)

//go:noescape
func addRowAVX2(d, a, row *float64, rows, n int)

//go:noescape
func mulRowAVX2(d, a, row *float64, rows, n int)

//go:noescape
func subSVSquareAVX2(d, a *float64, n int, s float64)

//go:noescape
func sumRowsAVX2(d, a *float64, rows, n int)

//go:noescape
func colCopyAVX2(d, src *float64, rows, w, stride int)

//go:noescape
func transposeAVX2(t, x *float64, rows, cols int)

//go:noescape
func expAVX2(d, a *float64, n int)

//go:noescape
func tanhAVX2(d, a *float64, n int)

var vectorKernels = kernelTable{
	matMul:       matMulVec,
	matMulBT:     matMulBTVec,
	matMulAT:     matMulATVec,
	matMulATBT:   matMulATBTVec,
	matMulAddRow: matMulAddRowVec,
	addVV:        func(d, a, b []float64) { vv(addVVAVX2, d, a, b) },
	subVV:        func(d, a, b []float64) { vv(subVVAVX2, d, a, b) },
	mulVV:        func(d, a, b []float64) { vv(mulVVAVX2, d, a, b) },
	divVV:        func(d, a, b []float64) { vv(divVVAVX2, d, a, b) },
	addVS:        func(d, a []float64, s float64) { vs(addVSAVX2, d, a, s) },
	subVS:        func(d, a []float64, s float64) { vs(subVSAVX2, d, a, s) },
	mulVS:        func(d, a []float64, s float64) { vs(mulVSAVX2, d, a, s) },
	divVS:        func(d, a []float64, s float64) { vs(divVSAVX2, d, a, s) },
	subSV:        func(d []float64, s float64, b []float64) { vs(subSVAVX2, d, b, s) },
	divSV:        func(d []float64, s float64, b []float64) { vs(divSVAVX2, d, b, s) },
	addRow:       func(d, a, row []float64) { rowOp(false, d, a, row) },
	mulRow:       func(d, a, row []float64) { rowOp(true, d, a, row) },
	subSVSquare:  func(d []float64, s float64, b []float64) { vs(subSVSquareAVX2, d, b, s) },
	sumAxis:      sumAxisVec,
	concat:       concatVec,
	unary:        unaryVec,
}

// gemm sets c (m×n) to A·b, b k×n, with A(i, p) = a[i*ars + p*acs]; last
// is the index of A's last value. A row (n values, or nil) is added to
// every row of the product.
func gemm(c, a, b, row []float64, m, n, k, ars, acs, last int) {
	if m == 0 || n == 0 {
		return
	}
	c = c[:m*n]
	if k == 0 {
		clear(c)
		if row != nil {
			rowOp(false, c, c, row[:n])
		}
		return
	}
	_, _ = a[last], b[k*n-1]
	var r *float64
	if row != nil {
		r = &row[:n][0]
	}
	gemmAVX2(&c[0], &a[0], &b[0], m, n, k, ars, acs, r)
}

// matMulVec is matMul without the transpose: the kernel runs along B's rows.
func matMulVec(c, a, b, _ []float64, m, n, k int) {
	gemm(c, a, b, nil, m, n, k, k, 1, m*k-1)
}

// matMulAddRowVec is matMulVec with the row added in the product's
// registers.
func matMulAddRowVec(c, a, b, row, _ []float64, m, n, k int) {
	gemm(c, a, b, row, m, n, k, k, 1, m*k-1)
}

// matMulBTVec transposes b (n×k, the layers' weights: small) into scratch.
func matMulBTVec(c, a, b, scratch []float64, m, n, k int) {
	transposeVec(scratch, b, n, k)
	gemm(c, a, scratch, nil, m, n, k, k, 1, m*k-1)
}

func matMulATVec(c, a, b, _ []float64, m, n, k int) {
	gemm(c, a, b, nil, m, n, k, 1, m, k*m-1)
}

func matMulATBTVec(c, a, b, scratch []float64, m, n, k int) {
	transposeVec(scratch, b, n, k)
	gemm(c, a, scratch, nil, m, n, k, 1, m, k*m-1)
}

// transposeVec is transpose with the assembly's 4×4 blocks where both
// sides are multiples of four (the 128- and 64-wide weights: a 128×128
// transpose in Go took a fifth of the time of the product it serves).
func transposeVec(t, x []float64, rows, cols int) {
	if rows%4 != 0 || cols%4 != 0 || rows == 0 || cols == 0 {
		transpose(t, x, rows, cols)
		return
	}
	_, _ = t[rows*cols-1], x[rows*cols-1]
	transposeAVX2(&t[0], &x[0], rows, cols)
}

// vv runs an elementwise kernel of two tensors.
func vv(f func(d, a, b *float64, n int), d, a, b []float64) {
	if len(d) == 0 {
		return
	}
	_, _ = a[len(d)-1], b[len(d)-1]
	f(&d[0], &a[0], &b[0], len(d))
}

// vs runs an elementwise kernel of a tensor and a scalar.
func vs(f func(d, a *float64, n int, s float64), d, a []float64, s float64) {
	if len(d) == 0 {
		return
	}
	_ = a[len(d)-1]
	f(&d[0], &a[0], len(d), s)
}

// rowOp runs add-row (mul false) or mul-row. The assembly takes rows of a
// multiple of four values; a row of one or two is repeated to four first,
// and other widths run the pure-Go kernel, which does the same operation.
// The calls are direct, so that quad stays on the stack.
func rowOp(mul bool, d, a, row []float64) {
	n := len(row)
	if n == 0 || len(d) == 0 {
		return
	}
	a = a[:len(d)]
	var quad [4]float64
	r, rows := &row[0], len(d)/n
	switch {
	case n%4 == 0 && len(d)%n == 0:
	case 4%n == 0 && len(d)%4 == 0:
		for i := range quad {
			quad[i] = row[i%n]
		}
		r, rows, n = &quad[0], len(d)/4, 4
	case mul:
		mulRow(d, a, row)
		return
	default:
		addRow(d, a, row)
		return
	}
	if mul {
		mulRowAVX2(&d[0], &a[0], r, rows, n)
	} else {
		addRowAVX2(&d[0], &a[0], r, rows, n)
	}
}

// sumAxisVec is sumAxis with the assembly where a slab's width is a
// multiple of four (the weights' and biases' gradients), pure Go elsewhere;
// both add each column's values in the same order.
func sumAxisVec(d, a []float64, outer, length, inner int) {
	if inner%4 != 0 || inner == 0 || length == 0 || outer == 0 {
		sumAxis(d, a, outer, length, inner)
		return
	}
	block := length * inner
	_, _ = d[outer*inner-1], a[outer*block-1]
	for o := range outer {
		sumRowsAVX2(&d[o*inner], &a[o*block], length, inner)
	}
}

// concatVec is concat with the operands one, two or four values wide (the
// networks' [t, z] inputs and their tangents) copied as columns by the
// assembly; other operands and shapes take the pure-Go kernel's route.
func concatVec(d []float64, srcs [][]float64, widths []int, outer int) {
	total := 0
	for _, w := range widths {
		total += w
	}
	if outer <= 1 || total > 16 {
		concat(d, srcs, widths, outer)
		return
	}
	d = d[:outer*total]
	off := 0
	for i, src := range srcs {
		switch w := widths[i]; w {
		case 1, 2, 4:
			_ = src[outer*w-1]
			colCopyAVX2(&d[off], &src[0], outer, w, total)
		default:
			for o := range outer {
				move(d[o*total+off:o*total+off+w], src[o*w:(o+1)*w])
			}
		}
		off += widths[i]
	}
}

// quads runs f, which takes a multiple of four values, over all of a: the
// last len%4 values go through a four-value buffer, so that every value is
// computed by the same instructions wherever it sits in a.
func quads(f func(d, a *float64, n int), d, a []float64) {
	a = a[:len(d)]
	n := len(d) &^ 3
	if n > 0 {
		f(&d[0], &a[0], n)
	}
	if n < len(d) {
		var buf [4]float64
		copy(buf[:], a[n:])
		f(&buf[0], &buf[0], 4)
		copy(d[n:], buf[:])
	}
}

// unaryVec vectorises the functions that matter to the library's networks
// and the operators that are one IEEE operation; the rest are the pure-Go
// kernel's.
func unaryVec(op opcode, d, a []float64) {
	switch op {
	case opSquare:
		vv(mulVVAVX2, d, a, a)
	case opInv:
		vs(divSVAVX2, d, a, 1)
	case opExp:
		quads(expAVX2, d, a)
	case opTanh:
		quads(tanhAVX2, d, a)
	case opSigmoid:
		a = a[:len(d)]
		for i, x := range a {
			d[i] = -x
		}
		quads(expAVX2, d, d)
		for i, x := range a {
			d[i] = sigmoidExp(x, d[i])
		}
	case opSoftplus:
		a = a[:len(d)]
		quads(expAVX2, d, a)
		for i, x := range a {
			d[i] = softplusExp(x, d[i])
		}
	default:
		unary(op, d, a)
	}
}
