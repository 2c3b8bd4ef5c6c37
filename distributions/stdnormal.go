package distributions

import "math"

// The standard normal's distribution function Φ, its log and its inverse,
// accurate in both tails, for MixtureCDF.
//
// Φ is computed as in W. J. Cody's algorithm (R's pnorm): for |u| > 0.674
// the smaller tail is Φ(−|u|) = R(|u|)·e^{−u²/2} with R a rational
// function, so that log Φ(u) = log R(−u) − u²/2 for u < −0.674 never
// underflows, however far out u is. (math.Erfc underflows at u ≈ −38.)
// Φ⁻¹ is Wichura's AS241 from log p, polished by Newton's method on
// log Φ(z) = log p where p is too small for AS241 (below e^−700).
// math.Erfcinv is not used: it computes Erfinv(1 − x), which loses every
// digit for p < 1e−16.

const (
	sqrt2Pi    = 2.50662827463100050241576528481104525 // √(2π)
	invSqrt2Pi = 0.398942280401432677939946059934      // 1/√(2π)
	// cdfCentral is Φ⁻¹(3/4): below it in magnitude Φ is 0.5 + a rational
	// function, above it the tail ratio is one.
	cdfCentral = 0.67448975
)

// Cody's coefficients, as in R's pnorm.c.
var (
	codyA = [5]float64{2.2352520354606839287, 161.02823106855587881, 1067.6894854603709582, 18154.981253343561249, 0.065682337918207449113}
	codyB = [4]float64{47.20258190468824187, 976.09855173777669322, 10260.932208618978205, 45507.789335026729956}
	codyC = [9]float64{0.39894151208813466764, 8.8831497943883759412, 93.506656132177855979, 597.27027639480026226,
		2494.5375852903726711, 6848.1904505362823326, 11602.651437647350124, 9842.7148383839780218, 1.0765576773720192317e-8}
	codyD = [8]float64{22.266688044328115691, 235.38790178262499861, 1519.377599407554805, 6485.558298266760755,
		18615.571640885098091, 34900.952721145977266, 38912.003286093271411, 19685.429676859990727}
	codyP = [6]float64{0.21589853405795699, 0.1274011611602473639, 0.022235277870649807, 0.001421619193227893466,
		2.9112874951168792e-5, 0.02307344176494017303}
	codyQ = [5]float64{1.28426009614491121, 0.468238212480865118, 0.0659881378689285515, 0.00378239633202758244,
		7.29751555083966205e-5}
)

// cdfCentralPart returns Φ(u) − ½ for |u| ≤ cdfCentral.
func cdfCentralPart(u float64) float64 {
	s := u * u
	num, den := codyA[4]*s, s
	for i := range 3 {
		num = (num + codyA[i]) * s
		den = (den + codyB[i]) * s
	}
	return u * (num + codyA[3]) / (den + codyB[3])
}

// tailRatio returns Φ(−y)·e^{y²/2} for y ≥ 0 (0 for y = +Inf): the
// smaller tail of the standard normal without its Gaussian factor. It
// decreases from ½ at 0 like 1/(y√(2π)). Below 8 it is a polynomial from
// tailTable, beyond Cody's asymptotic rational function.
func tailRatio(y float64) float64 {
	if y < tailTableEnd {
		j := int(y * tailTableSteps)
		a := &tailTable[j]
		t := y - (float64(j)+0.5)/tailTableSteps
		// Estrin's scheme: a shorter chain of dependent operations than
		// Horner's, which the inner loops are waiting on.
		t2 := t * t
		t4 := t2 * t2
		q0 := a[0] + a[1]*t + (a[2]+a[3]*t)*t2
		q1 := a[4] + a[5]*t + (a[6]+a[7]*t)*t2
		q2 := a[8] + a[9]*t + a[10]*t2
		return q0 + (q1+q2*t4)*t4
	}
	return codyTailRatio(y)
}

// The tail ratio R(y) on [0, 8) is held as Taylor polynomials of degree 10
// on 128 intervals of width 1/16, each about its midpoint c: with
// R(c + t) = Σ a_n t^n and R' = yR − 1/√(2π),
//
//	a_1 = c·a_0 − 1/√(2π),  (n+1)·a_{n+1} = c·a_n + a_{n−1},
//
// from a_0 = R(c) by Cody. For |t| ≤ 1/32 the first neglected term is
// below 1e−17 of R, and an error in a_0 or in a step of the recurrence
// reaches R(c + t) multiplied by at most e^{ct+t²/2} ≤ 1.3: the
// polynomials agree with Cody's rational function to a few ulps
// (TestTailRatio), at half its cost and without its branches.
const (
	tailTableSteps = 16
	tailTableEnd   = 8
	tailDegree     = 10
)

var tailTable = func() (t [tailTableEnd * tailTableSteps][tailDegree + 1]float64) {
	for j := range t {
		c := (float64(j) + 0.5) / tailTableSteps
		a := &t[j]
		a[0] = codyTailRatio(c)
		a[1] = c*a[0] - invSqrt2Pi
		for n := 1; n < tailDegree; n++ {
			a[n+1] = (c*a[n] + a[n-1]) / float64(n+1)
		}
	}
	return t
}()

// codyTailRatio is tailRatio by Cody's rational functions.
func codyTailRatio(y float64) float64 {
	switch {
	case y <= cdfCentral:
		return (0.5 - cdfCentralPart(y)) * math.Exp(0.5*y*y)
	case y <= 5.656854249492380195206754896838: // √32
		num, den := codyC[8]*y, y
		for i := range 7 {
			num = (num + codyC[i]) * y
			den = (den + codyD[i]) * y
		}
		return (num + codyC[7]) / (den + codyD[7])
	}
	s := 1 / (y * y)
	num, den := codyP[5]*s, s
	for i := range 4 {
		num = (num + codyP[i]) * s
		den = (den + codyQ[i]) * s
	}
	return (invSqrt2Pi - s*(num+codyP[4])/(den+codyQ[4])) / y
}

// logCDF returns log Φ(u), finite for every finite u with u²/2 finite.
func logCDF(u float64) float64 {
	switch {
	case u < -cdfCentral:
		return math.Log(tailRatio(-u)) - 0.5*u*u
	case u <= cdfCentral:
		return math.Log(0.5 + cdfCentralPart(u))
	}
	return math.Log1p(-tailRatio(u) * math.Exp(-0.5*u*u))
}

// Wichura's AS241 (PPND16) coefficients.
var (
	as241A = [8]float64{3.387132872796366608, 133.14166789178437745, 1971.5909503065514427, 13731.693765509461125,
		45921.953931549871457, 67265.770927008700853, 33430.575583588128105, 2509.0809287301226727}
	as241B = [8]float64{1, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077,
		21213.794301586595867, 39307.89580009271061, 28729.085735721942674, 5226.495278852545925}
	as241C = [8]float64{1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055, 3.64784832476320460504,
		1.27045825245236838258, 0.24178072517745061177, 0.0227238449892691845833, 7.7454501427834140764e-4}
	as241D = [8]float64{1, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455,
		0.14810397642748007459, 0.0151986665636164571966, 5.475938084995344946e-4, 1.05075007164441684324e-9}
	as241E = [8]float64{6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358, 0.29656057182850489123,
		0.026532189526576123093, 0.0012426609473880784386, 2.71155556874348757815e-5, 2.01033439929228813265e-7}
	as241F = [8]float64{1, 0.59983220655588793769, 0.13692988092273580531, 0.0148753612908506148525,
		7.868691311456132591e-4, 1.8463183175100546818e-5, 1.4215117583164458887e-7, 2.04426310338993978564e-15}
)

// horner8 returns Σ c_i x^i.
func horner8(c *[8]float64, x float64) float64 {
	s := c[7]
	for i := 6; i >= 0; i-- {
		s = s*x + c[i]
	}
	return s
}

// quantileLog returns z ≤ 0 with log Φ(z) = lp, for lp ≤ log ½ (a larger
// lp is treated as log ½); −Inf for lp = −Inf.
func quantileLog(lp float64) float64 {
	if lp >= -700 { // e^lp is a normal float64, within AS241's range
		q := math.Exp(lp) - 0.5
		if q >= -0.425 {
			q = min(q, 0)
			r := 0.180625 - q*q
			return q * horner8(&as241A, r) / horner8(&as241B, r)
		}
		r := math.Sqrt(-lp)
		if r <= 5 {
			return -horner8(&as241C, r-1.6) / horner8(&as241D, r-1.6)
		}
		return -horner8(&as241E, r-5) / horner8(&as241F, r-5)
	}
	if math.IsInf(lp, -1) {
		return lp
	}
	// Far out, log Φ(z) ≈ −z²/2 − log(−z√(2π)) gives the start; Newton's
	// method on the concave log Φ then converges monotonically, with
	// d log Φ/dz = φ(z)/Φ(z) = 1/(√(2π)·R(−z)).
	t := -2 * lp
	z := -math.Sqrt(t - math.Log(2*math.Pi*t))
	for range 50 {
		r := tailRatio(-z)
		dz := (math.Log(r) - 0.5*z*z - lp) * sqrt2Pi * r
		z -= dz
		if math.Abs(dz) <= 1e-16*math.Abs(z) {
			break
		}
	}
	return z
}

const (
	expToK   = 128 / math.Ln2
	expLn2Hi = 6.93147180369123816490e-01 / 128 // ln2 split as in fdlibm
	expLn2Lo = 1.90821492927058770002e-10 / 128
	expShift = 0x1.8p52 // adding it rounds to an integer in the low bits
)

// expTable holds 2^(j/128), j = 0…127, for fastExp.
var expTable = func() (t [128]float64) {
	for j := range t {
		t[j] = math.Exp2(float64(j) / 128)
	}
	return t
}()

// fastExp returns e^x to within a few ulps, a few times faster than
// math.Exp: the mixtures' inner loops take one per component and value.
// With x = (128m + j)·ln2/128 + r, |r| ≤ ln2/256, e^x = 2^m·2^(j/128)·e^r
// and e^r is its Taylor polynomial of degree 5 (error below 1e−18).
// Arguments whose result is not a normal float64 go to math.Exp.
func fastExp(x float64) float64 {
	if !(x > -708 && x < 709) {
		return math.Exp(x)
	}
	kf := x*expToK + expShift
	k := int64(math.Float64bits(kf)<<13) >> 13 // the low 51 bits, signed
	kf -= expShift
	r := x - kf*expLn2Hi - kf*expLn2Lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120)))))
	scale := math.Float64frombits(uint64(k>>7+1023) << 52)
	return p * expTable[k&127] * scale
}
