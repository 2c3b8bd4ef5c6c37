package gnode

import "errors"

var (
	// ErrInput is returned for an input node or value that does not fit the
	// distribution: wrong graph, dtype or shape.
	ErrInput = errors.New("gnode: input does not fit the distribution")
	// ErrNotSupported is returned for differentiating a gradient node
	// (second derivatives of a flow).
	ErrNotSupported = errors.New("gnode: not supported")
)
