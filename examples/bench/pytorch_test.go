package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// script writes an executable shell script printing out and exiting
// with code, and returns its path.
func script(t *testing.T, out string, code string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "torch.sh")
	require.NoError(t, os.WriteFile(p, []byte("#!/bin/sh\nprintf '"+out+"'\nexit "+code+"\n"), 0o755))
	return p
}

// TestRunTorch: a command that prints the two lines is read; a missing,
// empty or failing command and one printing garbage, NaN or infinite
// values give errors naming -pytorch.
func TestRunTorch(t *testing.T) {
	good := "pytorch_digits_step_1_thread=0.5 nfe_forward=20 nfe_backward=30\\npytorch_digits_step_2_threads=0.3 nfe_forward=20 nfe_backward=30\\n"
	r, err := runTorch(script(t, good, "0"))
	require.NoError(t, err)
	assert.Equal(t, torchRound{secs: [3]float64{0, 0.5, 0.3}, nfe: 50}, r)

	for name, cmd := range map[string]string{
		"missing": filepath.Join(t.TempDir(), "no-such-command"),
		"empty":   "   ",
		"failing": script(t, good, "3"),
		"garbage": script(t, "hello\\n\\x00\\xff=\\n", "0"),
		"bad":     script(t, "pytorch_digits_step_1_thread=fast nfe_f=1\\n", "0"),
		"NaN":     script(t, "pytorch_digits_step_1_thread=0.5 nfe_f=NaN\\npytorch_digits_step_2_threads=0.3 nfe_f=NaN\\n", "0"),
		"Inf":     script(t, "pytorch_digits_step_1_thread=+Inf nfe_f=1\\npytorch_digits_step_2_threads=Inf nfe_f=1\\n", "0"),
		"negNFE":  script(t, "pytorch_digits_step_1_thread=0.5 nfe_f=-4\\npytorch_digits_step_2_threads=0.3 nfe_f=-4\\n", "0"),
	} {
		_, err := runTorch(cmd)
		if assert.Error(t, err, name) {
			assert.Contains(t, err.Error(), "-pytorch", name)
		}
		if name == "missing" || name == "empty" {
			_, err := torchArgs(cmd)
			assert.Error(t, err, "%s: torchArgs", name)
		}
	}
	_, err = torchArgs("   ")
	assert.ErrorContains(t, err, "no command")
}
