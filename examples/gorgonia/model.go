package main

import (
	"fmt"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/distributions/gnode"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// model is the user's Gorgonia model of raw features u: a learnable
// standardisation z = (u − b) ⊙ exp(−s), an ordinary Gorgonia layer, in
// front of a CNF, so that
//
//	log p(u) = log p_flow(z) − Σ_i s_i.
//
// Its graph holds one batch of rows; the flow's parameters are nodes of it
// (from gnode.LogProb) beside s and b.
type model struct {
	g     *G.ExprGraph
	u     *G.Node // the batch, rows×D
	uData []float64
	s, b  *G.Node   // the layer's log-scale and shift, 1×D
	flow  []*G.Node // the CNF's parameters
	logp  *G.Node   // log p(u) per row
	nll   *G.Node   // −mean log p(u)
}

// newModel builds the model for batches of rows. s and b are the layer's
// values, shared with any other model built on them, as the flow's tensors
// are; estimate selects the flow's training estimator of log p.
func newModel(flow distributions.Trainable, rows int, s, b *tensor.Dense, estimate bool) (m *model, err error) {
	defer func() {
		if r := recover(); r != nil { // G.Must below
			m, err = nil, fmt.Errorf("building the Gorgonia model: %v", r)
		}
	}()
	D := flow.Dim()
	m = &model{g: G.NewGraph(), uData: make([]float64, rows*D)}
	m.u = G.NewMatrix(m.g, tensor.Float64, G.WithShape(rows, D), G.WithName("u"),
		G.WithValue(tensor.New(tensor.WithShape(rows, D), tensor.WithBacking(m.uData))))
	m.s = G.NewMatrix(m.g, tensor.Float64, G.WithShape(1, D), G.WithName("s"), G.WithValue(s))
	m.b = G.NewMatrix(m.g, tensor.Float64, G.WithShape(1, D), G.WithName("b"), G.WithValue(b))

	centred := G.Must(G.BroadcastSub(m.u, m.b, nil, []byte{0}))
	z := G.Must(G.BroadcastHadamardProd(centred, G.Must(G.Exp(G.Must(G.Neg(m.s)))), nil, []byte{0}))
	logpz, params, err := gnode.LogProb(m.g, flow, z, gnode.Options{Estimate: estimate})
	if err != nil {
		return nil, err
	}
	m.flow = params
	m.logp = G.Must(G.Sub(logpz, G.Must(G.Sum(m.s))))
	m.nll = G.Must(G.Neg(G.Must(G.Mean(m.logp))))
	return m, nil
}

// learnables are the nodes a solver updates: the layer's, then the flow's.
func (m *model) learnables() []*G.Node { return append([]*G.Node{m.s, m.b}, m.flow...) }

// load writes the rows idx of the row-major data into the batch.
func (m *model) load(data []float64, idx []int) {
	D := len(m.uData) / len(idx)
	for k, r := range idx {
		copy(m.uData[k*D:(k+1)*D], data[r*D:(r+1)*D])
	}
}
