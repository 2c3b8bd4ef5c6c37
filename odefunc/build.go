package odefunc

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// build adds a program of kind k for rows rows to g. Inputs, in order: t
// (rows×1), z (rows×D), the context (rows×C) of a conditional model, ε
// (rows×D) if stochastic, and for VJPs the cotangents a (rows×D) and, with
// the trace, c (rows) and, with reg, cK and cF (rows). Outputs: f, then
// either the terms (trace, and with reg ‖f‖² and ‖∂f/∂z‖²_F) or, for VJPs,
// ∂L/∂z, ∂L/∂context (of a conditional model) and ∂L/∂θ for every
// parameter. A VJP without the trace differentiates Σ a⊙f alone.
func build(model Model, g *G.ExprGraph, k kind, rows int) (inputs, outputs []*G.Node, err error) {
	D := model.Dim()
	t := G.NewMatrix(g, tensor.Float64, G.WithShape(rows, 1), G.WithName("t"))
	z := G.NewMatrix(g, tensor.Float64, G.WithShape(rows, D), G.WithName("z"))
	inputs = []*G.Node{t, z}
	var ctx *G.Node
	if C := contextDimOf(model); C > 0 {
		ctx = G.NewMatrix(g, tensor.Float64, G.WithShape(rows, C), G.WithName("context"))
		inputs = append(inputs, ctx)
	}
	params := BindParams(g, model.Params())

	var eps *G.Node
	if k.stochastic {
		eps = G.NewMatrix(g, tensor.Float64, G.WithShape(rows, D), G.WithName("eps"))
		inputs = append(inputs, eps)
	}
	var f *G.Node
	var terms []*G.Node
	if k.trace {
		f, terms, err = buildTerms(model, t, z, ctx, params, eps, k.reg)
	} else {
		f, _, err = buildModel(model, t, z, ctx, params, nil)
	}
	if err != nil {
		return nil, nil, err
	}
	if err := checkF(f, rows, D); err != nil {
		return nil, nil, err
	}
	if !k.vjp {
		return inputs, append([]*G.Node{f}, terms...), nil
	}

	// The vector–Jacobian products are one first-order Grad of
	// L = Σ a⊙f + Σ_r (c·trace + cK·‖f‖² + cF·‖∂f/∂z‖²_F)_r.
	a := G.NewMatrix(g, tensor.Float64, G.WithShape(rows, D), G.WithName("a"))
	inputs = append(inputs, a)
	loss, err := dot(a, f)
	if err != nil {
		return nil, nil, err
	}
	for i, term := range terms {
		c := G.NewVector(g, tensor.Float64, G.WithShape(rows), G.WithName(fmt.Sprintf("c%d", i)))
		inputs = append(inputs, c)
		ct, err := dot(c, term)
		if err != nil {
			return nil, nil, err
		}
		if loss, err = G.Add(loss, ct); err != nil {
			return nil, nil, err
		}
	}
	wrt := []*G.Node{z}
	if ctx != nil {
		wrt = append(wrt, ctx)
	}
	grads, err := G.Grad(loss, append(wrt, params...)...)
	if err != nil {
		return nil, nil, fmt.Errorf("odefunc: differentiating the dynamics: %w", err)
	}
	return inputs, append([]*G.Node{f}, grads...), nil
}

func checkF(f *G.Node, rows, D int) error {
	if !f.Shape().Eq(tensor.Shape{rows, D}) {
		return fmt.Errorf("%w: model returns f of shape %v, want (%d, %d)", ErrDimension, f.Shape(), rows, D)
	}
	return nil
}

// dot returns Σ x⊙y as a scalar node.
func dot(x, y *G.Node) (*G.Node, error) {
	p, err := G.HadamardProd(x, y)
	if err != nil {
		return nil, err
	}
	return G.Sum(p)
}

// BindParams adds a node for each parameter tensor to g, bound to the tensor
// itself so that programs see in-place updates.
func BindParams(g *G.ExprGraph, ps []*tensor.Dense) []*G.Node {
	nodes := make([]*G.Node, len(ps))
	for i, p := range ps {
		nodes[i] = G.NewTensor(g, tensor.Float64, p.Dims(), G.WithShape(p.Shape().Clone()...),
			G.WithValue(p), G.WithName(fmt.Sprintf("θ%d", i)))
	}
	return nodes
}

// BuildTrace adds f and the trace term of m to the graph of z: the exact
// trace when eps is nil, Hutchinson's εᵀ(∂f/∂z)ε otherwise. A TraceModel
// builds its own; any other Model gets it from Jacobian–vector products.
func BuildTrace(m Model, t, z *G.Node, params []*G.Node, eps *G.Node) (f, trace *G.Node, err error) {
	f, terms, err := buildTerms(m, t, z, nil, params, eps, false)
	if err != nil {
		return nil, nil, err
	}
	return f, terms[0], nil
}

// buildTerms adds f and the per-row terms: the trace, and with reg the
// kinetic ‖f‖² and Frobenius ‖∂f/∂z‖²_F integrands, from the same
// Jacobian–vector products (the unit vectors for the exact trace, ε for
// Hutchinson's).
func buildTerms(m Model, t, z, ctx *G.Node, params []*G.Node, eps *G.Node, reg bool) (*G.Node, []*G.Node, error) {
	rows, D := z.Shape()[0], z.Shape()[1]
	if tm, ok := m.(TraceModel); ok && ctx == nil {
		if reg {
			return nil, nil, fmt.Errorf("%w: the regularisers need Jacobian–vector products, and a TraceModel builds only its trace", ErrInvalidConfig)
		}
		f, trace, err := tm.BuildTrace(t, z, params, eps)
		if err != nil {
			return nil, nil, err
		}
		if !trace.Shape().Eq(tensor.Shape{rows}) {
			return nil, nil, fmt.Errorf("%w: trace has shape %v, want (%d)", ErrDimension, trace.Shape(), rows)
		}
		return f, []*G.Node{trace}, nil
	}

	var f *G.Node
	var jvps []*G.Node
	var err error
	unit := false
	if nw, ok := m.(*Network); ok && eps == nil {
		if f, jvps, unit, err = nw.buildUnit(t, z, ctx, params); err != nil {
			return nil, nil, err
		}
	}
	dirs := []*G.Node{eps}
	if eps == nil {
		dirs = make([]*G.Node, D) // the unit directions, e_i in every row
		for i := range dirs {
			if unit {
				continue
			}
			e := make([]float64, rows*D)
			for r := range rows {
				e[r*D+i] = 1
			}
			dirs[i] = constant(z.Graph(), fmt.Sprintf("e%d", i), rows, D, e)
		}
	}
	if !unit {
		if f, jvps, err = buildModel(m, t, z, ctx, params, dirs); err != nil {
			return nil, nil, err
		}
	}
	if len(jvps) != len(dirs) {
		return nil, nil, fmt.Errorf("%w: model returned %d Jacobian–vector products for %d directions", ErrDimension, len(jvps), len(dirs))
	}

	var trace *G.Node
	if eps != nil {
		// Σ_j ε_j ((∂f/∂z)·ε)_j per row.
		prod, err := G.HadamardProd(eps, jvps[0])
		if err != nil {
			return nil, nil, err
		}
		if trace, err = G.Sum(prod, 1); err != nil {
			return nil, nil, err
		}
	} else {
		// Σ_i ((∂f/∂z)·e_i)_i: the i-th column of the i-th product.
		for i, jv := range jvps {
			col, err := G.Slice(jv, nil, G.S(i))
			if err != nil {
				return nil, nil, err
			}
			if trace == nil {
				trace = col
			} else if trace, err = G.Add(trace, col); err != nil {
				return nil, nil, err
			}
		}
	}
	if !reg {
		return f, []*G.Node{trace}, nil
	}
	kinetic, err := rowSquares(f)
	if err != nil {
		return nil, nil, err
	}
	var frob *G.Node
	for _, jv := range jvps {
		sq, err := rowSquares(jv)
		if err != nil {
			return nil, nil, err
		}
		if frob == nil {
			frob = sq
		} else if frob, err = G.Add(frob, sq); err != nil {
			return nil, nil, err
		}
	}
	return f, []*G.Node{trace, kinetic, frob}, nil
}

// buildModel builds m with the context ctx, which is nil unless m is a
// conditional ContextModel.
func buildModel(m Model, t, z, ctx *G.Node, params, dirs []*G.Node) (*G.Node, []*G.Node, error) {
	if ctx == nil {
		return m.Build(t, z, params, dirs)
	}
	cm, ok := m.(ContextModel)
	if !ok {
		return nil, nil, fmt.Errorf("%w: a context for a model without one", ErrInvalidConfig)
	}
	return cm.BuildContext(t, z, ctx, params, dirs)
}

// rowSquares returns Σ_j x_rj² for each row r.
func rowSquares(x *G.Node) (*G.Node, error) {
	sq, err := G.Square(x)
	if err != nil {
		return nil, err
	}
	return G.Sum(sq, 1)
}
