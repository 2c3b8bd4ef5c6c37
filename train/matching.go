package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"gorgonia.org/tensor"
)

// Criterion is what a Trainer minimises: MLE (the default), CFM, OTCFM,
// Reflow, or ReverseKL, which fits a target density instead of data.
// The trained model is the same continuous flow whichever it is; sampling
// and the exact log-density do not depend on how it was trained.
type Criterion interface {
	// String names the criterion as the -objective flag of the examples
	// does: mle, cfm or otcfm.
	String() string
	matching() (c coupling, ok bool)
}

// coupling is how flow matching pairs base points with data: drawn
// independently (CFM), re-paired by optimal transport (OTCFM) or given
// (Reflow's X0).
type coupling struct {
	sigma float64
	ot    bool
	x0    *tensor.Dense
}

// MLE is maximum likelihood through the ODE solver: each step solves every
// block with its log-density and differentiates the solve (the tutorial's
// objective, and Options.Objective's default).
type MLE struct{}

// CFM is conditional flow matching with Gaussian paths (Lipman et al.
// 2022; the independent-coupling I-CFM of Tong et al. 2023): for a data
// point x₁, a base point x₀ drawn independently, s uniform on [0, 1] and
// ε ~ N(0, I), the field is regressed at
//
//	x_s = s·x₁ + (1 − s)·x₀ + σ·ε   onto   u = x₁ − x₀,
//
// minimising E‖v_s(x_s) − u‖². σ is SigmaMin, the width of the path around
// the straight line (0: rectified flow's straight paths). One evaluation of
// the dynamics per point and step; no ODE is solved.
//
// The time convention is the library's: the base at the first block's t0,
// the data at the last block's t1. A flow of K blocks is trained as one
// field on K consecutive intervals of s: block k (in sampling order) covers
// s ∈ [k/K, (k+1)/K], its own time t0 + (t1 − t0)(sK − k), so its f is
// v/(K·(t1 − t0)). The model is Composed; its base must be a
// distributions.Drawer (x₀ is drawn from it with the Trainer's saved
// stream; its parameters are not trained), its bijector FieldBlocks (FFJORD
// blocks) with fixed end times, under parameter-free bijectors on the data
// side.
type CFM struct {
	SigmaMin float64 // σ ≥ 0 of the Gaussian path; 0 means straight lines
}

// OTCFM is CFM with minibatch optimal transport (Tong et al. 2023): each
// batch of data is paired with as many base points by the exact assignment
// that minimises Σ‖x₀ − x₁‖² (Assign, O(n³) in the batch size), which
// straightens the paths, so that sampling needs fewer steps.
type OTCFM struct {
	SigmaMin float64 // as CFM's
}

// Reflow is rectified flow's reflow (Liu et al. 2022): flow matching on
// fixed pairs, x₀ = X0's row i with x₁ = row i of the data given to Run,
// instead of independent or re-paired draws. With pairs from ReflowPairs —
// base points and where the current flow takes them — the paths of the
// retrained field are straighter than the first flow's, so sampling needs
// fewer steps, while the pushforward stays near the first flow's. X0 must
// have as many rows as the data; the rows are shuffled together.
type Reflow struct {
	SigmaMin float64       // as CFM's
	X0       *tensor.Dense // N×D base points, row i paired with data row i
}

func (MLE) String() string    { return "mle" }
func (CFM) String() string    { return "cfm" }
func (OTCFM) String() string  { return "otcfm" }
func (Reflow) String() string { return "reflow" }

func (MLE) matching() (coupling, bool)      { return coupling{}, false }
func (c CFM) matching() (coupling, bool)    { return coupling{sigma: c.SigmaMin}, true }
func (c OTCFM) matching() (coupling, bool)  { return coupling{sigma: c.SigmaMin, ot: true}, true }
func (c Reflow) matching() (coupling, bool) { return coupling{sigma: c.SigmaMin, x0: c.X0}, true }

// ReflowPairs draws n base points z from flow's base and maps them through
// the flow, x̂ = F(z): the pairs Reflow trains on (Reflow{X0: z} with data
// x̂).
func ReflowPairs(flow *Flow, n int) (z, x *tensor.Dense, err error) {
	if z, err = flow.SampleBase(n); err != nil {
		return nil, nil, err
	}
	if x, err = flow.Forward(z); err != nil {
		return nil, nil, err
	}
	return z, x, nil
}

// ParseCriterion reads mle, cfm or otcfm, the latter two with path width
// sigma.
func ParseCriterion(name string, sigma float64) (Criterion, error) {
	if (name == "cfm" || name == "otcfm") && !(sigma >= 0 && !math.IsInf(sigma, 1)) {
		return nil, fmt.Errorf("%w: objective %s with sigma = %g, want finite and ≥ 0", ErrInvalidConfig, name, sigma)
	}
	switch name {
	case "mle", "":
		return MLE{}, nil
	case "cfm":
		return CFM{SigmaMin: sigma}, nil
	case "otcfm":
		return OTCFM{SigmaMin: sigma}, nil
	}
	return nil, fmt.Errorf("%w: objective %q: want mle, cfm or otcfm", ErrInvalidConfig, name)
}

// FieldBlock is a block that flow matching can train: a bijector that
// integrates a vector field f(t, z) from t0 to t1 and exposes it, so that
// the field is regressed directly (an *ffjord.FFJORD is one).
type FieldBlock interface {
	distributions.Bijector
	Times() (t0, t1 float64)
	LearnsTime() bool
	// Dynamics evaluates the field (Eval, a time per row) and its
	// parameters' gradient (VJP of f alone), with the context of a
	// conditional field in the request.
	Dynamics() *odefunc.Dynamics
}

// Composed is a distribution of a base and a bijector, as a
// distributions.TransformedDistribution is: flow matching draws x₀ from
// the base and trains the bijector's FieldBlocks.
type Composed interface {
	distributions.Trainable
	Parts() (base distributions.Distribution, bijector distributions.Bijector)
}

// matcher computes the flow-matching loss and its gradient for a model:
// the blocks, where their parameters sit in the model's Params, and
// buffers reused from batch to batch.
type matcher struct {
	sigma  float64
	ot     bool
	pairs  []float64 // Reflow's x₀, one row per data row; nil otherwise
	base   distributions.Drawer
	pre    distributions.Chain // fixed bijectors the data go through first
	blocks []FieldBlock
	index  [][]int // index[k][i]: position in Params of block k's parameter i
	// per-batch buffers
	x0, s, cost      []float64
	pair             []int
	rows             [][]int // rows of the batch that block k evaluates
	z, t, u, f, a, c []float64
	blockGrads       [][]float64
	// fwd and bwd are the Cost's counts, reused: the Trainer reads a
	// step's Cost before the next step.
	fwd, bwd []int
}

// newMatcher checks that m can be trained by flow matching with crit.
func newMatcher(m distributions.Trainable, crit Criterion) (*matcher, error) {
	cp, ok := crit.matching()
	if !ok {
		return nil, nil
	}
	if !(cp.sigma >= 0) || math.IsInf(cp.sigma, 0) {
		return nil, fmt.Errorf("%w: %v with SigmaMin = %g, want finite and ≥ 0", ErrInvalidConfig, crit, cp.sigma)
	}
	d, composed := m.(Composed)
	var b distributions.Distribution
	var bij distributions.Bijector
	if composed {
		b, bij = d.Parts()
	}
	if b == nil || bij == nil {
		return nil, fmt.Errorf("%w: flow matching needs a *train.Flow or a Composed distribution (a base and a bijector, as a TransformedDistribution), not %T", ErrInvalidConfig, m)
	}
	if nilPointer(b) {
		return nil, fmt.Errorf("%w: flow matching draws x₀ from the base, and %T's Parts gave a nil %T", ErrInvalidConfig, m, b)
	}
	if nilPointer(bij) {
		return nil, fmt.Errorf("%w: flow matching trains the bijector, and %T's Parts gave a nil %T", ErrInvalidConfig, m, bij)
	}
	base, draws := b.(distributions.Drawer)
	if !draws {
		return nil, fmt.Errorf("%w: flow matching draws x₀ from its base, and a %T cannot (it is not a distributions.Drawer)", ErrInvalidConfig, b)
	}
	if bd, md := b.Dim(), d.Dim(); bd != md {
		return nil, fmt.Errorf("%w: flow matching draws x₀ from a base in %d dimensions for a model in %d", ErrInvalidConfig, bd, md)
	}
	pre, rest := splitFixed(bij)
	blocks, ok := fieldBlocks(rest)
	if !ok {
		return nil, fmt.Errorf("%w: flow matching trains FieldBlocks (FFJORD blocks), under bijectors without parameters on the data side; the bijector %T holds others", ErrInvalidConfig, bij)
	}
	mt := &matcher{sigma: cp.sigma, ot: cp.ot, base: base, blocks: blocks, pre: pre}
	if _, isReflow := crit.(Reflow); isReflow {
		if cp.x0 == nil {
			return nil, fmt.Errorf("%w: Reflow without X0, its base points", ErrInvalidConfig)
		}
		x0, _, err := batch.Data(cp.x0, d.Dim())
		if err != nil {
			return nil, fmt.Errorf("%w: Reflow's X0: %v", ErrInvalidConfig, err)
		}
		if k := nonFinite(x0); k >= 0 {
			return nil, fmt.Errorf("%w: Reflow's X0 holds %g at %d", ErrInvalidConfig, x0[k], k)
		}
		mt.pairs = x0
	}
	at := map[any]int{}
	for i, p := range d.Params() {
		at[p] = i
	}
	for k, b := range mt.blocks {
		if nilPointer(b) || b.Dynamics() == nil {
			return nil, fmt.Errorf("%w: block %d is a nil %T", ErrInvalidConfig, k, b)
		}
		if bd := b.Dynamics().Dim(); bd != d.Dim() {
			return nil, fmt.Errorf("%w: block %d's field is in %d dimensions, the model in %d", ErrInvalidConfig, k, bd, d.Dim())
		}
		if b.LearnsTime() {
			return nil, fmt.Errorf("%w: block %d learns its end time, which flow matching cannot train", ErrInvalidConfig, k)
		}
		if t0, t1 := b.Times(); !(t1 > t0) {
			return nil, fmt.Errorf("%w: block %d runs from %g to %g; flow matching needs t1 > t0", ErrInvalidConfig, k, t0, t1)
		}
		ps := b.Dynamics().Model().Params()
		idx := make([]int, len(ps))
		for i, p := range ps {
			j, found := at[p]
			if !found {
				return nil, fmt.Errorf("%w: block %d's parameter %d is not among the model's", ErrInvalidConfig, k, i)
			}
			idx[i] = j
		}
		mt.index = append(mt.index, idx)
	}
	mt.rows = make([][]int, len(mt.blocks))
	return mt, nil
}

// nilPointer reports a nil pointer in v, whose methods would panic: the
// typed nil that an interface's nil check misses.
func nilPointer(v any) bool {
	r := reflect.ValueOf(v)
	return r.Kind() == reflect.Pointer && r.IsNil()
}

// splitFixed splits b into the leading bijectors of a Chain that are not
// FFJORD blocks and have no parameters (fixed preprocessing on the data
// side, such as a Sigmoid or a whitening) and the rest.
func splitFixed(b distributions.Bijector) (pre distributions.Chain, rest distributions.Bijector) {
	c, ok := b.(distributions.Chain)
	if !ok {
		return nil, b
	}
	k := 0
	for ; k < len(c); k++ {
		if _, isBlock := c[k].(FieldBlock); isBlock {
			break
		}
		if d, ok := c[k].(distributions.Differentiable); !ok || len(d.Params()) > 0 {
			break
		}
	}
	if k == 0 {
		return nil, b
	}
	return c[:k], c[k:]
}

// fieldBlocks lists the FieldBlocks of b in the order Forward applies
// them, and reports whether b is made of them alone (possibly in chains).
func fieldBlocks(b distributions.Bijector) ([]FieldBlock, bool) {
	switch b := b.(type) {
	case FieldBlock:
		return []FieldBlock{b}, true
	case distributions.Chain:
		var out []FieldBlock
		for k := len(b) - 1; k >= 0; k-- {
			bs, ok := fieldBlocks(b[k])
			if !ok {
				return nil, false
			}
			out = append(out, bs...)
		}
		return out, len(b) > 0
	}
	return nil, false
}

// checkRows reports data of n rows that Reflow's pairs do not match.
func (mt *matcher) checkRows(n, D int) error {
	if mt.pairs != nil && len(mt.pairs) != n*D {
		return fmt.Errorf("%w: Reflow's X0 has %d rows for %d data rows", ErrInvalidConfig, len(mt.pairs)/D, n)
	}
	return nil
}

// loss evaluates the matching loss L = (1/n) Σ_r ‖v(s_r, x_r) − u_r‖² on
// the n rows of x1 (contexts c, nil for an unconditional model), drawing
// x₀ (or, for Reflow, taking the pairs' rows idx), s and ε from r in that
// order, and stores ∂L/∂θ in g (zeroed first). The gradient of each block
// is one VJP of f alone with a = 2·scale·(v − u)/n.
func (mt *matcher) loss(x1, c []float64, idx []int, n, D int, r *rand.Rand, g Grads) (Loss, Cost, error) {
	if n <= 0 || len(x1) != n*D {
		return Loss{}, Cost{}, fmt.Errorf("%w: batch of %d values is not %d×%d", batch.ErrShape, len(x1), n, D)
	}
	for i := range g {
		clear(g[i])
	}
	if len(mt.pre) > 0 {
		y, err := mt.pre.Inverse(tensor.New(tensor.WithShape(n, D), tensor.WithBacking(x1)))
		if err != nil {
			return Loss{}, Cost{}, fmt.Errorf("train: preprocessing: %w", err)
		}
		x1 = y.Float64s()
	}
	K := len(mt.blocks)
	if len(mt.fwd) != K {
		mt.fwd, mt.bwd = make([]int, K), make([]int, K)
	}
	clear(mt.fwd)
	clear(mt.bwd)
	cost := Cost{ForwardNFE: mt.fwd, BackwardNFE: mt.bwd}
	mt.x0 = grow(mt.x0, n*D)
	if mt.pairs != nil {
		if len(idx) != n {
			return Loss{}, Cost{}, fmt.Errorf("%w: %d row indices for a batch of %d", batch.ErrShape, len(idx), n)
		}
		for i, j := range idx {
			copy(mt.x0[i*D:(i+1)*D], mt.pairs[j*D:(j+1)*D])
		}
	} else {
		mt.base.Draw(mt.x0, r)
	}
	if mt.ot {
		if err := mt.pairOT(x1, n, D); err != nil {
			return Loss{}, cost, err
		}
	}
	mt.s = grow(mt.s, n)
	for i := range mt.s {
		mt.s[i] = r.Float64()
	}
	for k := range mt.rows {
		if cap(mt.rows[k]) < n {
			// Room for the whole batch: how the rows fall to the blocks
			// changes from step to step, and a step must not grow them.
			mt.rows[k] = make([]int, 0, n)
		}
		mt.rows[k] = mt.rows[k][:0]
	}
	for i, s := range mt.s {
		k := min(int(s*float64(K)), K-1)
		mt.rows[k] = append(mt.rows[k], i)
	}
	var total float64
	for k, b := range mt.blocks {
		rows := mt.rows[k]
		m := len(rows)
		if m == 0 {
			continue
		}
		t0, t1 := b.Times()
		scale := float64(K) * (t1 - t0) // v = scale·f
		mt.z, mt.u, mt.f, mt.a, mt.t = grow(mt.z, m*D), grow(mt.u, m*D), grow(mt.f, m*D), grow(mt.a, m*D), grow(mt.t, m)
		for j, i := range rows {
			s := mt.s[i]
			mt.t[j] = t0 + (s*float64(K)-float64(k))*(t1-t0)
			for d := range D {
				x0, x1v := mt.x0[i*D+d], x1[i*D+d]
				mt.z[j*D+d] = s*x1v + (1-s)*x0
				mt.u[j*D+d] = x1v - x0
			}
		}
		if mt.sigma > 0 {
			for j := range mt.z {
				mt.z[j] += mt.sigma * r.NormFloat64()
			}
		}
		dyn := b.Dynamics()
		req := odefunc.Request{Z: mt.z, Times: mt.t}
		if C := dyn.ContextDim(); C > 0 {
			if len(c) != n*C {
				return Loss{}, cost, fmt.Errorf("%w: block %d reads a context of %d features; got %d values for %d points", batch.ErrShape, k, C, len(c), n)
			}
			mt.c = grow(mt.c, m*C)
			for j, i := range rows {
				copy(mt.c[j*C:(j+1)*C], c[i*C:(i+1)*C])
			}
			req.Context = mt.c
		}
		// Two program runs: f, then ∂/∂θ of Σ a⊙f by a VJP with a computed
		// from f. The cotangent needs f first, so the VJP's program
		// computes f again.
		if err := dyn.Eval(mt.f, odefunc.Terms{}, req); err != nil {
			return Loss{}, cost, fmt.Errorf("train: block %d: %w", k, err)
		}
		for j, fj := range mt.f {
			diff := scale*fj - mt.u[j]
			total += diff * diff
			mt.a[j] = 2 * scale * diff / float64(n)
		}
		if len(mt.blockGrads) < len(mt.index[k]) {
			mt.blockGrads = make([][]float64, len(mt.index[k]))
		}
		bg := mt.blockGrads[:len(mt.index[k])]
		for i, j := range mt.index[k] {
			bg[i] = g[j]
		}
		err := dyn.VJP(odefunc.VJPOut{F: mt.f, Params: bg}, req, mt.a, odefunc.Terms{})
		if err != nil {
			return Loss{}, cost, fmt.Errorf("train: block %d: %w", k, err)
		}
		cost.ForwardNFE[k], cost.BackwardNFE[k] = 1, 1
	}
	l := total / float64(n)
	return Loss{Matching: l, Total: l}, cost, nil
}

// pairOT reorders the base points x₀ so that row i of x₀ is the one the
// exact assignment pairs with row i of x1.
func (mt *matcher) pairOT(x1 []float64, n, D int) error {
	mt.cost = grow(mt.cost, n*n)
	for i := range n {
		xi := x1[i*D : (i+1)*D]
		for j := range n {
			x0 := mt.x0[j*D : (j+1)*D]
			s := 0.0
			for d, v := range xi {
				e := v - x0[d]
				s += e * e
			}
			mt.cost[i*n+j] = s
		}
	}
	if cap(mt.pair) < n {
		mt.pair = make([]int, n)
	}
	mt.pair = mt.pair[:n]
	if _, err := Assign(mt.pair, mt.cost, n); err != nil {
		return err
	}
	mt.z = grow(mt.z, n*D)
	for i, j := range mt.pair {
		copy(mt.z[i*D:(i+1)*D], mt.x0[j*D:(j+1)*D])
	}
	copy(mt.x0, mt.z[:n*D])
	return nil
}

// grow returns v resized to n, reusing its memory when it can.
func grow(v []float64, n int) []float64 {
	if cap(v) < n {
		return make([]float64, n)
	}
	return v[:n]
}
