package train

import (
	"math/rand/v2"
	"sync"
	"testing"

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
