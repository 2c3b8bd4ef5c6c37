package gnode

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ZeroGrads sets the gradients of nodes (bound with G.BindDualValues) to
// zero. A TapeMachine adds each run's gradient to what the nodes already
// hold, and only a Gorgonia solver's Step clears it: a program that runs
// the machine k times without a Step (a gradient check, an evaluation
// between steps) reads k times the gradient unless it calls ZeroGrads
// before the run whose gradient it wants.
func ZeroGrads(nodes ...*G.Node) error {
	for _, n := range nodes {
		if n == nil {
			return fmt.Errorf("%w: ZeroGrads of a nil node", ErrInput)
		}
		gv, err := n.Grad()
		if err != nil {
			return fmt.Errorf("%w: node %s has no gradient: %v", ErrInput, n.Name(), err)
		}
		t, ok := gv.(*tensor.Dense)
		if !ok {
			return fmt.Errorf("%w: the gradient of %s is a %T, want a *tensor.Dense", ErrInput, n.Name(), gv)
		}
		t.Zero()
	}
	return nil
}
