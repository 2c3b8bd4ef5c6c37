package graph

import (
	"fmt"
	"sync"
	"time"
)

// PeakFLOPS measures the arithmetic peak of kernel set ks on this machine:
// goroutines goroutines each run, for about d, a loop of independent
// multiply–add chains with nothing else in it (FMAs on four lanes for
// Vector, Go's float64 multiplies and adds for PureGo), timed in pieces of
// about 30 µs (Vector), and the sum over the goroutines of their fastest
// piece's floating-point operations per second is returned. It is the
// yardstick for the kernels' rates: a product of m×k by k×n does 2mnk of
// these operations. The fastest piece is what a core can do even where the
// machine is shared with other work, which a mean over d would not show.
func PeakFLOPS(ks KernelSet, goroutines int, d time.Duration) (float64, error) {
	if !ks.Available() {
		return 0, fmt.Errorf("%w: %v", ErrKernelsUnavailable, ks)
	}
	if goroutines < 1 {
		return 0, fmt.Errorf("graph: PeakFLOPS on %d goroutines", goroutines)
	}
	loop, perRound := fmaLoopGo, 24.0
	if ks == Vector {
		loop, perRound = fmaLoopVector, 96
	}
	rates := make([]float64, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			const rounds = 1 << 14
			var sink float64
			best := time.Duration(1<<63 - 1)
			for start := time.Now(); time.Since(start) < d || best == 1<<63-1; {
				t := time.Now()
				sink += loop(rounds)
				best = min(best, time.Since(t))
			}
			rates[g] = rounds * perRound / best.Seconds()
			if sink == -1 { // never: keeps the loop's result live
				rates[g] = 0
			}
		})
	}
	wg.Wait()
	total := 0.0
	for _, r := range rates {
		total += r
	}
	return total, nil
}

// fmaLoopGo is n rounds of twelve independent multiply–add chains in Go,
// 24 operations a round.
func fmaLoopGo(n int) float64 {
	const c = 1 - 0x1p-53
	var x [12]float64
	for range n {
		for i := range x {
			x[i] = float64(x[i]*c) + 1
		}
	}
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s
}
