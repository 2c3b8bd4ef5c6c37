package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.json")
	var out bytes.Buffer
	require.NoError(t, run([]string{"train", "-toy", "moons", "-n", "128", "-epochs", "1", "-batch", "64", "-blocks", "1", "-model", model}, &out))

	samples := filepath.Join(dir, "s.csv")
	require.NoError(t, run([]string{"sample", "-model", model, "-n", "5", "-out", samples}, &out))
	raw, err := os.ReadFile(samples)
	require.NoError(t, err)
	assert.Equal(t, 6, strings.Count(string(raw), "\n"), "header and 5 rows")

	out.Reset()
	require.NoError(t, run([]string{"logprob", "-model", model, "-in", samples}, &out))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	assert.Equal(t, "logp", lines[0])
	assert.Len(t, lines, 6)

	// plot draws the saved model.
	figs := filepath.Join(dir, "figs")
	require.NoError(t, run([]string{"plot", "-model", model, "-n", "256", "-out", figs}, &out))
	for _, name := range []string{"tutorial.png", "density.png", "paths.png"} {
		st, err := os.Stat(filepath.Join(figs, name))
		require.NoError(t, err)
		assert.Greater(t, st.Size(), int64(1000), name)
	}

	// The same seed gives the same samples.
	again := filepath.Join(dir, "s2.csv")
	require.NoError(t, run([]string{"sample", "-model", model, "-n", "5", "-out", again}, &out))
	raw2, _ := os.ReadFile(again)
	assert.Equal(t, raw, raw2)
}

func TestErrorsAreOneClearLine(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"format": "ffjord-go checkpoint", "version": 1, "sha256": "00", "content": {}}`), 0o644))
	ragged := filepath.Join(dir, "ragged.csv")
	require.NoError(t, os.WriteFile(ragged, []byte("1,2\n3\n"), 0o644))
	for name, c := range map[string]struct {
		args []string
		want string
	}{
		"no command":      {nil, "usage"},
		"unknown command": {[]string{"fly"}, `unknown command "fly"`},
		"missing model":   {[]string{"sample", "-model", filepath.Join(dir, "none.json")}, "no such file"},
		"corrupt model":   {[]string{"sample", "-model", bad}, "checksum"},
		"ragged csv":      {[]string{"train", "-data", ragged, "-model", filepath.Join(dir, "m.json")}, "line 2"},
		"no data":         {[]string{"train"}, "give -data"},
		"unknown toy":     {[]string{"train", "-toy", "unicorns"}, "unicorns"},
		"bad gradient":    {[]string{"train", "-toy", "moons", "-gradient", "magic"}, "magic"},
	} {
		err := run(c.args, &bytes.Buffer{})
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), c.want, name)
	}
}
