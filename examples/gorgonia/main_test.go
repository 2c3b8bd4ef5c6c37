package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A short run prints test_nll last, the Gorgonia model's NLL by its graph
// equals the library's evaluation of the same model, and both models are
// saved.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	args := []string{"-n", "256", "-test-n", "256", "-epochs", "1", "-batch", "128", "-blocks", "1", "-out", dir}
	if err := run(context.Background(), args, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "test_nll=") {
		t.Fatalf("last line %q, want test_nll=", last)
	}
	nll, err := strconv.ParseFloat(strings.TrimPrefix(last, "test_nll="), 64)
	if err != nil || math.IsNaN(nll) || math.IsInf(nll, 0) {
		t.Fatalf("test_nll %q", last)
	}
	var byLibrary, byGraph float64
	for _, l := range lines {
		if strings.HasPrefix(l, "gorgonia_model_nll_by_library=") {
			if _, err := fmt.Sscanf(l, "gorgonia_model_nll_by_library=%g (the graph's: %g)", &byLibrary, &byGraph); err != nil {
				t.Fatalf("%q: %v", l, err)
			}
		}
	}
	// The graph's pass solves as training does (the whole batch at rtol
	// 1e-3), the library's evaluation per point at rtol 1e-5: they agree to
	// the solver's tolerance.
	if math.Abs(byLibrary-byGraph) > 1e-3 || math.Abs(byGraph-nll) > 1e-4 {
		t.Errorf("the Gorgonia model's NLL: %g by the library, %g by its graph, test_nll %g", byLibrary, byGraph, nll)
	}
	for _, name := range []string{"gorgonia.json", "library.json"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestRefusesTrainerOnlyFlags(t *testing.T) {
	for _, args := range [][]string{{"-kinetic", "0.1"}, {"-clip", "1"}, {"-cosine", "0.5"}, {"-batch", "300", "-n", "256"}} {
		err := run(context.Background(), append(args, "-out", t.TempDir()), &bytes.Buffer{})
		if err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: got %v, want a one-line error", args, err)
		}
	}
}
