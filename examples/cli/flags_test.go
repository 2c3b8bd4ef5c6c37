package cli

import (
	"bytes"
	"errors"
	"flag"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/ffjord-go/ffjord-go/checkpoint"
	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
)

// The defaults are the tutorial's model, solver and training, as the
// programs built them before the flags moved here.
func TestDefaultsAreTheTutorials(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	f := Register(fs, 3)
	if err := Parse(fs, "t", nil, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	cfg, err := f.FlowConfig(2)
	if err != nil {
		t.Fatal(err)
	}
	if want := (train.FlowConfig{Dim: 2, Blocks: 4, Hidden: []int{8, 8}}); !reflect.DeepEqual(cfg, want) {
		t.Errorf("FlowConfig = %+v, want %+v", cfg, want)
	}
	s, err := f.Settings()
	if err != nil {
		t.Fatal(err)
	}
	// Tolerances and step control not given stay zero: each kind of
	// solve's default (training the tutorial's, evaluation per row).
	want := train.Settings{Solver: ode.Settings{Controller: ode.Adaptive{}}, Gradient: ode.BacksolveAdjoint{}, Trace: odefunc.ExactTrace}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("Settings = %+v, want %+v", s, want)
	}
	given := flag.NewFlagSet("", flag.ContinueOnError)
	g := Register(given, 3)
	if err := given.Parse([]string{"-rtol", "1e-4", "-step-control", "row"}); err != nil {
		t.Fatal(err)
	}
	s, err = g.Settings()
	if err != nil {
		t.Fatal(err)
	}
	if want := (ode.Settings{Controller: ode.Adaptive{RTol: 1e-4}, StepControl: ode.PerRow}); !reflect.DeepEqual(s.Solver, want) {
		t.Errorf("given -rtol 1e-4 -step-control row: Solver = %+v, want %+v", s.Solver, want)
	}
	o, err := f.Options()
	if err != nil {
		t.Fatal(err)
	}
	if o.Epochs != 40 || o.BatchSize != 256 || o.LearningRate != 1e-2 || o.Seed != 3 || o.Schedule != nil || o.ClipNorm != 0 {
		t.Errorf("Options = %+v", o)
	}
}

func TestHelpAndBadFlags(t *testing.T) {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	Register(fs, 1)
	var out bytes.Buffer
	if err := Parse(fs, "train [flags]", []string{"-h"}, &out); !errors.Is(err, flag.ErrHelp) || !strings.Contains(out.String(), "-epochs") {
		t.Errorf("-h: %v, %q", err, out.String())
	}
	fs = flag.NewFlagSet("train", flag.ContinueOnError)
	Register(fs, 1)
	err := Parse(fs, "train", []string{"-epochs", "x"}, &out)
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "train: ") {
		t.Errorf("bad value: %q", err)
	}
}

func TestCheckResume(t *testing.T) {
	flow, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}}, train.Settings{}, rand.NewPCG(1, 2))
	if err != nil {
		t.Fatal(err)
	}
	ck := &checkpoint.Checkpoint{Flow: flow, Training: &train.TrainingState{Epoch: 1}}
	for args, want := range map[string]string{
		"":                               "",
		"-blocks 1 -hidden 4 -rtol 1e-3": "",
		"-epochs 9 -lr 0.1":              "",
		"-blocks 2":                      "-blocks 2 (the checkpoint has 1)",
		"-hidden 4,4 -trace hutchinson":  "-hidden 4,4 (the checkpoint has 4), -trace hutchinson (the checkpoint has exact)",
		"-activation softplus":           "-activation softplus",
		"-learn-time":                    "-learn-time true",
		"-atol 1e-6":                     "-atol 1e-06",
	} {
		fs := flag.NewFlagSet("train", flag.ContinueOnError)
		f := Register(fs, 1)
		if err := Parse(fs, "train", strings.Fields(args), &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		err := f.CheckResume(ck)
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", args, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: %v, want %q", args, err, want)
		}
	}
	f := Register(flag.NewFlagSet("x", flag.ContinueOnError), 1)
	if err := f.CheckResume(&checkpoint.Checkpoint{Flow: flow}); err == nil {
		t.Error("a checkpoint without training state was accepted")
	}
}

// -context and -context-input reach the FlowConfig, are checked before any
// work, and -resume compares them with a conditional checkpoint's.
func TestContextFlags(t *testing.T) {
	parse := func(args string) (*Flags, error) {
		fs := flag.NewFlagSet("train", flag.ContinueOnError)
		f := Register(fs, 1)
		f.RegisterContext()
		if err := Parse(fs, "train", strings.Fields(args), &bytes.Buffer{}); err != nil {
			return nil, err
		}
		return f, f.Check()
	}
	f, err := parse("-context 2 -context-input squash")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.FlowConfig(2)
	if err != nil || cfg.Context != 2 || cfg.ContextInput != odefunc.ContextSquashInput {
		t.Errorf("FlowConfig = %+v, %v", cfg, err)
	}
	for args, want := range map[string]string{
		"-context -1":                     "-context -1: want 0 to 4096",
		"-context 5000":                   "-context 5000",
		"-context 2 -context-input magic": "-context-input \"magic\"",
		"-context 2 -context-input squash -time concatsquash": "cannot be combined",
	} {
		if _, err := parse(args); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", args, err, want)
		}
	}
	f, _ = parse("-context-input squash")
	if err := f.CheckContextInputUsed(); err == nil {
		t.Error("-context-input without -context was accepted")
	}

	flow, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}, Context: 2}, train.Settings{}, rand.NewPCG(1, 2))
	if err != nil {
		t.Fatal(err)
	}
	ck := &checkpoint.Checkpoint{Flow: flow, Training: &train.TrainingState{Epoch: 1}}
	for args, want := range map[string]string{
		"":                                 "",
		"-context 2 -context-input concat": "",
		"-context 1":                       "-context 1 (the checkpoint has 2)",
		"-context-input squash":            "-context-input squash (the checkpoint has concat)",
	} {
		f, err := parse(args)
		if err != nil {
			t.Fatal(err)
		}
		err = f.CheckResume(ck)
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", args, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: %v, want %q", args, err, want)
		}
	}
}

func TestDequantizedColumns(t *testing.T) {
	for _, c := range []struct {
		cols   []int
		header []string
		want   string
	}{
		{nil, nil, "none"},
		{[]int{0, 3}, nil, "1,4"},
		{[]int{1}, []string{"age", "sex"}, "2 (sex)"},
		{[]int{0, 2}, []string{"a", "b"}, "1,3"}, // a header too short names nothing
	} {
		if got := DequantizedColumns(c.cols, c.header); got != c.want {
			t.Errorf("DequantizedColumns(%v, %v) = %q, want %q", c.cols, c.header, got, c.want)
		}
	}
}

// TestCheckResumeTakesTheRecord: training flags not given take the
// checkpoint's recorded values without counting as given, given ones
// must agree (but -epochs may differ), and a record round-trips Record.
func TestCheckResumeTakesTheRecord(t *testing.T) {
	flow, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 4, Hidden: []int{8, 8}}, train.Settings{}, rand.NewPCG(1, 2))
	if err != nil {
		t.Fatal(err)
	}
	parse := func(args string) *Flags {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		f := Register(fs, 1)
		if err := Parse(fs, "t", strings.Fields(args), &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		return f
	}
	first := parse("-lr 3e-3 -batch 32 -cosine 0.2 -clip 2 -kinetic 0.01 -jacobian 0.02 -seed 5 -epochs 8")
	record := first.Record()
	ck := &checkpoint.Checkpoint{Flow: flow, Training: &train.TrainingState{Record: record}}

	f := parse("-epochs 10 -batch 32")
	if err := f.CheckResume(ck); err != nil {
		t.Fatal(err)
	}
	if f.LR != 3e-3 || f.Batch != 32 || f.Cosine != 0.2 || f.Clip != 2 || f.Kinetic != 0.01 || f.Jacobian != 0.02 || f.Seed != 5 || f.Epochs != 10 {
		t.Errorf("after CheckResume: %+v", f)
	}
	if !reflect.DeepEqual(f.Record(), map[string]string{"epochs": "10", "batch": "32", "lr": "0.003", "cosine": "0.2", "clip": "2",
		"weight-decay": "0", "kinetic": "0.01", "jacobian": "0.02", "seed": "5", "objective": "mle", "sigma-min": "0.1"}) {
		t.Errorf("Record = %v", f.Record())
	}
	if Given(f.fs, "lr") {
		t.Error("a recorded -lr counts as given")
	}
	f = parse("-lr 0.01 -seed 5")
	err = f.CheckResume(ck)
	if err == nil || !strings.Contains(err.Error(), "-lr 0.01 (the checkpoint has 0.003)") || strings.Contains(err.Error(), "-seed") {
		t.Errorf("a differing -lr: %v", err)
	}
	// Without a record, the flags stay as given.
	f = parse("")
	if err := f.CheckResume(&checkpoint.Checkpoint{Flow: flow, Training: &train.TrainingState{}}); err != nil || f.LR != 1e-2 || f.Epochs != 40 {
		t.Errorf("no record: %v, lr %g, epochs %d", err, f.LR, f.Epochs)
	}
}
