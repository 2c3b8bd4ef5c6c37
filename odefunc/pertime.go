package odefunc

import "fmt"

// VJPAt writes f(t_r, z_r) into dz, each row at its own time t[r] as
// FRows, and the vector–Jacobian
// products of L = Σ a⊙f into gz (N×D, ∂L/∂z; nil leaves it out), gc (N×C,
// ∂L/∂context of a conditional model; nil leaves it out) and gparams (∂L/∂θ,
// one slice per Model parameter, summed over the rows). No trace is built:
// the program is f and one first-order gradient of Σ a⊙f.
func (d *Dynamics) VJPAt(dz, gz, gc []float64, gparams [][]float64, t, z, a []float64) error {
	n, err := d.rows(z, dz)
	if err != nil {
		return err
	}
	if err := d.checkTimes(t, n); err != nil {
		return err
	}
	switch {
	case len(a) != len(z):
		return fmt.Errorf("%w: VJPAt needs a of length %d, got %d", ErrDimension, len(z), len(a))
	case gz != nil && len(gz) != len(z):
		return fmt.Errorf("%w: VJPAt needs gz of length %d, got %d", ErrDimension, len(z), len(gz))
	case len(gparams) != len(d.params):
		return fmt.Errorf("%w: VJPAt needs %d parameter gradients, got %d", ErrDimension, len(d.params), len(gparams))
	case gc != nil && len(gc) != n*d.cdim:
		return fmt.Errorf("%w: the context's gradient has length %d, want %d", ErrDimension, len(gc), n*d.cdim)
	}
	for i, p := range d.params {
		if len(gparams[i]) != p.Shape().TotalSize() {
			return fmt.Errorf("%w: gradient %d has length %d, want %d", ErrDimension, i, len(gparams[i]), p.Shape().TotalSize())
		}
	}
	return d.eval(request{k: kind{vjp: true}, n: n, ts: t, z: z, ctx: d.context, dz: dz, a: a, gz: gz, gc: gc}, gparams)
}
