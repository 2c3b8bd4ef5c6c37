package apitest

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/ffjord-go/ffjord-go/train/datasets/fileio"
	"github.com/stretchr/testify/require"
)

// TestHostileConcurrentSaves: one process checking that it may write a
// path while another saves it (the second ffjord train on a model in use)
// must get neither a spurious error from the first nor a lost save in the
// second: the saver's removal of leftover temporary files must not take
// the checker's probe or another save's fresh temporary file.
func TestHostileConcurrentSaves(t *testing.T) {
	defer countCases(t, "concurrency_test.go", 1)
	path := filepath.Join(t.TempDir(), "m.json")
	const rounds = 2000
	var wg sync.WaitGroup
	errs := make(chan error, 3*rounds)
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				var err error
				if w == 0 {
					err = fileio.CheckWritable(path)
				} else {
					err = fileio.WriteAtomic(path, func(wr io.Writer) error { _, err := fmt.Fprintf(wr, "%d %d\n", w, i); return err })
				}
				if err != nil {
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
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Regexp(t, `^[12] \d+\n$`, string(raw))
	left, err := filepath.Glob(filepath.Join(filepath.Dir(path), ".m.json.tmp*"))
	require.NoError(t, err)
	require.Empty(t, left)
}
