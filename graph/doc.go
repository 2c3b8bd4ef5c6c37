// Package graph is the library's only door to Gorgonia's machinery: it builds
// expression graphs under one lock and compiles them into programs that run
// many times on bound buffers.
//
// Gorgonia graph construction is not safe across goroutines, so every graph is
// built inside Compile, which holds a package-level lock. A Program is
// compiled once; each run copies nothing into Gorgonia: callers write inputs
// straight into the bound tensors' backing slices (Program.Input) and read
// results from buffers the Program owns (Program.Output).
//
// The rest of the library never calls gorgonia.NewTapeMachine itself, so the
// engine behind Program can change without touching the dynamics code.
//
// # Kernels
//
// The Executor runs one of two kernel sets (KernelSet), chosen once at
// start-up from the CPU's features (golang.org/x/sys/cpu) and changeable
// with SetDefaultKernels for programs compiled afterwards:
//
//   - Vector: Go assembly for amd64 with AVX2 and FMA — the products A·B,
//     A·Bᵀ, Aᵀ·B (and Aᵀ·Bᵀ) as rank-one updates along B's rows with FMA,
//     four rows at a time; the elementwise +, −, ⊙, ÷ with tensors,
//     scalars and repeated rows, square, 1/x and s − x²; column sums; exp
//     and tanh, and sigmoid and softplus through that exp. There is no
//     AVX-512 code: it could not be tested on the machines this was
//     written on.
//   - PureGo: plain Go, for every other CPU, architecture, and builds with
//     -tags purego.
//
// Accuracy of Vector against PureGo: the elementwise operators, square and
// 1/x give the same bits (one IEEE operation each); a product's entry is
// within 1e-13 of the sum of its terms' magnitudes (FMA rounds once where
// Go rounds twice, and the order of the sum is the same); exp is within
// 2 ulp of math.Exp (and finite up to log MaxFloat64 ≈ 709.78, where
// math.Exp on amd64 returns +Inf from 709.44), tanh within 2 ulp of
// math.Tanh, sigmoid and softplus within 4 ulp of the PureGo kernels —
// measured over every binade of float64, ±0, ±Inf, NaN and subnormals
// included; tanh keeps tanh x ≈ x to full relative accuracy for tiny x.
// Both sets compute each row of A·B, A·Bᵀ and of an elementwise result by
// the same instructions wherever the row sits in the batch, so a point's
// values do not depend on the batch around it or the number of workers.
//
// # Fusion
//
// The Executor lowers each Gorgonia node to a kernel, then rewrites
// patterns of kernels at compile time (fuse.go): equal instructions run
// once; a bias row or scalar that Gorgonia repeats to the tensor's shape is
// read in place, with no repeated copy of it; h·W + b is one kernel that
// adds b before it stores the product (matmul-add-row; on the Vector set,
// in the product's registers); tanh's slope 1 − y² is one pass;
// x + y ⊙ (−z) is x − y ⊙ z. Each rewrite does the same IEEE operations on
// every value, so a fused program gives the unfused one's bits on either
// kernel set;
// kernels matching no pattern run as lowered.
package graph
