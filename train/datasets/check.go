package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/internal/batch"
	"gorgonia.org/tensor"
)

// newRand validates the arguments common to the generators and returns the
// random generator to draw from. fn names the caller in error messages.
func newRand(fn string, n int, src rand.Source) (*rand.Rand, error) {
	if n <= 0 {
		return nil, fmt.Errorf("%s: n = %d, want n > 0: %w", fn, n, ErrInvalidArgument)
	}
	if err := batch.CheckSize(fn, n, 2); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidArgument, err)
	}
	if src == nil {
		return nil, fmt.Errorf("%s: src is nil: %w", fn, ErrInvalidArgument)
	}
	return rand.New(src), nil
}

// checkNoise returns an error unless noise is a usable standard deviation.
func checkNoise(fn string, noise float64) error {
	// The negated comparison also rejects NaN.
	if !(noise >= 0) || math.IsInf(noise, 1) {
		return fmt.Errorf("%s: noise = %v, want a finite value ≥ 0: %w", fn, noise, ErrInvalidArgument)
	}
	return nil
}

// points wraps a row-major backing slice of n 2-D points in a tensor.
func points(data []float64) *tensor.Dense {
	return tensor.New(tensor.WithShape(len(data)/2, 2), tensor.WithBacking(data))
}

// linspace returns num evenly spaced values from start to stop inclusive,
// computed as numpy.linspace does: start + i·step, with the last value
// set to stop exactly.
func linspace(start, stop float64, num int) []float64 {
	v := make([]float64, num)
	switch num {
	case 0:
		return v
	case 1:
		v[0] = start
		return v
	}
	step := (stop - start) / float64(num-1)
	for i := range v {
		v[i] = float64(i)*step + start
	}
	v[num-1] = stop
	return v
}

// fullTurn returns num angles evenly spaced on [0, 2π) without the end
// point, as numpy.linspace(0, 2π, num, endpoint=False) does, so the first
// and last points of a circle do not coincide.
func fullTurn(num int) []float64 {
	v := make([]float64, num)
	step := 2 * math.Pi / float64(num)
	for i := range v {
		v[i] = float64(i) * step
	}
	return v
}

// shuffleRows permutes the 2-D points in data uniformly at random, and the
// matching labels when labels is not nil.
func shuffleRows(rng *rand.Rand, data []float64, labels []int) {
	rng.Shuffle(len(data)/2, func(i, j int) {
		data[2*i], data[2*j] = data[2*j], data[2*i]
		data[2*i+1], data[2*j+1] = data[2*j+1], data[2*i+1]
		if labels != nil {
			labels[i], labels[j] = labels[j], labels[i]
		}
	})
}

// addNoise adds independent Gaussian noise with standard deviation std to
// every element of data.
func addNoise(rng *rand.Rand, data []float64, std float64) {
	if std == 0 {
		// Keep noise-free points exactly on their curves.
		return
	}
	for i := range data {
		data[i] += std * rng.NormFloat64()
	}
}
