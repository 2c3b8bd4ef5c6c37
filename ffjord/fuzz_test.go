package ffjord

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"gorgonia.org/tensor"
)

// FuzzForwardInverse: arbitrary points, NaN, ±Inf and huge values included,
// end in a result or an error, never a panic or a hang; finite inputs that
// succeed give finite outputs.
func FuzzForwardInverse(f *testing.F) {
	net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2}, rand.NewPCG(1, 2))
	if err != nil {
		f.Fatal(err)
	}
	b, err := New(net, Options{Solver: ode.Settings{MaxSteps: 200}})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range [][2]float64{{0, 0}, {1, -1}, {math.NaN(), 0}, {math.Inf(1), 1}, {1e300, -1e300}, {5e-324, 3}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, x1, x2 float64) {
		x := batch.New(1, 2, []float64{x1, x2})
		for _, solve := range []func() ([]float64, error){
			func() ([]float64, error) { y, _, err := b.ForwardWithLogDet(x); return data(y), err },
			func() ([]float64, error) { y, _, err := b.InverseWithLogDet(x); return data(y), err },
		} {
			y, err := solve()
			finite := !math.IsNaN(x1+x2) && !math.IsInf(x1, 0) && !math.IsInf(x2, 0)
			if !finite {
				if !errors.Is(err, batch.ErrNonFinite) {
					t.Fatalf("non-finite input (%v, %v) gave %v", x1, x2, err)
				}
				continue
			}
			if err != nil {
				continue // e.g. the solver gave up on a huge input: an error is fine
			}
			for _, v := range y {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("(%v, %v) mapped to non-finite %v", x1, x2, y)
				}
			}
		}
	})
}

func data(y *tensor.Dense) []float64 {
	if y == nil {
		return nil
	}
	return y.Float64s()
}
