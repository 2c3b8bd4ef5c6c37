package ode

import "fmt"

// A Gradient says how a caller differentiates through a solve:
// BacksolveAdjoint or Discrete. The package does not differentiate itself;
// it names the choice so that the layers above (package ffjord, its
// trainer) share one value, and provides Method.Step for the replay.
type Gradient interface {
	// Validate reports, wrapping ErrInvalidSettings, an unusable field.
	Validate() error
	// String returns the name ParseGradient reads.
	String() string

	gradient() // closes the set
}

// BacksolveAdjoint solves the adjoint ODE backwards from t1 to t0 (Chen et
// al., 2018), as TensorFlow Probability does: memory independent of the
// number of steps, gradients accurate to the backward solve's tolerance.
type BacksolveAdjoint struct {
	// Controller chooses the backward solve's steps; nil means the
	// forward solve's. The Method and MaxSteps are the forward solve's.
	Controller Controller
}

// Discrete backpropagates through the accepted steps of the forward solve,
// replayed with Method.Step: the exact gradient of the computed result, at
// the cost of storing every stage.
type Discrete struct{}

func (BacksolveAdjoint) gradient() {}
func (Discrete) gradient()         {}

// String returns "adjoint".
func (BacksolveAdjoint) String() string { return "adjoint" }

// String returns "discrete".
func (Discrete) String() string { return "discrete" }

// Validate checks the Controller, if any.
func (g BacksolveAdjoint) Validate() error {
	if g.Controller == nil {
		return nil
	}
	return g.Controller.Validate()
}

// Validate returns nil: Discrete has no fields.
func (Discrete) Validate() error { return nil }

// Settings returns the settings of the backward solve that goes with a
// forward solve under forward: forward's, with g's Controller if set.
func (g BacksolveAdjoint) Settings(forward Settings) Settings {
	if g.Controller != nil {
		forward.Controller = g.Controller
	}
	return forward
}

// ParseGradient returns BacksolveAdjoint{} for "adjoint" and Discrete{} for
// "discrete"; other names give an error wrapping ErrInvalidSettings.
func ParseGradient(name string) (Gradient, error) {
	switch name {
	case "adjoint":
		return BacksolveAdjoint{}, nil
	case "discrete":
		return Discrete{}, nil
	}
	return nil, fmt.Errorf("%w: unknown gradient %q (want adjoint or discrete)", ErrInvalidSettings, name)
}
