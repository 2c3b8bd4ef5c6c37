package cli

import (
	"runtime"
	"slices"
	"testing"

	"gorgonia.org/tensor"
)

// TestSampleContextsOneRowBounded: a one-row -context-in repeated for
// -n 10⁷ samples is built a chunk at a time: asking for the contexts
// allocates nothing of size n, and each chunk holds the row repeated.
func TestSampleContextsOneRowBounded(t *testing.T) {
	c := tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float64{0.5, -1}))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	n, contexts, err := SampleContexts(c, MaxSamples, true)
	runtime.ReadMemStats(&after)
	if err != nil || n != MaxSamples {
		t.Fatalf("n %d, %v", n, err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Errorf("%d bytes allocated for %d contexts before any chunk is asked for", grew, n)
	}
	got := contexts(n-3, n)
	if s := got.Shape(); s[0] != 3 || s[1] != 2 {
		t.Fatalf("shape %v", s)
	}
	if v := got.Float64s(); !slices.Equal(v, []float64{0.5, -1, 0.5, -1, 0.5, -1}) {
		t.Errorf("chunk %v", v)
	}
	// A file of several rows gives its own rows.
	c3 := tensor.New(tensor.WithShape(3, 1), tensor.WithBacking([]float64{1, 2, 3}))
	n, contexts, err = SampleContexts(c3, 0, false)
	if err != nil || n != 3 || !slices.Equal(contexts(1, 3).Float64s(), []float64{2, 3}) {
		t.Errorf("three rows: n %d, %v", n, err)
	}
	if _, _, err := SampleContexts(c3, 5, true); err == nil {
		t.Error("-n 5 with three rows accepted")
	}
}
