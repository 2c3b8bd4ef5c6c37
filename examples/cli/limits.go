package cli

import (
	"fmt"
	"math"

	"github.com/ffjord-go/ffjord-go/train"
)

// The limits the programs check their flags against before they allocate
// anything: generous for real use on one machine, small enough that a typo
// (an extra zero, a pasted number) gives an error instead of a crash.
// The model's own limits are the library's, which NewFlow enforces
// (Flags.FlowConfig checks them early through train.FlowConfig.Check).
const (
	MaxBlocks     = train.MaxBlocks
	MaxWidth      = train.MaxWidth  // units in one hidden layer
	MaxLayers     = train.MaxLayers // hidden layers per block
	MaxParams     = train.MaxParams // weights of the whole model
	MaxEpochs     = 1_000_000
	MaxSamples    = 10_000_000 // points drawn, evaluated or trained on in one call
	MaxGrid       = 2000       // density nodes along each axis
	MaxPixels     = 10_000     // figure width or height
	MaxModelBytes = 1 << 30    // a checkpoint file
	MinRTol       = 1e-12
	MinATol       = 1e-14
	// MaxLR bounds -lr: Adam moves each weight by about lr per step, so a
	// rate past 10 wrecks the model in its first step (-lr 1e9 ran for
	// minutes of non-finite solves before failing).
	MaxLR = 10
	// MaxPenalty bounds the RNODE weights and flow matching's σ: RNODE
	// uses about 0.01, and weights of 1e308 passed the checks only to
	// fail training with a step-size error.
	MaxPenalty = 1000
)

// CheckInt returns an error naming flag unless lo ≤ v ≤ hi.
func CheckInt(flag string, v, lo, hi int) error {
	if v < lo || v > hi {
		return fmt.Errorf("-%s %d: want %d to %d", flag, v, lo, hi)
	}
	return nil
}

// CheckPositive returns an error naming flag unless v is finite and > 0.
func CheckPositive(flag string, v float64) error {
	if !(v > 0) || math.IsInf(v, 0) {
		return fmt.Errorf("-%s %g: want a finite number > 0", flag, v)
	}
	return nil
}

// CheckNonNegative returns an error naming flag unless v is finite and ≥ 0.
func CheckNonNegative(flag string, v float64) error {
	if !(v >= 0) || math.IsInf(v, 0) {
		return fmt.Errorf("-%s %g: want a finite number ≥ 0 (0: off)", flag, v)
	}
	return nil
}

// CheckRange returns an error naming flag unless lo ≤ v ≤ hi.
func CheckRange(flag string, v, lo, hi float64) error {
	if !(v >= lo && v <= hi) {
		return fmt.Errorf("-%s %g: want %g to %g", flag, v, lo, hi)
	}
	return nil
}

// CheckLR returns an error naming flag unless 0 < v ≤ MaxLR.
func CheckLR(flag string, v float64) error {
	if !(v > 0 && v <= MaxLR) {
		return fmt.Errorf("-%s %g: want a learning rate > 0 and ≤ %d", flag, v, MaxLR)
	}
	return nil
}

// CheckPenalty returns an error naming flag unless 0 ≤ v ≤ MaxPenalty.
func CheckPenalty(flag string, v float64) error {
	if !(v >= 0 && v <= MaxPenalty) {
		return fmt.Errorf("-%s %g: want 0 (off) to %d", flag, v, MaxPenalty)
	}
	return nil
}

// CheckWeightDecay returns an error unless the decay v ≥ 0 shrinks each
// weight by a fraction lr·v < 1 per step (a larger one flips its sign).
func CheckWeightDecay(v, lr float64) error {
	if !(v >= 0 && v*lr < 1) {
		return fmt.Errorf("-weight-decay %g: want ≥ 0 with -lr × -weight-decay < 1 (each step shrinks every weight by that fraction)", v)
	}
	return nil
}
