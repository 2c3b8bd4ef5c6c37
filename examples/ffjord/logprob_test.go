package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLogprobStepControl: with -step-control row (the default) a point's
// log p is the same in a file of ten points and in a file of four, the
// first bug report of issue 14; -with-input writes the points beside it.
func TestLogprobStepControl(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.json")
	bg := context.Background()
	require.NoError(t, run(bg, []string{"train", "-toy", "moons", "-n", "128", "-test-n", "64", "-epochs", "1", "-batch", "64", "-blocks", "1", "-model", model}, &bytes.Buffer{}))
	pts := []string{"0,1", "2,-1", "-1,0.5", "0.3,0.2", "1.5,1.5", "-2,-2", "0,0", "1,0", "0.5,-0.5", "3,1"}
	ten, four := filepath.Join(dir, "ten.csv"), filepath.Join(dir, "four.csv")
	require.NoError(t, os.WriteFile(ten, []byte("x,y\n"+strings.Join(pts, "\n")+"\n"), 0o644))
	require.NoError(t, os.WriteFile(four, []byte("x,y\n"+strings.Join(pts[:4], "\n")+"\n"), 0o644))
	lines := func(args ...string) []string {
		var out bytes.Buffer
		require.NoError(t, run(bg, append([]string{"logprob", "-model", model}, args...), &out))
		return strings.Split(strings.TrimSpace(out.String()), "\n")
	}
	a, b := lines("-in", ten), lines("-in", four, "-step-control", "row", "-rtol", "1e-5")
	assert.Equal(t, a[:5], b, "a point's log p does not depend on the file")
	w := lines("-in", four, "-with-input", "-step-control", "batch", "-atol", "1e-9")
	assert.Equal(t, "x,y,logp", w[0], "the input's names")
	assert.True(t, strings.HasPrefix(w[1], "0,1,"), w[1])
	// Without a header, the columns are named as sample names them.
	bare := filepath.Join(dir, "bare.csv")
	require.NoError(t, os.WriteFile(bare, []byte(strings.Join(pts[:2], "\n")+"\n"), 0o644))
	assert.Equal(t, "x1,x2,logp", lines("-in", bare, "-with-input")[0])
	assert.Equal(t, "x1,x2", lines2(t, model, "sample", "-n", "2")[0])

	var out bytes.Buffer
	err := run(bg, []string{"logprob", "-model", model, "-in", four, "-step-control", "pointwise"}, &out)
	assert.ErrorContains(t, err, "step control")
}

// lines2 runs an ffjord command on model and returns its output's lines.
func lines2(t *testing.T, model string, cmd string, args ...string) []string {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), append([]string{cmd, "-model", model}, args...), &out))
	return strings.Split(strings.TrimSpace(out.String()), "\n")
}
