package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// script writes a shell script printing out and exiting with code, and
// returns its path.
func script(t *testing.T, out string, code string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "torch.sh")
	require.NoError(t, os.WriteFile(p, []byte("printf '"+out+"'\nexit "+code+"\n"), 0o644))
	return p
}

// TestPytorchRun: a replica's lines are read with their evaluation
// counts; a failing replica, one missing a wanted line and one printing
// garbage, NaN, infinite or negative values give errors naming -pytorch;
// a missing or empty command is refused before anything runs.
func TestPytorchRun(t *testing.T) {
	sh := &pytorch{cmd: []string{"sh"}, ctx: context.Background()}
	const one, two = "pytorch_digits_step_1_thread", "pytorch_digits_step_2_threads"
	good := one + "=0.5 s nfe_forward=20 nfe_backward=30 torch=1.13\\n" + two + "=0.3 s nfe_forward=20 nfe_backward=30\\n"
	lines, err := sh.run(script(t, good, "0"), nil, one, two)
	require.NoError(t, err)
	assert.Equal(t, torchLine{secs: 0.5, fields: map[string]float64{"nfe_forward": 20, "nfe_backward": 30}}, lines[one])
	assert.Equal(t, 0.3, lines[two].secs)

	for name, out := range map[string]string{
		"garbage": "hello\\n\\x00\\xff=\\n",
		"bad":     one + "=fast\\n" + two + "=0.3\\n",
		"NaN":     one + "=0.5 nfe_f=NaN\\n" + two + "=0.3\\n",
		"Inf":     one + "=+Inf\\n" + two + "=Inf\\n",
		"negNFE":  one + "=0.5 nfe_f=-4\\n" + two + "=0.3\\n",
		"missing": one + "=0.5\\n",
	} {
		_, err := sh.run(script(t, out, "0"), nil, one, two)
		assert.ErrorContains(t, err, "-pytorch", name)
	}
	_, err = sh.run(script(t, good, "3"), nil, one, two)
	assert.ErrorContains(t, err, "-pytorch", "failing")

	for _, cmd := range []string{"   ", filepath.Join(t.TempDir(), "no-such-command")} {
		_, err := newPytorch(context.Background(), cmd)
		assert.ErrorContains(t, err, "-pytorch", cmd)
	}
}

// TestPytorchRunCancelled: cancelling the bench's context (a signal) kills
// a replica that is still running, and the error says why.
func TestPytorchRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sh := &pytorch{cmd: []string{"sh"}, ctx: ctx}
	slow := script(t, "", "0")
	require.NoError(t, os.WriteFile(slow, []byte("exec sleep 30\n"), 0o644))
	time.AfterFunc(100*time.Millisecond, func() { cancel(context.Canceled) })
	start := time.Now()
	_, err := sh.run(slow, nil, "pytorch_x")
	assert.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), 10*time.Second)
}
