package distributions

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestSigmoidRefusesAnIntervalTooNarrowToScale: an interval whose width
// is subnormal makes (1 − 2α)/(hi − lo) overflow; such a Sigmoid refused
// every value and mapped every z to lo with log-det −Inf.
func TestSigmoidRefusesAnIntervalTooNarrowToScale(t *testing.T) {
	_, err := NewSigmoid(1, 0, 5e-324, 0)
	assert.ErrorIs(t, err, ErrInvalidParameter)
}
