package targets_test

import (
	"encoding/csv"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/ffjord-go/ffjord-go/train/mcmc"
	"github.com/ffjord-go/ffjord-go/train/targets"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distmv"
)

var reference = flag.Bool("reference", false, "rerun the breast-cancer posterior's HMC reference and rewrite "+referenceFile)

const (
	referenceFile    = "reference/breast_cancer_posterior.csv"
	referenceChains  = 8
	referenceWarmup  = 2000
	referenceSamples = 10000
)

// TestBreastCancerReference, with -reference,
//
//	go test ./train/targets -run BreastCancerReference -reference -v -timeout 30m
//
// runs the reference
// posterior of BreastCancerLogistic: 8 chains of HMC (dense metric) from
// starts drawn from N(0, 2²) per coefficient, each 2000 warm-up iterations
// and 10 000 kept draws, seeds (c, 25) for chain c; it fails unless every
// coefficient has R̂ < 1.01 and bulk ESS > 1000, and writes the means,
// standard deviations, their Monte Carlo standard errors and the
// diagnostics to reference/. An independent check follows: importance
// sampling from N(mean, 1.2²Σ̂), Σ̂ the draws' covariance, whose
// self-normalised means must agree with the chains' within 5 combined
// standard errors. Without the flag it checks the stored file.
func TestBreastCancerReference(t *testing.T) {
	if !*reference {
		checkReference(t)
		return
	}
	l, err := targets.BreastCancerLogistic()
	require.NoError(t, err)
	D := l.Dim()
	h := mcmc.HMC{Warmup: referenceWarmup, Samples: referenceSamples}
	start := time.Now()
	draws := make([][][]float64, D) // coefficient, chain, draw
	for j := range draws {
		draws[j] = make([][]float64, referenceChains)
	}
	var grads int
	for c := range referenceChains {
		r := rand.New(rand.NewPCG(uint64(c), 99))
		init := make([]float64, D)
		for j := range init {
			init[j] = 2 * r.NormFloat64()
		}
		ch, err := h.Run(l, init, rand.NewPCG(uint64(c), 25))
		require.NoError(t, err)
		t.Logf("chain %d: step %.3g × %d, accept %.3f, %d divergent, %d gradients",
			c, ch.StepSize, ch.Steps, ch.AcceptRate, ch.Divergent, ch.Gradients)
		grads += ch.Gradients
		for k := range referenceSamples {
			for j := range D {
				draws[j][c] = append(draws[j][c], ch.Draws[k*D+j])
			}
		}
	}
	elapsed := time.Since(start)

	f, err := os.Create(referenceFile)
	require.NoError(t, err)
	defer f.Close()
	w := csv.NewWriter(f)
	require.NoError(t, w.Write([]string{"coefficient", "mean", "sd", "mcse_mean", "mcse_sd", "rhat", "ess_bulk", "ess_mean"}))
	worstR, worstESS := 0.0, math.Inf(1)
	for j := range D {
		r, err := mcmc.RHat(draws[j])
		require.NoError(t, err)
		bulk, err := mcmc.BulkESS(draws[j])
		require.NoError(t, err)
		essMean, err := mcmc.ESS(draws[j])
		require.NoError(t, err)
		// The sd's standard error from the ESS of the squared deviations.
		mean, sd := pooled(draws[j])
		sq := make([][]float64, len(draws[j]))
		for c, d := range draws[j] {
			for _, v := range d {
				sq[c] = append(sq[c], (v-mean)*(v-mean))
			}
		}
		seSq, err := mcmc.MCSE(sq)
		require.NoError(t, err)
		worstR, worstESS = math.Max(worstR, r), math.Min(worstESS, bulk)
		require.NoError(t, w.Write([]string{strconv.Itoa(j), g(mean), g(sd), g(sd / math.Sqrt(essMean)), g(seSq / (2 * sd)), g(r), g(bulk), g(essMean)}))
		assert.Less(t, r, 1.01, "β%d R̂", j)
		assert.Greater(t, bulk, 1000.0, "β%d bulk ESS", j)
	}
	w.Flush()
	require.NoError(t, w.Error())
	crossCheck(t, l, draws)
	t.Logf("%d chains × (%d + %d) iterations, %d gradients in %v; worst R̂ %.4f, worst bulk ESS %.0f",
		referenceChains, referenceWarmup, referenceSamples, grads, elapsed.Round(time.Millisecond), worstR, worstESS)
}

func g(v float64) string { return strconv.FormatFloat(v, 'g', 8, 64) }

func pooled(chains [][]float64) (mean, sd float64) {
	var n float64
	for _, c := range chains {
		for _, v := range c {
			mean += v
			n++
		}
	}
	mean /= n
	for _, c := range chains {
		for _, v := range c {
			sd += (v - mean) * (v - mean)
		}
	}
	return mean, math.Sqrt(sd / (n - 1))
}

// checkReference reads the stored reference: 31 coefficients in order,
// each converged (R̂ < 1.01, bulk ESS > 1000) with a Monte Carlo standard
// error of its mean under 5 % of its standard deviation; and
// BreastCancerReference gives the same numbers.
func checkReference(t *testing.T) {
	f, err := os.Open(referenceFile)
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 32)
	ref, err := targets.BreastCancerReference()
	require.NoError(t, err)
	require.Len(t, ref.Mean, 31)
	for j, rec := range recs[1:] {
		require.Len(t, rec, 8)
		v := make([]float64, 8)
		for i, s := range rec {
			v[i], err = strconv.ParseFloat(s, 64)
			require.NoError(t, err, "row %d", j)
		}
		assert.Equal(t, float64(j), v[0])
		assert.Less(t, v[5], 1.01, "β%d R̂", j)
		assert.Greater(t, v[6], 1000.0, "β%d bulk ESS", j)
		assert.Less(t, v[3], 0.05*v[2], "β%d: MCSE under 5 %% of the sd", j)
		assert.Equal(t, []float64{v[1], v[2], v[3], v[4]}, []float64{ref.Mean[j], ref.SD[j], ref.MeanMCSE[j], ref.SDMCSE[j]})
	}
	d, err := ref.Deviations(ref.Mean)
	require.NoError(t, err)
	assert.Equal(t, make([]float64, 31), d)
	m := append([]float64(nil), ref.Mean...)
	m[3] += 0.05 * ref.SD[3]
	d, err = ref.Deviations(m)
	require.NoError(t, err)
	assert.InDelta(t, 0.05, d[3], 1e-12)
	_, err = ref.Deviations(m[:3])
	assert.ErrorIs(t, err, targets.ErrInvalidArgument)
}

// crossCheck compares the chains' means with self-normalised importance
// sampling from a Gaussian of the draws' mean and (1.2²×) covariance:
// 200 000 independent draws that know nothing of HMC.
func crossCheck(t *testing.T, l *targets.LogisticRegression, draws [][][]float64) {
	D := len(draws)
	var rows [][]float64
	for c := range draws[0] {
		for k := range draws[0][c] {
			row := make([]float64, D)
			for j := range D {
				row[j] = draws[j][c][k]
			}
			rows = append(rows, row)
		}
	}
	x := mat.NewDense(len(rows), D, nil)
	for i, r := range rows {
		x.SetRow(i, r)
	}
	var cov mat.SymDense
	stat.CovarianceMatrix(&cov, x, nil)
	cov.ScaleSym(1.44, &cov)
	mean := make([]float64, D)
	for j := range D {
		mean[j], _ = pooled(draws[j])
	}
	q, ok := distmv.NewNormal(mean, &cov, rand.NewPCG(7, 7))
	require.True(t, ok)
	const n = 200000
	pts := make([]float64, n*D)
	logq := make([]float64, n)
	logp := make([]float64, n)
	for i := range n {
		p := pts[i*D : (i+1)*D]
		q.Rand(p)
		logq[i] = q.LogProb(p)
		logp[i] = l.LogDensity(p)
	}
	e, err := targets.Importance(logq, logp)
	require.NoError(t, err)
	var maxW float64
	for i := range logq {
		maxW = math.Max(maxW, logp[i]-logq[i])
	}
	w := make([]float64, n)
	var sw float64
	for i := range w {
		w[i] = math.Exp(logp[i] - logq[i] - maxW)
		sw += w[i]
	}
	worst := 0.0
	for j := range D {
		var m float64
		for i := range n {
			m += w[i] * pts[i*D+j] / sw
		}
		hmcMean, sd := pooled(draws[j])
		// The self-normalised estimate's standard error is about
		// sd/√ESS; the chains' is far smaller.
		z := (m - hmcMean) / (sd / math.Sqrt(e.ESS))
		worst = math.Max(worst, math.Abs(z))
		assert.Less(t, math.Abs(z), 5.0, "β%d: importance %.4f, HMC %.4f", j, m, hmcMean)
	}
	t.Logf("importance check: ESS/N %.3f of %d draws, log Z %.4f ± %.4f, worst |mean difference| %.2f standard errors",
		e.ESSFraction, n, e.LogZ, e.LogZSE, worst)
}
