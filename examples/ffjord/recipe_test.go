package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ffjord-go/ffjord-go/train/datasets"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distmv"
	"gorgonia.org/tensor"
)

// writeMixture writes n rows of a correlated 3-D Gaussian mixture to a
// CSV file in dir, with a header, and returns its path. With integer set,
// the middle column is an integer count 0…5 instead.
func writeMixture(t *testing.T, dir string, n int, integer bool) string {
	t.Helper()
	r := rand.New(rand.NewPCG(11, 12))
	var b strings.Builder
	b.WriteString("a,b,c\n")
	for range n {
		a := -1 + 0.7*r.NormFloat64()
		if r.Float64() < 0.4 {
			a = 2.5 + 0.5*r.NormFloat64()
		}
		bb := 0.8*a + 0.5*r.NormFloat64()
		c := -0.5*a + 0.3*bb + 0.4*r.NormFloat64()
		if integer {
			bb = float64(r.IntN(6))
		}
		fmt.Fprintf(&b, "%g,%g,%g\n", a, bb, c)
	}
	path := filepath.Join(dir, fmt.Sprintf("mix%d-%t.csv", n, integer))
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	return path
}

// gaussianNLL fits the maximum-likelihood full-covariance Gaussian to the
// rows of fit with gonum and returns the mean −log p of the rows of test.
func gaussianNLL(t *testing.T, fit, test *tensor.Dense) float64 {
	t.Helper()
	n, d := fit.Shape()[0], fit.Shape()[1]
	x := mat.NewDense(n, d, append([]float64(nil), fit.Float64s()...))
	mu := make([]float64, d)
	for j := range d {
		mu[j] = mat.Sum(x.ColView(j)) / float64(n)
	}
	cov := mat.NewSymDense(d, nil)
	for i := range d {
		for j := i; j < d; j++ {
			s := 0.0
			for r := range n {
				s += (x.At(r, i) - mu[i]) * (x.At(r, j) - mu[j])
			}
			cov.SetSym(i, j, s/float64(n))
		}
	}
	g, ok := distmv.NewNormal(mu, cov, nil)
	require.True(t, ok, "covariance not positive definite")
	m, tv := test.Shape()[0], test.Float64s()
	nll := 0.0
	for r := range m {
		nll -= g.LogProb(tv[r*d:(r+1)*d]) / float64(m)
	}
	return nll
}

// stack returns the rows of a then b.
func stack(a, b *tensor.Dense) *tensor.Dense {
	v := append(append([]float64(nil), a.Float64s()...), b.Float64s()...)
	return tensor.New(tensor.WithShape(a.Shape()[0]+b.Shape()[0], a.Shape()[1]), tensor.WithBacking(v))
}

// TestTrainDataRecipe: ffjord train -data holds out validation and test
// rows by the seed, prints the flow's test NLL beside the baselines', and
// the Gaussian's is the one fitted to the training and validation rows
// and evaluated on the test rows, as computed here with gonum.
func TestTrainDataRecipe(t *testing.T) {
	dir := t.TempDir()
	data := writeMixture(t, dir, 300, false)
	var out bytes.Buffer
	require.NoError(t, run(bg, []string{"train", "-data", data, "-epochs", "2", "-blocks", "1", "-hidden", "4", "-seed", "7", "-model", filepath.Join(dir, "m.json")}, &out))
	o := out.String()
	for _, key := range []string{"test_nll", "gaussian_nll", "gmm_nll", "test_minus_gmm"} {
		assert.Regexp(t, "(?m)^"+key+`=-?\d+\.\d{6} ± \d+\.\d{6}`, o)
	}
	assert.Contains(t, o, "dequantized_columns=none\n")
	assert.Contains(t, o, "rows_train=240 rows_validation=30 rows_test=30\n")
	assert.InDelta(t, valueOf(t, o, "test_nll")-valueOf(t, o, "gmm_nll"), valueOf(t, o, "test_minus_gmm"), 2e-6)

	x, _, err := datasets.ReadCSVFile(data)
	require.NoError(t, err)
	split, err := datasets.SplitRows(x, 30, 30, rand.NewPCG(7, streamSplit))
	require.NoError(t, err)
	want := gaussianNLL(t, stack(split.Train, split.Validation), split.Test)
	assert.InDelta(t, want, valueOf(t, o, "gaussian_nll"), 1e-6)

	// With -test FILE, no test rows are held out and the file is scored.
	test := writeMixture(t, dir, 40, false)
	out.Reset()
	require.NoError(t, run(bg, []string{"train", "-data", data, "-test", test, "-epochs", "1", "-blocks", "1", "-hidden", "4", "-seed", "7", "-model", filepath.Join(dir, "m2.json")}, &out))
	assert.Contains(t, out.String(), "rows_train=270 rows_validation=30 rows_test=40\n")
	split, err = datasets.SplitRows(x, 30, 0, rand.NewPCG(7, streamSplit))
	require.NoError(t, err)
	xt, _, err := datasets.ReadCSVFile(test)
	require.NoError(t, err)
	assert.InDelta(t, gaussianNLL(t, stack(split.Train, split.Validation), xt), valueOf(t, out.String(), "gaussian_nll"), 1e-6)
}

// TestDequantizeAuto: -dequantize auto adds noise, fixed by the seed, to
// the integer column alone; the Gaussian baseline printed is that of the
// data so dequantised, and with none that of the data as they are.
func TestDequantizeAuto(t *testing.T) {
	dir := t.TempDir()
	data := writeMixture(t, dir, 200, true)
	x, _, err := datasets.ReadCSVFile(data)
	require.NoError(t, err)
	for _, mode := range []string{"auto", "none"} {
		var out bytes.Buffer
		require.NoError(t, run(bg, []string{"train", "-data", data, "-dequantize", mode, "-epochs", "1", "-blocks", "1", "-hidden", "4", "-seed", "3", "-base", "normal", "-model", filepath.Join(dir, mode+".json")}, &out))
		xd := x
		if mode == "auto" {
			assert.Contains(t, out.String(), "dequantized_columns=2 (b)\n")
			xd, err = datasets.Dequantize(x, []int{1}, rand.NewPCG(3, streamDequantize))
			require.NoError(t, err)
		} else {
			assert.NotContains(t, out.String(), "dequantized_columns")
		}
		split, err := datasets.SplitRows(xd, 20, 20, rand.NewPCG(3, streamSplit))
		require.NoError(t, err)
		want := gaussianNLL(t, stack(split.Train, split.Validation), split.Test)
		assert.InDelta(t, want, valueOf(t, out.String(), "gaussian_nll"), 1e-6, mode)
	}
}

// TestRecipeFlagErrors: the split fractions and the recipe's choices are
// refused, naming the flag, before any work.
func TestRecipeFlagErrors(t *testing.T) {
	dir := t.TempDir()
	data := writeMixture(t, dir, 300, false)
	small := filepath.Join(dir, "small.csv")
	require.NoError(t, os.WriteFile(small, []byte("1,2,3\n2,1,0\n0,0,1\n3,1,2\n1,1,1\n"), 0o644))
	model := filepath.Join(dir, "m.json")
	for args, want := range map[string]string{
		"-val-frac 0":                            "-val-frac 0: want a fraction in (0, 1)",
		"-val-frac 1":                            "-val-frac 1: want a fraction in (0, 1)",
		"-val-frac -0.1":                         "-val-frac -0.1",
		"-val-frac NaN":                          "-val-frac NaN",
		"-test-frac 1":                           "-test-frac 1: want a fraction in [0, 1)",
		"-test-frac -0.2":                        "-test-frac -0.2",
		"-val-frac 0.5 -test-frac 0.5":           "-val-frac 0.5 and -test-frac 0.5 hold out all the rows",
		"-test-frac 0.2 -test DATA":              "-test-frac 0.2 with -test FILE",
		"-patience -1":                           "-patience -1",
		"-preprocess pca":                        `-preprocess "pca": want whiten, standardize, marginals or raw`,
		"-base flow":                             `-base "flow": want mixture or normal`,
		"-dequantize always":                     `-dequantize "always": want auto or none`,
		"-data SMALL":                            "-test-frac 0.1 of 5 rows holds out 1 test row",
		"-data SMALL -val-frac 0.4 -test-frac 0": "leaving 3 training rows for 3 columns",
		"-val-frac 0.6 -test-frac 0.39":          "leaving 3 training rows for 3 columns",
	} {
		args = strings.ReplaceAll(strings.ReplaceAll(args, "SMALL", small), "DATA", data)
		full := append([]string{"train", "-data", data, "-epochs", "1", "-model", model}, strings.Fields(args)...)
		err := run(bg, full, &bytes.Buffer{})
		if assert.Error(t, err, args) {
			assert.Contains(t, err.Error(), want, args)
			assert.NotContains(t, err.Error(), "\n", args)
		}
	}
	_, err := os.Stat(model)
	assert.True(t, os.IsNotExist(err), "a refused training saved a model")

	// The recipe's flags are refused where they would be ignored.
	for args, want := range map[string]string{
		"-toy moons -val-frac 0.2":        "-val-frac: only with -data",
		"-toy moons -base normal":         "-base: only with -data",
		"-data DC -context 1 -patience 3": "-patience: only for an unconditional flow",
	} {
		dc := filepath.Join(dir, "dc.csv")
		require.NoError(t, os.WriteFile(dc, []byte("1,2,0\n2,1,1\n0,0,1\n3,1,0\n"), 0o644))
		args = strings.ReplaceAll(args, "DC", dc)
		err := run(bg, append([]string{"train", "-model", model}, strings.Fields(args)...), &bytes.Buffer{})
		if assert.Error(t, err, args) {
			assert.Contains(t, err.Error(), want, args)
		}
	}
}

// TestResumeData: -resume continues a -data training on the validation
// rows the seed and fractions give, refuses others and refuses a new
// preprocessing or base.
func TestResumeData(t *testing.T) {
	dir := t.TempDir()
	data := writeMixture(t, dir, 300, false)
	model := filepath.Join(dir, "m.json")
	common := []string{"train", "-data", data, "-blocks", "1", "-hidden", "4", "-model", model}
	require.NoError(t, run(bg, append(common, "-epochs", "1"), &bytes.Buffer{}))
	for args, want := range map[string]string{
		"-seed 2":         "-seed 2 (the checkpoint has 1)",
		"-val-frac 0.2":   "-val-frac 0.2 (the checkpoint has 0.1)",
		"-test-frac 0.05": "-test-frac 0.05 (the checkpoint has 0.1)",
		"-patience 3":     "-patience 3 (the checkpoint has 10)",
		"-test " + data:   "-test " + data + " with -resume: the checkpoint's training held out -test-frac 0.1",
		"-preprocess raw": "-preprocess with -resume",
		"-base normal":    "-base with -resume",
		"-hidden 5":       "-hidden 5 (the checkpoint has 4)",
		"-time concat":    "-time concat",
		"-blocks 2":       "-blocks 2 (the checkpoint has 1)",
	} {
		err := run(bg, append(append(common, "-resume", "-epochs", "2"), strings.Fields(args)...), &bytes.Buffer{})
		if assert.Error(t, err, args) {
			assert.Contains(t, err.Error(), want, args)
		}
	}
	// A checkpoint from before the record: the rows of another seed or
	// split are still refused, by their validation NLL.
	old := filepath.Join(dir, "old.json")
	require.NoError(t, os.WriteFile(old, withoutRecord(t, model), 0o644))
	for args, want := range map[string]string{
		"-seed 2":         "not the validation rows the checkpoint was trained on",
		"-val-frac 0.2":   "not the validation rows",
		"-test-frac 0.05": "not the validation rows",
	} {
		err := run(bg, append(append(common, "-resume", "-epochs", "2", "-model", old), strings.Fields(args)...), &bytes.Buffer{})
		if assert.Error(t, err, args) {
			assert.Contains(t, err.Error(), want, args)
		}
	}
	var out bytes.Buffer
	require.NoError(t, run(bg, append(common, "-resume", "-epochs", "2", "-hidden", "4", "-blocks", "1"), &out))
	assert.Contains(t, out.String(), "epoch=2 ")
	assert.Contains(t, out.String(), "test_nll=")
}

// withoutRecord returns the checkpoint at path as a file from before
// training records were saved: without "record", resealed.
func withoutRecord(t *testing.T, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var file map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &file))
	var content map[string]any
	require.NoError(t, json.Unmarshal(file["content"], &content))
	training := content["training"].(map[string]any)
	require.Contains(t, training, "record")
	delete(training, "record")
	c, err := json.Marshal(content)
	require.NoError(t, err)
	sum := sha256.Sum256(c)
	file["content"] = c
	file["sha256"], err = json.Marshal(hex.EncodeToString(sum[:]))
	require.NoError(t, err)
	out, err := json.Marshal(file)
	require.NoError(t, err)
	return out
}
