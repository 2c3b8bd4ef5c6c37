package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// torchRound is one run of the PyTorch command: seconds per step on one
// thread and on two, and evaluations of f per step.
type torchRound struct {
	secs [3]float64 // by thread count, 1 and 2
	nfe  float64    // forward and backward
}

// torchArgs returns cmd split at spaces, with the arguments that ask for
// one round on one thread and two, or an error if there is no command or
// it is not found: main checks it before any timing.
func torchArgs(cmd string) ([]string, error) {
	args := strings.Fields(cmd)
	if len(args) == 0 {
		return nil, fmt.Errorf("-pytorch %q: no command", cmd)
	}
	if _, err := exec.LookPath(args[0]); err != nil {
		return nil, fmt.Errorf("-pytorch %q: %w", cmd, err)
	}
	return append(args, "--threads", "1,2", "--rounds", "1"), nil
}

// runTorch runs cmd (split at spaces) with one round on one thread and
// two, and reads its pytorch_digits_step_* lines
// (scripts/pytorch/digits_step.py writes them).
func runTorch(cmd string) (torchRound, error) {
	args, err := torchArgs(cmd)
	if err != nil {
		return torchRound{}, err
	}
	c := exec.Command(args[0], args[1:]...)
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, os.Stderr
	if err := c.Run(); err != nil {
		return torchRound{}, fmt.Errorf("-pytorch %q: %w", cmd, err)
	}
	var r torchRound
	for line := range strings.Lines(out.String()) {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		name, value, ok := strings.Cut(fields[0], "=")
		threads := map[string]int{"pytorch_digits_step_1_thread": 1, "pytorch_digits_step_2_threads": 2}[name]
		if !ok || threads == 0 {
			continue
		}
		secs, err := strconv.ParseFloat(value, 64)
		if err != nil || !(secs > 0) || math.IsInf(secs, 0) {
			return torchRound{}, fmt.Errorf("-pytorch %q: bad line %q", cmd, line)
		}
		r.secs[threads] = secs
		r.nfe = 0
		for _, f := range fields[1:] {
			if k, v, ok := strings.Cut(f, "="); ok && strings.HasPrefix(k, "nfe_") {
				n, err := strconv.ParseFloat(v, 64)
				if err != nil || !(n >= 0) || math.IsInf(n, 0) {
					return torchRound{}, fmt.Errorf("-pytorch %q: bad line %q", cmd, line)
				}
				r.nfe += n
			}
		}
	}
	if r.secs[1] == 0 || r.secs[2] == 0 || r.nfe == 0 {
		return torchRound{}, fmt.Errorf("-pytorch %q printed no pytorch_digits_step_1_thread and _2_threads lines with nfe_ fields:\n%s", cmd, out.String())
	}
	return r, nil
}

// emitTorch prints PyTorch's step on one thread and two, and the ratio of
// this library's step to PyTorch's, each side at its faster worker count,
// paired round by round: per step and per evaluation of f (nfe is this
// library's forward and backward evaluations per step), and the ratio of
// floor, this library's step with every FLOP at the machine's peak, to
// PyTorch's median step.
func emitTorch(torch []torchRound, times map[int][]float64, nfe, floor float64) {
	var best float64 // PyTorch's faster median
	for _, th := range []int{1, 2} {
		v := make([]float64, len(torch))
		for i, r := range torch {
			v[i] = r.secs[th]
		}
		lo, med, hi := spread(v)
		if best == 0 || med < best {
			best = med
		}
		name := fmt.Sprintf("pytorch_digits_step_%d_thread", th)
		if th > 1 {
			name += "s"
		}
		emit(name, med, fmt.Sprintf("s (median of %d; range %.4g–%.4g)", len(v), lo, hi))
	}
	emit("pytorch_digits_nfe", torch[len(torch)-1].nfe, "forward and backward, per step")
	step, eval := make([]float64, len(torch)), make([]float64, len(torch))
	for i, r := range torch {
		ours := min(times[1][i], times[2][i])
		theirs := min(r.secs[1], r.secs[2])
		step[i] = ours / theirs
		eval[i] = (ours / nfe) / (theirs / r.nfe)
	}
	lo, med, hi := spread(step)
	emit("ratio_digits_step_vs_pytorch", med, fmt.Sprintf("x (each at its faster worker count; median of %d paired rounds; range %.3g–%.3g)", len(step), lo, hi))
	lo, med, hi = spread(eval)
	emit("ratio_digits_evaluation_vs_pytorch", med, fmt.Sprintf("x (time per evaluation of f; range %.3g–%.3g)", lo, hi))
	emit("ratio_digits_step_at_peak_vs_pytorch", floor/best, "x (the floor against PyTorch's faster median)")
}
