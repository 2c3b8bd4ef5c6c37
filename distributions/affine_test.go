package distributions

import (
	"math"
	"testing"

	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/internal/fdtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// TestAffineRecordedGradient: the backward pass of an Affine's recorded
// inverse gives ∂L/∂y, ∂L/∂b and ∂L/∂s of L = Σ w·x + Σ v·ℓ, checked against
// central differences; Forward undoes Inverse and the log-dets cancel.
func TestAffineRecordedGradient(t *testing.T) {
	a, err := NewAffine([]float64{0.5, -1}, []float64{0.3, -0.7})
	require.NoError(t, err)
	y := []float64{1, 2, -0.5, 0.25, 3, -1}
	w := []float64{0.2, -0.4, 1, 0.5, -0.3, 0.7}
	v := []float64{0.9, -1.1, 0.4}
	loss := func() float64 {
		p, err := a.RecordInverse(y, 3, Request{})
		require.NoError(t, err)
		l := 0.0
		for i, x := range p.X {
			l += w[i] * x
		}
		for r, ld := range p.LogDet {
			l += v[r] * ld
		}
		return l
	}
	p, err := a.RecordInverse(y, 3, Request{})
	require.NoError(t, err)
	grads := [][]float64{make([]float64, 2), make([]float64, 2)}
	ybar, err := p.Backward(Cotangents{X: w, LogDet: v}, grads)
	require.NoError(t, err)
	const h = 1e-6
	fd := func(s []float64, i int) float64 { return fdtest.Central(s, i, h, loss) }
	for i := range y {
		assert.InDelta(t, fd(y, i), ybar[i], 1e-8, "∂L/∂y[%d]", i)
	}
	for k, par := range a.Params() {
		for i := range par.Float64s() {
			assert.InDelta(t, fd(par.Float64s(), i), grads[k][i], 1e-8, "∂L/∂θ%d[%d]", k, i)
		}
	}

	x, fld, err := a.ForwardWithLogDet(batchOf(t, 3, 2, p.X))
	require.NoError(t, err)
	assert.InDeltaSlice(t, y, x.Float64s(), 1e-14)
	assert.InDelta(t, -p.LogDet[0], fld[0], 1e-15)
	assert.InDelta(t, 0.3-0.7, fld[1], 1e-15)

	_, err = NewAffine([]float64{0}, []float64{math.Inf(1)})
	assert.ErrorIs(t, err, ErrInvalidParameter)
	_, err = a.RecordInverse(y[:5], 3, Request{})
	assert.ErrorIs(t, err, ErrShape)
	_, err = p.Backward(Cotangents{}, grads[:1])
	assert.ErrorIs(t, err, ErrInvalidParameter)
	_, err = LogProbRows(nil, nil)
	assert.ErrorIs(t, err, ErrInvalidParameter)
}

func batchOf(t *testing.T, n, d int, data []float64) *tensor.Dense {
	t.Helper()
	return batch.New(n, d, append([]float64(nil), data...))
}
