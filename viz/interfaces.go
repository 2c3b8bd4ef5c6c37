package viz

import (
	"fmt"
	"reflect"

	"gorgonia.org/tensor"
)

// LogProber evaluates a log-density.
type LogProber interface {
	// LogProb returns log p(x) for each row of the N×2 batch x: N values.
	LogProb(x *tensor.Dense) ([]float64, error)
}

// Sampler draws points from a distribution.
type Sampler interface {
	// Sample returns n points as an n×2 batch.
	Sample(n int) (*tensor.Dense, error)
}

// Pusher maps points of the base space to the data side, as a flow's
// sampling direction does.
type Pusher interface {
	// Forward returns the images of the rows of the N×2 batch z, N×2.
	Forward(z *tensor.Dense) (*tensor.Dense, error)
}

// Trajectories follows points on their way through a flow.
type Trajectories interface {
	// Trajectory returns the positions of the rows of the N×2 batch z at
	// blocks·steps + 1 moments: z first, the output of block k at index
	// (k+1)·steps, the data side last; each N×2.
	Trajectory(z *tensor.Dense, steps int) ([]*tensor.Dense, error)
}

// LogProbFunc adapts a function to a LogProber, for a density known in
// closed form.
type LogProbFunc func(x *tensor.Dense) ([]float64, error)

// LogProb calls f(x).
func (f LogProbFunc) LogProb(x *tensor.Dense) ([]float64, error) { return f(x) }

// SampleFunc adapts a function to a Sampler, such as a flow's SampleBase:
// SampleFunc(flow.SampleBase).
type SampleFunc func(n int) (*tensor.Dense, error)

// Sample calls f(n).
func (f SampleFunc) Sample(n int) (*tensor.Dense, error) { return f(n) }

// Model is what the tutorial's four-panel figure draws of a flow: samples of
// its base distribution, the map pushing the base to the data side, and
// samples of the model. For a *train.Flow:
//
//	viz.Model{Base: viz.SampleFunc(flow.SampleBase), Forward: flow, Samples: flow}
type Model struct {
	// Base draws samples of the base distribution; required.
	Base Sampler
	// Forward pushes the grid (and, when Samples is nil, base samples)
	// through the flow; required.
	Forward Pusher
	// Samples draws samples of the model; nil means pushing a second draw
	// of Base through Forward.
	Samples Sampler
}

// sample draws n points from s and checks that they are an n×2 batch.
func sample(name string, s Sampler, n int) (*tensor.Dense, error) {
	if missing(s) {
		return nil, fmt.Errorf("%w: no sampler of %s", ErrInvalidInput, name)
	}
	pts, err := s.Sample(n)
	if err != nil {
		return nil, fmt.Errorf("viz: %s: %w", name, err)
	}
	return pts, checkRows(name, pts, n)
}

// push maps z through p and checks that the images are as many points.
func push(name string, p Pusher, z *tensor.Dense) (*tensor.Dense, error) {
	if missing(p) {
		return nil, fmt.Errorf("%w: no map for %s", ErrInvalidInput, name)
	}
	x, err := p.Forward(z)
	if err != nil {
		return nil, fmt.Errorf("viz: %s: %w", name, err)
	}
	return x, checkRows(name, x, z.Shape()[0])
}

// checkRows fails unless pts is an n×2 batch of finite values.
func checkRows(name string, pts *tensor.Dense, n int) error {
	_, rows, err := planar(name, pts)
	if err != nil {
		return err
	}
	if rows != n {
		return fmt.Errorf("%w: %s: %d points, want %d", ErrInvalidInput, name, rows, n)
	}
	return nil
}

// missing reports whether v is nil, or an interface holding a nil pointer,
// function, map or slice, whose methods could not be called safely.
func missing(v any) bool {
	if v == nil {
		return true
	}
	switch r := reflect.ValueOf(v); r.Kind() {
	case reflect.Pointer, reflect.Func, reflect.Map, reflect.Slice, reflect.Chan, reflect.Interface:
		return r.IsNil()
	}
	return false
}
