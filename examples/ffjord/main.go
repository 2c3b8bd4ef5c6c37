// Command ffjord trains continuous normalizing flows on CSV files or toy data
// sets and uses saved models.
//
//	ffjord train   (-data points.csv [-test test.csv] [-context C] | -toy NAME) [-epochs N] -model model.json
//	               [-val-frac 0.1] [-test-frac 0.1] [-patience 10] [-preprocess whiten] [-base mixture] [-dequantize auto]
//	ffjord logprob -model model.json -in points.csv [-context C] [-out logp.csv]
//	ffjord sample  -model model.json (-n 1000 | -context-in contexts.csv) [-seed S] [-out samples.csv]
//	ffjord plot    -model model.json [-data points.csv|-toy NAME] -out DIR
//
// With -toy, train trains the tutorial's model (-blocks, -hidden, …) on
// -n points and prints one line per epoch, then train_seconds=<value> and,
// unless -test-n is 0, test_nll=<value> on -test-n fresh points drawn
// with another seed (or on -test FILE): their mean negative
// log-likelihood with the exact trace, whatever trace trained the model.
//
// With -data FILE.csv, train follows the real-data recipe (train.NewStart):
//
//   - dequantisation (-dequantize auto, the default): every column whose
//     values are all integers gets uniform [0, 1) noise, fixed by -seed,
//     once, in every split; dequantized_columns= names them (1-based);
//   - splits: the rows, shuffled by -seed, give -test-frac (default 0.1;
//     0 with -test FILE, which is then the test set) as test rows and
//     -val-frac (default 0.1) as validation rows, each at least one row
//     (and the test set two), leaving more training rows than columns;
//   - the model: the -preprocess map (whiten, the default; standardize,
//     marginals or raw) fitted to the training rows, then the FFJORD
//     blocks with their fields zero, on a -base (mixture, the default,
//     chosen on the validation rows; or normal), all inside the saved
//     model, so that log p is in the data's own units;
//   - training with early stopping: the validation NLL after every epoch
//     (and of the start, epoch 0), stopping after -patience epochs
//     (default 10) without improvement, the best weights kept; AdamW's
//     -weight-decay (default 0).
//
// Then, on the test rows, it prints test_nll= (the flow), gaussian_nll=
// (the full-covariance Gaussian) and gmm_nll= (the Gaussian mixture whose
// size and ridge the validation rows chose), the baselines fitted to the
// training and validation rows (train.FitBaselines), each as
// mean ± standard error over the rows in nats, and test_minus_gmm=, the
// paired difference flow − mixture ± its standard error: negative when the
// flow is better. -test-frac 0 without -test gives no test figures. A
// conditional flow (-context C > 0) trains on every row of -data as the
// tutorial's model does, without these steps.
//
// train holds a lock beside -model (.NAME.lock) while it runs, so a second
// training on the same file fails at once; SIGINT or SIGTERM stop it after
// the current batch, keeping the checkpoint of the last completed epoch.
// train refuses to replace an existing -model: -resume continues it,
// -overwrite replaces it. With -resume it continues that checkpoint as it
// was trained: model and solver flags given with it must agree with the
// checkpoint's, and so must the training flags it records (-batch, -lr,
// -cosine, -clip, -weight-decay, -kinetic, -jacobian, -seed, -objective,
// -sigma-min; -toy and -n; -val-frac, -test-frac, -patience and
// -dequantize), which, when not given, take the recorded values. -epochs
// is recorded too and may be raised, to train further. A -data checkpoint
// holds the whole model, preprocessing and base included (-preprocess and
// -base are refused), but not its rows: the same -data with the recorded
// -seed and fractions gives the same rows again, and a resume whose
// validation rows do not reproduce the checkpoint's best validation NLL
// is refused.
//
// With -context C, train fits a conditional flow p(x | c): the last C
// columns of each row of -data and -test are the context c, the others the
// point x (-context-input concat or squash says how the networks see c),
// and test_nll is the mean of −log p(x | c). A conditional model keeps C in
// its checkpoint: -resume takes it from there (a -context that differs is
// refused), logprob reads each row of -in as x then its C context columns
// (-context is optional there and must match), and sample needs
// -context-in, a CSV file of C columns, drawing one sample per row in
// order; -n, when given, must equal its rows, except that a file of one
// row is repeated -n times. A conditional model refuses input without
// context, and an unconditional one refuses context.
//
// logprob writes one column, logp; a point outside the model's support has
// log-density -Inf, written as such. With -with-input the points' columns
// come first, under the input's header (x1, x2, … for a file without one,
// the names sample writes).
//
// logprob and sample solve and write train.ChunkRows points at a time when
// the model evaluates per row (the default; train.Flow.Splittable), so
// their memory does not grow with the points and the output is that of
// one batch, bit for bit; with whole-batch step control (logprob
// -step-control batch, or a model saved with it) the points are one
// solve, as its numbers depend on the batch. Standard output gets each
// chunk as it comes, so a failure leaves the rows before it; a file is
// replaced only when every row is written.
//
// plot writes tutorial, density and paths figures, or those named by
// -only; -bounds, -size, -grid, -max and -bare shape the density heat map,
// so that
//
//	ffjord plot -model m.json -toy rings -only density -bare -size 200,200 -out DIR
//
// makes a 200×200-pixel thumbnail of the learned density.
//
// Every count is checked against a limit (see examples/cli) and
// every output against the inputs before any work: an output that is the
// same file as an input is refused, and so is a path that is not a regular
// file (a named pipe, a device). Files are replaced atomically.
// Errors are one line on standard error and exit status 1; -h prints the
// flags and exits 0.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ffjord-go/ffjord-go/examples/cli"
)

const usage = `ffjord train|logprob|sample|plot [flags]; "ffjord COMMAND -h" lists a command's flags`

func main() { cli.Main("ffjord", run) }

func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("no command; usage: " + usage)
	}
	switch args[0] {
	case "train":
		return trainCmd(ctx, args[1:], stdout)
	case "logprob":
		return logprobCmd(ctx, args[1:], stdout)
	case "sample":
		return sampleCmd(ctx, args[1:], stdout)
	case "plot":
		return plotCmd(ctx, args[1:], stdout)
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, "usage:", usage)
		return nil
	}
	return fmt.Errorf("unknown command %q; usage: %s", args[0], usage)
}
