package odefunc

import (
	"errors"

	"github.com/ffjord-go/ffjord-go/internal/batch"
)

var (
	// ErrDimension is returned when a batch or option does not match the
	// dynamics' dimension.
	ErrDimension = errors.New("odefunc: dimension mismatch")
	// ErrInvalidConfig is returned for a configuration that cannot describe a
	// network, such as a layer width of zero.
	ErrInvalidConfig = errors.New("odefunc: invalid configuration")
	// ErrTooLarge is returned for a size over its limit (MaxDim, MaxWidth,
	// MaxLayers), before anything is allocated.
	ErrTooLarge = batch.ErrTooLarge
	// ErrInterrupted is returned when the check set by SetInterrupt
	// stops an evaluation.
	ErrInterrupted = errors.New("odefunc: interrupted")
)
