// Package fdtest holds central differences for gradient tests: the
// derivative of a scalar loss in one entry of a slice it reads, estimated
// as (f(x+h) − f(x−h)) / 2h with the entry perturbed in place and restored.
package fdtest

// Central returns (f() with v[i]+h − f() with v[i]−h) / 2h, the central
// difference of f in v[i], and leaves v[i] as it found it.
func Central(v []float64, i int, h float64, f func() float64) float64 {
	old := v[i]
	v[i] = old + h
	lp := f()
	v[i] = old - h
	lm := f()
	v[i] = old
	return (lp - lm) / (2 * h)
}

// Gradient returns the central difference of f in every entry of v, in
// order, each with step h.
func Gradient(v []float64, h float64, f func() float64) []float64 {
	g := make([]float64, len(v))
	for i := range v {
		g[i] = Central(v, i, h, f)
	}
	return g
}
