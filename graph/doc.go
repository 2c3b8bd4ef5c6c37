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
package graph
