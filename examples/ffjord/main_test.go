package main

import (
	"bytes"
	"context"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var bg = context.Background()

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.json")
	var out bytes.Buffer
	require.NoError(t, run(bg, []string{"train", "-toy", "moons", "-n", "128", "-test-n", "256", "-epochs", "1", "-batch", "64", "-blocks", "1", "-model", model}, &out))
	nll := valueOf(t, out.String(), "test_nll")
	assert.False(t, math.IsNaN(nll) || math.IsInf(nll, 0), "test_nll = %g", nll)
	assert.GreaterOrEqual(t, valueOf(t, out.String(), "train_seconds"), 0.0)

	samples := filepath.Join(dir, "s.csv")
	require.NoError(t, run(bg, []string{"sample", "-model", model, "-n", "5", "-out", samples}, &out))
	raw, err := os.ReadFile(samples)
	require.NoError(t, err)
	assert.Equal(t, 6, strings.Count(string(raw), "\n"), "header and 5 rows")

	out.Reset()
	require.NoError(t, run(bg, []string{"logprob", "-model", model, "-in", samples}, &out))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	assert.Equal(t, "logp", lines[0])
	assert.Len(t, lines, 6)

	// plot draws the saved model.
	figs := filepath.Join(dir, "figs")
	require.NoError(t, run(bg, []string{"plot", "-model", model, "-n", "256", "-out", figs}, &out))
	for _, name := range []string{"tutorial.png", "density.png", "paths.png"} {
		st, err := os.Stat(filepath.Join(figs, name))
		require.NoError(t, err)
		assert.Greater(t, st.Size(), int64(1000), name)
	}

	// -only density writes the density alone, at the size asked for in
	// pixels, bare or not.
	for _, bare := range []string{"-bare=false", "-bare"} {
		thumbs := filepath.Join(dir, "thumbs"+bare)
		out.Reset()
		require.NoError(t, run(bg, []string{"plot", "-model", model, "-only", "density", "-size", "120,100", "-grid", "20", "-bounds", "-2,3,-1,1.5", "-max", "99%", bare, "-out", thumbs}, &out))
		assert.Equal(t, "wrote "+filepath.Join(thumbs, "density.png")+"\n", out.String())
		entries, err := os.ReadDir(thumbs)
		require.NoError(t, err)
		assert.Len(t, entries, 1)
		f, err := os.Open(filepath.Join(thumbs, "density.png"))
		require.NoError(t, err)
		cfg, err := png.DecodeConfig(f)
		f.Close()
		require.NoError(t, err)
		assert.Equal(t, [2]int{120, 100}, [2]int{cfg.Width, cfg.Height})
	}

	// The same seed gives the same samples.
	again := filepath.Join(dir, "s2.csv")
	require.NoError(t, run(bg, []string{"sample", "-model", model, "-n", "5", "-out", again}, &out))
	raw2, _ := os.ReadFile(again)
	assert.Equal(t, raw, raw2)
}

// valueOf returns the number after "key=" at the start of a line of out.
func valueOf(t *testing.T, out, key string) float64 {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, key+"="); ok {
			f, err := strconv.ParseFloat(v, 64)
			require.NoError(t, err, line)
			return f
		}
	}
	t.Fatalf("no %s= line in\n%s", key, out)
	return 0
}

func TestTrainTestSet(t *testing.T) {
	dir := t.TempDir()
	points := filepath.Join(dir, "p.csv")
	require.NoError(t, os.WriteFile(points, []byte("x,y\n0,0\n1,0.5\n-0.5,1\n0.2,-0.3\n"), 0o644))
	var out bytes.Buffer
	args := []string{"train", "-data", points, "-test", points, "-epochs", "1", "-blocks", "1", "-hidden", "4,4,4", "-cosine", "0.1", "-model", filepath.Join(dir, "m.json")}
	require.NoError(t, run(bg, args, &out))
	nll := valueOf(t, out.String(), "test_nll")
	assert.False(t, math.IsNaN(nll) || math.IsInf(nll, 0), "test_nll = %g", nll)

	// Without -test, -data gives no test NLL.
	out.Reset()
	require.NoError(t, run(bg, []string{"train", "-data", points, "-epochs", "1", "-blocks", "1", "-model", filepath.Join(dir, "m2.json")}, &out))
	assert.Contains(t, out.String(), "train_seconds=")
	assert.NotContains(t, out.String(), "test_nll")
}

func TestErrorsAreOneClearLine(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"format": "ffjord-go checkpoint", "version": 2, "sha256": "00", "content": {}}`), 0o644))
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
		"bad hidden":      {[]string{"train", "-toy", "moons", "-hidden", "8,x"}, "-hidden"},
		"bad cosine":      {[]string{"train", "-toy", "moons", "-cosine", "2"}, "-cosine"},
		"bad test-n":      {[]string{"train", "-toy", "moons", "-test-n", "-1"}, "-test-n"},
		"missing test":    {[]string{"train", "-toy", "moons", "-test", filepath.Join(dir, "none.csv"), "-model", filepath.Join(dir, "m.json")}, "no such file"},
		"bad bounds":      {[]string{"plot", "-bounds", "1,0,0,1"}, "-bounds"},
		"bad size":        {[]string{"plot", "-size", "100"}, "-size"},
		"bad only":        {[]string{"plot", "-only", "density,map"}, "-only"},
		"bad max":         {[]string{"plot", "-max", "200%"}, "-max"},
	} {
		err := run(bg, c.args, &bytes.Buffer{})
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), c.want, name)
	}
}
