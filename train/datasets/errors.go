package datasets

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by this package wrap one of them, with
// context, so they can be matched with errors.Is.
var (
	// ErrInvalidArgument reports a bad argument to a generator or writer,
	// such as a non-positive sample count, a negative noise level or a
	// nil random source.
	ErrInvalidArgument = errors.New("datasets: invalid argument")

	// ErrUnknownDataset reports a data set name that ByName or RealByName
	// does not know.
	ErrUnknownDataset = errors.New("datasets: unknown data set")

	// ErrEmpty reports CSV input without any data rows, or a tensor with
	// no elements given to WriteCSV.
	ErrEmpty = errors.New("datasets: no data")

	// ErrMalformed reports CSV input that is not a rectangular table of
	// numbers: a field that is not a number, rows of differing width, a
	// header whose width differs from the data, or broken CSV quoting.
	ErrMalformed = errors.New("datasets: malformed CSV")

	// ErrLimit reports input beyond one of a CSVReader's limits: too many
	// bytes, too long a line, too many columns or values.
	ErrLimit = errors.New("datasets: input exceeds a limit")

	// ErrNonFinite reports a NaN or infinite value, which cannot be part of
	// a training set.
	ErrNonFinite = errors.New("datasets: non-finite value")
)

// ParseError describes a problem at a position in CSV input read by ReadCSV.
type ParseError struct {
	// Line is the 1-based line of the input on which the problem was found.
	Line int
	// Column is the 1-based field index within the row, or 0 when the
	// problem is in the CSV quoting and no field can be named.
	Column int
	// Err is the underlying error. It wraps ErrMalformed or ErrNonFinite.
	Err error
}

// Error implements the error interface.
func (e *ParseError) Error() string {
	if e.Column > 0 {
		return fmt.Sprintf("datasets: line %d, column %d: %v", e.Line, e.Column, e.Err)
	}
	return fmt.Sprintf("datasets: line %d: %v", e.Line, e.Err)
}

// Unwrap returns the underlying error so errors.Is sees the sentinel.
func (e *ParseError) Unwrap() error { return e.Err }
