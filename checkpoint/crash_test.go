package checkpoint

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/ffjord-go/ffjord-go/train"
	"github.com/stretchr/testify/require"
)

// TestMain lets the test binary act as the saving process that
// TestKillDuringSave kills.
func TestMain(m *testing.M) {
	if path := os.Getenv("FFJORD_SAVE_LOOP"); path != "" {
		saveLoop(path)
		return
	}
	os.Exit(m.Run())
}

// saveLoop saves models with ever-changing weights to path until killed.
func saveLoop(path string) {
	f, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 4, Hidden: []int{64, 64}}, train.Settings{}, rand.NewPCG(1, 1))
	if err != nil {
		panic(err)
	}
	for i := 0; ; i++ {
		f.Params()[0].Float64s()[0] = float64(i)
		if err := saveFlow(path, f); err != nil {
			panic(err)
		}
	}
}

// TestKillDuringSave kills a process that saves in a loop, many times, at
// random moments: the file must always load as a complete model.
func TestKillDuringSave(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	dir := t.TempDir()
	path := filepath.Join(dir, "model.json")
	// The old model, there before the first kill.
	f, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 4, Hidden: []int{64, 64}}, train.Settings{}, rand.NewPCG(1, 1))
	require.NoError(t, err)
	f.Params()[0].Float64s()[0] = -1
	require.NoError(t, saveFlow(path, f))
	r := rand.New(rand.NewPCG(3, 4))
	const kills = 20
	last := -1.0
	for i := range kills {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), "FFJORD_SAVE_LOOP="+path)
		require.NoError(t, cmd.Start())
		time.Sleep(time.Duration(150+r.IntN(200)) * time.Millisecond)
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		_ = cmd.Wait()

		ck, err := load(path)
		require.NoError(t, err, "after kill %d the model must load", i)
		w := ck.Flow.Params()[0].Float64s()[0]
		require.Equal(t, w, float64(int(w)), "kill %d: weight %g is not one a save wrote", i, w)
		last = w
	}
	t.Logf("%d kills; last saved counter %s", kills, strconv.FormatFloat(last, 'f', -1, 64))
}
