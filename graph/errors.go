package graph

import "errors"

var (
	// ErrUnknownEngine is returned for an Engine value that names none.
	ErrUnknownEngine = errors.New("graph: unknown engine")
	// ErrBuild is returned when a graph cannot become a program: a builder
	// that failed or panicked, missing outputs, inputs or leaves of the
	// wrong kind.
	ErrBuild = errors.New("graph: cannot compile the graph")
	// ErrUnsupportedOp is returned by the Executor for an op it has no
	// kernel for; the message names the op and the node.
	ErrUnsupportedOp = errors.New("graph: unsupported op")
	// ErrKernelsUnavailable is returned when asked for a KernelSet this CPU
	// or build cannot run.
	ErrKernelsUnavailable = errors.New("graph: kernel set not available")
	// ErrRun is returned when a program fails while running.
	ErrRun = errors.New("graph: run failed")
)
