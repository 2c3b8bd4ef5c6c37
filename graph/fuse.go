package graph

import "fmt"

// The executor's compile-time passes. Lowering gives every Gorgonia node a
// kernel of its own; these passes then rewrite the code where a pattern of
// kernels has a cheaper equivalent that does the same IEEE operations on
// every value, so the results keep their bits (NaN payloads aside). Code
// that matches no pattern is left as lowered: every pattern is an
// optimisation, never a requirement.
//
//   - Equal instructions (same kernel, operands and layout) are computed
//     once: the tangent and gradient rules rebuild the same 1 − tanh²
//     several times. x ⊙ x is first written as x², so that both spellings
//     meet.
//   - A value repeated from one scalar (Gorgonia's broadcasting of a
//     constant) is not built: the operator that reads it takes the scalar.
//   - A row repeated down the rows (a bias, BroadcastAdd along axis 0) is
//     not built either: + and ⊙ read the row directly (add-row, mul-row).
//   - s − x² (the slope of tanh) is one pass over x (sub-sv-square).
//   - x + y ⊙ (−z), which the gradient of s − x² leaves, is x − y ⊙ z:
//     y·(−z) = −(y·z) and x + (−m) = x − m exactly, and the negation's
//     pass goes.
//   - A product followed by adding a row (h·W + b, a layer) is one kernel
//     that adds the row before it stores the product (matmul-add-row).
//
// Instructions whose results nothing reads any more are then dropped.

// optimise runs the passes over c's code. c.e.outs must be set; the
// buffers are planned afterwards.
func (c *compiler) optimise() {
	c.canonicalise()
	c.dedupe()
	c.fuseBroadcasts()
	c.fuseSquares()
	c.fuseNegations()
	c.fuseBias()
	c.removeDead()
}

// canonicalise writes x ⊙ x as x², the same IEEE operation.
func (c *compiler) canonicalise() {
	for i := range c.e.code {
		in := &c.e.code[i]
		if in.op == opMul && in.a == in.b {
			in.op, in.b = opSquare, 0
		}
	}
}

// instrKey is what makes two instructions compute the same values: their
// kernel, operands and layout. Per-instruction scratch is not part of it.
type instrKey struct {
	op                                                      opcode
	a, b                                                    int
	srcs, widths                                            string
	scalar                                                  bool
	m, n, k, outer, length, inner, start, step, count, reps int
}

func keyOf(in *instr) instrKey {
	k := instrKey{
		op: in.op, scalar: in.scalar,
		m: in.m, n: in.n, k: in.k, outer: in.outer, length: in.length, inner: in.inner,
		start: in.start, step: in.step, count: in.count, reps: in.reps,
	}
	switch in.op {
	case opConcat:
		k.srcs, k.widths = fmt.Sprint(in.srcs), fmt.Sprint(in.widths)
	default:
		ops := in.operands()
		k.a = *ops[0]
		if len(ops) > 1 {
			k.b = *ops[1]
		}
	}
	return k
}

// dedupe computes equal instructions once: a later copy is dropped and its
// readers read the first one's slot. Every kernel is a function of its
// operands and layout, so equal instructions give equal values.
func (c *compiler) dedupe() {
	alias := map[int]int{}
	seen := map[instrKey]int{}
	code := c.e.code[:0]
	for _, in := range c.e.code {
		for _, p := range in.operands() {
			if s, ok := alias[*p]; ok {
				*p = s
			}
		}
		k := keyOf(&in)
		if s, ok := seen[k]; ok {
			alias[in.dst] = s
			continue
		}
		seen[k] = in.dst
		code = append(code, in)
	}
	c.e.code = code
	for i, s := range c.e.outs {
		if a, ok := alias[s]; ok {
			c.e.outs[i] = a
		}
	}
}

// producers returns the index of the instruction writing each slot, −1 for
// slots no instruction writes (inputs, leaves, constants).
func (c *compiler) producers() []int {
	p := make([]int, len(c.info))
	for i := range p {
		p[i] = -1
	}
	for i := range c.e.code {
		p[c.e.code[i].dst] = i
	}
	return p
}

// readers counts each slot's readers, an output counting as one.
func (c *compiler) readers() []int {
	n := make([]int, len(c.info))
	for i := range c.e.code {
		for _, p := range c.e.code[i].operands() {
			n[*p]++
		}
	}
	for _, s := range c.e.outs {
		n[s]++
	}
	return n
}

// fuseBroadcasts lets the elementwise operators read a repeated scalar or
// row where it came from instead of its repeated copy.
func (c *compiler) fuseBroadcasts() {
	prod := c.producers()
	// uniform reports the one-value slot that slot s repeats, if it does.
	var uniform func(s int) (int, bool)
	uniform = func(s int) (int, bool) {
		i := prod[s]
		if i < 0 || c.e.code[i].op != opRepeat {
			return 0, false
		}
		src := c.e.code[i].a
		if c.info[src].size == 1 {
			return src, true
		}
		return uniform(src)
	}
	// row reports the row that slot s repeats down its rows, if it does.
	row := func(s int) (int, bool) {
		i := prod[s]
		if i < 0 {
			return 0, false
		}
		in := &c.e.code[i]
		return in.a, in.op == opRepeat && in.outer == 1 && in.length == 1
	}
	type forms struct{ vs, sv, row opcode } // sv and row: 0 if none
	byOp := map[opcode]forms{
		opAdd: {opAddVS, opAddVS, opAddRow},
		opSub: {opSubVS, opSubSV, 0},
		opMul: {opMulVS, opMulVS, opMulRow},
		opDiv: {opDivVS, opDivSV, 0},
	}
	for i := range c.e.code {
		in := &c.e.code[i]
		f, ok := byOp[in.op]
		if !ok {
			continue
		}
		if s, ok := uniform(in.b); ok { // x OP s
			in.op, in.b = f.vs, s
			continue
		}
		if s, ok := uniform(in.a); ok {
			if f.sv == f.vs { // commutes: the tensor first, as lowering does
				in.op, in.a, in.b = f.vs, in.b, s
			} else {
				in.op, in.a = f.sv, s
			}
			continue
		}
		if f.row == 0 {
			continue
		}
		if r, ok := row(in.b); ok {
			in.op, in.b = f.row, r
		} else if r, ok := row(in.a); ok {
			in.op, in.a, in.b = f.row, in.b, r
		}
	}
}

// fuseSquares turns s − x² into one pass over x where nothing else reads
// x².
func (c *compiler) fuseSquares() {
	prod, readers := c.producers(), c.readers()
	for i := range c.e.code {
		in := &c.e.code[i]
		if in.op != opSubSV || readers[in.b] != 1 {
			continue
		}
		if j := prod[in.b]; j >= 0 && c.e.code[j].op == opSquare {
			in.op, in.b = opSubSVSquare, c.e.code[j].a
		}
	}
}

// fuseNegations turns x + y ⊙ (−z) into x − y ⊙ z where nothing else reads
// −z or the product.
func (c *compiler) fuseNegations() {
	prod, readers := c.producers(), c.readers()
	// negated reports the z of a product y ⊙ (−z) at instruction i, and
	// which operand of it the negation is.
	negated := func(i int) (z int, at *int, ok bool) {
		in := &c.e.code[i]
		if in.op != opMul {
			return 0, nil, false
		}
		for _, p := range []*int{&in.b, &in.a} {
			if j := prod[*p]; j >= 0 && readers[*p] == 1 && c.e.code[j].op == opNeg {
				return c.e.code[j].a, p, true
			}
		}
		return 0, nil, false
	}
	for i := range c.e.code {
		in := &c.e.code[i]
		if in.op != opAdd {
			continue
		}
		for _, side := range []int{in.b, in.a} {
			j := prod[side]
			if j < 0 || readers[side] != 1 {
				continue
			}
			z, at, ok := negated(j)
			if !ok {
				continue
			}
			*at = z
			other := in.a
			if side == in.a {
				other = in.b
			}
			in.op, in.a, in.b = opSub, other, side
			break
		}
	}
}

// fuseBias turns a product A·B that only an add-row reads into one
// matmul-add-row at the add-row's place; the product's own instruction is
// then dead.
func (c *compiler) fuseBias() {
	prod, readers := c.producers(), c.readers()
	for i := range c.e.code {
		in := &c.e.code[i]
		if in.op != opAddRow || readers[in.a] != 1 {
			continue
		}
		j := prod[in.a]
		if j < 0 || c.e.code[j].op != opMatMul || c.info[in.b].size != c.e.code[j].n {
			continue
		}
		mm := c.e.code[j]
		row := in.b
		*in = instr{op: opMatMulAddRow, dst: in.dst, a: mm.a, b: mm.b, row: row, scratch: mm.scratch, m: mm.m, n: mm.n, k: mm.k}
	}
}

// removeDead drops the instructions whose results neither an output nor a
// live instruction reads.
func (c *compiler) removeDead() {
	live := make([]bool, len(c.info))
	for _, s := range c.e.outs {
		live[s] = true
	}
	keep := make([]bool, len(c.e.code))
	for i := len(c.e.code) - 1; i >= 0; i-- {
		in := &c.e.code[i]
		if !live[in.dst] {
			continue
		}
		keep[i] = true
		for _, p := range in.operands() {
			live[*p] = true
		}
	}
	code := c.e.code[:0]
	for i, in := range c.e.code {
		if keep[i] {
			code = append(code, in)
		}
	}
	c.e.code = code
}
