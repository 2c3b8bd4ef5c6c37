package graph

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// KernelTime is what the Executor's programs spent in one kernel at one
// shape while profiling was on (StartProfile).
type KernelTime struct {
	Kernel string // the kernel's name, as "matmul-at"
	// Shape is m×n×k for a product (the result m×n, k the inner size),
	// else the number of values written.
	Shape string
	Calls int
	Time  time.Duration
	// Best is the fastest call: on a machine shared with other work, the
	// kernel's own speed, where Time includes the spells it waited.
	Best time.Duration
	// FLOPs are the arithmetic operations counted from the shape: 2mnk
	// for a product (and mn for a bias added in it), one per value written for an elementwise operator or
	// function (whatever the function costs), none for the layout kernels
	// (concat, repeat, slice, sums).
	FLOPs float64
}

var (
	profiling atomic.Bool
	profMu    sync.Mutex
	profile   = map[[2]string]*KernelTime{}
)

// StartProfile clears the kernel profile and starts recording, in every
// Executor program, the time each kernel takes. Recording costs two clock
// readings a kernel: use it to measure, not in production runs.
func StartProfile() {
	profMu.Lock()
	clear(profile)
	profMu.Unlock()
	profiling.Store(true)
}

// StopProfile stops recording and returns the profile since StartProfile,
// by kernel and shape, the longest total time first. Runs still under way
// may add to it afterwards; stop them first.
func StopProfile() []KernelTime {
	profiling.Store(false)
	profMu.Lock()
	defer profMu.Unlock()
	out := make([]KernelTime, 0, len(profile))
	for _, k := range profile {
		out = append(out, *k)
	}
	slices.SortFunc(out, func(a, b KernelTime) int {
		return cmp.Or(cmp.Compare(b.Time, a.Time), cmp.Compare(a.Kernel, b.Kernel), cmp.Compare(a.Shape, b.Shape))
	})
	return out
}

// record adds a run's kernel times to the profile.
func (e *executor) record(times []time.Duration) {
	profMu.Lock()
	defer profMu.Unlock()
	for i := range e.code {
		in := &e.code[i]
		kernel, shape, flops := in.op.String(), "", 0.0
		switch in.op {
		case opMatMul, opMatMulBT, opMatMulAT, opMatMulATBT:
			shape, flops = fmt.Sprintf("%d×%d×%d", in.m, in.n, in.k), 2*float64(in.m*in.n*in.k)
		case opMatMulAddRow:
			shape, flops = fmt.Sprintf("%d×%d×%d", in.m, in.n, in.k), float64(2*in.m*in.n*in.k+in.m*in.n)
		default:
			n := len(e.slots[in.dst])
			shape = fmt.Sprint(n)
			switch in.op {
			case opConcat, opRepeat, opSlice, opSliceIncr, opSumAll, opSumAxis:
			case opSubSVSquare:
				flops = 2 * float64(n)
			default:
				flops = float64(n)
			}
		}
		key := [2]string{kernel, shape}
		k := profile[key]
		if k == nil {
			k = &KernelTime{Kernel: kernel, Shape: shape}
			profile[key] = k
		}
		if k.Calls == 0 || times[i] < k.Best {
			k.Best = times[i]
		}
		k.Calls++
		k.Time += times[i]
		k.FLOPs += flops
	}
}
