package odefunc

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// helperFrames counts the helper goroutines running in this process.
func helperFrames() int {
	buf := make([]byte, 1<<20)
	return strings.Count(string(buf[:runtime.Stack(buf, true)]), "odefunc.(*helper).serve")
}

// TestHelpersStartOnFirstUse runs in a fresh process, since other tests of
// this binary start the helpers: importing the package and making a
// Dynamics start no goroutine; the first evaluation on two workers does.
func TestHelpersStartOnFirstUse(t *testing.T) {
	if os.Getenv("ODEFUNC_LAZY_CHILD") != "1" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelpersStartOnFirstUse$", "-test.count=1")
		cmd.Env = append(os.Environ(), "ODEFUNC_LAZY_CHILD=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		require.Contains(t, string(out), "PASS")
		return
	}
	runtime.GOMAXPROCS(2) // before the first Dynamics fixes the pool's size
	require.Zero(t, helperFrames(), "helpers running at import")
	net, err := NewMLP(MLPConfig{Dim: 2}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	dyn, err := New(net)
	require.NoError(t, err)
	require.NoError(t, dyn.SetWorkers(2))
	require.Zero(t, helperFrames(), "helpers running before any evaluation")
	const n = 512 // four chunks: two workers take part
	z := randomBatch(rand.New(rand.NewPCG(3, 4)), n, 2)
	require.NoError(t, dyn.Eval(make([]float64, 2*n), Terms{}, Request{Z: z, T: 0.5}))
	require.Equal(t, 1, helperFrames(), "one helper beside the caller")
}
