//go:build unix

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
	in := writePoints(t, filepath.Join(tmp, "in.csv"), n, "%g,%g\n", 9)
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

// TestCLIMemoryAtFlagMaximum: sample -n at its maximum (10⁷ points) and
// logprob of as many rows, under the suite's 4 GiB cap, finish; sample
// stays under 128 MiB (chunks), logprob under 1 GiB (it holds its input
// table, bounded by the CSV limits, and solves in chunks). About a minute
// each on an idle two-core machine; skipped with -short.
func TestCLIMemoryAtFlagMaximum(t *testing.T) {
	if testing.Short() {
		t.Skip("minutes of solving")
	}
	defer countCases(t, "memory_test.go", 2)
	ffjord, _ := build(t)
	dir := fixtureDir(t, ffjord)
	tmp := t.TempDir()
	const n = 10_000_000 // cli.MaxSamples
	in := writePoints(t, filepath.Join(tmp, "in.csv"), n, "%.4f,%.4f\n", 10)
	for _, c := range []struct {
		name     string
		args     []string
		limitKiB int64
	}{
		{"sample", []string{"sample", "-model", "m.json", "-n", fmt.Sprint(n), "-out", filepath.Join(tmp, "s.csv")}, 128 << 10},
		{"logprob", []string{"logprob", "-model", "m.json", "-in", in, "-out", filepath.Join(tmp, "lp.csv")}, 1 << 20},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		cmd := command(ctx, dir, ffjord, c.args...)
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("%s of %d points: %v\n%s", c.name, n, err, tail(string(out)))
		}
		if rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss; rss > c.limitKiB {
			t.Errorf("%s of %d points: peak resident memory %d KiB, over %d KiB", c.name, n, rss, c.limitKiB)
		}
		g, err := os.Open(c.args[len(c.args)-1])
		if err != nil {
			t.Fatal(err)
		}
		lines := 0
		sc := bufio.NewScanner(g)
		for sc.Scan() {
			lines++
		}
		g.Close()
		if lines != n+1 {
			t.Errorf("%s: %d lines, want a header and %d rows", c.name, lines, n)
		}
	}
}

// writePoints writes a CSV of n standard-normal points in 2-D, seeded,
// each row in format, to path and returns path.
func writePoints(t *testing.T, path string, n int, format string, seed uint64) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "x,y")
	r := rand.New(rand.NewPCG(seed, seed))
	for range n {
		fmt.Fprintf(w, format, r.NormFloat64(), r.NormFloat64())
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
