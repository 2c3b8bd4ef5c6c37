package distributions

import (
	"errors"
	"fmt"

	"github.com/ffjord-go/ffjord-go/internal/batch"
)

var (
	// ErrShape is returned for a batch that is not N×D with the expected D.
	ErrShape = batch.ErrShape
	// ErrEmpty is returned for a batch with no rows, or a request for no
	// samples.
	ErrEmpty = batch.ErrEmpty
	// ErrNonFinite is returned for a batch holding NaN or ±Inf.
	ErrNonFinite = batch.ErrNonFinite
	// ErrTooLarge is returned for a batch or a request for samples over
	// the limit on values per call (see SetMaxElements).
	ErrTooLarge = batch.ErrTooLarge
	// ErrInvalidParameter is returned for a distribution parameter that
	// defines no distribution, such as a standard deviation ≤ 0.
	ErrInvalidParameter = errors.New("distributions: invalid parameter")
	// ErrDomain is returned for a point outside the domain of a
	// bijector's map, such as a value outside a Sigmoid's interval given
	// to its Inverse.
	ErrDomain = errors.New("distributions: point outside the bijector's domain")
)

// SetMaxElements sets the largest number of values (rows × columns) of one
// batch that the library evaluates or allocates, for every package, and
// returns the previous limit. The default, 2²⁴, keeps a solve within a few
// GiB; raise it on a machine with more memory. n must be ≥ 1.
func SetMaxElements(n int64) (old int64, err error) {
	if n < 1 {
		return batch.MaxElements.Load(), fmt.Errorf("%w: SetMaxElements(%d), want ≥ 1", ErrInvalidParameter, n)
	}
	return batch.MaxElements.Swap(n), nil
}

// MaxElements returns the largest number of values of one batch that the
// library evaluates or allocates (see SetMaxElements).
func MaxElements() int64 { return batch.MaxElements.Load() }
