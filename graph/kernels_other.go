//go:build !amd64 || purego

package graph

// Without the assembly (another architecture, or the purego tag) the Vector
// set is not available and the executor runs the pure-Go kernels.
const vectorAvailable = false

var vectorKernels = pureKernels

func fmaLoopVector(n int) float64 { return fmaLoopGo(n) }

func transposeVec(t, x []float64, rows, cols int) { transpose(t, x, rows, cols) }
