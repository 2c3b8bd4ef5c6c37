package mcmc

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// The diagnostics take one scalar quantity's draws, one slice per chain,
// all of the same length n ≥ 4. Each chain is split in halves (the middle
// draw of an odd n dropped), so that a chain that drifts shows as two that
// disagree.

func checkChains(chains [][]float64) (int, error) {
	if len(chains) == 0 {
		return 0, fmt.Errorf("%w: no chains", ErrInvalidArgument)
	}
	n := len(chains[0])
	if n < 4 {
		return 0, fmt.Errorf("%w: chains of %d draws; at least 4", ErrInvalidArgument, n)
	}
	for i, c := range chains {
		if len(c) != n {
			return 0, fmt.Errorf("%w: chain %d has %d draws, chain 0 %d", ErrInvalidArgument, i, len(c), n)
		}
		for j, v := range c {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, fmt.Errorf("%w: draw %d of chain %d is %g", ErrInvalidArgument, j, i, v)
			}
		}
	}
	return n, nil
}

// rescaled returns the chains divided by 2^e, e = 0 unless some draw's
// magnitude is beyond 2^500, where sums of squares would overflow: the
// diagnostics are the same of the scaled draws (MCSE times 2^e), and a
// power of two scales them exactly.
func rescaled(chains [][]float64) ([][]float64, int) {
	var m float64
	for _, c := range chains {
		for _, v := range c {
			m = math.Max(m, math.Abs(v))
		}
	}
	if m <= 0x1p500 {
		return chains, 0
	}
	_, e := math.Frexp(m)
	out := make([][]float64, len(chains))
	for i, c := range chains {
		out[i] = make([]float64, len(c))
		for j, v := range c {
			out[i][j] = math.Ldexp(v, -e)
		}
	}
	return out, e
}

func split(chains [][]float64) [][]float64 {
	n := len(chains[0])
	h := n / 2
	out := make([][]float64, 0, 2*len(chains))
	for _, c := range chains {
		out = append(out, c[:h], c[n-h:])
	}
	return out
}

// rankNormal replaces every draw by Φ⁻¹((r − 3/8)/(S + 1/4)), r its rank
// among all S draws (ties averaged).
func rankNormal(chains [][]float64) [][]float64 {
	type item struct {
		v    float64
		c, i int
	}
	var all []item
	for c, ch := range chains {
		for i, v := range ch {
			all = append(all, item{v, c, i})
		}
	}
	sort.Slice(all, func(a, b int) bool { return all[a].v < all[b].v })
	out := make([][]float64, len(chains))
	for c, ch := range chains {
		out[c] = make([]float64, len(ch))
	}
	S := float64(len(all))
	for a := 0; a < len(all); {
		b := a
		for b < len(all) && all[b].v == all[a].v {
			b++
		}
		r := float64(a+b+1) / 2 // average of the 1-based ranks a+1 … b
		z := distuv.UnitNormal.Quantile((r - 0.375) / (S + 0.25))
		for k := a; k < b; k++ {
			out[all[k].c][all[k].i] = z
		}
		a = b
	}
	return out
}

// rhat returns the potential scale reduction of the chains as they are.
func rhat(chains [][]float64) float64 {
	m, n := float64(len(chains)), float64(len(chains[0]))
	var w, meanOfMeans float64
	means := make([]float64, len(chains))
	for c, ch := range chains {
		mu, v := meanVar(ch)
		means[c] = mu
		meanOfMeans += mu / m
		w += v / m
	}
	var b float64
	for _, mu := range means {
		b += (mu - meanOfMeans) * (mu - meanOfMeans) / (m - 1)
	}
	if w == 0 {
		if b == 0 {
			return 1
		}
		return math.Inf(1)
	}
	return math.Sqrt(((n-1)/n*w + b) / w)
}

func meanVar(x []float64) (float64, float64) {
	var mu float64
	for _, v := range x {
		mu += v
	}
	mu /= float64(len(x))
	var ss float64
	for _, v := range x {
		ss += (v - mu) * (v - mu)
	}
	return mu, ss / float64(len(x)-1)
}

// RHat returns the rank-normalised split-R̂ of one quantity: the larger of
// the bulk value (split-R̂ of the rank-normalised draws) and the tail value
// (the same of the draws folded about their median, |θ − median|).
// Vehtari et al. (2021) ask for R̂ < 1.01.
func RHat(chains [][]float64) (float64, error) {
	if _, err := checkChains(chains); err != nil {
		return 0, err
	}
	chains, _ = rescaled(chains)
	sp := split(chains)
	bulk := rhat(rankNormal(sp))
	med := median(sp)
	folded := make([][]float64, len(sp))
	for c, ch := range sp {
		folded[c] = make([]float64, len(ch))
		for i, v := range ch {
			folded[c][i] = math.Abs(v - med)
		}
	}
	return math.Max(bulk, rhat(rankNormal(folded))), nil
}

func median(chains [][]float64) float64 {
	var all []float64
	for _, c := range chains {
		all = append(all, c...)
	}
	sort.Float64s(all)
	k := len(all)
	if k%2 == 1 {
		return all[k/2]
	}
	return (all[k/2-1] + all[k/2]) / 2
}

// BulkESS returns the bulk effective sample size of one quantity: the ESS
// of the rank-normalised split chains, which measures how well the
// centre of the distribution is sampled whatever its tails. Vehtari et
// al. (2021) ask for more than 100 per chain.
func BulkESS(chains [][]float64) (float64, error) {
	if _, err := checkChains(chains); err != nil {
		return 0, err
	}
	return ess(rankNormal(split(chains))), nil
}

// ESS returns the effective sample size of the split chains' draws as they
// are: the one that gives the standard error of their mean.
func ESS(chains [][]float64) (float64, error) {
	if _, err := checkChains(chains); err != nil {
		return 0, err
	}
	chains, _ = rescaled(chains)
	return ess(split(chains)), nil
}

// MCSE returns the Monte Carlo standard error of the mean of the draws,
// sd/√ESS.
func MCSE(chains [][]float64) (float64, error) {
	e, err := ESS(chains)
	if err != nil {
		return 0, err
	}
	chains, k := rescaled(chains)
	var all []float64
	for _, c := range chains {
		all = append(all, c...)
	}
	_, v := meanVar(all)
	return math.Ldexp(math.Sqrt(v/e), k), nil
}

// ess is Stan's estimator: the chains' autocorrelations combined through
// the between- and within-chain variances, summed by Geyer's initial
// monotone sequence, ESS = MN/τ̂ with τ̂ = −1 + 2Σ_k P̂_k, capped at
// MN·log₁₀(MN).
func ess(chains [][]float64) float64 {
	m, n := len(chains), len(chains[0])
	means := make([]float64, m)
	vars := make([]float64, m)
	var w float64
	for c, ch := range chains {
		means[c], vars[c] = meanVar(ch)
		w += vars[c] / float64(m)
	}
	varPlus := w * float64(n-1) / float64(n)
	if m > 1 {
		var mu, b float64
		for _, v := range means {
			mu += v / float64(m)
		}
		for _, v := range means {
			b += (v - mu) * (v - mu) / float64(m-1)
		}
		varPlus += b
	}
	if varPlus == 0 {
		return float64(m * n)
	}
	// rho(t) = 1 − (W − mean_c acov_c(t)) / var⁺, acov with divisor n.
	rho := func(t int) float64 {
		var a float64
		for c, ch := range chains {
			mu := means[c]
			var s float64
			for i := 0; i+t < n; i++ {
				s += (ch[i] - mu) * (ch[i+t] - mu)
			}
			a += s / float64(n) / float64(m)
		}
		return 1 - (w*float64(n-1)/float64(n)-a)/varPlus
	}
	tau := -1.0
	prev := math.Inf(1)
	for k := 0; 2*k+1 < n; k++ {
		p := rho(2*k) + rho(2*k+1)
		if p < 0 {
			break
		}
		p = math.Min(p, prev)
		tau += 2 * p
		prev = p
	}
	mn := float64(m * n)
	if tau < 1/math.Log10(mn) {
		tau = 1 / math.Log10(mn)
	}
	return mn / tau
}
