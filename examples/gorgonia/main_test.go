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

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
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
	var asTrained, byGraph, byLibrary, diff float64
	for _, l := range lines {
		if strings.HasPrefix(l, "graph_nll_as_trained=") {
			if _, err := fmt.Sscanf(l, "graph_nll_as_trained=%g", &asTrained); err != nil {
				t.Fatalf("%q: %v", l, err)
			}
		}
		if strings.HasPrefix(l, "graph_nll=") {
			if _, err := fmt.Sscanf(l, "graph_nll=%g library_nll=%g difference=%g", &byGraph, &byLibrary, &diff); err != nil {
				t.Fatalf("%q: %v", l, err)
			}
		}
	}
	// The graph with Evaluation and the library solve alike, per point at
	// rtol 1e-5: they differ by rounding (the contexts' products, the
	// mean's order). The graph as trained solves the batch at rtol 1e-3.
	if diff > 1e-9 || math.Abs(byLibrary-nll) > 1e-4 || math.Abs(asTrained-byLibrary) > 1e-2 {
		t.Errorf("the Gorgonia model's NLL: %g by its graph as trained, %g by its graph, %g by the library (difference %g), test_nll %g", asTrained, byGraph, byLibrary, diff, nll)
	}
	for _, name := range []string{"gorgonia.json", "library.json"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// The library trainer's options that the Gorgonia route lacks are not
// flags of the program.
func TestRefusesTrainerOnlyFlags(t *testing.T) {
	for _, args := range [][]string{{"-kinetic", "0.1"}, {"-cosine", "0.5"}, {"-objective", "cfm"}, {"-weight-decay", "0.1"}, {"-batch", "300", "-n", "256"}} {
		err := run(context.Background(), append(args, "-out", t.TempDir()), &bytes.Buffer{})
		if err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: got %v, want a one-line error", args, err)
		}
	}
}

// -clip scales the Gorgonia route's gradient to the global norm, as the
// library's trainer does.
func TestClipNorm(t *testing.T) {
	g := G.NewGraph()
	a := G.NewVector(g, tensor.Float64, G.WithShape(2), G.WithName("a"), G.WithInit(G.Zeroes()))
	b := G.NewVector(g, tensor.Float64, G.WithShape(1), G.WithName("b"), G.WithInit(G.Zeroes()))
	cost := G.Must(G.Add(G.Must(G.Sum(G.Must(G.Mul(a, G.NewConstant(3.0))))), G.Must(G.Sum(G.Must(G.Mul(b, G.NewConstant(4.0)))))))
	if _, err := G.Grad(cost, a, b); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(a, b))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	clipNorm([]*G.Node{a, b}, 1) // gradients (3, 3) and (4): norm √34
	ga, _ := a.Grad()
	gb, _ := b.Grad()
	want := 3 / math.Sqrt(34)
	if got := ga.Data().([]float64); math.Abs(got[0]-want) > 1e-15 || math.Abs(gb.Data().([]float64)[0]-4/math.Sqrt(34)) > 1e-15 {
		t.Errorf("clipped gradients %v %v, want norm 1", ga.Data(), gb.Data())
	}
}
