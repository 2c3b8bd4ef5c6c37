package apitest

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
)

// minCases is the fewest hostile cases a full run of the suites may have
// (issue 27): a run that tries fewer has lost cases.
const minCases = 1000

// suiteCounts are the hostile cases run, by the file that holds them.
var suiteCounts struct {
	sync.Mutex
	byFile map[string]int
}

// countCases records that a test of file ran n hostile cases (none if
// the test was skipped, as the CLI suites are with -short).
func countCases(t *testing.T, file string, n int) {
	t.Helper()
	if t.Skipped() {
		return
	}
	suiteCounts.Lock()
	defer suiteCounts.Unlock()
	if suiteCounts.byFile == nil {
		suiteCounts.byFile = map[string]int{}
	}
	suiteCounts.byFile[file] += n
	t.Logf("%d hostile cases", n)
}

// TestMain runs the suites, prints the cases each file ran, and, after a
// full run (not -short, no -run), fails if they are fewer than minCases.
func TestMain(m *testing.M) {
	code := m.Run()
	if bins.dir != "" {
		os.RemoveAll(bins.dir)
	}
	total := 0
	for _, file := range slices.Sorted(maps.Keys(suiteCounts.byFile)) {
		n := suiteCounts.byFile[file]
		fmt.Printf("hostile cases in %s: %d\n", file, n)
		total += n
	}
	fmt.Printf("hostile cases: %d\n", total)
	full := !testing.Short() && flag.Lookup("test.run").Value.String() == ""
	if code == 0 && full && total < minCases {
		fmt.Printf("FAIL: %d hostile cases, want at least %d\n", total, minCases)
		code = 1
	}
	os.Exit(code)
}

// callerFile is the base name of the file that called the caller.
func callerFile() string {
	_, file, _, _ := runtime.Caller(2)
	return filepath.Base(file)
}

// bins are the programs, built once.
var bins struct {
	once                                                      sync.Once
	ffjord, moons, conditional, digits, matching, stepcontrol string
	dir                                                       string
	err                                                       error
}
