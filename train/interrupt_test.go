package train

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/odefunc"
	"gorgonia.org/tensor"
)

// TestSetInterrupt: a cancelled context stops LogProb and Sample at their
// first evaluation, with an error wrapping odefunc.ErrInterrupted and the
// cause; without the check, or before the cancellation, the values keep
// their bits.
func TestSetInterrupt(t *testing.T) {
	f, err := NewFlow(FlowConfig{Dim: 2, Blocks: 2, Hidden: []int{4}}, Settings{}, rand.NewPCG(1, 2))
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.New(tensor.WithShape(3, 2), tensor.WithBacking([]float64{0.1, 0.2, -1, 0.5, 2, -0.3}))
	want, err := f.LogProb(x)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	if err := f.SetInterrupt(func() error { return context.Cause(ctx) }); err != nil {
		t.Fatal(err)
	}
	got, err := f.LogProb(x)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: %v with the check, %v without", i, got[i], want[i])
		}
	}
	stop := errors.New("stop")
	cancel(stop)
	if _, err := f.LogProb(x); !errors.Is(err, odefunc.ErrInterrupted) || !errors.Is(err, stop) {
		t.Errorf("LogProb after cancel: %v", err)
	}
	if _, err := f.Sample(3); !errors.Is(err, odefunc.ErrInterrupted) {
		t.Errorf("Sample after cancel: %v", err)
	}
	if err := f.SetInterrupt(nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.LogProb(x); err != nil {
		t.Errorf("LogProb after removing the check: %v", err)
	}
	if err := (*Flow)(nil).SetInterrupt(nil); err == nil {
		t.Error("nil Flow accepted")
	}
}
