package distributions

import (
	"fmt"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/internal/batch"
	"gorgonia.org/tensor"
)

// MultivariateNormalTriL is the Gaussian N(μ, L·Lᵀ) with a full
// lower-triangular scale L, TFP's tfd.MultivariateNormalTriL. Its mean and
// scale are learnable (Params), so that it is a flow's base, a model fitted
// on its own by a Trainer, or both.
//
// Sample draws from the distribution's own generator, and every call reads
// the parameters, so use a MultivariateNormalTriL from one goroutine.
type MultivariateNormalTriL struct {
	loc, scale *tensor.Dense // 1×D, and D×D packed as tril.go describes
	rng        *rand.Rand
}

// NewMultivariateNormalTriL returns N(loc, L·Lᵀ) for the row-major D×D
// lower-triangular scaleTriL, whose diagonal must be positive, drawing
// samples from src (nil when it is never sampled).
func NewMultivariateNormalTriL(loc, scaleTriL []float64, src rand.Source) (*MultivariateNormalTriL, error) {
	D := len(loc)
	if D == 0 || D > MaxDim {
		return nil, fmt.Errorf("%w: a multivariate normal of dimension %d, want 1 to %d", ErrInvalidParameter, D, MaxDim)
	}
	if err := checkFiniteValues(loc, "loc"); err != nil {
		return nil, err
	}
	if err := checkScaleTriL(scaleTriL, D, "scale_tril"); err != nil {
		return nil, err
	}
	packed := make([]float64, D*D)
	packTriL(packed, scaleTriL, D)
	return NewMultivariateNormalTriLFromParams(loc, packed, src)
}

// WithSource returns a copy that samples from src and shares the
// parameters.
func (m *MultivariateNormalTriL) WithSource(src rand.Source) *MultivariateNormalTriL {
	c := *m
	c.rng = nil
	if src != nil {
		c.rng = rand.New(src)
	}
	return &c
}

// Dim returns D.
func (m *MultivariateNormalTriL) Dim() int { return m.loc.Shape()[1] }

// Loc returns a copy of the mean μ.
func (m *MultivariateNormalTriL) Loc() []float64 { return append([]float64(nil), m.loc.Float64s()...) }

// ScaleTriL returns L, row-major D×D.
func (m *MultivariateNormalTriL) ScaleTriL() []float64 {
	D := m.Dim()
	l := make([]float64, D*D)
	unpackTriL(l, m.scale.Float64s(), D)
	return l
}

// Params returns the mean (1×D) and the scale (D×D: L's strictly lower
// entries, log L_ii on the diagonal; the upper triangle is unused).
func (m *MultivariateNormalTriL) Params() []*tensor.Dense {
	return []*tensor.Dense{m.loc, m.scale}
}

func (m *MultivariateNormalTriL) gauss() *gaussTriL {
	g := &gaussTriL{}
	g.load(m.loc.Float64s(), m.scale.Float64s())
	return g
}

// LogProb returns log N(x; μ, L·Lᵀ) for each row of the N×D batch x.
func (m *MultivariateNormalTriL) LogProb(x *tensor.Dense) ([]float64, error) {
	data, n, err := batch.Data(x, m.Dim())
	if err != nil {
		return nil, fmt.Errorf("distributions: MultivariateNormalTriL.LogProb: %w", err)
	}
	lp := make([]float64, n)
	m.LogProbTo(lp, data)
	return lp, nil
}

// LogProbTo writes log p of each row of the row-major z into dst, without
// checking its arguments.
func (m *MultivariateNormalTriL) LogProbTo(dst, z []float64) {
	g, D := m.gauss(), m.Dim()
	u := make([]float64, D)
	for r := range dst {
		dst[r] = g.solve(u, z[r*D:(r+1)*D])
	}
}

// LogProbBackward writes Σ_r w_r ∂log p(z_r)/∂z into zbar and adds the
// gradients of the mean and the packed scale to grads[0] and grads[1].
func (m *MultivariateNormalTriL) LogProbBackward(zbar, z, w []float64, grads [][]float64) {
	g, D := m.gauss(), m.Dim()
	u, v := make([]float64, D), make([]float64, D)
	for r, wr := range w {
		zr := zbar[r*D : (r+1)*D]
		clear(zr)
		g.solve(u, z[r*D:(r+1)*D])
		g.back(v, u)
		g.accumulate(grads[0], grads[1], zr, u, v, wr)
	}
}

// RecordLogProb evaluates log p on the n rows of x and records the pass,
// so that a Trainer fits the Gaussian on its own.
func (m *MultivariateNormalTriL) RecordLogProb(x []float64, n int, req Request) (*DensityPass, error) {
	return recordBase(m, x, n, req)
}

// Sample returns n points μ + L·ε, ε ~ N(0, I).
func (m *MultivariateNormalTriL) Sample(n int) (*tensor.Dense, error) {
	D := m.Dim()
	out, err := sampleBuffer(m.rng, n, D, "MultivariateNormalTriL")
	if err != nil {
		return nil, err
	}
	m.Draw(out, m.rng)
	return batch.New(n, D, out), nil
}

// Draw writes len(dst)/D points μ + L·ε drawn with r.
func (m *MultivariateNormalTriL) Draw(dst []float64, r *rand.Rand) {
	g, D := m.gauss(), m.Dim()
	e := make([]float64, D)
	for row := 0; row+D <= len(dst); row += D {
		for i := range e {
			e[i] = r.NormFloat64()
		}
		g.draw(dst[row:row+D], e)
	}
}

// sampleBuffer checks a request for n samples of dimension D from a
// distribution whose generator is rng and returns their buffer.
func sampleBuffer(rng *rand.Rand, n, D int, who string) ([]float64, error) {
	if rng == nil {
		return nil, fmt.Errorf("%w: %s has no random source to sample from (give one to its constructor or WithSource)", ErrInvalidParameter, who)
	}
	if err := batch.CheckSize(who+".Sample", n, D); err != nil {
		return nil, fmt.Errorf("distributions: %w", err)
	}
	return make([]float64, n*D), nil
}

// recordBase records log p of a DifferentiableBase on its own: the pass
// behind its RecordLogProb.
func recordBase(b DifferentiableBase, x []float64, n int, req Request) (*DensityPass, error) {
	D := b.Dim()
	if n <= 0 || len(x) != n*D {
		return nil, fmt.Errorf("distributions: RecordLogProb: %w: %d values are not %d rows of %d", ErrShape, len(x), n, D)
	}
	if err := batch.CheckFinite(x, D); err != nil {
		return nil, fmt.Errorf("distributions: RecordLogProb: %w", err)
	}
	if req.Context != nil {
		return nil, fmt.Errorf("%w: %T reads no context", ErrInvalidParameter, b)
	}
	lp := make([]float64, n)
	b.LogProbTo(lp, x)
	ps := b.Params()
	out := &DensityPass{LogProb: lp}
	out.Backward = func(c Cotangents, grads [][]float64) ([]float64, error) {
		if len(grads) != len(ps) {
			return nil, fmt.Errorf("%w: %d gradient slices for %d parameters", ErrInvalidParameter, len(grads), len(ps))
		}
		for i, p := range ps {
			if len(grads[i]) != p.Shape().TotalSize() {
				return nil, fmt.Errorf("%w: gradient %d has %d values for a parameter of %d", ErrShape, i, len(grads[i]), p.Shape().TotalSize())
			}
		}
		if len(c.LogDet) != n {
			return nil, fmt.Errorf("%w: %d log-density cotangents for %d rows", ErrShape, len(c.LogDet), n)
		}
		xbar := make([]float64, n*D)
		b.LogProbBackward(xbar, x, c.LogDet, grads)
		return xbar, nil
	}
	return out, nil
}
