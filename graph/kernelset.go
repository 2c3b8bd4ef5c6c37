package graph

import "fmt"

// KernelSet selects the arithmetic kernels the Executor runs: the products,
// the elementwise operators and the elementwise functions, and concat and
// column sums. Both sets give the same results to rounding (see the package
// documentation for the bounds); the other layout operations (slice,
// repeat) are shared.
type KernelSet int

const (
	// Vector is the set of assembly kernels for amd64 CPUs with AVX2 and
	// FMA. It is the default where available; see Available.
	Vector KernelSet = iota
	// PureGo is the set of plain Go kernels, available everywhere; it is the
	// default where Vector is not.
	PureGo
)

// String returns the set's name.
func (k KernelSet) String() string {
	switch k {
	case Vector:
		return "vector"
	case PureGo:
		return "purego"
	}
	return fmt.Sprintf("KernelSet(%d)", int(k))
}

// Available reports whether k can run on this CPU and build: Vector needs
// amd64 with AVX2 and FMA, and a build without the purego tag.
func (k KernelSet) Available() bool {
	switch k {
	case Vector:
		return vectorAvailable
	case PureGo:
		return true
	}
	return false
}

// kernels returns the table of k's kernels.
func (k KernelSet) kernels() *kernelTable {
	if k == Vector {
		return &vectorKernels
	}
	return &pureKernels
}

// defaultKernels is the set programs compiled from now on use; guarded by
// buildMu, like defaultEngine.
var defaultKernels = initialKernels()

func initialKernels() KernelSet {
	if vectorAvailable {
		return Vector
	}
	return PureGo
}

// SetDefaultKernels sets the kernel set of Executor programs compiled from
// now on; programs already compiled keep theirs. It returns an error for a
// set this CPU or build cannot run (see KernelSet.Available). It is safe to
// call from any goroutine. The initial default is Vector where available,
// else PureGo.
func SetDefaultKernels(k KernelSet) error {
	if !k.Available() {
		return fmt.Errorf("%w: %v", ErrKernelsUnavailable, k)
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	defaultKernels = k
	return nil
}

// DefaultKernels returns the kernel set Compile currently gives Executor
// programs.
func DefaultKernels() KernelSet {
	buildMu.Lock()
	defer buildMu.Unlock()
	return defaultKernels
}

// kernelTable is one set of kernels; the executor calls them through it.
// Each has the contract of the pure-Go kernel of the same name in
// kernels.go. scratch is n×k values of room, for the kernels that transpose
// an operand.
type kernelTable struct {
	matMul, matMulBT, matMulAT, matMulATBT func(c, a, b, scratch []float64, m, n, k int)
	// matMulAddRow is matMul, then addRow of row to the result.
	matMulAddRow func(c, a, b, row, scratch []float64, m, n, k int)

	addVV, subVV, mulVV, divVV func(d, a, b []float64)
	addVS, subVS, mulVS, divVS func(d, a []float64, s float64)
	subSV, divSV               func(d []float64, s float64, b []float64)

	addRow, mulRow func(d, a, row []float64)
	subSVSquare    func(d []float64, s float64, b []float64)

	sumAxis func(d, a []float64, outer, length, inner int)
	concat  func(d []float64, srcs [][]float64, widths []int, outer int)

	unary func(op opcode, d, a []float64)
}

var pureKernels = kernelTable{
	matMul:     matMul,
	matMulBT:   func(c, a, b, _ []float64, m, n, k int) { matMulBT(c, a, b, m, n, k) },
	matMulAT:   func(c, a, b, _ []float64, m, n, k int) { matMulAT(c, a, b, m, n, k) },
	matMulATBT: func(c, a, b, _ []float64, m, n, k int) { matMulATBT(c, a, b, m, n, k) },
	matMulAddRow: func(c, a, b, row, scratch []float64, m, n, k int) {
		matMul(c, a, b, scratch, m, n, k)
		addRow(c, c, row)
	},
	addVV: addVV, subVV: subVV, mulVV: mulVV, divVV: divVV,
	addVS: addVS, subVS: subVS, mulVS: mulVS, divVS: divVS,
	subSV: subSV, divSV: divSV,
	addRow: addRow, mulRow: mulRow, subSVSquare: subSVSquare,
	sumAxis: sumAxis, concat: concat,
	unary: unary,
}
