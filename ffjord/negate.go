package ffjord

import "github.com/ffjord-go/ffjord-go/ffjord/ode"

// negateMin is the fewest values a negation hands to a Parallel: below it
// (the tutorial's adjoint, about a thousand values) the loop costs less on
// the caller than parts on other goroutines.
const negateMin = 1 << 12

// negation negates slices, split by ranges of values on a Parallel: the
// backsolve adjoint's right-hand side, whose cotangent and parameter parts
// (49k values at digits scale) come out of the VJP with the wrong sign,
// would otherwise flip them on the caller while the helpers wait. Each
// value is negated alone, so the parts do not change a bit.
type negation struct {
	v  []float64
	fn func(lo, hi int) // part, bound once
}

// run negates v, on par when it is set and v is long enough.
func (n *negation) run(par ode.Parallel, v []float64) {
	if par == nil || len(v) < negateMin {
		negate(v)
		return
	}
	if n.fn == nil {
		n.fn = n.part
	}
	n.v = v
	par(len(v), n.fn)
	n.v = nil
}

func (n *negation) part(lo, hi int) { negate(n.v[lo:hi]) }

// negate sets every v[i] to −v[i].
func negate(v []float64) {
	for i := range v {
		v[i] = -v[i]
	}
}
