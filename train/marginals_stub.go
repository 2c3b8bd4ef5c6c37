package train

import (
	"errors"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/distributions"
	"gorgonia.org/tensor"
)

// FitMarginals is replaced by the MixtureCDF work.
func FitMarginals(x *tensor.Dense, opts MixtureFit, src rand.Source) (*distributions.AffineTriL, error) {
	return nil, errors.New("train: FitMarginals: not yet")
}
