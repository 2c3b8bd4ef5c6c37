package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"time"

	"github.com/ffjord-go/ffjord-go/checkpoint"
	"github.com/ffjord-go/ffjord-go/examples/cli"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"gorgonia.org/tensor"
)

func trainCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	var (
		data   = fs.String("data", "", "CSV file of training points (any dimension)")
		toy    = fs.String("toy", "", "toy data set instead of -data: "+fmt.Sprint(datasets.Names()))
		n      = fs.Int("n", 8192, fmt.Sprintf("points drawn from -toy, 1 to %d", cli.MaxSamples))
		test   = fs.String("test", "", "CSV file of test points; default with -toy: -test-n fresh points of the same set, with -data: -test-frac of its rows")
		testN  = fs.Int("test-n", 8192, fmt.Sprintf("fresh -toy points for the test NLL (another seed), up to %d; 0: no test", cli.MaxSamples))
		model  = fs.String("model", "model.json", "where to save the model (locked while training)")
		resume = fs.Bool("resume", false, "continue the training saved in -model, with its recorded training flags, up to -epochs in all (the checkpoint's unless given)")
		over   = fs.Bool("overwrite", false, "replace an existing -model with a new training; without it, train refuses to replace a model (continue it with -resume)")
	)
	fl := cli.Register(fs, 1)
	fl.RegisterContext()
	rf := cli.RegisterRecipe(fs)
	if err := cli.Parse(fs, "ffjord train (-data points.csv [-test test.csv] [-context C] | -toy NAME) -model model.json [flags]", args, stdout); err != nil {
		return err
	}
	tf := trainFlags{data: data, toy: toy, test: test, model: model, n: n, testN: testN, resume: resume, over: over}
	if err := tf.check(fl, rf); err != nil {
		return err
	}
	lock, err := cli.LockModel("model", *tf.model)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	if !*tf.resume && !*tf.over {
		if err := refuseExisting(*tf.model); err != nil {
			return err
		}
	}

	var ck *checkpoint.Checkpoint
	if *tf.resume {
		var done bool
		if ck, done, err = tf.resumed(fl, rf, stdout); err != nil || done {
			return err
		}
	}
	if *tf.data != "" && fl.Context == 0 {
		d, err := readRecipeData(rf, *tf.data, *tf.test, fl.Seed, stdout)
		if err != nil {
			return err
		}
		return trainRecipe(ctx, fl, rf, ck, d, *tf.model, fl.Record(recordedFlags(false, true)...), stdout)
	}
	x, c, xt, ct, err := tf.points(fl.Context, fl.Seed)
	if err != nil {
		return err
	}
	flow, trainer, err := newTrainer(fl, ck, x.Shape()[1], *tf.model, fl.Record(recordedFlags(*tf.toy != "", false)...), stdout)
	if err != nil {
		return err
	}
	if xt != nil && xt.Shape()[1] != flow.Dim() {
		return fmt.Errorf("train: the test points have %d columns but the model is %d-dimensional", xt.Shape()[1], flow.Dim())
	}
	start := time.Now()
	if err := trainer.RunContext(ctx, x, c); err != nil {
		return cli.Stopped(ctx, err, *tf.model, trainer.Epoch())
	}
	fmt.Fprintf(stdout, "train_seconds=%.1f\n", time.Since(start).Seconds())
	fmt.Fprintf(stdout, "saved %s\n", *tf.model)
	if xt == nil {
		return nil
	}
	if err := cli.StopOn(ctx, flow); err != nil {
		return err
	}
	return printTestNLL(flow, xt, ct, stdout)
}

// trainFlags are train's own flags. They point to the flags' values,
// which -resume sets from the checkpoint's record (Flags.CheckResume).
type trainFlags struct {
	data, toy, test, model *string
	n, testN               *int
	resume, over           *bool
}

// check refuses flags that contradict each other or the data, and checks
// the files, before the model is locked.
func (tf trainFlags) check(fl *cli.Flags, rf *cli.RecipeFlags) error {
	if *tf.resume && *tf.over {
		return errors.New("train: give -resume (continue -model) or -overwrite (replace it), not both")
	}
	if err := fl.Check(); err != nil {
		return err
	}
	switch {
	case *tf.data != "" && *tf.toy != "":
		return errors.New("train: give -data or -toy, not both")
	case *tf.data == "" && *tf.toy == "":
		return errors.New("train: give -data FILE.csv or -toy NAME")
	case *tf.toy != "" && fl.Context > 0:
		return fmt.Errorf("-context %d: the -toy sets have no context columns; give -data FILE.csv whose last %d columns are the context", fl.Context, fl.Context)
	}
	if err := checkRecipeUsed(rf, *tf.toy != "", fl.Context); err != nil {
		return err
	}
	if *tf.data != "" && fl.Context == 0 {
		if err := rf.Check(*tf.test != ""); err != nil {
			return err
		}
	}
	if err := checkToy(*tf.toy, *tf.n, *tf.testN); err != nil {
		return err
	}
	if !*tf.resume {
		if err := fl.CheckContextInputUsed(); err != nil {
			return err
		}
	}
	if err := cli.RequirePath("model", *tf.model); err != nil {
		return err
	}
	return cli.CheckFiles([]cli.Named{cli.In("data", *tf.data), cli.In("test", *tf.test)}, []cli.Named{cli.Out("model", *tf.model)})
}

// refuseExisting refuses to replace an existing model; it is called under
// the lock, so that hours of training are not replaced by a typo.
func refuseExisting(model string) error {
	switch _, err := os.Stat(model); {
	case err == nil:
		return fmt.Errorf("-model %s exists: continue its training with -resume, or replace it with -overwrite", model)
	case !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("-model: %w", err)
	}
	return nil
}

// resumed loads the checkpoint to resume and checks the flags against it,
// taking the recorded ones; done reports that it already has -epochs.
func (tf trainFlags) resumed(fl *cli.Flags, rf *cli.RecipeFlags, stdout io.Writer) (ck *checkpoint.Checkpoint, done bool, err error) {
	if ck, err = cli.LoadModel("model", *tf.model); err != nil {
		return nil, false, err
	}
	// The checkpoint knows its context, as it knows its blocks.
	C := ck.Flow.ContextDim()
	if err := fl.CheckResume(ck, recordedFlags(*tf.toy != "", *tf.data != "" && C == 0)...); err != nil {
		return nil, false, err
	}
	if fl.Context = C; fl.Context > 0 && *tf.toy != "" {
		return nil, false, fmt.Errorf("-resume: the model reads %d context columns but the -toy sets have none; give -data FILE.csv", fl.Context)
	}
	if err := checkRecipeUsed(rf, *tf.toy != "", fl.Context); err != nil {
		return nil, false, err
	}
	for _, name := range rf.Given() {
		if name == "-preprocess" || name == "-base" {
			return nil, false, fmt.Errorf("%s with -resume: the checkpoint holds the whole model, its preprocessing and base included; drop %s", name, name)
		}
	}
	// The recorded flags are checked as the given ones were.
	if err := fl.Check(); err != nil {
		return nil, false, fmt.Errorf("-resume: the checkpoint's record: %w", err)
	}
	if *tf.data != "" && fl.Context == 0 {
		if *tf.test != "" && rf.TestFrac != 0 {
			return nil, false, fmt.Errorf("-test %s with -resume: the checkpoint's training held out -test-frac %g of -data as its test rows; drop -test", *tf.test, rf.TestFrac)
		}
		if err := rf.Check(*tf.test != ""); err != nil {
			return nil, false, fmt.Errorf("-resume: the checkpoint's record: %w", err)
		}
	}
	if err := checkToy(*tf.toy, *tf.n, *tf.testN); err != nil {
		return nil, false, fmt.Errorf("-resume: the checkpoint's record: %w", err)
	}
	if epochs := ck.Training.Epoch; epochs >= fl.Epochs {
		fmt.Fprintf(stdout, "nothing to do: %s already has %d epochs (-epochs %d)\n", *tf.model, epochs, fl.Epochs)
		return ck, true, nil
	}
	return ck, false, nil
}

// points returns the training and test points, and for a conditional flow
// their contexts, the last C columns.
func (tf trainFlags) points(C int, seed uint64) (x, c, xt, ct *tensor.Dense, err error) {
	if x, xt, err = trainingData(*tf.data, *tf.toy, *tf.n, *tf.test, *tf.testN, seed); err != nil {
		return nil, nil, nil, nil, err
	}
	if x, c, err = cli.SplitContext("data", *tf.data, x, C); err != nil {
		return nil, nil, nil, nil, err
	}
	if xt != nil {
		if xt, ct, err = cli.SplitContext("test", *tf.test, xt, C); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	return x, c, xt, ct, nil
}

// printTestNLL prints the test NLL, −log p(x | c) for a conditional flow.
func printTestNLL(flow *train.Flow, xt, ct *tensor.Dense, stdout io.Writer) error {
	var nll float64
	var err error
	if ct != nil {
		nll, err = flow.NLLContext(xt, ct)
	} else {
		nll, err = flow.NLL(xt)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "test_nll=%.4f\n", nll)
	return nil
}

// recordedFlags are the flags besides cli.Flags' training flags that
// shape a training and are recorded in its checkpoint: the -toy set and
// its size, or the held-out split and early stopping of the -data
// recipe. A resume compares those it is given and takes the others.
func recordedFlags(toy, recipe bool) []string {
	switch {
	case toy:
		return []string{"toy", "n"}
	case recipe:
		return []string{"val-frac", "test-frac", "patience", "dequantize"}
	}
	return nil
}

// checkToy checks the -toy flags, when a -toy set is given.
func checkToy(toy string, n, testN int) error {
	if toy == "" {
		return nil
	}
	if !slices.Contains(datasets.Names(), toy) {
		return fmt.Errorf("-toy %q: want one of %v", toy, datasets.Names())
	}
	if err := cli.CheckInt("n", n, 1, cli.MaxSamples); err != nil {
		return err
	}
	return cli.CheckInt("test-n", testN, 0, cli.MaxSamples)
}

// checkRecipeUsed refuses the recipe's flags where they would be
// ignored: on the -toy route (the tutorial's model on fresh points) and
// for a conditional flow (-context C > 0), which trains on every row.
func checkRecipeUsed(rf *cli.RecipeFlags, toy bool, context int) error {
	given := rf.Given()
	switch {
	case len(given) == 0:
		return nil
	case toy:
		return fmt.Errorf("%s: only with -data (held-out splits, preprocessing and base are for CSV data; -toy trains the tutorial's model)", given[0])
	case context > 0:
		return fmt.Errorf("%s: only for an unconditional flow; a conditional one (-context %d) trains on every row of -data", given[0], context)
	}
	return nil
}

// trainingData reads or draws the training points and the test points
// (nil when there are none), before training, so that a bad file or count
// fails at once.
func trainingData(data, toy string, n int, test string, testN int, seed uint64) (x, xt *tensor.Dense, err error) {
	if data != "" {
		x, _, err = cli.ReadCSV("data", data)
	} else {
		x, err = datasets.ByName(toy, n, rand.NewPCG(seed, 1))
	}
	if err != nil {
		return nil, nil, err
	}
	if err := checkRows("data", x); err != nil {
		return nil, nil, err
	}
	switch {
	case test != "":
		if xt, _, err = cli.ReadCSV("test", test); err != nil {
			return nil, nil, err
		}
		if err := checkRows("test", xt); err != nil {
			return nil, nil, err
		}
		if xt.Shape()[1] != x.Shape()[1] {
			return nil, nil, fmt.Errorf("train: %s has %d columns but the training data %d", test, xt.Shape()[1], x.Shape()[1])
		}
	case toy != "" && testN > 0:
		if xt, err = datasets.ByName(toy, testN, rand.NewPCG(seed+1000, 3)); err != nil {
			return nil, nil, err
		}
	}
	return x, xt, nil
}

// checkRows refuses a table of more points than one call may take.
func checkRows(flag string, x *tensor.Dense) error { return cli.CheckRows(flag, x) }

// newTrainer returns the flow to train and its trainer: a fresh one of the
// flags, or the one saved in ck.
func newTrainer(fl *cli.Flags, ck *checkpoint.Checkpoint, dim int, model string, record map[string]string, progress io.Writer) (*train.Flow, *train.Trainer, error) {
	opts, err := fl.Options()
	if err != nil {
		return nil, nil, err
	}
	opts.Record = record
	// Saves replace a symbolic link at -model, leaving the file it led to
	// (which -resume read through it) as it was.
	dest, err := cli.Destination(model)
	if err != nil {
		return nil, nil, fmt.Errorf("-model: %w", err)
	}
	opts.Progress = progress
	if ck != nil {
		if dim != ck.Flow.Dim() {
			if C := ck.Flow.ContextDim(); C > 0 {
				return nil, nil, fmt.Errorf("train: the data have %d columns but the saved model reads %d of x, then %d of context", dim+C, ck.Flow.Dim(), C)
			}
			return nil, nil, fmt.Errorf("train: the data have %d columns but the saved model is %d-dimensional", dim, ck.Flow.Dim())
		}
		opts.Save = checkpoint.Saver(dest, ck.Flow, checkpoint.Codec{})
		t, err := checkpoint.Resume(ck, opts)
		return ck.Flow, t, err
	}
	cfg, err := fl.FlowConfig(dim)
	if err != nil {
		return nil, nil, err
	}
	settings, err := fl.Settings()
	if err != nil {
		return nil, nil, err
	}
	flow, err := train.NewFlow(cfg, settings, rand.NewPCG(fl.Seed, 2))
	if err != nil {
		return nil, nil, err
	}
	opts.Save = checkpoint.Saver(dest, flow, checkpoint.Codec{})
	t, err := train.NewTrainer(flow, opts)
	return flow, t, err
}
