package odefunc

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/internal/fdtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestContextDynamics: for conditional MLPs (context by concatenation and by
// squash), the exact trace is over z and the VJP gives ∂L/∂z, ∂L/∂context
// and ∂L/∂θ of L = Σ a⊙f + Σ_r w_r·tr_r, all checked against central
// differences; rows are independent of each other's context.
func TestContextDynamics(t *testing.T) {
	const n, D, C = 5, 2, 3
	for _, ci := range []ContextInput{ContextConcatInput, ContextSquashInput} {
		t.Run(ci.String(), func(t *testing.T) {
			net, err := NewMLP(MLPConfig{Dim: D, Hidden: []int{6}, Context: C, ContextInput: ci}, rand.NewPCG(1, 2))
			require.NoError(t, err)
			require.Equal(t, C, net.ContextDim())
			d, err := New(net)
			require.NoError(t, err)
			r := rand.New(rand.NewPCG(3, 4))
			draw := func(k int) []float64 {
				v := make([]float64, k)
				for i := range v {
					v[i] = r.NormFloat64()
				}
				return v
			}
			z, ctx, a, w := draw(n*D), draw(n*C), draw(n*D), draw(n)
			const tt = 0.4
			dz, tr := make([]float64, n*D), make([]float64, n)
			require.NoError(t, d.Eval(dz, Terms{Trace: tr}, Request{Context: ctx, Z: z, T: tt, Want: WantTrace, Trace: ExactTrace}))

			loss := func() float64 {
				f, trv := make([]float64, n*D), make([]float64, n)
				require.NoError(t, d.Eval(f, Terms{Trace: trv}, Request{Context: ctx, Z: z, T: tt, Want: WantTrace, Trace: ExactTrace}))
				l := 0.0
				for i := range f {
					l += a[i] * f[i]
				}
				for i := range trv {
					l += w[i] * trv[i]
				}
				return l
			}
			const h = 1e-6
			fd := func(v []float64, i int) float64 { return fdtest.Central(v, i, h, loss) }
			// The trace is over z: central differences of f in z.
			fp, fm := make([]float64, n*D), make([]float64, n*D)
			for row := range n {
				want := 0.0
				for i := range D {
					j := row*D + i
					old := z[j]
					z[j] = old + h
					require.NoError(t, d.Eval(fp, Terms{}, Request{Context: ctx, Z: z, T: tt}))
					z[j] = old - h
					require.NoError(t, d.Eval(fm, Terms{}, Request{Context: ctx, Z: z, T: tt}))
					z[j] = old
					want += (fp[j] - fm[j]) / (2 * h)
				}
				assert.InDelta(t, want, tr[row], 1e-7, "trace of row %d", row)
			}

			gz, gc := make([]float64, n*D), make([]float64, n*C)
			gp := zeroGrads(net.Params())
			require.NoError(t, d.VJP(VJPOut{F: make([]float64, n*D), Z: gz, Context: gc, Params: gp}, Request{Context: ctx, Z: z, T: tt, Want: wantOf(Terms{Trace: w}), Trace: ExactTrace}, a, Terms{Trace: w}))
			for i := range z {
				assert.InDelta(t, fd(z, i), gz[i], 1e-6, "∂L/∂z[%d]", i)
			}
			largest := 0.0
			for i := range ctx {
				g := fd(ctx, i)
				largest = math.Max(largest, math.Abs(g))
				assert.InDelta(t, g, gc[i], 1e-6, "∂L/∂c[%d]", i)
			}
			assert.Greater(t, largest, 1e-2, "the context matters")
			for k, p := range net.Params() {
				for i := range p.Float64s() {
					assert.InDelta(t, fd(p.Float64s(), i), gp[k][i], 1e-6, "∂L/∂θ%d[%d]", k, i)
				}
			}

			// Row 0 alone, with its own context, gives the same bits.
			one, oneTr := make([]float64, D), make([]float64, 1)
			require.NoError(t, d.Eval(one, Terms{Trace: oneTr}, Request{Context: ctx[:C], Z: z[:D], T: tt, Want: WantTrace, Trace: ExactTrace}))
			assert.Equal(t, dz[:D], one)
			assert.Equal(t, tr[0], oneTr[0])
			assert.ErrorIs(t, d.Eval(one, Terms{}, Request{Z: z[:D], T: tt}), ErrDimension, "a conditional model without a context")
		})
	}
}
