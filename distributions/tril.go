package distributions

import (
	"fmt"
	"math"
)

// The Gaussians of this package with a full covariance, N(μ, L·Lᵀ), hold L
// as a D×D row-major parameter whose strictly lower entries are those of L
// and whose diagonal holds s_i = log L_ii, so that any value of the
// parameter is a valid scale. The upper triangle is not read, and gets no
// gradient.
//
// With u = L⁻¹(z − μ) and v = L⁻ᵀu,
//
//	log N(z) = −D/2·log 2π − Σ_i s_i − ½‖u‖²,
//	∂/∂z = −v,  ∂/∂μ = v,  ∂/∂L_ij = v_i u_j (i > j),  ∂/∂s_i = v_i u_i L_ii − 1.

// checkScaleTriL checks a scale given as L itself (row-major D×D): lower
// triangular, finite, with a positive diagonal whose log is within
// maxLogScale. where names it in errors.
func checkScaleTriL(l []float64, D int, where string) error { return checkScale(l, D, where, false) }

// checkScale checks L (packed false) or its parameter form (packed true:
// log L_ii on the diagonal): D·D finite values, zeros above the diagonal,
// log L_ii within maxLogScale.
func checkScale(l []float64, D int, where string, packed bool) error {
	if len(l) != D*D {
		return fmt.Errorf("%w: %s has %d values, want %d×%d", ErrInvalidParameter, where, len(l), D, D)
	}
	for i := range D {
		for j := range D {
			v := l[i*D+j]
			logDiag := v
			if !packed {
				logDiag = math.Log(v)
			}
			switch {
			case !finite(v):
				return fmt.Errorf("%w: %s[%d][%d] = %g, want finite", ErrInvalidParameter, where, i, j, v)
			case j > i && v != 0:
				return fmt.Errorf("%w: %s[%d][%d] = %g above the diagonal, want 0 (a lower-triangular scale)", ErrInvalidParameter, where, i, j, v)
			case j == i && !packed && !(v > 0):
				return fmt.Errorf("%w: %s[%d][%d] = %g on the diagonal, want > 0", ErrInvalidParameter, where, i, j, v)
			case j == i && !(math.Abs(logDiag) <= maxLogScale):
				return fmt.Errorf("%w: %s[%d][%d] = %g on the diagonal, a log-scale beyond ±%g", ErrInvalidParameter, where, i, j, v, maxLogScale)
			}
		}
	}
	return nil
}

// checkFinite checks that every value of v is finite.
func checkFiniteValues(v []float64, where string) error {
	for i, x := range v {
		if !finite(x) {
			return fmt.Errorf("%w: %s[%d] = %g, want finite", ErrInvalidParameter, where, i, x)
		}
	}
	return nil
}

// packTriL writes L's parameter form: the strictly lower entries of l, log
// of its diagonal, zeros above.
func packTriL(dst, l []float64, D int) {
	for i := range D {
		for j := range D {
			switch {
			case j < i:
				dst[i*D+j] = l[i*D+j]
			case j == i:
				dst[i*D+j] = math.Log(l[i*D+j])
			default:
				dst[i*D+j] = 0
			}
		}
	}
}

// unpackTriL writes L from its parameter form p.
func unpackTriL(dst, p []float64, D int) {
	for i := range D {
		for j := range D {
			switch {
			case j < i:
				dst[i*D+j] = p[i*D+j]
			case j == i:
				dst[i*D+j] = math.Exp(p[i*D+j])
			default:
				dst[i*D+j] = 0
			}
		}
	}
}

// gaussTriL is one full-covariance Gaussian read from its parameters for a
// call: the mean, L (unpacked) and the log normaliser.
type gaussTriL struct {
	D       int
	mu, l   []float64
	logNorm float64 // −D/2 log 2π − Σ log L_ii
}

// load reads the Gaussian of mean mu and packed scale p into g, reusing
// g's buffers.
func (g *gaussTriL) load(mu, p []float64) {
	D := len(mu)
	if g.D != D {
		g.D, g.l = D, make([]float64, D*D)
	}
	g.mu = mu
	unpackTriL(g.l, p, D)
	g.logNorm = -0.5 * float64(D) * math.Log(2*math.Pi)
	for i := range D {
		g.logNorm -= p[i*D+i]
	}
}

// solve writes u = L⁻¹(z − μ) and returns log N(z).
func (g *gaussTriL) solve(u, z []float64) float64 {
	solveTriL(u, z, g.l, g.mu, g.D)
	ss := 0.0
	for _, v := range u {
		ss += v * v
	}
	return g.logNorm - 0.5*ss
}

// back writes v = L⁻ᵀu into v, by back substitution.
func (g *gaussTriL) back(v, u []float64) {
	copy(v, u)
	solveTriLT(v, g.l, g.D)
}

// accumulate adds w·∂log N/∂θ at the point whose u and v are given to the
// gradients of the mean (gmu, D) and of the packed scale (gp, D×D), and
// w·∂log N/∂z to zbar when it is not nil.
func (g *gaussTriL) accumulate(gmu, gp, zbar, u, v []float64, w float64) {
	D, l := g.D, g.l
	for i := range D {
		wv := w * v[i]
		gmu[i] += wv
		if zbar != nil {
			zbar[i] -= wv
		}
		row := gp[i*D : i*D+i]
		for j := range row {
			row[j] += wv * u[j]
		}
		gp[i*D+i] += wv*u[i]*l[i*D+i] - w
	}
}

// draw writes μ + L·e into dst.
func (g *gaussTriL) draw(dst, e []float64) { forwardTriL(dst, e, g.l, g.mu, g.D) }
