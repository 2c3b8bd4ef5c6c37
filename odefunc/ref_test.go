package odefunc

import "math"

// mlpRef evaluates one row of a Network of the library's layers in plain Go:
// the independent reference for f in every time mode.
func mlpRef(n *Network, t float64, z []float64) []float64 {
	h := append([]float64(nil), z...)
	affine := func(w, b []float64, out int) []float64 {
		y := make([]float64, out)
		for j := range y {
			s := b[j]
			for i := range h {
				s += h[i] * w[i*out+j]
			}
			y[j] = s
		}
		return y
	}
	for _, l := range n.Layers() {
		switch l := l.(type) {
		case *TimeConcat:
			pre := make([]float64, l.Copies)
			for i := range pre {
				pre[i] = t
			}
			h = append(pre, h...)
		case *Linear:
			h = affine(l.W.Float64s(), l.B.Float64s(), l.Out())
		case *ConcatSquashLinear:
			y := affine(l.W.Float64s(), l.B.Float64s(), l.Out())
			wg, bg, wb := l.Wg.Float64s(), l.Bg.Float64s(), l.Wb.Float64s()
			for j := range y {
				gate := 1 / (1 + math.Exp(-(t*wg[j] + bg[j])))
				y[j] = y[j]*gate + t*wb[j]
			}
			h = y
		case *ActivationLayer:
			for i := range h {
				if l.Fn == Tanh {
					h[i] = math.Tanh(h[i])
				} else {
					h[i] = math.Log1p(math.Exp(h[i]))
				}
			}
		default:
			panic("mlpRef: unknown layer")
		}
	}
	return h
}

// fdTrace is the trace of the central-difference Jacobian of one row.
func fdTrace(net *Network, t float64, z []float64) float64 {
	const h = 1e-5
	var tr float64
	for i := range z {
		zp := append([]float64(nil), z...)
		zm := append([]float64(nil), z...)
		zp[i] += h
		zm[i] -= h
		tr += (mlpRef(net, t, zp)[i] - mlpRef(net, t, zm)[i]) / (2 * h)
	}
	return tr
}
