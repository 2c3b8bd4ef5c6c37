package graph

import "math"

// The executor's kernels. Every kernel overwrites all of dst: buffers are
// reused across nodes, so whatever an earlier node left there must not leak
// into the result. Matrices are row-major; the loops are plain serial ones,
// because the graphs' matrices are narrow (a few columns) and tall, where
// BLAS's blocking and goroutines cost more than they save.

// matMul sets c (m×n) to a (m×k) · b (k×n). It transposes b into bt (n×k
// scratch) first: b is small, and dot products of contiguous rows keep each
// sum in a register, where the row-update order would round-trip c through
// memory on every step (about 4× slower for these shapes).
func matMul(c, a, b, bt []float64, m, n, k int) {
	for p := range k {
		for j, v := range b[p*n : (p+1)*n] {
			bt[j*k+p] = v
		}
	}
	matMulBT(c, a, bt, m, n, k)
}

// transpose sets t (cols×rows) to x (rows×cols)ᵀ.
func transpose(t, x []float64, rows, cols int) {
	t, x = t[:rows*cols], x[:rows*cols]
	for i := range rows {
		for j, v := range x[i*cols : (i+1)*cols] {
			t[j*rows+i] = v
		}
	}
}

// matMulBT sets c (m×n) to a (m×k) · bᵀ with b stored n×k: each entry is a
// dot product of two contiguous rows. Four entries are summed at once so
// that the additions, each waiting on the previous one, overlap.
func matMulBT(c, a, b []float64, m, n, k int) {
	for i := range m {
		ai := a[i*k : (i+1)*k]
		ci := c[i*n : (i+1)*n]
		j := 0
		for ; j+4 <= n; j += 4 {
			b0 := b[j*k : (j+1)*k][:len(ai)]
			b1 := b[(j+1)*k : (j+2)*k][:len(ai)]
			b2 := b[(j+2)*k : (j+3)*k][:len(ai)]
			b3 := b[(j+3)*k : (j+4)*k][:len(ai)]
			var s0, s1, s2, s3 float64
			for p, av := range ai {
				s0 += av * b0[p]
				s1 += av * b1[p]
				s2 += av * b2[p]
				s3 += av * b3[p]
			}
			ci[j], ci[j+1], ci[j+2], ci[j+3] = s0, s1, s2, s3
		}
		for ; j < n; j++ {
			bj := b[j*k : (j+1)*k][:len(ai)]
			var s float64
			for p, av := range ai {
				s += av * bj[p]
			}
			ci[j] = s
		}
	}
}

// matMulAT sets c (m×n) to aᵀ · b with a stored k×m and b k×n. Here k is
// the batch and m, n are small, so each entry is a long strided dot product;
// four run at once, as in matMulBT, and each stays in a register.
func matMulAT(c, a, b []float64, m, n, k int) {
	a, b = a[:k*m], b[:k*n]
	for i := range m {
		ci := c[i*n : (i+1)*n]
		j := 0
		for ; j+4 <= n; j += 4 {
			var s0, s1, s2, s3 float64
			for p := range k {
				av := a[p*m+i]
				bp := b[p*n+j : p*n+j+4]
				s0 += av * bp[0]
				s1 += av * bp[1]
				s2 += av * bp[2]
				s3 += av * bp[3]
			}
			ci[j], ci[j+1], ci[j+2], ci[j+3] = s0, s1, s2, s3
		}
		for ; j < n; j++ {
			var s float64
			for p := range k {
				s += a[p*m+i] * b[p*n+j]
			}
			ci[j] = s
		}
	}
}

// matMulATBT sets c (m×n) to aᵀ · bᵀ with a stored k×m and b n×k.
func matMulATBT(c, a, b []float64, m, n, k int) {
	for i := range m {
		ci := c[i*n : (i+1)*n]
		for j := range ci {
			bj := b[j*k : (j+1)*k]
			var s float64
			for p, bv := range bj {
				s += a[p*m+i] * bv
			}
			ci[j] = s
		}
	}
}

func addVV(d, a, b []float64) {
	b = b[:len(d)]
	a = a[:len(d)]
	for i := range d {
		d[i] = a[i] + b[i]
	}
}

func subVV(d, a, b []float64) {
	b = b[:len(d)]
	a = a[:len(d)]
	for i := range d {
		d[i] = a[i] - b[i]
	}
}

func mulVV(d, a, b []float64) {
	b = b[:len(d)]
	a = a[:len(d)]
	for i := range d {
		d[i] = a[i] * b[i]
	}
}

func divVV(d, a, b []float64) {
	b = b[:len(d)]
	a = a[:len(d)]
	for i := range d {
		d[i] = a[i] / b[i]
	}
}

// The VS kernels take the scalar on the right, the SV kernels on the left;
// + and ⊙ need only one order since they commute exactly in IEEE arithmetic.

func addVS(d, a []float64, s float64) {
	a = a[:len(d)]
	for i := range d {
		d[i] = a[i] + s
	}
}

func subVS(d, a []float64, s float64) {
	a = a[:len(d)]
	for i := range d {
		d[i] = a[i] - s
	}
}

func mulVS(d, a []float64, s float64) {
	a = a[:len(d)]
	for i := range d {
		d[i] = a[i] * s
	}
}

func divVS(d, a []float64, s float64) {
	a = a[:len(d)]
	for i := range d {
		d[i] = a[i] / s
	}
}

func subSV(d []float64, s float64, b []float64) {
	b = b[:len(d)]
	for i := range d {
		d[i] = s - b[i]
	}
}

func divSV(d []float64, s float64, b []float64) {
	b = b[:len(d)]
	for i := range d {
		d[i] = s / b[i]
	}
}

// addRow sets d to a plus row, repeated down a's rows of len(row) values:
// a bias added without a repeated copy of it.
func addRow(d, a, row []float64) {
	n := len(row)
	if n == 0 {
		return
	}
	a = a[:len(d)]
	for i := 0; i+n <= len(d); i += n {
		di, ai := d[i:i+n], a[i:i+n]
		for j, b := range row {
			di[j] = ai[j] + b
		}
	}
}

// mulRow is addRow for ⊙.
func mulRow(d, a, row []float64) {
	n := len(row)
	if n == 0 {
		return
	}
	a = a[:len(d)]
	for i := 0; i+n <= len(d); i += n {
		di, ai := d[i:i+n], a[i:i+n]
		for j, b := range row {
			di[j] = ai[j] * b
		}
	}
}

// subSVSquare sets d to s − b², as subSV of the square does: the conversion
// keeps the product rounded on its own, where a compiler may otherwise fuse
// it into the subtraction.
func subSVSquare(d []float64, s float64, b []float64) {
	b = b[:len(d)]
	for i, x := range b {
		d[i] = s - float64(x*x)
	}
}

// unary applies the elementwise function of op. The formulas are Gorgonia's
// own (gorgonia math_nooptim.go and the tensor engine), so both engines agree
// to rounding.
func unary(op opcode, d, a []float64) {
	a = a[:len(d)]
	switch op {
	case opNeg:
		for i, x := range a {
			d[i] = -x
		}
	case opSquare:
		for i, x := range a {
			d[i] = x * x
		}
	case opCube:
		for i, x := range a {
			d[i] = x * x * x
		}
	case opSqrt:
		for i, x := range a {
			d[i] = math.Sqrt(x)
		}
	case opInv:
		for i, x := range a {
			d[i] = 1 / x
		}
	case opExp:
		for i, x := range a {
			d[i] = math.Exp(x)
		}
	case opLn:
		for i, x := range a {
			d[i] = math.Log(x)
		}
	case opLog1p:
		for i, x := range a {
			d[i] = math.Log1p(x)
		}
	case opExpm1:
		for i, x := range a {
			d[i] = math.Expm1(x)
		}
	case opTanh:
		for i, x := range a {
			d[i] = math.Tanh(x)
		}
	case opSigmoid:
		for i, x := range a {
			d[i] = sigmoid(x)
		}
	case opSoftplus:
		for i, x := range a {
			d[i] = softplus(x)
		}
	default:
		panic("graph: unary kernel called with " + op.String())
	}
}

// sigmoid is Gorgonia's _sigmoidf64, cut-offs included.
func sigmoid(x float64) float64 {
	if x < -709 || x > 19 { // no exp needed
		return sigmoidExp(x, 0)
	}
	return sigmoidExp(x, math.Exp(-x))
}

// sigmoidExp is sigmoid given e = exp(−x), which the cut-offs ignore.
func sigmoidExp(x, e float64) float64 {
	switch {
	case x < -709:
		return 0
	case x > 19:
		return 1
	}
	return 1.0 / (1.0 + e)
}

// softplus is Gorgonia's _softplusf64, cut-offs included.
func softplus(x float64) float64 {
	if x < -708 || x > 16 {
		return softplusExp(x, 0)
	}
	return softplusExp(x, math.Exp(x))
}

// softplusExp is softplus given e = exp(x), which the cut-offs ignore.
func softplusExp(x, e float64) float64 {
	switch {
	case x < -708:
		return 0
	case x > 16:
		return x
	}
	return math.Log1p(e)
}

// move is copy for the layout kernels, which mostly move one to eight
// values at a time: for those a loop is faster than calling memmove.
func move(d, s []float64) {
	if len(s) > 8 {
		copy(d, s)
		return
	}
	d = d[:len(s)]
	//lint:ignore S1001 the loop is the point: copy calls memmove
	for i, v := range s {
		d[i] = v
	}
}

// concat joins srcs along an axis: for each of outer blocks, src i
// contributes widths[i] contiguous values. It goes one operand at a time, as
// a strided copy: the operands of the library's graphs are columns one to a
// few values wide, where a copy per value and block costs more than the
// values.
func concat(d []float64, srcs [][]float64, widths []int, outer int) {
	total := 0
	for _, w := range widths {
		total += w
	}
	if outer == 1 || total > 16 {
		off := 0
		for o := range outer {
			for i, src := range srcs {
				w := widths[i]
				move(d[off:off+w], src[o*w:(o+1)*w])
				off += w
			}
		}
		return
	}
	d = d[:outer*total]
	off := 0
	for i, src := range srcs {
		w := widths[i]
		switch w {
		case 1:
			src = src[:outer]
			for o, v := range src {
				d[o*total+off] = v
			}
		case 2:
			for o := range outer {
				*(*[2]float64)(d[o*total+off:]) = *(*[2]float64)(src[2*o:])
			}
		default:
			for o := range outer {
				move(d[o*total+off:o*total+off+w], src[o*w:(o+1)*w])
			}
		}
		off += w
	}
}

// repeat is numpy's repeat along an axis of length length: each of the
// length slabs of inner values is written reps times in a row.
func repeat(d, a []float64, outer, length, inner, reps int) {
	if inner == 1 { // a column repeated across: one fill per value
		d = d[:outer*length*reps]
		for i, v := range a[:outer*length] {
			row := d[i*reps : (i+1)*reps]
			for j := range row {
				row[j] = v
			}
		}
		return
	}
	off := 0
	for o := range outer {
		for l := range length {
			src := a[(o*length+l)*inner : (o*length+l+1)*inner]
			for range reps {
				move(d[off:off+inner], src)
				off += inner
			}
		}
	}
}

// slice copies count slabs start, start+step, … of an axis of length length
// into d. Single values (a column's entries, inner = 1) are copied without
// the per-slab call.
func slice(d, a []float64, outer, length, inner, start, step, count int) {
	if inner == 1 {
		d = d[:outer*count]
		for o := range outer {
			row := a[o*length : (o+1)*length]
			if step == 1 { // a run of columns: one copy a row
				copy(d[o*count:(o+1)*count], row[start:start+count])
				continue
			}
			for c := range count {
				d[o*count+c] = row[start+c*step]
			}
		}
		return
	}
	off := 0
	for o := range outer {
		for c := range count {
			at := (o*length + start + c*step) * inner
			move(d[off:off+inner], a[at:at+inner])
			off += inner
		}
	}
}

// sliceIncr is the gradient of slice: zeros everywhere except the sliced
// slabs, which receive incr (a single value when scalar). Gorgonia's own
// UsePreallocDo adds into whatever its buffer held; this always starts from
// zero, as its Do does.
func sliceIncr(d, incr []float64, scalar bool, outer, length, inner, start, step, count int) {
	clear(d)
	if inner == 1 && !scalar {
		incr = incr[:outer*count]
		for o := range outer {
			row := d[o*length : (o+1)*length]
			for c := range count {
				row[start+c*step] = incr[o*count+c]
			}
		}
		return
	}
	off := 0
	for o := range outer {
		for c := range count {
			at := (o*length + start + c*step) * inner
			dst := d[at : at+inner]
			if scalar {
				for j := range dst {
					dst[j] = incr[0]
				}
				continue
			}
			move(dst, incr[off:off+inner])
			off += inner
		}
	}
}

// sumAll sets d[0] to the sum of a.
func sumAll(d, a []float64) {
	var s float64
	for _, x := range a {
		s += x
	}
	d[0] = s
}

// sumAxis sums a over an axis of length length, leaving outer×inner values.
// Each sum starts from the first slab and adds the others in order; one or
// two values a slab are summed in registers.
func sumAxis(d, a []float64, outer, length, inner int) {
	for o := range outer {
		do := d[o*inner : (o+1)*inner]
		ao := a[o*length*inner : (o+1)*length*inner]
		switch inner {
		case 1:
			s := ao[0]
			for _, x := range ao[1:] {
				s += x
			}
			do[0] = s
			continue
		case 2:
			s0, s1 := ao[0], ao[1]
			for l := 2; l+1 < len(ao); l += 2 {
				s0 += ao[l]
				s1 += ao[l+1]
			}
			do[0], do[1] = s0, s1
			continue
		}
		copy(do, ao[:inner])
		for l := 1; l < length; l++ {
			src := ao[l*inner : (l+1)*inner]
			for j, x := range src {
				do[j] += x
			}
		}
	}
}
