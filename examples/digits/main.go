// Command digits trains a 64-dimensional continuous flow on sklearn's 8×8
// handwritten digits by flow matching and reports its held-out likelihood
// in bits per dimension beside Gaussians fitted to the same training split.
//
//	go run ./examples/digits -out out/digits
//
// Pixels v ∈ {0…16} are dequantised, x = (v + u)/17 with u uniform, and
// mapped to y = logit(α + (1 − 2α)x), α = 0.05; the flow models y, and every
// reported density is of the dequantised pixels, the log-determinant of
// that map included. It prints test_bpd= (the flow, exact trace),
// gaussian_diag_bpd= and gaussian_full_bpd= for the held-out images, and
// writes samples.png: 100 samples beside 100 real test digits.
package main

import (
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/ffjord-go/ffjord-go/examples/internal/cli"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"gonum.org/v1/gonum/mat"
	"gorgonia.org/tensor"
)

func main() { cli.Main("digits", run) }

const alpha = 0.05 // keeps the logit finite at pixels 0 and 16

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	var (
		epochs    = fs.Int("epochs", 300, "training epochs")
		hidden    = fs.String("hidden", "128,128", "hidden widths of the field's MLP")
		objective = fs.String("objective", "otcfm", "mle, cfm or otcfm")
		sigma     = fs.Float64("sigma-min", 0.05, "width of flow matching's paths")
		lr        = fs.Float64("lr", 2e-3, "Adam learning rate (cosine decay to 1%)")
		testN     = fs.Int("test-n", 297, "held-out images")
		seed      = fs.Uint64("seed", 1, "random seed")
		out       = fs.String("out", "out/digits", "output directory")
	)
	if err := cli.Parse(fs, "digits [flags]", args, stdout); err != nil {
		return err
	}
	widths, err := train.ParseHidden(*hidden)
	if err != nil {
		return err
	}
	crit, err := train.ParseCriterion(*objective, *sigma)
	if err != nil {
		return err
	}
	pix, _, err := datasets.Digits()
	if err != nil {
		return err
	}
	const D = 64
	n := pix.Shape()[0]
	if *testN < 1 || *testN >= n {
		return fmt.Errorf("-test-n %d: want 1 to %d", *testN, n-1)
	}
	r := rand.New(rand.NewPCG(*seed, 1))
	perm := r.Perm(n)
	y, ld := dequantise(pix.Float64s(), perm, r)
	nTrain := n - *testN
	trainY := tensor.New(tensor.WithShape(nTrain, D), tensor.WithBacking(y[:nTrain*D]))
	testY := tensor.New(tensor.WithShape(*testN, D), tensor.WithBacking(y[nTrain*D:]))
	testLD := ld[nTrain:]

	ones := make([]float64, D)
	for i := range ones {
		ones[i] = 1
	}
	flow, err := train.NewFlow(train.FlowConfig{Dim: D, Blocks: 1, Hidden: widths, BaseStd: ones}, train.Settings{}, rand.NewPCG(*seed, 2))
	if err != nil {
		return err
	}
	opts := train.Options{Epochs: *epochs, BatchSize: 256, LearningRate: *lr, Schedule: train.Cosine(0.01), Seed: *seed, Objective: crit,
		OnEpoch: func(s train.EpochStats) error {
			if s.Epoch%50 == 0 || s.Epoch == *epochs {
				fmt.Fprintln(stdout, train.FormatEpoch(s))
			}
			return nil
		}}
	tr, err := train.NewTrainer(flow, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "digits: %d training and %d held-out images, D = %d, hidden %v, objective %v, %d epochs\n", nTrain, *testN, D, widths, crit, *epochs)
	start := time.Now()
	if err := tr.Run(ctx, trainY); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "train_seconds=%.1f\n", time.Since(start).Seconds())

	start = time.Now()
	lp, err := flow.LogProb(testY) // exact trace
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "test_bpd=%.4f (exact trace, %.1f s)\n", bpd(lp, testLD), time.Since(start).Seconds())
	diag, full, err := gaussians(y[:nTrain*D], nTrain, y[nTrain*D:], *testN)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "gaussian_diag_bpd=%.4f\ngaussian_full_bpd=%.4f\n", bpd(diag, testLD), bpd(full, testLD))
	nfe, err := flow.SampleNFE(100)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "sample_nfe=%.1f\n", nfe)

	samples, err := flow.Sample(100)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	path := filepath.Join(*out, "samples.png")
	if err := writeGrid(path, samples.Float64s(), y[nTrain*D:nTrain*D+100*D]); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", path)
	return nil
}

// dequantise returns y = logit(α + (1 − 2α)(v + u)/17) for the images in
// the order perm, and each image's Σ log|dy/dv|.
func dequantise(v []float64, perm []int, r *rand.Rand) (y, logdet []float64) {
	const D = 64
	y, logdet = make([]float64, len(v)), make([]float64, len(perm))
	for i, src := range perm {
		for d := range D {
			p := alpha + (1-2*alpha)*(v[src*D+d]+r.Float64())/17
			y[i*D+d] = math.Log(p / (1 - p))
			logdet[i] += math.Log((1-2*alpha)/17) - math.Log(p*(1-p))
		}
	}
	return y, logdet
}

// bpd converts log-densities of y and the log-determinants of the pixel
// map into bits per pixel dimension.
func bpd(lp, logdet []float64) float64 {
	s := 0.0
	for i := range lp {
		s -= lp[i] + logdet[i]
	}
	return s / float64(len(lp)) / 64 / math.Ln2
}

// gaussians fits a diagonal and a full-covariance Gaussian to the n rows
// of train (maximum likelihood) and returns the log-densities of test.
func gaussians(trainY []float64, n int, testY []float64, m int) (diag, full []float64, err error) {
	const D = 64
	x := mat.NewDense(n, D, trainY)
	mean := make([]float64, D)
	for d := range D {
		mean[d] = mat.Sum(x.ColView(d)) / float64(n)
	}
	cov := mat.NewSymDense(D, nil)
	for i := range D {
		for j := i; j < D; j++ {
			s := 0.0
			for r := range n {
				s += (trainY[r*D+i] - mean[i]) * (trainY[r*D+j] - mean[j])
			}
			cov.SetSym(i, j, s/float64(n))
		}
	}
	var chol mat.Cholesky
	if !chol.Factorize(cov) {
		return nil, nil, fmt.Errorf("digits: the training covariance is singular")
	}
	logDet := chol.LogDet()
	diag, full = make([]float64, m), make([]float64, m)
	c := make([]float64, D)
	for r := range m {
		ld := 0.0
		for d := range D {
			c[d] = testY[r*D+d] - mean[d]
			v := cov.At(d, d)
			ld -= 0.5 * (math.Log(2*math.Pi*v) + c[d]*c[d]/v)
		}
		diag[r] = ld
		var sol mat.VecDense
		if err := chol.SolveVecTo(&sol, mat.NewVecDense(D, c)); err != nil {
			return nil, nil, err
		}
		full[r] = -0.5 * (D*math.Log(2*math.Pi) + logDet + mat.Dot(mat.NewVecDense(D, c), &sol))
	}
	return diag, full, nil
}

// writeGrid draws 100 samples (left) and 100 real digits (right) as 10×10
// grids of 8×8 images, each pixel 4×4, dark ink on white.
func writeGrid(path string, samples, real []float64) error {
	const D, scale, gap = 64, 4, 2
	cell := 8*scale + gap
	img := image.NewGray(image.Rect(0, 0, 2*10*cell+4*gap, 10*cell))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for panel, ys := range [][]float64{samples, real} {
		for k := range 100 {
			ox, oy := panel*(10*cell+4*gap)+(k%10)*cell, (k/10)*cell
			for d := range D {
				p := 1 / (1 + math.Exp(-ys[k*D+d]))
				ink := math.Min(math.Max((p-alpha)/(1-2*alpha), 0), 1)
				g := color.Gray{Y: uint8(255 * (1 - ink))}
				for a := range scale {
					for b := range scale {
						img.SetGray(ox+(d%8)*scale+b, oy+(d/8)*scale+a, g)
					}
				}
			}
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
