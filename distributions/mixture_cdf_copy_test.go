package distributions

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMixtureCDFLearnableCopy: LearnableCopy keeps the values and shares
// nothing.
func TestMixtureCDFLearnableCopy(t *testing.T) {
	f := mixtures(t)["fixed"]
	l := f.LearnableCopy()
	require.True(t, l.Learnable())
	require.Len(t, l.Params(), 3)
	assert.Equal(t, f.LogScales(), l.Params()[2].Float64s())
	l.Params()[1].Float64s()[0] = 99
	assert.Equal(t, marginalMixture.means, f.Means(), "the copy shares nothing")
	assert.Nil(t, f.Params())
}
