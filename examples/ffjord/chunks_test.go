package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestChunkedOutputIsUnchanged: sample and logprob solve and write
// train.ChunkRows rows at a time, over two chunk boundaries here, and
// their output is byte for byte that of the one-batch code before it
// (the SHA-256 sums were taken with that code, on testdata/chunks.json,
// a 1-block model trained by "ffjord train -toy moons -n 64 -test-n 0
// -epochs 1 -batch 64 -blocks 1 -hidden 4").
func TestChunkedOutputIsUnchanged(t *testing.T) {
	model := filepath.Join("testdata", "chunks.json")
	dir := t.TempDir()
	samples := filepath.Join(dir, "s.csv")
	sum := func(b []byte) string { return fmt.Sprintf("%x", sha256.Sum256(b)) }
	var out bytes.Buffer
	require.NoError(t, run(bg, []string{"sample", "-model", model, "-seed", "7", "-n", "33000"}, &out))
	require.Equal(t, "5c1901db45e28c87e21997beea92bdefcfedda7aeb8504aee0822ddd664dcd8d", sum(out.Bytes()), "sample")
	require.NoError(t, run(bg, []string{"sample", "-model", model, "-seed", "7", "-n", "33000", "-out", samples}, &out))
	for _, c := range []struct{ flag, want string }{
		{"-with-input=false", "be237726bdfadc7c6a2e7e70d1f7ae730c880c0675ec98d8907a5c728bf6e419"},
		// The old code's rows under the header x1,x2 (sample's names, kept
		// from the input; the old code wrote x0,x1).
		{"-with-input", "7e8baec11fce61f84bd13de7f9fd8ae608a6c6df1ab2a951d98ac8ebbd68ec30"},
	} {
		out.Reset()
		require.NoError(t, run(bg, []string{"logprob", "-model", model, "-in", samples, c.flag}, &out))
		require.Equal(t, c.want, sum(out.Bytes()), "logprob %s", c.flag)
	}
}
