package train

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConcurrentLogProbAndSample calls LogProb and Sample of one model from
// many goroutines (run it with -race): every LogProb equals the sequential
// answer.
func TestConcurrentLogProbAndSample(t *testing.T) {
	f, err := NewFlow(FlowConfig{Dim: 2, Blocks: 2}, Settings{}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	x := batch.New(300, 2, testBatch(300))
	want, err := f.LogProb(x)
	require.NoError(t, err)

	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				if g%2 == 0 {
					got, err := f.LogProb(x)
					if err != nil {
						errs <- err
						return
					}
					assert.Equal(t, want, got)
				} else if _, err := f.Sample(50); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestConcurrentTrainingAndReading runs Trainer.Run while other goroutines
// call LogProb, NLL, Sample and Use (as a checkpoint saves) on the same
// Flow (run it with -race): every read sees a consistent set of weights,
// and training ends as it would alone.
func TestConcurrentTrainingAndReading(t *testing.T) {
	data := batch.New(256, 2, testBatch(256))
	opts := Options{Epochs: 3, BatchSize: 64, Seed: 5}
	alone, err := NewFlow(FlowConfig{Dim: 2, Blocks: 2, Hidden: []int{6}}, Settings{}, rand.NewPCG(7, 8))
	require.NoError(t, err)
	tr, err := NewTrainer(alone, opts)
	require.NoError(t, err)
	require.NoError(t, tr.Run(context.Background(), data))

	f, err := NewFlow(FlowConfig{Dim: 2, Blocks: 2, Hidden: []int{6}}, Settings{}, rand.NewPCG(7, 8))
	require.NoError(t, err)
	tr, err = NewTrainer(f, opts)
	require.NoError(t, err)
	probe := batch.New(5, 2, testBatch(5))
	done := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	reader := func(i int, read func() error) {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			if err := read(); err != nil {
				errs <- fmt.Errorf("reader %d: %w", i, err)
				return
			}
		}
	}
	wg.Add(4)
	go reader(0, func() error { _, err := f.LogProb(probe); return err })
	go reader(1, func() error { _, err := f.NLL(probe); return err })
	go reader(2, func() error { _, err := f.Sample(16); return err })
	go reader(3, func() error {
		// A snapshot, as a checkpoint takes it: every parameter in one turn.
		return f.Use(func(d *distributions.TransformedDistribution) error {
			for i, p := range d.Params() {
				if nonFinite(p.Float64s()) >= 0 {
					return fmt.Errorf("parameter %d is not finite", i)
				}
			}
			return nil
		})
	})
	require.NoError(t, tr.Run(context.Background(), data))
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assert.Equal(t, paramsOf(alone), paramsOf(f), "readers changed the training")
}

// TestConcurrentSetSampleSource swaps the base's sampler with
// SetSampleSource while a Trainer runs and other goroutines call Dim,
// Params, EndTimes, ContextDim and Sample (run it with -race): every read
// of the base happens under the flow's lock, and training ends as it would
// alone (the sampler does not enter the training's numbers).
func TestConcurrentSetSampleSource(t *testing.T) {
	data := batch.New(128, 2, testBatch(128))
	opts := Options{Epochs: 2, BatchSize: 64, Seed: 5}
	alone, err := NewFlow(FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}}, Settings{}, rand.NewPCG(7, 8))
	require.NoError(t, err)
	tr, err := NewTrainer(alone, opts)
	require.NoError(t, err)
	require.NoError(t, tr.Run(context.Background(), data))

	f, err := NewFlow(FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}}, Settings{}, rand.NewPCG(7, 8))
	require.NoError(t, err)
	tr, err = NewTrainer(f, opts)
	require.NoError(t, err)
	done := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	reader := func(i int, read func() error) {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			if err := read(); err != nil {
				errs <- fmt.Errorf("reader %d: %w", i, err)
				return
			}
		}
	}
	wg.Add(6)
	var seed uint64 // read by reader 0 alone
	go reader(0, func() error {
		seed++
		return f.SetSampleSource(rand.NewPCG(seed, 1))
	})
	go reader(1, func() error {
		if d := f.Dim(); d != 2 {
			return fmt.Errorf("Dim = %d, want 2", d)
		}
		return nil
	})
	go reader(2, func() error {
		if len(f.Params()) == 0 {
			return fmt.Errorf("no parameters")
		}
		return nil
	})
	go reader(3, func() error {
		if len(f.EndTimes()) != 1 || f.ContextDim() != 0 {
			return fmt.Errorf("EndTimes = %v, ContextDim = %d", f.EndTimes(), f.ContextDim())
		}
		return nil
	})
	go reader(4, func() error { _, err := f.Sample(4); return err })
	go reader(5, func() error { _, err := f.SampleBase(4); return err })
	require.NoError(t, tr.Run(context.Background(), data))
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assert.Equal(t, paramsOf(alone), paramsOf(f), "SetSampleSource changed the training")
}
