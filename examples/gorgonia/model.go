package main

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/distributions/gnode"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// encoder is the user's ordinary Gorgonia MLP from raw features u (F
// values a row) to the context c of a conditional CNF:
//
//	c = tanh(u·W1 + b1)·W2 + b2.
//
// Its weights are tensors shared by every graph built on them, as the
// flow's are.
type encoder struct {
	w1, b1, w2, b2 *tensor.Dense
}

// newEncoder returns an encoder of F features through hidden units to C
// context features, with weights like Sonnet's Linear (normal of standard
// deviation 1/√in, biases zero), drawn from src.
func newEncoder(F, hidden, C int, src rand.Source) encoder {
	r := rand.New(src)
	normal := func(rows, cols int) *tensor.Dense {
		v := make([]float64, rows*cols)
		for i := range v {
			v[i] = r.NormFloat64() / math.Sqrt(float64(rows))
		}
		return tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(v))
	}
	zeros := func(cols int) *tensor.Dense {
		return tensor.New(tensor.WithShape(1, cols), tensor.WithBacking(make([]float64, cols)))
	}
	return encoder{w1: normal(F, hidden), b1: zeros(hidden), w2: normal(hidden, C), b2: zeros(C)}
}

// model is the user's Gorgonia model: the encoder, then the CNF's
// log p(x | c) through gnode.LogProb. Its graph holds one batch of rows;
// the flow's parameters are nodes of it beside the encoder's.
type model struct {
	g            *G.ExprGraph
	x, u         *G.Node // the batch: points and raw features
	xData, uData []float64
	enc          []*G.Node // W1, b1, W2, b2
	flow         []*G.Node // the CNF's parameters
	c            *G.Node   // the encoder's contexts
	nll          *G.Node   // −mean log p(x | c(u))
}

// The ways the model's flow node solves (gnode.Options without the
// context): training's solve with the trainer's estimator; training's
// solve with the exact trace, the model as trained; and the library's
// evaluation solve, per point at its tolerances.
var (
	trainingNode   = gnode.Options{Estimate: true}
	asTrainedNode  = gnode.Options{}
	evaluationNode = gnode.Options{Evaluation: true}
)

// newModel builds the model for batches of rows, its flow node as node
// says; one function of the batch size builds every graph of the model,
// all sharing the encoder's and the flow's tensors.
func newModel(flow distributions.Trainable, e encoder, rows, F int, node gnode.Options) (m *model, err error) {
	defer func() {
		if r := recover(); r != nil { // G.Must below
			m, err = nil, fmt.Errorf("building the Gorgonia model: %v", r)
		}
	}()
	D := flow.Dim()
	m = &model{g: G.NewGraph(), xData: make([]float64, rows*D), uData: make([]float64, rows*F)}
	m.x = G.NewMatrix(m.g, tensor.Float64, G.WithShape(rows, D), G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(rows, D), tensor.WithBacking(m.xData))))
	m.u = G.NewMatrix(m.g, tensor.Float64, G.WithShape(rows, F), G.WithName("u"),
		G.WithValue(tensor.New(tensor.WithShape(rows, F), tensor.WithBacking(m.uData))))
	for i, t := range []*tensor.Dense{e.w1, e.b1, e.w2, e.b2} {
		m.enc = append(m.enc, G.NewMatrix(m.g, tensor.Float64, G.WithShape(t.Shape()...), G.WithName(fmt.Sprintf("enc%d", i)), G.WithValue(t)))
	}
	h := G.Must(G.Tanh(G.Must(G.BroadcastAdd(G.Must(G.Mul(m.u, m.enc[0])), m.enc[1], nil, []byte{0}))))
	m.c = G.Must(G.BroadcastAdd(G.Must(G.Mul(h, m.enc[2])), m.enc[3], nil, []byte{0}))
	node.Context = m.c
	logp, params, err := gnode.LogProb(m.g, flow, m.x, node)
	if err != nil {
		return nil, err
	}
	m.flow = params
	m.nll = G.Must(G.Neg(G.Must(G.Mean(logp))))
	return m, nil
}

// learnables are the nodes a solver updates: the encoder's, then the
// flow's.
func (m *model) learnables() []*G.Node { return append(append([]*G.Node{}, m.enc...), m.flow...) }

// load writes the rows idx of the row-major points and features into the
// batch.
func (m *model) load(x, u []float64, idx []int) {
	D, F := len(m.xData)/len(idx), len(m.uData)/len(idx)
	for k, r := range idx {
		copy(m.xData[k*D:(k+1)*D], x[r*D:(r+1)*D])
		copy(m.uData[k*F:(k+1)*F], u[r*F:(r+1)*F])
	}
}
