package graph

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// opcode names an executor kernel.
type opcode uint8

const (
	opMatMul     opcode = iota // A × B
	opMatMulBT                 // A × Bᵀ
	opMatMulAT                 // Aᵀ × B
	opMatMulATBT               // Aᵀ × Bᵀ
	opAdd                      // tensor + tensor
	opSub
	opMul
	opDiv
	opAddVS // tensor + scalar, either side
	opSubVS // tensor − scalar
	opSubSV // scalar − tensor
	opMulVS // tensor ⊙ scalar, either side
	opDivVS // tensor ÷ scalar
	opDivSV // scalar ÷ tensor
	opNeg
	opSquare
	opCube
	opSqrt
	opInv
	opExp
	opLn
	opLog1p
	opExpm1
	opTanh
	opSigmoid
	opSoftplus
	opConcat
	opRepeat
	opSlice
	opSliceIncr
	opSumAll
	opSumAxis
	// Fused kernels, made by the passes in fuse.go; no Gorgonia op lowers to
	// them directly.
	opAddRow       // tensor + a row repeated down its rows
	opMulRow       // tensor ⊙ a row repeated down its rows
	opSubSVSquare  // scalar − tensor²
	opMatMulAddRow // A × B + a row repeated down its rows (a layer's bias)
)

var opcodeNames = [...]string{
	"matmul", "matmul-bt", "matmul-at", "matmul-atbt",
	"add", "sub", "mul", "div",
	"add-vs", "sub-vs", "sub-sv", "mul-vs", "div-vs", "div-sv",
	"neg", "square", "cube", "sqrt", "inv", "exp", "ln", "log1p", "expm1",
	"tanh", "sigmoid", "softplus",
	"concat", "repeat", "slice", "slice-incr", "sum-all", "sum-axis",
	"add-row", "mul-row", "sub-sv-square", "matmul-add-row",
}

func (op opcode) String() string {
	if int(op) < len(opcodeNames) {
		return opcodeNames[op]
	}
	return "opcode(" + strconv.Itoa(int(op)) + ")"
}

// unaryOps maps Gorgonia's elementwise unary op names to kernels.
var unaryOps = map[string]opcode{
	"neg": opNeg, "square": opSquare, "cube": opCube, "sqrt": opSqrt,
	"inv": opInv, "exp": opExp, "ln": opLn, "log1p": opLog1p,
	"expm1": opExpm1, "tanh": opTanh, "sigmoid": opSigmoid,
	"softplus": opSoftplus,
}

// instr is one kernel call. Operands are slot indices, so that leaves can be
// re-pointed at their tensors' data before each run; which of a, b and srcs
// are operands depends on op (see operands). The integer fields describe the
// operands' layout; which ones apply depends on op too.
type instr struct {
	op      opcode
	dst     int
	a, b    int
	row     int         // matmul-add-row: the row added
	srcs    []int       // concat operands
	widths  []int       // concat: values each operand contributes per outer block
	bufs    [][]float64 // concat: scratch for the operands' buffers, so runs do not allocate
	scratch []float64   // matmul: room for a transposed operand
	scalar  bool        // sliceIncr: the increment is one value

	m, n, k                  int // matmul: dst is m×n, k the inner size
	outer, length, inner     int // the axis an op works along, as outer×length×inner
	start, step, count, reps int // slice and repeat parameters
}

// operands returns pointers to the slots in reads, in order, so that the
// passes in fuse.go can re-point them.
func (in *instr) operands() []*int {
	switch in.op {
	case opConcat:
		ps := make([]*int, len(in.srcs))
		for i := range in.srcs {
			ps[i] = &in.srcs[i]
		}
		return ps
	case opMatMulAddRow:
		return []*int{&in.a, &in.b, &in.row}
	case opMatMul, opMatMulBT, opMatMulAT, opMatMulATBT,
		opAdd, opSub, opMul, opDiv,
		opAddVS, opSubVS, opSubSV, opMulVS, opDivVS, opDivSV,
		opAddRow, opMulRow, opSubSVSquare:
		return []*int{&in.a, &in.b}
	}
	return []*int{&in.a} // unary functions, repeat, slice, slice-incr, sums
}

// leaf is a value-carrying leaf (parameter or constant), re-read at every
// run since training updates parameters in place.
type leaf struct {
	slot   int
	node   *G.Node
	size   int
	scalar bool // the value is a *G.F64, copied into the slot's own buffer
}

// executor runs a graph as a flat list of kernels over buffers allocated at
// compile time.
type executor struct {
	k      *kernelTable
	slots  [][]float64     // node values; several nodes may share one slot
	times  []time.Duration // per instruction, while profiling
	code   []instr
	leaves []leaf
	outs   []int // slot of each output
}

// slotInfo is what the buffer planner needs to know about a slot.
type slotInfo struct {
	size    int
	fixed   bool // input, leaf or constant: never drawn from or returned to the pool
	pinned  bool // holds an output: kept to the end of the run
	lastUse int  // index of the last instruction reading it, −1 if none
}

// compiler lowers a graph to an executor.
type compiler struct {
	e      *executor
	info   []slotInfo
	slotOf map[*G.Node]int
}

// newExecutor compiles the part of the graph the outputs need, to run on
// the kernels of ks. inputs are bound to inData; every other leaf must carry
// a value.
// With fuse, the passes of fuse.go rewrite the code first; without, every
// node keeps its own kernel (the reference the fused code is tested against).
func newExecutor(inputs []*G.Node, inData [][]float64, outputs []*G.Node, ks KernelSet, fuse bool) (*executor, error) {
	c := &compiler{e: &executor{k: ks.kernels()}, slotOf: map[*G.Node]int{}}
	for i, n := range inputs {
		if n.Op() != nil {
			return nil, fmt.Errorf("%w: input %q is not a leaf", ErrBuild, n.Name())
		}
		if _, dup := c.slotOf[n]; dup {
			return nil, fmt.Errorf("%w: input %q is listed twice", ErrBuild, n.Name())
		}
		c.slotOf[n] = c.fixedSlot(inData[i])
	}
	for _, n := range postorder(outputs) {
		if _, done := c.slotOf[n]; done {
			continue
		}
		if err := c.lower(n); err != nil {
			return nil, err
		}
	}
	for _, n := range outputs {
		c.e.outs = append(c.e.outs, c.slotOf[n])
	}
	if fuse {
		c.optimise()
	}
	c.allocate()
	return c.e, nil
}

// postorder lists the nodes the roots depend on, each after its children, in
// argument order.
func postorder(roots []*G.Node) []*G.Node {
	var order []*G.Node
	seen := map[*G.Node]bool{}
	var visit func(n *G.Node)
	visit = func(n *G.Node) {
		if seen[n] {
			return
		}
		seen[n] = true
		for _, ch := range children(n) {
			visit(ch)
		}
		order = append(order, n)
	}
	for _, r := range roots {
		visit(r)
	}
	return order
}

// children returns n's arguments in order.
func children(n *G.Node) []*G.Node {
	var ch []*G.Node
	it := n.Graph().From(n.ID())
	for it.Next() {
		ch = append(ch, it.Node().(*G.Node))
	}
	return ch
}

// size is the number of float64 values of n.
func size(n *G.Node) int { return n.Shape().TotalSize() }

func (c *compiler) newSlot(si slotInfo) int {
	si.lastUse = -1
	c.info = append(c.info, si)
	c.e.slots = append(c.e.slots, nil)
	return len(c.info) - 1
}

// fixedSlot adds a slot holding buf for the program's life.
func (c *compiler) fixedSlot(buf []float64) int {
	s := c.newSlot(slotInfo{size: len(buf), fixed: true})
	c.e.slots[s] = buf
	return s
}

// emit appends in, giving n a fresh slot as destination.
func (c *compiler) emit(n *G.Node, in instr) {
	in.dst = c.newSlot(slotInfo{size: size(n)})
	c.slotOf[n] = in.dst
	c.e.code = append(c.e.code, in)
}

func unsupported(n *G.Node, why string) error {
	return fmt.Errorf("%w: the executor has no kernel for op %q (%T) of node %q: %s", ErrUnsupportedOp, n.Op(), n.Op(), n.Name(), why)
}

// lower compiles n, whose children are compiled already.
func (c *compiler) lower(n *G.Node) error {
	if n.Dtype() != tensor.Float64 {
		return fmt.Errorf("%w: node %q has dtype %v, want float64", ErrBuild, n.Name(), n.Dtype())
	}
	op := n.Op()
	ch := children(n)
	if op == nil || (len(ch) == 0 && isConstOp(op)) {
		return c.lowerLeaf(n)
	}
	if len(ch) == 0 {
		return unsupported(n, "a leaf op without a value")
	}
	for _, x := range ch {
		if x.Dtype() != tensor.Float64 {
			return unsupported(n, fmt.Sprintf("operand %q has dtype %v", x.Name(), x.Dtype()))
		}
	}
	args := make([]int, len(ch))
	for i, x := range ch {
		args[i] = c.slotOf[x]
	}
	str := op.String()
	switch reflect.TypeOf(op).String() {
	case "gorgonia.elemBinOp":
		return c.lowerBinary(n, ch, args, strings.Fields(str)[0])
	case "gorgonia.elemUnaryOp":
		code, ok := unaryOps[str]
		if !ok || len(ch) != 1 {
			return unsupported(n, "unknown elementwise function")
		}
		if size(ch[0]) != size(n) {
			return unsupported(n, "operand and result differ in size")
		}
		c.emit(n, instr{op: code, a: args[0]})
		return nil
	case "gorgonia.linAlgBinOp":
		return c.lowerMatMul(n, ch, args, str)
	case "gorgonia.reshapeOp":
		if len(ch) != 1 || size(ch[0]) != size(n) {
			return unsupported(n, "reshape changes the size")
		}
		c.slotOf[n] = args[0] // same values, new shape: share the slot
		return nil
	case "gorgonia.sizeOp":
		return c.lowerSize(n, ch, str)
	case "gorgonia.concatOp":
		return c.lowerConcat(n, ch, args, str)
	case "*gorgonia.repeatOp":
		return c.lowerRepeat(n, ch, args, str)
	case "*gorgonia.sliceOp":
		return c.lowerSlice(n, ch, args, str, false)
	case "gorgonia.sliceIncrOp":
		return c.lowerSlice(n, ch, args, str, true)
	case "gorgonia.sumOp":
		return c.lowerSum(n, ch, args, str)
	}
	return unsupported(n, "no kernel")
}

func isConstOp(op G.Op) bool {
	switch reflect.TypeOf(op).String() {
	case "gorgonia.constantScalar", "gorgonia.constantTensor":
		return true
	}
	return false
}

func (c *compiler) lowerLeaf(n *G.Node) error {
	switch v := n.Value().(type) {
	case nil:
		return fmt.Errorf("%w: leaf %q is not an input and has no value", ErrBuild, n.Name())
	case *G.F64:
		s := c.fixedSlot(make([]float64, 1))
		c.e.leaves = append(c.e.leaves, leaf{slot: s, node: n, size: 1, scalar: true})
		c.slotOf[n] = s
	case *tensor.Dense:
		if v.Dtype() != tensor.Float64 {
			return fmt.Errorf("%w: leaf %q has dtype %v, want float64", ErrBuild, n.Name(), v.Dtype())
		}
		if v.IsView() {
			return fmt.Errorf("%w: leaf %q is bound to a view; the executor needs a tensor of its own", ErrBuild, n.Name())
		}
		if !v.Shape().Eq(n.Shape()) || len(v.Float64s()) != size(n) {
			return fmt.Errorf("%w: leaf %q has shape %v but its value %v", ErrBuild, n.Name(), n.Shape(), v.Shape())
		}
		s := c.newSlot(slotInfo{size: size(n), fixed: true})
		c.e.leaves = append(c.e.leaves, leaf{slot: s, node: n, size: size(n)})
		c.slotOf[n] = s
	default:
		return fmt.Errorf("%w: leaf %q holds a %T, want *tensor.Dense or *gorgonia.F64", ErrBuild, n.Name(), v)
	}
	return nil
}

func (c *compiler) lowerBinary(n *G.Node, ch []*G.Node, args []int, sym string) error {
	if len(ch) != 2 {
		return unsupported(n, "want two operands")
	}
	type codes struct{ vv, vs, sv opcode }
	var k codes
	switch sym {
	case "+":
		k = codes{opAdd, opAddVS, opAddVS}
	case "-":
		k = codes{opSub, opSubVS, opSubSV}
	case "⊙":
		k = codes{opMul, opMulVS, opMulVS}
	case "÷":
		k = codes{opDiv, opDivVS, opDivSV}
	default:
		return unsupported(n, "unknown elementwise operator")
	}
	x, y, sz := ch[0], ch[1], size(n)
	switch {
	case size(x) == sz && size(y) == sz:
		c.emit(n, instr{op: k.vv, a: args[0], b: args[1]})
	case y.IsScalar() && size(x) == sz:
		c.emit(n, instr{op: k.vs, a: args[0], b: args[1]})
	case x.IsScalar() && size(y) == sz:
		if k.sv == k.vs { // commutative: tensor first
			c.emit(n, instr{op: k.vs, a: args[1], b: args[0]})
		} else {
			c.emit(n, instr{op: k.sv, a: args[0], b: args[1]})
		}
	default:
		return unsupported(n, fmt.Sprintf("operand shapes %v and %v", x.Shape(), y.Shape()))
	}
	return nil
}

func (c *compiler) lowerMatMul(n *G.Node, ch []*G.Node, args []int, str string) error {
	if len(ch) != 2 {
		return unsupported(n, "want two operands")
	}
	var code opcode
	vec := false
	switch str {
	case "A × B":
		code = opMatMul
	case "A × Bᵀ":
		code = opMatMulBT
	case "Aᵀ × B":
		code = opMatMulAT
	case "Aᵀ × Bᵀ":
		code = opMatMulATBT
	case "A × b":
		code, vec = opMatMul, true
	case "Aᵀ × b":
		code, vec = opMatMulAT, true
	default:
		return unsupported(n, "unknown product")
	}
	as, bs := ch[0].Shape(), ch[1].Shape()
	if vec { // a matrix–vector product is a product with a k×1 matrix
		if bs.Dims() != 1 {
			return unsupported(n, fmt.Sprintf("operand shapes %v and %v", as, bs))
		}
		bs = tensor.Shape{bs[0], 1}
	}
	if as.Dims() != 2 || bs.Dims() != 2 {
		return unsupported(n, fmt.Sprintf("operand shapes %v and %v", as, bs))
	}
	m, ka := as[0], as[1]
	if code == opMatMulAT || code == opMatMulATBT {
		m, ka = ka, m
	}
	kb, nn := bs[0], bs[1]
	if code == opMatMulBT || code == opMatMulATBT {
		kb, nn = nn, kb
	}
	if ka != kb || m*nn != size(n) {
		return unsupported(n, fmt.Sprintf("operand shapes %v and %v give %v", ch[0].Shape(), ch[1].Shape(), n.Shape()))
	}
	in := instr{op: code, a: args[0], b: args[1], m: m, n: nn, k: ka}
	if code != opMatMulAT { // either kernel set may transpose B
		in.scratch = make([]float64, nn*ka)
	}
	c.emit(n, in)
	return nil
}

// lowerSize turns SizeOf into a constant: shapes are fixed at compile time.
func (c *compiler) lowerSize(n *G.Node, ch []*G.Node, str string) error {
	if len(ch) != 1 {
		return unsupported(n, "want one operand")
	}
	var v int
	if _, err := fmt.Sscanf(str, "SizeOf=%d", &v); err != nil {
		var axis int
		if _, err := fmt.Sscanf(str, "SizeOf(%d)", &axis); err != nil {
			return unsupported(n, "cannot read the size")
		}
		s := ch[0].Shape()
		switch {
		case ch[0].IsScalar():
			v = 1
		case axis < s.Dims():
			v = s[axis]
		default:
			return unsupported(n, fmt.Sprintf("axis %d of shape %v", axis, s))
		}
	}
	c.slotOf[n] = c.fixedSlot([]float64{float64(v)})
	return nil
}

// layout splits shape around axis into outer×length×inner.
func layout(s tensor.Shape, axis int) (outer, length, inner int) {
	outer, length, inner = 1, 1, 1
	for i, d := range s {
		switch {
		case i < axis:
			outer *= d
		case i == axis:
			length = d
		default:
			inner *= d
		}
	}
	return outer, length, inner
}

func (c *compiler) lowerConcat(n *G.Node, ch []*G.Node, args []int, str string) error {
	var axis int
	if _, err := fmt.Sscanf(str, "Concat(axis=%d)", &axis); err != nil {
		return unsupported(n, "cannot read the axis")
	}
	s := n.Shape()
	if axis < 0 || axis >= s.Dims() {
		return unsupported(n, fmt.Sprintf("axis %d of shape %v", axis, s))
	}
	outer, _, _ := layout(s, axis)
	in := instr{op: opConcat, outer: outer, srcs: args}
	total := 0
	for _, x := range ch {
		if x.Shape().Dims() != s.Dims() || size(x)%outer != 0 {
			return unsupported(n, fmt.Sprintf("operand shape %v for result %v", x.Shape(), s))
		}
		in.widths = append(in.widths, size(x)/outer)
		total += size(x)
	}
	if total != size(n) {
		return unsupported(n, "operands do not fill the result")
	}
	in.bufs = make([][]float64, len(args))
	c.emit(n, in)
	return nil
}

// lowerRepeat takes the repeat count from the shapes, which are fixed; the
// count operand (a SizeOf) is not read.
func (c *compiler) lowerRepeat(n *G.Node, ch []*G.Node, args []int, str string) error {
	var axis int
	if _, err := fmt.Sscanf(str, "Repeat%d", &axis); err != nil || len(ch) != 2 {
		return unsupported(n, "cannot read the axis")
	}
	s := n.Shape()
	if axis < 0 || axis >= s.Dims() {
		return unsupported(n, fmt.Sprintf("axis %d of shape %v", axis, s))
	}
	outer, outLen, inner := layout(s, axis)
	in := size(ch[0])
	if in%(outer*inner) != 0 {
		return unsupported(n, fmt.Sprintf("operand shape %v for result %v", ch[0].Shape(), s))
	}
	length := in / (outer * inner)
	if outLen%length != 0 {
		return unsupported(n, fmt.Sprintf("operand shape %v for result %v", ch[0].Shape(), s))
	}
	c.emit(n, instr{op: opRepeat, a: args[0], outer: outer, length: length, inner: inner, reps: outLen / length})
	return nil
}

// slicer is what both slice ops expose of their tensor.Slice.
type slicer interface{ IsSlice() tensor.Slice }

// lowerSlice compiles T[…] and its gradient T[…]+=incr. The sliced axis is
// the number of leading ":, " in the op's name; Gorgonia does not export it.
func (c *compiler) lowerSlice(n *G.Node, ch []*G.Node, args []int, str string, incr bool) error {
	sl, ok := n.Op().(slicer)
	want := 1
	if incr {
		want = 2
	}
	if !ok || len(ch) != want || !strings.HasPrefix(str, "T[") {
		return unsupported(n, "unexpected slice op")
	}
	axis := strings.Count(str, ":, ")
	src := ch[0].Shape() // the sliced tensor; for incr, the gradient's shape
	if axis >= src.Dims() {
		return unsupported(n, fmt.Sprintf("axis %d of shape %v", axis, src))
	}
	outer, length, inner := layout(src, axis)
	start, step, count := 0, 1, length // the whole axis
	if r := sl.IsSlice(); r != nil && r.End() > r.Start() {
		start, step = r.Start(), r.Step()
		if step == 0 { // a single index, as gorgonia.S(i) makes
			step = 1
		}
		if step < 0 || start < 0 || r.End() > length {
			return unsupported(n, fmt.Sprintf("range %d:%d:%d of an axis of %d", r.Start(), r.End(), r.Step(), length))
		}
		count = (r.End() - start + step - 1) / step
	}
	part := outer * count * inner
	if !incr {
		if part != size(n) {
			return unsupported(n, fmt.Sprintf("shape %v sliced to %v", src, n.Shape()))
		}
		if count == length { // the whole tensor: share its slot
			c.slotOf[n] = args[0]
			return nil
		}
		c.emit(n, instr{op: opSlice, a: args[0], outer: outer, length: length, inner: inner, start: start, step: step, count: count})
		return nil
	}
	// T[…]+=incr reads only incr: the first operand gives the shape.
	scalar := ch[1].IsScalar()
	if size(n) != size(ch[0]) || (!scalar && size(ch[1]) != part) {
		return unsupported(n, fmt.Sprintf("increment of shape %v for %v", ch[1].Shape(), src))
	}
	if count == length && !scalar { // zeros plus incr everywhere: incr itself
		c.slotOf[n] = args[1]
		return nil
	}
	c.emit(n, instr{op: opSliceIncr, a: args[1], scalar: scalar, outer: outer, length: length, inner: inner, start: start, step: step, count: count})
	return nil
}

func (c *compiler) lowerSum(n *G.Node, ch []*G.Node, args []int, str string) error {
	if len(ch) != 1 || !strings.HasPrefix(str, "Σ[") || !strings.HasSuffix(str, "]") {
		return unsupported(n, "unexpected sum")
	}
	var axes []int
	for _, f := range strings.Fields(str[len("Σ[") : len(str)-1]) {
		a, err := strconv.Atoi(f)
		if err != nil {
			return unsupported(n, "cannot read the axes")
		}
		axes = append(axes, a)
	}
	slices.Sort(axes)
	axes = slices.Compact(axes)
	s := ch[0].Shape()
	all := len(axes) == s.Dims()
	for i, a := range axes {
		all = all && a == i
	}
	switch {
	case all || ch[0].IsScalar():
		if size(n) != 1 {
			return unsupported(n, "sum over every axis is not one value")
		}
		c.emit(n, instr{op: opSumAll, a: args[0]})
	case len(axes) == 1 && axes[0] < s.Dims():
		outer, length, inner := layout(s, axes[0])
		if outer*inner != size(n) {
			return unsupported(n, fmt.Sprintf("shape %v summed to %v", s, n.Shape()))
		}
		c.emit(n, instr{op: opSumAxis, a: args[0], outer: outer, length: length, inner: inner})
	default:
		return unsupported(n, fmt.Sprintf("sum over axes %v of shape %v", axes, s))
	}
	return nil
}

// allocate gives every computed slot a buffer. A buffer returns to the pool
// after the last instruction that reads it and is handed to later nodes;
// the destination is taken before the operands are released, so no kernel
// writes over its own input. Outputs keep theirs to the end.
func (c *compiler) allocate() {
	for _, s := range c.e.outs {
		c.info[s].pinned = true
	}
	for i := range c.e.code {
		for _, r := range c.e.code[i].operands() {
			c.info[*r].lastUse = i
		}
	}
	var pool [][]float64 // free buffers
	take := func(n int) []float64 {
		best := -1
		for i, b := range pool {
			if cap(b) >= n && (best < 0 || cap(b) < cap(pool[best])) {
				best = i
			}
		}
		if best < 0 {
			return make([]float64, n)
		}
		b := pool[best]
		pool = slices.Delete(pool, best, best+1)
		return b[:n]
	}
	for i := range c.e.code {
		in := &c.e.code[i]
		c.e.slots[in.dst] = take(c.info[in.dst].size)
		reads := in.operands()
		for j, p := range reads {
			r := *p
			si := c.info[r]
			if si.fixed || si.pinned || si.lastUse != i || slices.ContainsFunc(reads[:j], func(q *int) bool { return *q == r }) {
				continue
			}
			pool = append(pool, c.e.slots[r][:cap(c.e.slots[r])])
		}
	}
}

// run executes the kernels and copies the outputs into out.
func (e *executor) run(out [][]float64) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: panicked: %v", ErrRun, r)
		}
	}()
	s, k := e.slots, e.k
	for i := range e.leaves {
		if err := e.leaves[i].load(s); err != nil {
			return err
		}
	}
	prof := profiling.Load()
	if prof && len(e.times) != len(e.code) {
		e.times = make([]time.Duration, len(e.code))
	}
	var start time.Time
	for i := range e.code {
		in := &e.code[i]
		d := s[in.dst]
		if prof {
			start = time.Now()
		}
		switch in.op {
		case opMatMul:
			k.matMul(d, s[in.a], s[in.b], in.scratch, in.m, in.n, in.k)
		case opMatMulBT:
			k.matMulBT(d, s[in.a], s[in.b], in.scratch, in.m, in.n, in.k)
		case opMatMulAT:
			k.matMulAT(d, s[in.a], s[in.b], in.scratch, in.m, in.n, in.k)
		case opMatMulATBT:
			k.matMulATBT(d, s[in.a], s[in.b], in.scratch, in.m, in.n, in.k)
		case opMatMulAddRow:
			k.matMulAddRow(d, s[in.a], s[in.b], s[in.row], in.scratch, in.m, in.n, in.k)
		case opAdd:
			k.addVV(d, s[in.a], s[in.b])
		case opSub:
			k.subVV(d, s[in.a], s[in.b])
		case opMul:
			k.mulVV(d, s[in.a], s[in.b])
		case opDiv:
			k.divVV(d, s[in.a], s[in.b])
		case opAddVS:
			k.addVS(d, s[in.a], s[in.b][0])
		case opSubVS:
			k.subVS(d, s[in.a], s[in.b][0])
		case opSubSV:
			k.subSV(d, s[in.a][0], s[in.b])
		case opMulVS:
			k.mulVS(d, s[in.a], s[in.b][0])
		case opDivVS:
			k.divVS(d, s[in.a], s[in.b][0])
		case opDivSV:
			k.divSV(d, s[in.a][0], s[in.b])
		case opConcat:
			for j, src := range in.srcs {
				in.bufs[j] = s[src]
			}
			k.concat(d, in.bufs, in.widths, in.outer)
		case opRepeat:
			repeat(d, s[in.a], in.outer, in.length, in.inner, in.reps)
		case opSlice:
			slice(d, s[in.a], in.outer, in.length, in.inner, in.start, in.step, in.count)
		case opSliceIncr:
			sliceIncr(d, s[in.a], in.scalar, in.outer, in.length, in.inner, in.start, in.step, in.count)
		case opSumAll:
			sumAll(d, s[in.a])
		case opSumAxis:
			k.sumAxis(d, s[in.a], in.outer, in.length, in.inner)
		case opAddRow:
			k.addRow(d, s[in.a], s[in.b])
		case opMulRow:
			k.mulRow(d, s[in.a], s[in.b])
		case opSubSVSquare:
			k.subSVSquare(d, s[in.a][0], s[in.b])
		default:
			k.unary(in.op, d, s[in.a])
		}
		if prof {
			e.times[i] = time.Since(start)
		}
	}
	if prof {
		e.record(e.times)
	}
	for i, slot := range e.outs {
		copy(out[i], s[slot])
	}
	return nil
}

// load points the leaf's slot at its current value.
func (l *leaf) load(slots [][]float64) error {
	switch v := l.node.Value().(type) {
	case *G.F64:
		if l.scalar {
			slots[l.slot][0] = float64(*v)
			return nil
		}
	case *tensor.Dense:
		if !l.scalar && v.Dtype() == tensor.Float64 {
			if data := v.Float64s(); len(data) == l.size {
				slots[l.slot] = data
				return nil
			}
		}
	}
	return fmt.Errorf("%w: leaf %q no longer holds a float64 value of %d elements", ErrRun, l.node.Name(), l.size)
}
