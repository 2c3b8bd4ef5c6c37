package checkpoint

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSaveRefusesAFileLoadWouldRefuse: a checkpoint over Load's size
// limit (a user's codec that writes a lot, or a very large model) was
// written, replacing any file at the path, and then refused by Load.
func TestSaveRefusesAFileLoadWouldRefuse(t *testing.T) {
	f := tinyFlow(t)
	path := filepath.Join(t.TempDir(), "c.json")
	require.NoError(t, saveFlow(path, f))
	before, err := os.ReadFile(path)
	require.NoError(t, err)
	defer func(old int64) { maxSize = old }(maxSize)
	maxSize = int64(len(before)) - 1
	require.ErrorIs(t, saveFlow(path, f), ErrUnsaveable)
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, before, after)
	_, err = load(path)
	require.ErrorIs(t, err, ErrCheckpoint)
}
