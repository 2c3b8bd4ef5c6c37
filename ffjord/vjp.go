package ffjord

import (
	"github.com/ffjord-go/ffjord-go/odefunc"
)

// The backward passes evaluate the dynamics' vector–Jacobian products over
// rows each at its own time, with its own cotangents, noise and context,
// so that every row is differentiated along its own steps and ∂L/∂z(ta)
// of a row, like its forward values, does not depend on the other rows
// under per-row step control; the parameter gradient is their sum, added
// in a fixed order (steps, then stages, then rows in increasing order).

// rowVJP holds the compact buffers of one VJP of the dynamics over some
// rows, each at its own time, with its own cotangents.
type rowVJP struct {
	ts, z, a, dz, gz, eps, ctx, gc []float64
	tr, kin, frob                  []float64
	gp                             [][]float64 // ∂/∂θ summed over the call's rows
}

// rowVJP returns the block's buffers of a VJP over k entries, made anew
// when the last ones are smaller: a workspace of the backward passes.
func (b *FFJORD) rowVJP(k int) *rowVJP {
	if v := b.rowWork.vjp; v != nil && len(v.ts) >= k {
		return v
	}
	b.rowWork.vjp = b.newRowVJP(k)
	return b.rowWork.vjp
}

func (b *FFJORD) newRowVJP(k int) *rowVJP {
	D, C := b.dyn.Dim(), b.dyn.ContextDim()
	v := &rowVJP{
		ts: make([]float64, k), z: make([]float64, k*D), a: make([]float64, k*D),
		dz: make([]float64, k*D), gz: make([]float64, k*D), eps: make([]float64, k*D),
		ctx: make([]float64, k*C), gc: make([]float64, k*C),
		tr: make([]float64, k), kin: make([]float64, k), frob: make([]float64, k),
	}
	for _, p := range b.dyn.Model().Params() {
		v.gp = append(v.gp, make([]float64, p.Shape().TotalSize()))
	}
	return v
}

// vjp runs the VJP of g = [f, tr, (‖f‖², ‖∂f/∂z‖²_F)] for k = len(rows)
// entries whose times, states and cotangents the caller wrote into v.ts,
// v.z, v.a, v.tr (and v.kin, v.frob when regularised); entry j belongs to
// row rows[j] of the batch, whose noise and context it uses; with oneTime
// all are at v.ts[0] (one time for the dynamics to check). It leaves
// f in v.dz, ∂/∂z in v.gz, ∂/∂context in v.gc and ∂/∂θ in v.gp.
func (b *FFJORD) vjp(v *rowVJP, tape *recording, rows []int, oneTime bool) error {
	D, C, k := b.dyn.Dim(), b.dyn.ContextDim(), len(rows)
	r := odefunc.Request{Z: v.z[:k*D], Times: v.ts[:k], Want: want(tape.reg), Trace: tape.trace}
	if oneTime {
		r.T, r.Times = v.ts[0], nil
	}
	out := odefunc.VJPOut{F: v.dz[:k*D], Z: v.gz[:k*D], Params: v.gp}
	if tape.trace.Stochastic() {
		r.Noise = gatherRows(v.eps, tape.eps, rows, D)
	}
	if C > 0 {
		r.Context = gatherRows(v.ctx, tape.context, rows, C)
		out.Context = v.gc[:k*C]
	}
	terms := odefunc.Terms{Trace: v.tr[:k]}
	if tape.reg {
		terms.Kinetic, terms.Frobenius = v.kin[:k], v.frob[:k]
	}
	return b.dyn.VJP(out, r, v.a[:k*D], terms)
}

// addGrads adds the call's parameter and context gradients: ∂/∂θ to grads,
// and entry j's ∂/∂context to row rows[j] of tape.gc.
func (v *rowVJP) addGrads(tape *recording, grads [][]float64, rows []int) {
	for p, g := range grads {
		axpy(g, 1, v.gp[p])
	}
	if tape.gc == nil {
		return
	}
	C := len(tape.gc) / tape.n
	for j, r := range rows {
		axpy(tape.gc[r*C:(r+1)*C], 1, v.gc[j*C:(j+1)*C])
	}
}

// addShared adds the call's gradients to ds = [∂/∂θ of every parameter,
// ∂/∂context (N×C)]: ∂/∂θ, and entry j's ∂/∂context to row rows[j].
func (v *rowVJP) addShared(ds []float64, rows []int) {
	for _, g := range v.gp {
		axpy(ds[:len(g)], 1, g)
		ds = ds[len(g):]
	}
	C := len(v.gc) / len(v.ts)
	if C == 0 {
		return
	}
	for j, r := range rows {
		axpy(ds[r*C:(r+1)*C], 1, v.gc[j*C:(j+1)*C])
	}
}

// rowCotangents writes the cotangents of the per-row terms of the rows
// rows, scaled by wt, into the entries from lo on.
func (b *FFJORD) rowCotangents(v *rowVJP, lo int, rows []int, c *cotangents, wt float64) {
	tr := v.tr[lo : lo+len(rows)]
	for j, r := range rows {
		tr[j] = wt * c.LogDet[r]
	}
	if c.Kinetic != nil {
		kin, frob := v.kin[lo:lo+len(rows)], v.frob[lo:lo+len(rows)]
		for j, r := range rows {
			kin[j], frob[j] = wt*c.Kinetic[r], wt*c.Frobenius[r]
		}
	}
}

// axpy adds alpha·x to y.
func axpy(y []float64, alpha float64, x []float64) {
	for i, v := range x {
		y[i] += alpha * v
	}
}
