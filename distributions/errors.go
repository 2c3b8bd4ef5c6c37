package distributions

import (
	"errors"

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
	// ErrInvalidParameter is returned for a distribution parameter that
	// defines no distribution, such as a standard deviation ≤ 0.
	ErrInvalidParameter = errors.New("distributions: invalid parameter")
)
