package train_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"gorgonia.org/tensor"
)

// The high-dimensional model: two blocks of 32-32 MLPs, as small as still
// makes the trace's cost visible, on a mixture of two unit Gaussians at
// ±highDimSep·e_0.
const (
	highDimBlocks     = 2
	highDimHidden     = 32
	highDimComponents = 2
	highDimSep        = 2.0
)

// highDimFlow returns the untrained high-dimensional model in dimension d,
// evaluated with s.
func highDimFlow(tb testing.TB, d int, s train.Settings) *train.Flow {
	tb.Helper()
	f, err := train.NewFlow(train.FlowConfig{Dim: d, Blocks: highDimBlocks, Hidden: []int{highDimHidden, highDimHidden}},
		s, rand.NewPCG(uint64(d), 17))
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// highDimData returns n points of the mixture in dimension d.
func highDimData(tb testing.TB, n, d int, seed uint64) *tensor.Dense {
	tb.Helper()
	x, err := datasets.GaussianMixture(n, d, highDimComponents, highDimSep, rand.NewPCG(seed, uint64(d)))
	if err != nil {
		tb.Fatal(err)
	}
	return x
}

// highDimTrueNLL is the mean negative log-density of x under the mixture
// it was drawn from.
func highDimTrueNLL(tb testing.TB, x *tensor.Dense, d int) float64 {
	tb.Helper()
	lp, err := datasets.GaussianMixtureLogProb(x, d, highDimComponents, highDimSep)
	if err != nil {
		tb.Fatal(err)
	}
	return -mean(lp)
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// highDimLogProb is the flow's log-density of each row of x, failing on
// non-finite values.
func highDimLogProb(tb testing.TB, f *train.Flow, x *tensor.Dense) []float64 {
	tb.Helper()
	lp, err := f.LogProb(x)
	if err != nil {
		tb.Fatal(err)
	}
	for i, v := range lp {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			tb.Fatalf("log p of row %d = %g", i, v)
		}
	}
	return lp
}

// highDimNLL is the flow's mean negative log-density of x.
func highDimNLL(tb testing.TB, f *train.Flow, x *tensor.Dense) float64 {
	tb.Helper()
	return -mean(highDimLogProb(tb, f, x))
}

// meanSE returns the mean of v and its standard error.
func meanSE(v []float64) (m, se float64) {
	m = mean(v)
	ss := 0.0
	for _, e := range v {
		ss += (e - m) * (e - m)
	}
	return m, math.Sqrt(ss / float64(len(v)-1) / float64(len(v)))
}

var highDimDims = []int{8, 16}

// TestHighDimLogProb evaluates an untrained flow in 8 and 16 dimensions with
// both estimators under the default adaptive solver: the values must be
// finite and the row-by-row differences must average to zero.
func TestHighDimLogProb(t *testing.T) {
	for _, d := range highDimDims {
		t.Run(fmt.Sprintf("D%d", d), func(t *testing.T) {
			f := highDimFlow(t, d, train.Settings{Trace: odefunc.ExactTrace})
			x := highDimData(t, 128, d, 1)
			exact := highDimLogProb(t, f, x)
			if err := f.SetSettings(train.Settings{Trace: odefunc.HutchinsonRademacher}); err != nil {
				t.Fatal(err)
			}
			hutch := highDimLogProb(t, f, x)
			diff := make([]float64, len(exact))
			for i := range diff {
				diff[i] = hutch[i] - exact[i]
			}
			m, se := meanSE(diff)
			t.Logf("D=%d: NLL exact %.4f, Hutchinson %.4f, true %.4f; Hutchinson − exact = %.4f ± %.4f (SE)",
				d, -mean(exact), -mean(hutch), highDimTrueNLL(t, x, d), m, se)
			// The adaptive solves take different steps, so allow for
			// solver error (tolerances 1e-3, 1e-5) besides the noise; the
			// unbiasedness test below removes that term.
			if math.Abs(m) > 4*se+0.05 {
				t.Errorf("Hutchinson − exact = %.4g ± %.3g (SE)", m, se)
			}
		})
	}
}

// TestHighDimHutchinsonUnbiased checks that the Hutchinson log-density is an
// unbiased estimate of the exact one: each of a few points is copied many
// times into one batch, every copy gets its own noise, and the mean over the
// copies must lie within 4 standard errors of the exact value.
//
// Both use the same fixed steps. The z part of the state never sees the
// noise, so every stage is evaluated at the same points as in the exact
// solve and the Hutchinson result is an unbiased estimate of exactly the
// exact solve's number. An adaptive solver would pick steps from the noisy
// log-density too, and solver error would enter the comparison.
func TestHighDimHutchinsonUnbiased(t *testing.T) {
	const points, copies = 4, 256
	fixed := ode.Settings{Controller: ode.Constant{Step: 0.25}}
	for _, d := range highDimDims {
		t.Run(fmt.Sprintf("D%d", d), func(t *testing.T) {
			f := highDimFlow(t, d, train.Settings{Solver: fixed, Trace: odefunc.ExactTrace})
			x := highDimData(t, points, d, 2)
			exact, err := f.LogProb(x)
			if err != nil {
				t.Fatal(err)
			}
			xs := x.Float64s()
			rep := make([]float64, 0, points*copies*d)
			for p := range points {
				for range copies {
					rep = append(rep, xs[p*d:(p+1)*d]...)
				}
			}
			if err := f.SetSettings(train.Settings{Solver: fixed, Trace: odefunc.HutchinsonRademacher}); err != nil {
				t.Fatal(err)
			}
			pass, err := f.RecordLogProb(rep, points*copies, distributions.Request{Estimate: true})
			if err != nil {
				t.Fatal(err)
			}
			est := pass.LogProb
			for p := range points {
				m, se := meanSE(est[p*copies : (p+1)*copies])
				t.Logf("D=%d point %d: exact %.5f, Hutchinson %.5f ± %.5f (SE)", d, p, exact[p], m, se)
				if se == 0 {
					t.Errorf("point %d: every copy got the same estimate; the noise is not per row", p)
				}
				if math.Abs(m-exact[p]) > 4*se {
					t.Errorf("point %d: Hutchinson mean %.6g is %.1f standard errors from the exact %.6g",
						p, m, math.Abs(m-exact[p])/se, exact[p])
				}
			}
		})
	}
}

// TestHighDimTrainingReducesLoss trains for a few epochs with the Hutchinson
// estimator, the one meant for high dimensions, and checks with the exact
// trace that the negative log-likelihood of the training set went down,
// towards that of the true density.
func TestHighDimTrainingReducesLoss(t *testing.T) {
	for _, d := range highDimDims {
		t.Run(fmt.Sprintf("D%d", d), func(t *testing.T) {
			f := highDimFlow(t, d, train.Settings{Trace: odefunc.ExactTrace})
			x := highDimData(t, 256, d, 3)
			before := highDimNLL(t, f, x)
			if err := f.SetSettings(train.Settings{Trace: odefunc.HutchinsonRademacher}); err != nil {
				t.Fatal(err)
			}
			tr, err := train.NewTrainer(f, train.Options{Epochs: 4, BatchSize: 64, LearningRate: 2e-2, Seed: 4})
			if err != nil {
				t.Fatal(err)
			}
			if err := tr.Run(context.Background(), x); err != nil {
				t.Fatal(err)
			}
			if err := f.SetSettings(train.Settings{Trace: odefunc.ExactTrace}); err != nil {
				t.Fatal(err)
			}
			after := highDimNLL(t, f, x)
			truth := highDimTrueNLL(t, x, d)
			h := tr.History()
			t.Logf("D=%d: NLL %.4f → %.4f (true %.4f); training loss by epoch %.4f … %.4f",
				d, before, after, truth, h[0].Loss, h[len(h)-1].Loss)
			if !(after < before) {
				t.Errorf("NLL went from %g to %g", before, after)
			}
			// The untrained flow is several nats worse than the truth and
			// sixteen Adam steps recover most of it: demand at least half,
			// so that a change that slows learning shows up here.
			if after-truth > (before-truth)/2 {
				t.Errorf("NLL %g → %g closed less than half the gap to the true %g", before, after, truth)
			}
		})
	}
}

// benchmarkLogProbD times log p of 256 mixture points through the untrained
// high-dimensional model, on one goroutine, and reports the solver's evaluations per call and
// the time of each, which is what the trace estimator changes: the exact
// trace pushes d tangent vectors through the network, Hutchinson one.
func benchmarkLogProbD(b *testing.B, d int, tr odefunc.Trace) {
	f := highDimFlow(b, d, train.Settings{Trace: tr})
	x := highDimData(b, 256, d, 5)
	// One goroutine, as in examples/bench: the figure is then the work per
	// evaluation, and a core taken by another job cannot stall a batch
	// half done.
	if err := f.SetWorkers(1); err != nil {
		b.Fatal(err)
	}
	// The first call compiles the network's programs; keep that out of
	// the timed loop.
	if _, err := f.LogProb(x); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	nfe := 0
	for b.Loop() {
		if _, err := f.LogProb(x); err != nil {
			b.Fatal(err)
		}
		for _, st := range f.Stats() {
			nfe += st.NFE
		}
	}
	b.ReportMetric(float64(nfe)/float64(b.N), "NFE/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e3/float64(nfe), "us/NFE")
}

func BenchmarkLogProbD8Exact(b *testing.B)  { benchmarkLogProbD(b, 8, odefunc.ExactTrace) }
func BenchmarkLogProbD16Exact(b *testing.B) { benchmarkLogProbD(b, 16, odefunc.ExactTrace) }
func BenchmarkLogProbD8Hutchinson(b *testing.B) {
	benchmarkLogProbD(b, 8, odefunc.HutchinsonRademacher)
}
func BenchmarkLogProbD16Hutchinson(b *testing.B) {
	benchmarkLogProbD(b, 16, odefunc.HutchinsonRademacher)
}
