package viz

import "errors"

var (
	// ErrInvalidInput is returned for input a picture cannot be drawn from:
	// a missing model, density or sampler, empty, non-finite or non-2-D
	// points, bad bounds or sizes.
	ErrInvalidInput = errors.New("viz: invalid input")
	// ErrUnsupportedFormat is returned when a file's extension names no
	// format the package can write.
	ErrUnsupportedFormat = errors.New("viz: unsupported file format")
)
