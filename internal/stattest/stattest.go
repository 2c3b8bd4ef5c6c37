// Package stattest holds statistical checks shared by the tests.
package stattest

import (
	"math"
	"sort"
)

// KSToNormal returns the Kolmogorov–Smirnov distance sup |F_n − Φ| of the
// sample v to the standard normal, sorting v in place.
func KSToNormal(v []float64) float64 {
	sort.Float64s(v)
	n := float64(len(v))
	d := 0.0
	for i, x := range v {
		p := 0.5 * math.Erfc(-x/math.Sqrt2)
		d = max(d, math.Abs(float64(i+1)/n-p), math.Abs(p-float64(i)/n))
	}
	return d
}
