package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// The PyTorch replicas the bench times beside its own figures, run from
// the module's root.
const (
	tutorialScript = "scripts/pytorch/tutorial_epoch.py"
	digitsScript   = "scripts/pytorch/digits_step.py"
)

// pytorch runs the replicas with an interpreter command; a nil *pytorch
// times no PyTorch.
type pytorch struct {
	cmd []string        // the command, split at spaces
	ctx context.Context // its cancellation (a signal) kills a running replica
}

// newPytorch checks that cmd is given and the replicas are where the
// bench looks for them; "" is no PyTorch.
func newPytorch(ctx context.Context, cmd string) (*pytorch, error) {
	if cmd == "" {
		return nil, nil
	}
	p := &pytorch{cmd: strings.Fields(cmd), ctx: ctx}
	if len(p.cmd) == 0 {
		return nil, fmt.Errorf("-pytorch %q: no command", cmd)
	}
	if _, err := exec.LookPath(p.cmd[0]); err != nil {
		return nil, fmt.Errorf("-pytorch: %w", err)
	}
	for _, s := range []string{tutorialScript, digitsScript} {
		if _, err := os.Stat(s); err != nil {
			return nil, fmt.Errorf("-pytorch: %w (run the bench from the module's root)", err)
		}
	}
	return p, nil
}

// torchLine is one name=value line of a replica: seconds, then its
// evaluation counts such as nfe_forward=20.
type torchLine struct {
	secs   float64
	fields map[string]float64
}

// run runs script with args and returns its lines by name; every name in
// want must be among them.
func (p *pytorch) run(script string, args []string, want ...string) (map[string]torchLine, error) {
	c := exec.CommandContext(p.ctx, p.cmd[0], append(append(p.cmd[1:len(p.cmd):len(p.cmd)], script), args...)...)
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, os.Stderr
	if err := c.Run(); err != nil {
		if cause := context.Cause(p.ctx); cause != nil {
			err = cause
		}
		return nil, fmt.Errorf("-pytorch: %s %s: %w", strings.Join(p.cmd, " "), script, err)
	}
	lines := map[string]torchLine{}
	for line := range strings.Lines(out.String()) {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		name, value, ok := strings.Cut(fields[0], "=")
		if !ok || !strings.HasPrefix(name, "pytorch_") {
			continue
		}
		l := torchLine{fields: map[string]float64{}}
		bad := fmt.Errorf("-pytorch: %s printed a bad line %q", script, line)
		secs, err := strconv.ParseFloat(value, 64)
		if err != nil || !(secs > 0) || math.IsInf(secs, 0) {
			return nil, bad
		}
		l.secs = secs
		for _, f := range fields[1:] {
			k, v, ok := strings.Cut(f, "=")
			if !ok || !strings.HasPrefix(k, "nfe_") {
				continue
			}
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || !(x >= 0) || math.IsInf(x, 0) {
				return nil, bad
			}
			l.fields[k] = x
		}
		lines[name] = l
	}
	for _, name := range want {
		if _, ok := lines[name]; !ok {
			return nil, fmt.Errorf("-pytorch: %s printed no %s line:\n%s", script, name, out.String())
		}
	}
	return lines, nil
}

// digitsRound runs the digits replica once on one thread and once on two.
func (p *pytorch) digitsRound() (torchRound, error) {
	one, two := "pytorch_digits_step_1_thread", "pytorch_digits_step_2_threads"
	lines, err := p.run(digitsScript, []string{"--threads", "1,2", "--rounds", "1"}, one, two)
	if err != nil {
		return torchRound{}, err
	}
	l := lines[one]
	nfe := l.fields["nfe_forward"] + l.fields["nfe_backward"]
	if !(nfe > 0) {
		return torchRound{}, fmt.Errorf("-pytorch: %s printed no nfe_forward and nfe_backward", digitsScript)
	}
	return torchRound{secs: [3]float64{1: l.secs, 2: lines[two].secs}, nfe: nfe}, nil
}

// tutorialEpoch runs the tutorial replica for one epoch of batches on one
// thread and returns its seconds.
func (p *pytorch) tutorialEpoch(batches int) (float64, error) {
	name := "pytorch_tutorial_epoch_1_thread"
	lines, err := p.run(tutorialScript, []string{"--batches", strconv.Itoa(batches), "--rounds", "1"}, name)
	if err != nil {
		return 0, err
	}
	return lines[name].secs, nil
}

// torchRound is one run of the digits replica: seconds per step on one
// thread and on two, and evaluations of f per step.
type torchRound struct {
	secs [3]float64 // by thread count, 1 and 2
	nfe  float64    // forward and backward
}

// emitTorch prints PyTorch's step on one thread and two, and the ratio of
// this library's step to PyTorch's, each side at its faster worker count,
// paired round by round: per step and per evaluation of f (nfe is this
// library's forward and backward evaluations per step), and the ratio of
// floor, this library's step with every FLOP at the machine's peak, to
// PyTorch's fastest step: both best cases, which a shared machine's load
// moves least.
func emitTorch(torch []torchRound, times map[int][]float64, nfe, floor float64) {
	best := math.Inf(1) // PyTorch's fastest step
	for _, th := range []int{1, 2} {
		v := make([]float64, len(torch))
		for i, r := range torch {
			v[i] = r.secs[th]
		}
		lo, med, hi := spread(v)
		best = min(best, lo)
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
	emit("ratio_digits_step_at_peak_vs_pytorch", floor/best, "x (the floor against PyTorch's fastest step)")
}

// tutorialVsTorch times this library's adjoint epoch (default workers)
// and PyTorch's on one thread in turns, three times, and prints PyTorch's
// epoch and the paired ratio.
func tutorialVsTorch(p *pytorch, epoch func() (float64, error), batches int) error {
	var theirs, ratio []float64
	for range 3 {
		ours, err := epoch()
		if err != nil {
			return err
		}
		t, err := p.tutorialEpoch(batches)
		if err != nil {
			return err
		}
		theirs, ratio = append(theirs, t), append(ratio, ours/t)
	}
	lo, med, hi := spread(theirs)
	emit("pytorch_tutorial_epoch_1_thread", med, fmt.Sprintf("s (median of 3; range %.4g–%.4g)", lo, hi))
	lo, med, hi = spread(ratio)
	emit("ratio_tutorial_epoch_vs_pytorch", med, fmt.Sprintf("x (adjoint epoch; median of 3 paired rounds; range %.3g–%.3g)", lo, hi))
	return nil
}
