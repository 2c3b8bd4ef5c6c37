package graph

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The vector exp and tanh against math.Exp and math.Tanh, in units in the
// last place of math's result (for a subnormal result, of the smallest
// subnormal). The bounds are the documented maximum errors (doc.go);
// math's own functions are within 1 ulp of the true values.
const (
	expMaxULP  = 2
	tanhMaxULP = 3
)

// refExp is math.Exp where that is right. On amd64 math.Exp returns +Inf
// from x ≈ 709.436 on, where its assembly scales by 2¹⁰²⁴, although exp x
// stays below MaxFloat64 up to 709.7827…; from 709 on it is e·exp(x−1) with
// e in two parts (x − 1 is exact there).
func refExp(x float64) float64 {
	if x <= 709 || x > 709.782712893384 {
		return math.Exp(x)
	}
	const eLo = 1.4456468917292502e-16 // e − float64(e)
	y := math.Exp(x - 1)
	p := y * math.E
	return p + (math.FMA(y, math.E, -p) + y*eLo)
}

// ulpsApart is how far got is from want, in ulps of want; 0 when both are
// the same infinity or both NaN, +Inf when only one of them is.
func ulpsApart(want, got float64) float64 {
	switch {
	case math.IsNaN(want) || math.IsNaN(got):
		if math.IsNaN(want) && math.IsNaN(got) {
			return 0
		}
		return math.Inf(1)
	case math.IsInf(want, 0) || math.IsInf(got, 0):
		if want == got {
			return 0
		}
		return math.Inf(1)
	}
	a := math.Abs(want)
	ulp := math.Nextafter(a, math.Inf(1)) - a
	if math.IsInf(ulp, 0) { // want is the largest float64
		ulp = a - math.Nextafter(a, 0)
	}
	return math.Abs(got-want) / ulp
}

// wholeRange returns values spread over every binade of float64, both signs,
// subnormals included, plus the special values and the functions' break
// points and their neighbours.
func wholeRange(r *rand.Rand) []float64 {
	xs := []float64{
		0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(),
		math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64,
		math.MaxFloat64, -math.MaxFloat64, 0x1p-1022, -0x1p-1022,
		709.782712893384, 709.78, 710, -745.1332191019412, -745.13, -746, -708.4,
		0.625, -0.625, 22, 44.0148, -44.0148, 80, 1e-300, -1e-300, 1e-8, -1e-8,
	}
	for _, x := range xs[:len(xs):len(xs)] {
		xs = append(xs, math.Nextafter(x, math.Inf(1)), math.Nextafter(x, math.Inf(-1)))
	}
	for e := -1074; e <= 1023; e++ {
		for range 64 {
			x := math.Ldexp(1+r.Float64(), e)
			if r.IntN(2) == 0 {
				x = -x
			}
			xs = append(xs, x)
		}
	}
	return xs
}

// worstULPs runs the vector kernel of op over xs and compares with want.
func worstULPs(op opcode, want func(d, x []float64), xs []float64) (worst, at float64) {
	w, got := dirty(len(xs)), dirty(len(xs))
	want(w, xs)
	vectorKernels.unary(op, got, xs)
	for i, x := range xs {
		if u := ulpsApart(w[i], got[i]); u > worst || math.IsNaN(u) {
			worst, at = u, x
		}
	}
	return worst, at
}

// each applies f to every value.
func each(f func(float64) float64) func(d, x []float64) {
	return func(d, x []float64) {
		for i, v := range x {
			d[i] = f(v)
		}
	}
}

func TestVectorExpTanhAccuracy(t *testing.T) {
	if !vectorAvailable {
		t.Skip("vector kernels not available on this CPU or build")
	}
	r := rand.New(rand.NewPCG(1, 2))
	xs := wholeRange(r)
	// The ranges where the results are neither 0, 1 nor ±Inf, densely.
	for range 200000 {
		xs = append(xs, -746+1456*r.Float64(), -25+50*r.Float64(), -1+2*r.Float64())
	}
	worst, at := worstULPs(opExp, each(refExp), xs)
	t.Logf("exp: worst %.3g ulp at %v", worst, at)
	assert.LessOrEqual(t, worst, float64(expMaxULP), "exp at %v", at)
	worst, at = worstULPs(opTanh, each(math.Tanh), xs)
	t.Logf("tanh: worst %.3g ulp at %v", worst, at)
	assert.LessOrEqual(t, worst, float64(tanhMaxULP), "tanh at %v", at)

	// Exact values where they are exact.
	d := dirty(6)
	vectorKernels.unary(opTanh, d, []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), 1e-300, -0x1p-1070})
	assert.Equal(t, []float64{0, 0, 1, -1, 1e-300, -0x1p-1070}, d)
	assert.True(t, math.Signbit(d[1]), "tanh(−0) = −0")
	vectorKernels.unary(opExp, d, []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), 1e-300, -1000})
	assert.Equal(t, []float64{1, 1, math.Inf(1), 0, 1, 0}, d)
	vectorKernels.unary(opTanh, d[:1], []float64{math.NaN()})
	vectorKernels.unary(opExp, d[1:2], []float64{math.NaN()})
	assert.True(t, math.IsNaN(d[0]) && math.IsNaN(d[1]), "NaN stays NaN")
}

// The functions built on the vector exp keep Gorgonia's cut-offs and agree
// with the pure-Go kernels to a few ulps.
func TestVectorSigmoidSoftplus(t *testing.T) {
	if !vectorAvailable {
		t.Skip("vector kernels not available on this CPU or build")
	}
	r := rand.New(rand.NewPCG(3, 4))
	xs := wholeRange(r)
	for range 100000 {
		xs = append(xs, -750+1500*r.Float64(), -40+80*r.Float64())
	}
	for _, op := range []opcode{opSigmoid, opSoftplus} {
		worst, at := worstULPs(op, func(d, x []float64) { unary(op, d, x) }, xs)
		t.Logf("%v: worst %.3g ulp of the pure-Go kernel at %v", op, worst, at)
		require.LessOrEqual(t, worst, 4.0, "%v at %v", op, at)
	}
}
