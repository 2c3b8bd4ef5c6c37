package apitest

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCLIMemoryIsBounded: ffjord sample and logprob of half a million
// points, under the suite's memory cap, keep their peak resident memory
// under 128 MiB: they solve, and write, train.ChunkRows rows at a time
// (issue 27). Before, the per-row solver's workspace grew with the
// points: 234 MB for these samples and 313 MB for these log-densities,
// and sample -n 3000000 of a larger model ran out of memory under the cap.
func TestCLIMemoryIsBounded(t *testing.T) {
	defer countCases(t, "memory_test.go", 1)
	ffjord, _ := build(t)
	dir := fixtureDir(t, ffjord)
	tmp := t.TempDir()
	const n = 500_000
	in := filepath.Join(tmp, "in.csv")
	f, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	r := rand.New(rand.NewPCG(9, 9))
	fmt.Fprintln(w, "x,y")
	for range n {
		fmt.Fprintf(w, "%g,%g\n", r.NormFloat64(), r.NormFloat64())
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"sample", []string{"sample", "-model", "m.json", "-n", fmt.Sprint(n), "-out", filepath.Join(tmp, "s.csv")}},
		{"logprob", []string{"logprob", "-model", "m.json", "-in", in, "-out", filepath.Join(tmp, "lp.csv")}},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := command(ctx, dir, ffjord, c.args...)
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.name, err, tail(string(out)))
		}
		const limitKiB = 128 << 10
		if rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss; rss > limitKiB {
			t.Errorf("%s of %d points: peak resident memory %d KiB, over %d KiB", c.name, n, rss, limitKiB)
		}
		b, err := os.ReadFile(c.args[len(c.args)-1])
		if err != nil {
			t.Fatal(err)
		}
		if lines := strings.Count(string(b), "\n"); lines != n+1 {
			t.Errorf("%s: %d lines, want a header and %d rows", c.name, lines, n)
		}
	}
}
