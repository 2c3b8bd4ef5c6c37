package odefunc

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Model builds a dynamics f(t, z) as a Gorgonia graph.
//
// Build receives t as a rows×1 column, z as rows×Dim(), params as nodes bound
// to Params() in order, and zero or more directions (rows×Dim() each). It
// returns f (rows×Dim()) and, for each direction v, the Jacobian–vector
// product (∂f/∂z)·v (rows×Dim()), built from first-order operations only:
// never call gorgonia.Grad inside Build. Rows are independent: row r of the
// outputs may depend only on row r of t, z and the directions.
//
// Build is called under the graph package's lock, once per compiled program;
// it must not retain the nodes. A Model's Params are shared by all programs
// compiled from it: update them in place (never replace the tensors) and do
// not update them while an evaluation runs.
type Model interface {
	Dim() int
	Params() []*tensor.Dense
	Build(t, z *G.Node, params []*G.Node, directions []*G.Node) (f *G.Node, jvps []*G.Node, err error)
}

// TraceModel is a Model that builds its own trace term instead of having it
// assembled from Jacobian–vector products. BuildTrace returns f and the trace
// per row (a vector of length rows): the exact tr(∂f/∂z) when eps is nil, and
// the Hutchinson estimate εᵀ(∂f/∂z)ε for the rows×Dim() noise eps otherwise.
type TraceModel interface {
	Model
	BuildTrace(t, z *G.Node, params []*G.Node, eps *G.Node) (f, trace *G.Node, err error)
}
