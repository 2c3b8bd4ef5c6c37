package distributions

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

func TestNormalLogProb(t *testing.T) {
	n, err := NewNormal([]float64{0.5, -1}, []float64{0.8, 2}, nil)
	require.NoError(t, err)
	x := batch.New(2, 2, []float64{0.5, -1, 1.3, 0.2})
	lp, err := n.LogProb(x)
	require.NoError(t, err)
	norm := -math.Log(2*math.Pi) - math.Log(0.8) - math.Log(2)
	assert.InDelta(t, norm, lp[0], 1e-15)
	assert.InDelta(t, norm-0.5*(1.0+0.36), lp[1], 1e-15)
}

func TestNormalSampleMoments(t *testing.T) {
	mean, std := []float64{0.5, -1, 3}, []float64{0.8, 2, 0.1}
	d, err := NewNormal(mean, std, rand.NewPCG(1, 2))
	require.NoError(t, err)
	const n = 40000
	x, err := d.Sample(n)
	require.NoError(t, err)
	assert.Equal(t, tensor.Shape{n, 3}, x.Shape())
	data := x.Float64s()
	for i := range mean {
		var m, s float64
		for r := range n {
			m += data[r*3+i]
		}
		m /= n
		for r := range n {
			s += (data[r*3+i] - m) * (data[r*3+i] - m)
		}
		sd := math.Sqrt(s / (n - 1))
		assert.InDelta(t, mean[i], m, 4*std[i]/math.Sqrt(n), "mean %d", i)
		// The sample std has standard error σ/√(2n).
		assert.InDelta(t, std[i], sd, 4*std[i]/math.Sqrt(2*n), "std %d", i)
	}
	// Same seed, same samples.
	d2, _ := NewNormal(mean, std, rand.NewPCG(1, 2))
	x2, _ := d2.Sample(n)
	assert.Equal(t, data, x2.Float64s())
}

// affine is y = a⊙x + b, a test bijector with a known log-determinant.
type affine struct{ a, b []float64 }

func (f affine) Forward(x *tensor.Dense) (*tensor.Dense, error) {
	y, _, err := f.ForwardWithLogDet(x)
	return y, err
}
func (f affine) Inverse(y *tensor.Dense) (*tensor.Dense, error) {
	x, _, err := f.InverseWithLogDet(y)
	return x, err
}
func (f affine) ForwardWithLogDet(x *tensor.Dense) (*tensor.Dense, []float64, error) {
	data, n, err := batch.Data(x, len(f.a))
	if err != nil {
		return nil, nil, err
	}
	D := len(f.a)
	out, ld := make([]float64, len(data)), make([]float64, n)
	for i, v := range data {
		out[i] = f.a[i%D]*v + f.b[i%D]
		ld[i/D] += math.Log(math.Abs(f.a[i%D]))
	}
	return batch.New(n, D, out), ld, nil
}
func (f affine) InverseWithLogDet(y *tensor.Dense) (*tensor.Dense, []float64, error) {
	inv := affine{a: make([]float64, len(f.a)), b: make([]float64, len(f.a))}
	for i := range f.a {
		inv.a[i] = 1 / f.a[i]
		inv.b[i] = -f.b[i] / f.a[i]
	}
	return inv.ForwardWithLogDet(y)
}

func TestChainOrderIsTFPs(t *testing.T) {
	scale := affine{a: []float64{2, 3}, b: []float64{0, 0}}
	shift := affine{a: []float64{1, 1}, b: []float64{1, -1}}
	// Chain{shift, scale} applies scale first: y = 2x+1, 3x−1.
	c, err := NewChain(shift, scale)
	require.NoError(t, err)
	x := batch.New(1, 2, []float64{1, 1})
	y, ld, err := c.ForwardWithLogDet(x)
	require.NoError(t, err)
	assert.Equal(t, []float64{3, 2}, y.Float64s())
	assert.InDelta(t, math.Log(6), ld[0], 1e-15)
	back, ild, err := c.InverseWithLogDet(y)
	require.NoError(t, err)
	assert.InDeltaSlice(t, []float64{1, 1}, back.Float64s(), 1e-15)
	assert.InDelta(t, -math.Log(6), ild[0], 1e-15)
}

func TestTransformedLogProb(t *testing.T) {
	base, err := NewNormal([]float64{0, 0}, []float64{0.8, 0.8}, rand.NewPCG(3, 4))
	require.NoError(t, err)
	x := batch.New(3, 2, []float64{0.1, 0.2, -1, 2, 0.5, 0.5})

	// Through the identity, LogProb is the base's.
	id, err := NewTransformed(base, Identity{D: 2})
	require.NoError(t, err)
	got, err := id.LogProb(x)
	require.NoError(t, err)
	want, _ := base.LogProb(x)
	assert.Equal(t, want, got)

	// Through y = 2z + 1 the density is N(1, 1.6²) per coordinate.
	td, err := NewTransformed(base, affine{a: []float64{2, 2}, b: []float64{1, 1}})
	require.NoError(t, err)
	got, err = td.LogProb(x)
	require.NoError(t, err)
	ref, _ := NewNormal([]float64{1, 1}, []float64{1.6, 1.6}, nil)
	want, _ = ref.LogProb(x)
	assert.InDeltaSlice(t, want, got, 1e-14)

	// SampleWithLogProb agrees with LogProb of the same points.
	s, lp, err := td.SampleWithLogProb(5)
	require.NoError(t, err)
	lp2, err := td.LogProb(s)
	require.NoError(t, err)
	assert.InDeltaSlice(t, lp2, lp, 1e-13)
}

func TestBadInput(t *testing.T) {
	n, _ := NewNormal([]float64{0, 0}, []float64{1, 1}, nil)
	for name, c := range map[string]struct {
		err error
		got error
	}{
		"std zero":         {ErrInvalidParameter, second(NewNormal([]float64{0}, []float64{0}, nil))},
		"std NaN":          {ErrInvalidParameter, second(NewNormal([]float64{0}, []float64{math.NaN()}, nil))},
		"mean Inf":         {ErrInvalidParameter, second(NewNormal([]float64{math.Inf(1)}, []float64{1}, nil))},
		"length mismatch":  {ErrInvalidParameter, second(NewNormal([]float64{0, 0}, []float64{1}, nil))},
		"no dimensions":    {ErrInvalidParameter, second(NewNormal(nil, nil, nil))},
		"wrong columns":    {ErrShape, second(n.LogProb(batch.New(1, 3, []float64{1, 2, 3})))},
		"NaN point":        {ErrNonFinite, second(n.LogProb(batch.New(1, 2, []float64{1, math.NaN()})))},
		"empty batch":      {ErrEmpty, second(n.LogProb(tensor.New(tensor.WithShape(0, 2), tensor.Of(tensor.Float64))))},
		"nil batch":        {ErrShape, second(n.LogProb(nil))},
		"zero samples":     {ErrEmpty, second(n.Sample(0))},
		"no random source": {ErrInvalidParameter, second(n.Sample(3))},
		"nil bijector":     {ErrInvalidParameter, second(NewChain(nil))},
		"nil base":         {ErrInvalidParameter, second(NewTransformed(nil, Identity{D: 2}))},
	} {
		assert.ErrorIs(t, c.got, c.err, name)
	}
}

func second[T any](_ T, err error) error { return err }
