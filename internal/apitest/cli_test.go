//go:build unix

package apitest

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ffjord-go/ffjord-go/checkpoint"
	"github.com/ffjord-go/ffjord-go/train"
)

// The hostile CLI suite runs the ffjord, moons and conditional programs as a hostile
// user would, each case a subprocess under a memory cap and a time limit.
// A case passes only if the program exits 0 or 1 — never 2, a signal or a
// timeout — with, on failure, one clear line on standard error containing
// want, and if every file it was given is byte for byte as before.

const (
	memoryCapKiB = 4 << 20 // ulimit -v: 4 GiB
	caseTimeout  = 20 * time.Second
)

func build(t *testing.T) (ffjord, moons string) {
	t.Helper()
	if testing.Short() {
		t.Skip("the hostile CLI suite builds and runs the programs; skipped with -short")
	}
	bins.once.Do(func() {
		bins.dir, bins.err = os.MkdirTemp("", "ffjord-cli-suite")
		if bins.err != nil {
			return
		}
		for name, out := range map[string]*string{"ffjord": &bins.ffjord, "moons": &bins.moons, "conditional": &bins.conditional, "digits": &bins.digits, "matching": &bins.matching, "stepcontrol": &bins.stepcontrol} {
			*out = filepath.Join(bins.dir, name)
			cmd := exec.Command("go", "build", "-o", *out, "github.com/ffjord-go/ffjord-go/examples/"+name)
			if msg, err := cmd.CombinedOutput(); err != nil {
				bins.err = fmt.Errorf("go build %s: %v\n%s", name, err, msg)
				return
			}
		}
	})
	if bins.err != nil {
		t.Fatal(bins.err)
	}
	return bins.ffjord, bins.moons
}

// result is how a program ended.
type result struct {
	code           int
	stdout, stderr string
}

// command returns the program bin with args, run in dir under the memory
// cap (bash's ulimit, then exec, so that signals reach the program).
func command(ctx context.Context, dir, bin string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "bash", append([]string{"-c", fmt.Sprintf(`ulimit -v %d; exec "$@"`, memoryCapKiB), "_", bin}, args...)...)
	cmd.Dir = dir
	return cmd
}

// runCLI runs bin and fails the test on a signal, a timeout or an exit
// status other than 0 and 1.
func runCLI(t *testing.T, dir, bin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), caseTimeout)
	defer cancel()
	cmd := command(ctx, dir, bin, args...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if ctx.Err() != nil {
		t.Fatalf("%v: no exit within %v", args, caseTimeout)
	}
	return checkExit(t, cmd, err, r, args)
}

func checkExit(t *testing.T, cmd *exec.Cmd, err error, r result, args []string) result {
	t.Helper()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("%v: %v", args, err)
	}
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		t.Fatalf("%v: killed by %v\nstderr: %s", args, ws.Signal(), tail(r.stderr))
	}
	r.code = ws.ExitStatus()
	if r.code != 0 && r.code != 1 {
		t.Fatalf("%v: exit status %d, want 0 or 1\nstderr: %s", args, r.code, tail(r.stderr))
	}
	return r
}

func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}

// oneLine fails unless stderr is one line starting with the program's name
// and containing want.
func oneLine(t *testing.T, program, stderr, want string) {
	t.Helper()
	line, rest, _ := strings.Cut(stderr, "\n")
	if rest != "" || !strings.HasPrefix(line, program+": ") {
		t.Fatalf("stderr is not one line %q…:\n%s", program+": ", tail(stderr))
	}
	if !strings.Contains(line, want) {
		t.Fatalf("error %q does not contain %q", line, want)
	}
}

// hashes returns the SHA-256 of every regular file under dir.
func hashes(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	h := map[string][32]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		h[p] = sha256.Sum256(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// fixture is the directory every case starts from: a trained 2-D model
// with its training state (m.json, 1 epoch of a 1-block flow), a model
// without one, a conditional model (cm.json, 2 context columns, trained on
// dc.csv), a model of the real-data recipe (dm.json, trained on d.csv with
// held-out rows), one trained with other training flags (lr3.json),
// copies without a training record or with hostile ones, data and context
// files good and bad, and links.
type fixture struct {
	once sync.Once
	dir  string
	err  error
}

var fix fixture

func fixtureDir(t *testing.T, ffjord string) string {
	t.Helper()
	fix.once.Do(func() {
		fix.dir, fix.err = os.MkdirTemp("", "ffjord-cli-fixture")
		if fix.err != nil {
			return
		}
		write := func(name, content string) {
			if fix.err == nil {
				fix.err = os.WriteFile(filepath.Join(fix.dir, name), []byte(content), 0o644)
			}
		}
		r := rand.New(rand.NewPCG(1, 2))
		var d, d3 strings.Builder
		d.WriteString("x,y\n")
		for range 64 {
			fmt.Fprintf(&d, "%g,%g\n", r.NormFloat64(), r.NormFloat64())
			fmt.Fprintf(&d3, "%g,%g,%g\n", r.NormFloat64(), r.NormFloat64(), r.NormFloat64())
		}
		write("d.csv", d.String())
		write("tutorial.png", d.String()) // data named like plot's output
		write("d3.csv", d3.String())
		// Conditional data: x, y, then a one-hot context of two columns.
		var dc strings.Builder
		dc.WriteString("x,y,c0,c1\n")
		for i := range 64 {
			fmt.Fprintf(&dc, "%g,%g,%d,%d\n", r.NormFloat64()+float64(2*(i%2)-1), r.NormFloat64(), 1-i%2, i%2)
		}
		write("dc.csv", dc.String())
		write("ctx.csv", "c0,c1\n1,0\n0,1\n1,0\n")
		write("ctx1.csv", "0,1\n")
		write("typo.csv", "0.5,O.3\n1,2\n")
		write("ragged.csv", "1,2\n3\n")
		write("empty.csv", "x,y\n")
		write("nan.csv", "1,2\nNaN,3\n")
		write("far.csv", "x,y\n0.5,0.2\n1e200,1e200\n")
		wide := strings.Repeat("1,", 99_999) + "1\n"
		write("wide.csv", wide+wide)
		write("notjson.json", "{\"format\": \"ffjord-go checkpoint\", \"version\": 1")
		if fix.err != nil {
			return
		}
		cmd := exec.Command(ffjord, "train", "-toy", "moons", "-n", "64", "-test-n", "0", "-epochs", "1", "-batch", "64", "-blocks", "1", "-hidden", "4", "-model", "m.json")
		cmd.Dir = fix.dir
		if out, err := cmd.CombinedOutput(); err != nil {
			fix.err = fmt.Errorf("training the fixture model: %v\n%s", err, out)
			return
		}
		if _, err := os.Lstat(filepath.Join(fix.dir, ".m.json.lock")); err == nil {
			fix.err = fmt.Errorf("training m.json left its lock file")
			return
		}
		cmd = exec.Command(ffjord, "train", "-data", "dc.csv", "-context", "2", "-epochs", "1", "-batch", "64", "-blocks", "1", "-hidden", "4", "-model", "cm.json")
		cmd.Dir = fix.dir
		if out, err := cmd.CombinedOutput(); err != nil {
			fix.err = fmt.Errorf("training the conditional fixture model: %v\n%s", err, out)
			return
		}
		if _, err := os.Lstat(filepath.Join(fix.dir, ".cm.json.lock")); err == nil {
			fix.err = fmt.Errorf("training cm.json left its lock file")
			return
		}
		cmd = exec.Command(ffjord, "train", "-data", "d.csv", "-epochs", "1", "-batch", "64", "-blocks", "1", "-hidden", "4", "-model", "dm.json")
		cmd.Dir = fix.dir
		if out, err := cmd.CombinedOutput(); err != nil {
			fix.err = fmt.Errorf("training the -data fixture model: %v\n%s", err, out)
			return
		}
		if _, err := os.Lstat(filepath.Join(fix.dir, ".dm.json.lock")); err == nil {
			fix.err = fmt.Errorf("training dm.json left its lock file")
			return
		}
		cmd = exec.Command(ffjord, "train", "-toy", "moons", "-n", "96", "-test-n", "0", "-epochs", "1", "-batch", "32", "-blocks", "1", "-hidden", "4",
			"-lr", "0.003", "-clip", "4", "-seed", "9", "-model", "lr3.json")
		cmd.Dir = fix.dir
		if out, err := cmd.CombinedOutput(); err != nil {
			fix.err = fmt.Errorf("training the -lr 0.003 fixture model: %v\n%s", err, out)
			return
		}
		if _, err := os.Lstat(filepath.Join(fix.dir, ".lr3.json.lock")); err == nil {
			fix.err = fmt.Errorf("training lr3.json left its lock file")
			return
		}
		// Checkpoints from before the training record (m_old.json,
		// dm_old.json), and hand-made records a resume must refuse.
		for name, edit := range map[string]struct {
			from   string
			record any
		}{
			"m_old.json":        {"m.json", nil},
			"dm_old.json":       {"dm.json", nil},
			"rec_lr_text.json":  {"m.json", map[string]any{"lr": "fast"}},
			"rec_batch_0.json":  {"m.json", map[string]any{"batch": "0"}},
			"rec_lr_nan.json":   {"m.json", map[string]any{"lr": "NaN"}},
			"rec_n_huge.json":   {"m.json", map[string]any{"n": "1000000000"}},
			"rec_blocks.json":   {"m.json", map[string]any{"blocks": "7", "lr": "0.01"}},
			"rec_dm_frac.json":  {"dm.json", map[string]any{"val-frac": "1.5"}},
			"rec_not_text.json": {"m.json", map[string]any{"lr": 0.01}},
		} {
			if fix.err == nil {
				fix.err = reseal(filepath.Join(fix.dir, edit.from), filepath.Join(fix.dir, name), edit.record)
			}
		}
		flow, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}}, train.Settings{}, rand.NewPCG(3, 4))
		if err != nil {
			fix.err = err
			return
		}
		if fix.err = checkpoint.Save(filepath.Join(fix.dir, "flow.json"), flow, nil, checkpoint.Codec{}); fix.err != nil {
			return
		}
		raw, _ := os.ReadFile(filepath.Join(fix.dir, "m.json"))
		write("density.png", string(raw)) // a model named like plot's output
		for _, link := range [][2]string{{"m.json", "mlink.json"}, {"d.csv", "dlink.csv"}} {
			if fix.err == nil {
				fix.err = os.Symlink(link[0], filepath.Join(fix.dir, link[1]))
			}
		}
		for _, link := range [][2]string{{"m.json", "mhard.json"}, {"d.csv", "dhard.csv"}} {
			if fix.err == nil {
				fix.err = os.Link(filepath.Join(fix.dir, link[0]), filepath.Join(fix.dir, link[1]))
			}
		}
		if fix.err == nil {
			fix.err = os.Mkdir(filepath.Join(fix.dir, "sub"), 0o755)
		}
		// A named pipe, which no one writes or reads, and a link to it.
		if fix.err == nil {
			fix.err = syscall.Mkfifo(filepath.Join(fix.dir, "fifo"), 0o644)
		}
		if fix.err == nil {
			fix.err = os.Symlink("fifo", filepath.Join(fix.dir, "fifolink"))
		}
	})
	if fix.err != nil {
		t.Fatal(fix.err)
	}
	return fix.dir
}

// reseal writes to dst the checkpoint src with its training record
// replaced by record (removed when nil) and a checksum that matches.
func reseal(src, dst string, record any) error {
	raw, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	var file map[string]json.RawMessage
	if err := json.Unmarshal(raw, &file); err != nil {
		return err
	}
	var content map[string]any
	if err := json.Unmarshal(file["content"], &content); err != nil {
		return err
	}
	training := content["training"].(map[string]any)
	delete(training, "record")
	if record != nil {
		training["record"] = record
	}
	c, err := json.Marshal(content)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(c)
	file["content"] = c
	if file["sha256"], err = json.Marshal(hex.EncodeToString(sum[:])); err != nil {
		return err
	}
	out, err := json.Marshal(file)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, out, 0o644)
}

// copyFixture copies the fixture into a fresh directory, links as links.
func copyFixture(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	out, err := exec.Command("cp", "-a", src+"/.", dst).CombinedOutput()
	if err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	return dst
}

// cliCase is one hostile invocation. In args, "$D" is the case's
// directory, a copy of the fixture.
type cliCase struct {
	name    string
	bin     string                         // "ffjord", "moons", "conditional", "digits", "matching" or "stepcontrol"
	args    []string                       //
	want    string                         // part of the one-line error; "" for a success
	stdout  string                         // part of standard output, for a success
	mutates []string                       // fixture files the case may change
	setup   func(t *testing.T, dir string) // before the run, after the fixture's hashes
	check   func(t *testing.T, dir string)
}

// caseOf returns the constructor of bin's cases: a name, the part of the
// error it must print ("" for a success) and the arguments.
func caseOf(bin string) func(name, want string, args ...string) cliCase {
	return func(name, want string, args ...string) cliCase {
		return cliCase{name: name, bin: bin, args: args, want: want}
	}
}

var (
	ff = caseOf("ffjord")
	mo = caseOf("moons")
	co = caseOf("conditional")
	di = caseOf("digits")
	ma = caseOf("matching")
	sc = caseOf("stepcontrol")
)

// ok is a case that must succeed with stdout containing out.
func ok(c cliCase, out string) cliCase {
	c.want, c.stdout = "", out
	return c
}

// tiny are the flags of a training that takes a second.
var tiny = []string{"-n", "64", "-test-n", "64", "-epochs", "1", "-batch", "64", "-blocks", "1", "-hidden", "4"}

func with(args []string, more ...string) []string {
	return append(append([]string(nil), args...), more...)
}

func cliCases() []cliCase {
	trainToy := func(more ...string) []string {
		return with([]string{"train", "-toy", "moons", "-model", "$D/new.json"}, more...)
	}
	resume := func(more ...string) []string {
		return with([]string{"train", "-resume", "-toy", "moons", "-n", "64", "-test-n", "0", "-batch", "64", "-model", "$D/m.json"}, more...)
	}
	plot := func(more ...string) []string {
		return with([]string{"plot", "-model", "$D/m.json", "-out", "$D/figs"}, more...)
	}
	// overLink is an output case whose path, name in dir, is a symbolic
	// link planted by setup (to target, another file, or to nothing): after
	// the run the link is a regular file holding the output, and the
	// harness checks that every fixture file, the target included, is
	// byte for byte unchanged.
	overLink := func(c cliCase, name, target string, output func(t *testing.T, p string)) cliCase {
		c.setup = func(t *testing.T, dir string) {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
		}
		c.check = func(t *testing.T, dir string) {
			p := filepath.Join(dir, name)
			if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 {
				t.Fatalf("%s is not a regular file holding the output: %v", name, err)
			}
			if output != nil {
				output(t, p)
			}
			if _, err := os.Lstat(filepath.Join(filepath.Dir(p), target)); target == "none" && !os.IsNotExist(err) {
				t.Errorf("the dangling link's target was created: %v", err)
			}
		}
		return c
	}
	loads := func(epoch int) func(t *testing.T, p string) {
		return func(t *testing.T, p string) {
			ck, err := loadCheckpoint(p)
			if err != nil {
				t.Fatal(err)
			}
			if epoch > 0 && (ck.Training == nil || ck.Training.Epoch != epoch) {
				t.Errorf("%s does not hold epoch %d", p, epoch)
			}
		}
	}
	noLeftover := func(t *testing.T, dir string) {
		if names, _ := filepath.Glob(filepath.Join(dir, ".s.csv.tmp*")); len(names) != 0 {
			t.Errorf("leftover temporary files: %v", names)
		}
		if raw, err := os.ReadFile(filepath.Join(dir, "s.csv")); err != nil || strings.Count(string(raw), "\n") != 6 {
			t.Errorf("s.csv: %q, %v", raw, err)
		}
	}
	cases := []cliCase{
		// No lost file: an output that is an input is refused before any work.
		ff("train data as model", "same file", "train", "-data", "$D/d.csv", "-model", "$D/d.csv"),
		ff("train model symlink to data", "same file", "train", "-data", "$D/d.csv", "-model", "$D/dlink.csv"),
		ff("train model hard link to data", "same file", "train", "-data", "$D/d.csv", "-model", "$D/dhard.csv"),
		ff("train model dot-dot path to data", "same file", "train", "-data", "$D/d.csv", "-model", "$D/sub/../d.csv"),
		ff("train test file as model", "same file", "train", "-toy", "moons", "-test", "$D/d.csv", "-model", "$D/d.csv"),
		ff("logprob out is model", "same file", "logprob", "-model", "$D/m.json", "-in", "$D/d.csv", "-out", "$D/m.json"),
		ff("logprob out is in", "same file", "logprob", "-model", "$D/m.json", "-in", "$D/d.csv", "-out", "$D/d.csv"),
		ff("logprob out symlink to model", "same file", "logprob", "-model", "$D/m.json", "-in", "$D/d.csv", "-out", "$D/mlink.json"),
		ff("sample out is model", "same file", "sample", "-model", "$D/m.json", "-out", "$D/m.json"),
		ff("sample out hard link to model", "same file", "sample", "-model", "$D/m.json", "-out", "$D/mhard.json"),
		ff("plot figure is model", "same file", "plot", "-model", "$D/density.png", "-only", "density", "-out", "$D"),
		ff("plot figure is data", "same file", "plot", "-model", "$D/m.json", "-data", "$D/tutorial.png", "-only", "tutorial", "-out", "$D"),
		// Outputs checked before training.
		ff("train model under a file", "not a directory", trainToy("-model", "$D/d.csv/m.json")...),
		ff("train model in an unwritable directory", "cannot be written", trainToy("-model", "/proc/m.json")...),
		ff("train model in a missing directory", "cannot be written", trainToy("-model", "$D/missing/m.json")...),
		ff("train model is a directory", "is a directory", trainToy("-model", "$D/sub")...),
		ff("train empty model", "-model is empty", trainToy("-model", "")...),
		mo("moons out is a file", "-out", "-out", "$D/d.csv"),
		mo("moons format bmp", "-format", "-format", "bmp"),
		mo("moons empty format", "-format", "-format", ""),
		mo("moons empty out", "-out is empty", "-out", ""),
		mo("moons test-n 0", "-test-n 0", "-test-n", "0"),
		ff("plot format bmp", "-format", plot("-format", "bmp")...),
		ff("plot out is a file", "-out", plot("-out", "$D/d.csv")...),
		// Zero and negative values, limits before allocation.
		ff("epochs 0", "-epochs 0", trainToy("-epochs", "0")...),
		ff("epochs negative", "-epochs -1", trainToy("-epochs", "-1")...),
		ff("epochs huge", "-epochs", trainToy("-epochs", "1000000000")...),
		ff("lr 0", "-lr 0", trainToy("-lr", "0")...),
		ff("lr negative", "-lr -1", trainToy("-lr", "-1")...),
		ff("lr NaN", "-lr NaN", trainToy("-lr", "NaN")...),
		ff("lr Inf", "-lr +Inf", trainToy("-lr", "Inf")...),
		ff("lr 1e9", "-lr 1e+09: want a learning rate > 0 and ≤ 10", trainToy("-lr", "1e9")...),
		ff("lr 1e300", "-lr 1e+300", trainToy("-lr", "1e300")...),
		ff("lr 10.5", "-lr 10.5", trainToy("-lr", "10.5")...),
		ff("batch 0", "-batch 0", trainToy("-batch", "0")...),
		ff("batch huge", "-batch", trainToy("-batch", "9223372036854775807")...),
		ff("blocks 0", "-blocks 0", trainToy("-blocks", "0")...),
		ff("blocks million", "-blocks 1000000", trainToy("-blocks", "1000000")...),
		ff("rtol 0", "-rtol 0", trainToy("-rtol", "0")...),
		ff("rtol tiny", "-rtol", trainToy("-rtol", "1e-300")...),
		ff("atol 0", "-atol 0", trainToy("-atol", "0")...),
		ff("atol negative", "-atol", trainToy("-atol", "-1e-5")...),
		ff("hidden 2^62", "-hidden", trainToy("-hidden", "4611686018427387904")...),
		ff("hidden 1e8", "-hidden", trainToy("-hidden", "100000000")...),
		ff("hidden overflow", "-hidden", trainToy("-hidden", "99999999999999999999999")...),
		ff("hidden 0", "-hidden", trainToy("-hidden", "0")...),
		ff("hidden empty", "-hidden", trainToy("-hidden", "")...),
		ff("hidden not a number", "-hidden", trainToy("-hidden", "8,x")...),
		ff("hidden too many layers", "-hidden", trainToy("-hidden", strings.Repeat("8,", 100)+"8")...),
		ff("weights over the limit", "weights", trainToy("-blocks", "256", "-hidden", "4096,4096")...),
		ff("toy n 0", "-n 0", trainToy("-n", "0")...),
		ff("toy n 1e9 as text", "invalid value", trainToy("-n", "1e9")...),
		ff("toy n 1e9", "-n 1000000000", trainToy("-n", "1000000000")...),
		ff("test-n 2^62", "-test-n 4611686018427387903", trainToy("-test-n", "4611686018427387903")...),
		ff("test-n negative", "-test-n -1", trainToy("-test-n", "-1")...),
		ff("cosine 2", "-cosine", trainToy("-cosine", "2")...),
		ff("cosine negative", "-cosine", trainToy("-cosine", "-0.5")...),
		ff("clip negative", "-clip", trainToy("-clip", "-1")...),
		ff("clip Inf", "-clip", trainToy("-clip", "Inf")...),
		ff("kinetic NaN", "-kinetic", trainToy("-kinetic", "NaN")...),
		ff("jacobian negative", "-jacobian", trainToy("-jacobian", "-1")...),
		ff("gradient unknown", "-gradient", trainToy("-gradient", "magic")...),
		ff("trace unknown", "-trace", trainToy("-trace", "magic")...),
		ff("time unknown", "-time", trainToy("-time", "sideways")...),
		ff("activation unknown", "-activation", trainToy("-activation", "relu6")...),
		ff("toy unknown", "unicorns", trainToy("-toy", "unicorns")...),
		ff("data and toy", "not both", "train", "-toy", "moons", "-data", "$D/d.csv", "-model", "$D/new.json"),
		ff("no data", "give -data", "train", "-model", "$D/new.json"),
		ff("stray argument", "unexpected argument", trainToy("5")...),
		ff("unknown flag", "-foo", trainToy("-foo")...),
		ff("seed not a number", "-seed", trainToy("-seed", "-1")...),
		// -h exits 0; a missing or unknown command is an error.
		ok(ff("help", "", "-h"), "usage"),
		ok(ff("train help", "", "train", "-h"), "-epochs"),
		ok(ff("logprob help", "", "logprob", "-h"), "-in"),
		ok(ff("sample help", "", "sample", "-h"), "-n"),
		ok(ff("plot help", "", "plot", "-h"), "-grid"),
		ok(mo("moons help", "", "-h"), "-test-n"),
		ff("no command", "usage"),
		ff("unknown command", `unknown command "fly"`, "fly"),
		// CSV input.
		ff("csv 100000 columns", "limit of 10000 columns", "train", "-data", "$D/wide.csv", "-model", "$D/new.json"),
		ff("csv /dev/zero", "not a regular file (it is a character device)", "train", "-data", "/dev/zero", "-model", "$D/new.json"),
		ff("csv typo in first row", "line 1, column 2", "train", "-data", "$D/typo.csv", "-model", "$D/new.json"),
		ff("csv ragged", "line 2", "train", "-data", "$D/ragged.csv", "-model", "$D/new.json"),
		ff("csv header only", "no data", "train", "-data", "$D/empty.csv", "-model", "$D/new.json"),
		ff("csv NaN", "non-finite", "train", "-data", "$D/nan.csv", "-model", "$D/new.json"),
		ff("csv missing", "no such file", "train", "-data", "$D/none.csv", "-model", "$D/new.json"),
		ff("csv directory", "directory", "train", "-data", "$D/sub", "-model", "$D/new.json"),
		ff("test csv other dimension", "columns", "train", "-data", "$D/d.csv", "-test", "$D/d3.csv", "-model", "$D/new.json"),
		ff("logprob /dev/zero", "not a regular file (it is a character device)", "logprob", "-model", "$D/m.json", "-in", "/dev/zero"),
		ff("logprob other dimension", "3 columns", "logprob", "-model", "$D/m.json", "-in", "$D/d3.csv"),
		ff("logprob no in", "give -in", "logprob", "-model", "$D/m.json"),
		ok(ff("logprob -Inf", "", "logprob", "-model", "$D/m.json", "-in", "$D/far.csv"), "-Inf"),
		{name: "logprob -Inf to a file", bin: "ffjord", args: []string{"logprob", "-model", "$D/m.json", "-in", "$D/far.csv", "-out", "$D/lp.csv"},
			check: func(t *testing.T, dir string) {
				if raw, err := os.ReadFile(filepath.Join(dir, "lp.csv")); err != nil || !strings.HasSuffix(string(raw), "\n-Inf\n") {
					t.Errorf("lp.csv: %q, %v", raw, err)
				}
			}},
		// Model files.
		ff("model /dev/zero", "not a regular file", "sample", "-model", "/dev/zero"),
		ff("model is CSV", "bad checkpoint", "sample", "-model", "$D/d.csv"),
		ff("model truncated", "bad checkpoint", "sample", "-model", "$D/notjson.json"),
		ff("model missing", "no such file", "sample", "-model", "$D/none.json"),
		ff("model is a directory", "not a regular file", "sample", "-model", "$D/sub"),
		ff("model empty path", "-model is empty", "sample", "-model", ""),
		ff("logprob model /dev/zero", "not a regular file", "logprob", "-model", "/dev/zero", "-in", "$D/d.csv"),
		ff("plot model /dev/zero", "not a regular file", plot("-model", "/dev/zero")...),
		// Sample counts.
		ff("sample n max int", "-n 9223372036854775807", "sample", "-model", "$D/m.json", "-n", "9223372036854775807"),
		ff("sample n 1e9", "-n 1000000000", "sample", "-model", "$D/m.json", "-n", "1000000000"),
		ff("sample n 0", "-n 0", "sample", "-model", "$D/m.json", "-n", "0"),
		ff("sample n negative", "-n -5", "sample", "-model", "$D/m.json", "-n", "-5"),
		ok(ff("sample to stdout", "", "sample", "-model", "$D/m.json", "-n", "3"), "x1,x2"),
		{name: "sample removes a killed save's leftover", bin: "ffjord", args: []string{"sample", "-model", "$D/m.json", "-n", "5", "-out", "$D/s.csv"},
			check: noLeftover},
		// An output's symbolic link is replaced, never written through.
		overLink(ff("sample -out over a dangling link", "", "sample", "-model", "$D/m.json", "-n", "5", "-out", "$D/slink.csv"), "slink.csv", "none", nil),
		overLink(ff("sample -out over a link to another file", "", "sample", "-model", "$D/m.json", "-n", "5", "-out", "$D/slink.csv"), "slink.csv", "d.csv", nil),
		overLink(ff("logprob -out over a link to another file", "", "logprob", "-model", "$D/m.json", "-in", "$D/d.csv", "-out", "$D/llink.csv"), "llink.csv", "flow.json", nil),
		overLink(ff("sample -context-in -out over a link", "", "sample", "-model", "$D/cm.json", "-context-in", "$D/ctx.csv", "-out", "$D/slink.csv"), "slink.csv", "dc.csv", nil),
		overLink(ff("plot over a link to another file", "", plot("-only", "density", "-grid", "10", "-size", "50,50", "-format", "svg")...), "figs/density.svg", "../d.csv", nil),
		overLink(mo("moons model over a link to another file", "", with(tiny, "-figures=false", "-quiet", "-out", "$D/o")...), "o/model.json", "../m.json", loads(0)),
		// Plot sizes.
		ff("plot grid 3037000500", "-grid 3037000500", plot("-grid", "3037000500")...),
		ff("plot grid 100000", "-grid 100000", plot("-grid", "100000")...),
		ff("plot grid 1", "-grid 1", plot("-grid", "1")...),
		ff("plot size huge", "-size", plot("-size", "1000000,1000000")...),
		ff("plot size zero", "-size", plot("-size", "0,10")...),
		ff("plot n 0", "-n 0", plot("-n", "0")...),
		ff("plot n huge", "-n", plot("-n", "4611686018427387903")...),
		ff("plot bounds empty", "-bounds", plot("-bounds", "1,0,0,1")...),
		ff("plot bounds NaN", "-bounds", plot("-bounds", "NaN,1,0,1")...),
		ff("plot bounds width overflows", "each width finite", plot("-bounds", "-1e308,1e308,-1,1")...),
		ff("plot max 200%", "-max", plot("-max", "200%")...),
		ff("plot max negative", "-max", plot("-max", "-1")...),
		ff("plot only unknown", "-only", plot("-only", "density,map")...),
		ff("plot 3-D data", "columns", plot("-data", "$D/d3.csv")...),
		{name: "plot density thumbnail", bin: "ffjord", args: plot("-only", "density", "-grid", "10", "-size", "50,50", "-format", "svg"), stdout: "wrote",
			check: func(t *testing.T, dir string) {
				if _, err := os.Stat(filepath.Join(dir, "figs", "density.svg")); err != nil {
					t.Error(err)
				}
			}},
		// Resume.
		ff("resume other blocks", "-blocks 2 (the checkpoint has 1)", resume("-epochs", "2", "-blocks", "2")...),
		ff("resume other hidden", "-hidden 16", resume("-epochs", "2", "-hidden", "16")...),
		ff("resume other gradient", "-gradient discrete", resume("-epochs", "2", "-gradient", "discrete")...),
		ff("resume other tolerance", "-rtol 0.0001", resume("-epochs", "2", "-rtol", "1e-4")...),
		ff("resume other step control", "-step-control row (the checkpoint has default)", resume("-epochs", "2", "-step-control", "row")...),
		// -resume continues with the recorded training flags and refuses
		// others (issue 27, item 4).
		ff("resume other lr", "-lr 0.001 (the checkpoint has 0.01)", resume("-epochs", "2", "-lr", "0.001")...),
		ff("resume other batch", "-batch 32 (the checkpoint has 64)", resume("-epochs", "2", "-batch", "32")...),
		ff("resume other cosine", "-cosine 0.5 (the checkpoint has 0)", resume("-epochs", "2", "-cosine", "0.5")...),
		ff("resume other clip", "-clip 1 (the checkpoint has 0)", resume("-epochs", "2", "-clip", "1")...),
		ff("resume other seed", "-seed 2 (the checkpoint has 1)", resume("-epochs", "2", "-seed", "2")...),
		ff("resume other kinetic", "-kinetic 0.1 (the checkpoint has 0)", resume("-epochs", "2", "-kinetic", "0.1")...),
		ff("resume other jacobian", "-jacobian 0.1 (the checkpoint has 0)", resume("-epochs", "2", "-jacobian", "0.1")...),
		ff("resume other weight-decay", "-weight-decay 0.01 (the checkpoint has 0)", resume("-epochs", "2", "-weight-decay", "0.01")...),
		ff("resume other objective", "-objective cfm (the checkpoint has mle)", resume("-epochs", "2", "-objective", "cfm")...),
		ff("resume other sigma-min", "-sigma-min 0.2 (the checkpoint has 0.1)", resume("-epochs", "2", "-sigma-min", "0.2")...),
		ff("resume other toy n", "-n 128 (the checkpoint has 64)", resume("-epochs", "2", "-n", "128")...),
		ff("resume other toy set", "-toy rings (the checkpoint has moons)", resume("-epochs", "2", "-toy", "rings")...),
		ff("resume other lr and blocks", "-blocks 2 (the checkpoint has 1), -lr 0.1 (the checkpoint has 0.01)", resume("-epochs", "2", "-blocks", "2", "-lr", "0.1")...),
		ff("resume record lr not a number", `-resume: the checkpoint records -lr "fast"`, resume("-epochs", "2", "-model", "$D/rec_lr_text.json")...),
		ff("resume record batch 0", "the checkpoint's record: -batch 0", "train", "-resume", "-toy", "moons", "-epochs", "2", "-model", "$D/rec_batch_0.json"),
		ff("resume record lr NaN", "the checkpoint's record: -lr NaN", resume("-epochs", "2", "-model", "$D/rec_lr_nan.json")...),
		ff("resume record n huge", "the checkpoint's record: -n 1000000000", "train", "-resume", "-toy", "moons", "-epochs", "2", "-model", "$D/rec_n_huge.json"),
		ff("resume record not text", "bad checkpoint", resume("-epochs", "2", "-model", "$D/rec_not_text.json")...),
		{name: "resume takes the recorded lr", bin: "ffjord", args: []string{"train", "-resume", "-toy", "moons", "-epochs", "2", "-model", "$D/lr3.json"},
			stdout: "saved", mutates: []string{"lr3.json"},
			check: func(t *testing.T, dir string) {
				ck, err := loadCheckpoint(filepath.Join(dir, "lr3.json"))
				if err != nil || ck.Training.Epoch != 2 {
					t.Fatalf("lr3.json after resuming: %v", err)
				}
				if h := ck.Training.History[1]; h.LearningRate != 0.003 {
					t.Errorf("epoch 2 trained at lr %g, want the recorded 0.003", h.LearningRate)
				}
				if r := ck.Training.Record; r["batch"] != "32" || r["n"] != "96" || r["clip"] != "4" || r["seed"] != "9" {
					t.Errorf("record after resuming: %v", r)
				}
			}},
		{name: "resume ignores a recorded model flag", bin: "ffjord", args: resume("-epochs", "2", "-model", "$D/rec_blocks.json"),
			stdout: "saved", mutates: []string{"rec_blocks.json"},
			check: func(t *testing.T, dir string) {
				if ck, err := loadCheckpoint(filepath.Join(dir, "rec_blocks.json")); err != nil || len(ck.Flow.EndTimes()) != 1 {
					t.Errorf("rec_blocks.json after resuming: %v", err)
				}
			}},
		{name: "resume an old checkpoint takes the flags", bin: "ffjord", args: resume("-epochs", "2", "-lr", "0.002", "-model", "$D/m_old.json"),
			stdout: "saved", mutates: []string{"m_old.json"},
			check: func(t *testing.T, dir string) {
				if ck, err := loadCheckpoint(filepath.Join(dir, "m_old.json")); err != nil || ck.Training.History[1].LearningRate != 0.002 {
					t.Errorf("m_old.json after resuming: %v", err)
				}
			}},
		// An existing model is replaced only on request (issue 27's first
		// policy decision).
		ff("train onto an existing model", "/m.json exists: continue its training with -resume, or replace it with -overwrite", with(trainToy("-model", "$D/m.json"), tiny...)...),
		ff("train onto an existing model through a link", "exists: continue its training with -resume, or replace it with -overwrite", with(trainToy("-model", "$D/mlink.json"), tiny...)...),
		ff("train onto an existing data model", "exists", "train", "-data", "$D/d.csv", "-epochs", "1", "-blocks", "1", "-hidden", "4", "-model", "$D/dm.json"),
		ff("train onto an existing non-model file", "exists", with(trainToy("-model", "$D/notjson.json"), tiny...)...),
		ff("train resume and overwrite", "give -resume (continue -model) or -overwrite (replace it), not both", resume("-epochs", "2", "-overwrite")...),
		{name: "train overwrite an existing model", bin: "ffjord", args: with(trainToy("-model", "$D/m.json", "-overwrite", "-lr", "0.004"), tiny...),
			stdout: "saved", mutates: []string{"m.json", "mhard.json"},
			check: func(t *testing.T, dir string) {
				if ck, err := loadCheckpoint(filepath.Join(dir, "m.json")); err != nil || ck.Training.Record["lr"] != "0.004" {
					t.Errorf("m.json after -overwrite: %v", err)
				}
			}},
		// digits and matching: sizes and names refused up front; a small
		// held-out set still draws its grid.
		ok(di("digits with 8 held-out images (fewer than the grid's 100)", "", "-test-n", "8", "-val-n", "100", "-budget", "1s", "-hidden", "8", "-copies", "1", "-marginals", "1", "-max-components", "1", "-patience", "1", "-out", "$D/dout"), "samples.png"),
		di("digits -out is a file", "-out", "-budget", "1s", "-test-n", "8", "-out", "$D/d.csv"),
		di("digits -preprocess bogus", "-preprocess", "-preprocess", "bogus", "-out", "$D/dout"),
		di("digits -test-n 0", "-test-n 0", "-test-n", "0", "-out", "$D/dout"),
		di("digits -val-n too many", "leave", "-val-n", "1000", "-test-n", "1000", "-out", "$D/dout"),
		di("digits -copies 0", "-copies 0", "-copies", "0", "-out", "$D/dout"),
		di("digits -budget 0", "-budget", "-budget", "0s", "-out", "$D/dout"),
		di("digits -max-components 0", "-max-components 0", "-max-components", "0", "-out", "$D/dout"),
		di("digits -weight-decay NaN", "-weight-decay", "-weight-decay", "NaN", "-out", "$D/dout"),
		di("digits -lr 0", "-lr 0: want a learning rate > 0 and ≤ 10", "-lr", "0", "-out", "$D/dout"),
		di("digits -lr 1e300", "-lr 1e+300: want a learning rate > 0 and ≤ 10", "-lr", "1e300", "-out", "$D/dout"),
		sc("stepcontrol -n under the 256-point batch", "-n 100", "-model", "$D/m.json", "-n", "100"),
		sc("stepcontrol -repeat 0", "-repeat 0", "-model", "$D/m.json", "-repeat", "0"),
		sc("stepcontrol -n over one batch's limit", "-n 10000000: want 256 to", "-model", "$D/m.json", "-n", "10000000"),
		sc("stepcontrol -n past the points a whole-batch solve fits in memory", "-n 1048577: want 256 to 1048576", "-model", "$D/m.json", "-n", "1048577"),
		sc("stepcontrol missing model", "no such file", "-model", "$D/none.json"),
		ma("matching empty -objectives", "empty name", "-objectives", "", "-sets", "moons"),
		ma("matching -objectives with an empty entry", "empty name", "-objectives", "mle,,cfm", "-sets", "moons"),
		ma("matching -objectives reflow", "reflow", "-objectives", "reflow", "-sets", "moons"),
		ma("matching cfm -sigma-min NaN", "NaN", "-objectives", "cfm", "-sigma-min", "NaN", "-sets", "moons"),
		ma("matching -test-n 0", "-test-n 0", "-test-n", "0"),
		ma("matching -sets empty", "-sets", "-sets", ""),
		ma("matching -sets twice", `"moons" is given twice`, "-sets", "moons,rings,moons"),
		ma("matching -objectives twice", `"cfm" is given twice`, "-objectives", "cfm,mle,cfm", "-sets", "moons"),
		ff("plot -only twice", `"density" is given twice`, plot("-only", "density,density")...),
		ma("matching -hidden 0", "hidden widths", "-hidden", "0"),
		ff("train unknown step control", `unknown step control "diagonal"`, "train", "-toy", "moons", "-step-control", "diagonal", "-model", "$D/new.json"),
		ff("train empty step control", `-step-control "": want batch or row`, trainToy("-step-control", "")...),
		ff("train empty objective", `-objective "": want mle, cfm or otcfm`, trainToy("-objective", "")...),
		mo("moons empty step control", `-step-control ""`, "-step-control", ""),
		ff("logprob empty step control", `-step-control "": want row or batch`, "logprob", "-model", "$D/m.json", "-in", "$D/d.csv", "-step-control", ""),
		ff("resume two conflicts", "-trace hutchinson (the checkpoint has exact)", resume("-epochs", "2", "-time", "ignore", "-trace", "hutchinson")...),
		ok(ff("resume nothing to do", "", resume("-epochs", "1")...), "nothing to do"),
		ff("resume without training state", "no training state", resume("-model", "$D/flow.json")...),
		ff("resume missing model", "no such file", resume("-model", "$D/none.json")...),
		ff("resume other dimension", "3 columns", "train", "-resume", "-data", "$D/d3.csv", "-epochs", "2", "-model", "$D/m.json"),
		{name: "resume agreeing flags", bin: "ffjord", args: resume("-epochs", "2", "-blocks", "1", "-hidden", "4", "-rtol", "0.001"),
			stdout: "saved", mutates: []string{"m.json"}},
		// Training that works.
		ok(ff("train tiny", "", with([]string{"train", "-toy", "moons", "-model", "$D/new.json"}, tiny...)...), "test_nll="),
		ok(ff("train on a CSV with a test CSV", "", "train", "-data", "$D/d.csv", "-test", "$D/d.csv", "-epochs", "1", "-blocks", "1", "-hidden", "4", "-model", "$D/new.json"), "test_nll="),
		// -model's link is replaced by the saves; -resume reads through
		// it, and the link's target stays as it was.
		overLink(ok(ff("train over a dangling link", "", with([]string{"train", "-toy", "moons", "-model", "$D/tlink.json"}, tiny...)...), "saved"), "tlink.json", "none", loads(0)),
		overLink(ok(ff("train -overwrite over a link to another model", "", with([]string{"train", "-toy", "moons", "-overwrite", "-model", "$D/tlink.json"}, tiny...)...), "saved"), "tlink.json", "flow.json", loads(0)),
		overLink(ok(ff("resume through a link, saving over it", "", resume("-epochs", "2", "-model", "$D/tlink.json")...), "saved"), "tlink.json", "m.json", loads(2)),
		// moons.
		mo("moons epochs 0", "-epochs 0", "-epochs", "0"),
		mo("moons n 0", "-n 0", "-n", "0"),
		mo("moons n huge", "-n", "-n", "1000000000"),
		mo("moons hidden 1e8", "-hidden", "-hidden", "100000000"),
		mo("moons blocks million", "-blocks 1000000", "-blocks", "1000000"),
		mo("moons lr 0", "-lr 0", "-lr", "0"),
		mo("moons lr 1e9", "-lr 1e+09", "-lr", "1e9"),
		mo("moons rtol 0", "-rtol 0", "-rtol", "0"),
		mo("moons batch 0", "-batch 0", "-batch", "0"),
		mo("moons unknown flag", "-foo", "-foo"),
		mo("moons stray argument", "unexpected argument", "train"),
		mo("moons bad bool", "-figures", "-figures=maybe"),
		ok(mo("moons tiny", "", with(tiny, "-figures=false", "-quiet", "-out", "$D/o")...), "test_nll="),
	}
	cases = append(cases, recipeCases()...)
	cases = append(cases, fileTypeCases()...)
	return append(cases, conditionalCases()...)
}

// recipeCases are the cases of ffjord train's real-data flags: the
// held-out fractions, early stopping, preprocessing, base and
// dequantisation of -data, and resuming such a training.
func recipeCases() []cliCase {
	trainD := func(more ...string) []string {
		return with([]string{"train", "-data", "$D/d.csv", "-model", "$D/new.json"}, more...)
	}
	resumeD := func(more ...string) []string {
		return with([]string{"train", "-resume", "-data", "$D/d.csv", "-batch", "64", "-model", "$D/dm.json", "-epochs", "2"}, more...)
	}
	return []cliCase{
		ff("val-frac 0", "-val-frac 0: want a fraction in (0, 1)", trainD("-val-frac", "0")...),
		ff("val-frac 1", "-val-frac 1: want a fraction in (0, 1)", trainD("-val-frac", "1")...),
		ff("val-frac negative", "-val-frac -0.5", trainD("-val-frac", "-0.5")...),
		ff("val-frac NaN", "-val-frac NaN", trainD("-val-frac", "NaN")...),
		ff("val-frac Inf", "-val-frac +Inf", trainD("-val-frac", "Inf")...),
		ff("val-frac not a number", "-val-frac", trainD("-val-frac", "tenth")...),
		ff("test-frac 1", "-test-frac 1: want a fraction in [0, 1)", trainD("-test-frac", "1")...),
		ff("test-frac negative", "-test-frac -1e-300", trainD("-test-frac", "-1e-300")...),
		ff("test-frac NaN", "-test-frac NaN", trainD("-test-frac", "NaN")...),
		ff("fractions holding out every row", "hold out all the rows", trainD("-val-frac", "0.7", "-test-frac", "0.3")...),
		ff("fractions leaving too few training rows", "leaving 2 training rows for 2 columns", trainD("-val-frac", "0.5", "-test-frac", "0.47")...),
		ff("one test row", "holds out 1 test row", trainD("-test-frac", "0.001")...),
		ff("test-frac with a test file", "-test-frac 0.2 with -test FILE", trainD("-test", "$D/d.csv", "-test-frac", "0.2")...),
		ff("patience negative", "-patience -1", trainD("-patience", "-1")...),
		ff("patience huge", "-patience 9223372036854775807", trainD("-patience", "9223372036854775807")...),
		ff("preprocess unknown", `-preprocess "pca"`, trainD("-preprocess", "pca")...),
		ff("preprocess empty", `-preprocess ""`, trainD("-preprocess", "")...),
		ff("base unknown", `-base "flow": want mixture or normal`, trainD("-base", "flow")...),
		ff("dequantize unknown", `-dequantize "yes": want auto or none`, trainD("-dequantize", "yes")...),
		ff("weight-decay negative", "-weight-decay -0.1", trainD("-weight-decay", "-0.1")...),
		ff("weight-decay NaN", "-weight-decay NaN", trainD("-weight-decay", "NaN")...),
		ff("recipe flag with a toy set", "-val-frac: only with -data", "train", "-toy", "moons", "-val-frac", "0.2", "-model", "$D/new.json"),
		ff("recipe flag with context", "-preprocess: only for an unconditional flow", "train", "-data", "$D/dc.csv", "-context", "2", "-preprocess", "raw", "-model", "$D/new.json"),
		ff("recipe flag resuming a conditional model", "-base: only for an unconditional flow", "train", "-resume", "-data", "$D/dc.csv", "-base", "normal", "-epochs", "2", "-model", "$D/cm.json"),
		// -resume re-derives the validation rows and refuses others.
		ff("resume data with another seed", "-seed 2 (the checkpoint has 1)", resumeD("-seed", "2")...),
		ff("resume data with another val-frac", "-val-frac 0.3 (the checkpoint has 0.1)", resumeD("-val-frac", "0.3")...),
		ff("resume data with another test-frac", "-test-frac 0.2 (the checkpoint has 0.1)", resumeD("-test-frac", "0.2")...),
		ff("resume data with another patience", "-patience 2 (the checkpoint has 10)", resumeD("-patience", "2")...),
		ff("resume data with another dequantize", "-dequantize none (the checkpoint has auto)", resumeD("-dequantize", "none")...),
		ff("resume data with a test file", "-test-frac 0.1 of -data as its test rows; drop -test", resumeD("-test", "$D/d.csv")...),
		ff("resume data record val-frac 1.5", "the checkpoint's record: -val-frac 1.5", resumeD("-model", "$D/rec_dm_frac.json")...),
		// A checkpoint from before the record: the rows are checked by
		// their validation NLL.
		ff("resume old data with another seed", "not the validation rows the checkpoint was trained on", resumeD("-seed", "2", "-model", "$D/dm_old.json")...),
		ff("resume old data with another val-frac", "not the validation rows", resumeD("-val-frac", "0.3", "-model", "$D/dm_old.json")...),
		ff("resume old data with another test-frac", "not the validation rows", resumeD("-test-frac", "0.2", "-model", "$D/dm_old.json")...),
		ff("resume data with -preprocess", "-preprocess with -resume", resumeD("-preprocess", "whiten")...),
		ff("resume data with -base", "-base with -resume", resumeD("-base", "mixture")...),
		ff("resume data with other hidden", "-hidden 8 (the checkpoint has 4)", resumeD("-hidden", "8")...),
		ff("resume a toy model on data", "trained without validation rows", "train", "-resume", "-data", "$D/d.csv", "-epochs", "2", "-model", "$D/m.json"),
		{name: "resume data", bin: "ffjord", args: resumeD("-blocks", "1", "-hidden", "4"), stdout: "test_minus_gmm=", mutates: []string{"dm.json"},
			check: func(t *testing.T, dir string) {
				if ck, err := loadCheckpoint(filepath.Join(dir, "dm.json")); err != nil || ck.Training.Epoch != 2 || ck.Training.Best == nil {
					t.Errorf("dm.json after resuming: %v", err)
				}
			}},
		ok(ff("train on a CSV by the recipe", "", trainD("-epochs", "1", "-blocks", "1", "-hidden", "4", "-weight-decay", "0.01", "-base", "normal", "-preprocess", "standardize")...), "gmm_nll="),
		ok(ff("train help lists the recipe", "", "train", "-h"), "-dequantize"),
	}
}

// fileTypeCases give a named pipe, which blocks an open until its other
// end is opened, and a device as every file flag: each must be refused at
// once, unopened, whatever the subcommand, also through a link.
func fileTypeCases() []cliCase {
	const notRegular = "not a regular file (it is a named pipe)"
	return []cliCase{
		ff("train -data a FIFO", "/fifo is "+notRegular, "train", "-data", "$D/fifo", "-model", "$D/new.json"),
		ff("train -data a link to a FIFO", "/fifolink is "+notRegular, "train", "-data", "$D/fifolink", "-model", "$D/new.json"),
		ff("train recipe -test a FIFO", "/fifo is "+notRegular, "train", "-data", "$D/d.csv", "-test", "$D/fifo", "-model", "$D/new.json"),
		ff("train toy -test a FIFO", "/fifo is "+notRegular, "train", "-toy", "moons", "-test", "$D/fifo", "-model", "$D/new.json"),
		ff("train conditional -data a FIFO", "/fifo is "+notRegular, "train", "-data", "$D/fifo", "-context", "2", "-model", "$D/new.json"),
		ff("train -model a FIFO", "/fifo: cannot be written: "+notRegular, "train", "-toy", "moons", "-model", "$D/fifo"),
		ff("train -model a link to a FIFO", "/fifolink exists: continue its training with -resume", "train", "-toy", "moons", "-model", "$D/fifolink"),
		ff("train -resume -model a FIFO", "/fifo: cannot be written: "+notRegular, "train", "-resume", "-toy", "moons", "-model", "$D/fifo"),
		ff("train -model a device", "not a regular file (it is a character device)", "train", "-toy", "moons", "-model", "/dev/null"),
		ff("logprob -in a FIFO", "/fifo is "+notRegular, "logprob", "-model", "$D/m.json", "-in", "$D/fifo"),
		ff("logprob -in a link to a FIFO", "/fifolink is "+notRegular, "logprob", "-model", "$D/m.json", "-in", "$D/fifolink"),
		ff("logprob -model a FIFO", "/fifo is "+notRegular, "logprob", "-model", "$D/fifo", "-in", "$D/d.csv"),
		ff("logprob -out a FIFO", "/fifo: cannot be written: "+notRegular, "logprob", "-model", "$D/m.json", "-in", "$D/d.csv", "-out", "$D/fifo"),
		ff("logprob -out a device", "not a regular file (it is a character device)", "logprob", "-model", "$D/m.json", "-in", "$D/d.csv", "-out", "/dev/null"),
		ff("sample -model a FIFO", "/fifo is "+notRegular, "sample", "-model", "$D/fifo"),
		ff("sample -out a FIFO", "/fifo: cannot be written: "+notRegular, "sample", "-model", "$D/m.json", "-n", "3", "-out", "$D/fifo"),
		{name: "sample -out over a link to a FIFO", bin: "ffjord", args: []string{"sample", "-model", "$D/m.json", "-n", "3", "-out", "$D/fifolink"},
			check: func(t *testing.T, dir string) {
				if fi, err := os.Lstat(filepath.Join(dir, "fifolink")); err != nil || !fi.Mode().IsRegular() {
					t.Errorf("the link was not replaced: %v", err)
				}
				if fi, err := os.Lstat(filepath.Join(dir, "fifo")); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
					t.Errorf("the pipe was replaced: %v", err)
				}
			}},
		ff("sample -context-in a FIFO", "/fifo is "+notRegular, "sample", "-model", "$D/cm.json", "-context-in", "$D/fifo"),
		ff("plot -data a FIFO", "/fifo is "+notRegular, "plot", "-model", "$D/m.json", "-data", "$D/fifo", "-out", "$D/figs"),
		ff("plot -model a FIFO", "/fifo is "+notRegular, "plot", "-model", "$D/fifo", "-out", "$D/figs"),
		sc("stepcontrol -model a FIFO", "/fifo is "+notRegular, "-model", "$D/fifo"),
	}
}

// conditionalCases are the cases of the context flags: ffjord's -context,
// -context-input and -context-in, and the conditional example.
func conditionalCases() []cliCase {
	trainC := func(more ...string) []string {
		return with([]string{"train", "-data", "$D/dc.csv", "-model", "$D/new.json"}, more...)
	}
	resumeC := func(more ...string) []string {
		return with([]string{"train", "-resume", "-data", "$D/dc.csv", "-batch", "64", "-model", "$D/cm.json", "-epochs", "2"}, more...)
	}
	sampleC := func(more ...string) []string {
		return with([]string{"sample", "-model", "$D/cm.json"}, more...)
	}
	logprobC := func(more ...string) []string {
		return with([]string{"logprob", "-model", "$D/cm.json"}, more...)
	}
	return []cliCase{
		// train -context: within limits, leaving points, only on CSV data.
		ff("context negative", "-context -1: want 0 to 4096", trainC("-context", "-1")...),
		ff("context huge", "-context 9223372036854775807", trainC("-context", "9223372036854775807")...),
		ff("context equal to the columns", "has 4 columns: 4 context columns leave none", trainC("-context", "4")...),
		ff("context past the columns", "has 4 columns: 7 context columns leave none", trainC("-context", "7")...),
		ff("context with a toy set", "the -toy sets have no context columns", "train", "-toy", "moons", "-context", "2", "-model", "$D/new.json"),
		ff("context not a number", "-context", trainC("-context", "two")...),
		ff("context-input unknown", `-context-input "magic": want concat or squash`, trainC("-context", "2", "-context-input", "magic")...),
		ff("context-input without context", "-context-input squash without -context", trainC("-context-input", "squash")...),
		ff("context squash with concatsquash time", "cannot be combined with -time concatsquash", trainC("-context", "2", "-context-input", "squash", "-time", "concatsquash")...),
		ff("context test file of other width", "has 2 columns but the training data 4", trainC("-context", "2", "-test", "$D/d.csv")...),
		ff("context weights over the limit", "weights", trainC("-context", "2", "-blocks", "256", "-hidden", "4096,4096")...),
		// -resume takes C from the checkpoint and refuses another.
		ff("resume other context", "-context 1 (the checkpoint has 2)", resumeC("-context", "1")...),
		ff("resume other context-input", "-context-input squash (the checkpoint has concat)", resumeC("-context-input", "squash")...),
		ff("plot a conditional model", "is a conditional model", "plot", "-model", "$D/cm.json", "-out", "$D/figs"),
		ok(ff("per-row logprob of a conditional model", "", "logprob", "-model", "$D/cm.json", "-in", "$D/dc.csv", "-step-control", "row"), "logp"),
		ff("resume conditional on a toy set", "reads 2 context columns but the -toy sets have none", "train", "-resume", "-toy", "moons", "-epochs", "2", "-model", "$D/cm.json"),
		ff("resume conditional on data without context", "has 2 columns: 2 context columns leave none", resumeC("-data", "$D/d.csv")...),
		ff("resume conditional on data of other width", "the saved model reads 2 of x, then 2 of context", resumeC("-data", "$D/d3.csv", "-test", "")...),
		ff("resume unconditional with context", "-context 2 (the checkpoint has 0)", "train", "-resume", "-data", "$D/dc.csv", "-context", "2", "-epochs", "2", "-model", "$D/m.json"),
		{name: "resume conditional", bin: "ffjord", args: resumeC(), stdout: "saved", mutates: []string{"cm.json"},
			check: func(t *testing.T, dir string) {
				if ck, err := loadCheckpoint(filepath.Join(dir, "cm.json")); err != nil || ck.Training.Epoch != 2 || ck.Flow.ContextDim() != 2 {
					t.Errorf("cm.json after resuming: %v", err)
				}
			}},
		// logprob: the model knows C; the CSV must carry it.
		ff("logprob conditional without context columns", "has 2 columns but the model is conditional: 2 of x, then 2 of context, 4 in all", logprobC("-in", "$D/d.csv")...),
		ff("logprob conditional on 3 columns", "has 3 columns but the model is conditional", logprobC("-in", "$D/d3.csv")...),
		ff("logprob other context", "-context 1, but the model reads 2 context columns", logprobC("-in", "$D/dc.csv", "-context", "1")...),
		ff("logprob context negative", "-context -1", logprobC("-in", "$D/dc.csv", "-context", "-1")...),
		ff("logprob unconditional with context", "-context 2, but the model is unconditional", "logprob", "-model", "$D/m.json", "-in", "$D/dc.csv", "-context", "2"),
		ff("logprob unconditional given context columns", "has 4 columns but the model is 2-dimensional", "logprob", "-model", "$D/m.json", "-in", "$D/dc.csv"),
		ff("logprob conditional out is in", "same file", logprobC("-in", "$D/dc.csv", "-out", "$D/dc.csv")...),
		ok(ff("logprob conditional", "", logprobC("-in", "$D/dc.csv")...), "logp\n"),
		ok(ff("logprob conditional with matching context", "", logprobC("-in", "$D/dc.csv", "-context", "2")...), "logp\n"),
		// sample: one point per context row.
		ff("sample conditional without contexts", "give -context-in FILE.csv", sampleC()...),
		ff("sample contexts of other width", "has 3 columns but the model reads 2 context columns", sampleC("-context-in", "$D/d3.csv")...),
		ff("sample contexts with data columns", "has 4 columns but the model reads 2", sampleC("-context-in", "$D/dc.csv")...),
		ff("sample n other than the context rows", "-n 5 but -context-in has 3 rows", sampleC("-context-in", "$D/ctx.csv", "-n", "5")...),
		ff("sample one context n 1e9", "-n 1000000000", sampleC("-context-in", "$D/ctx1.csv", "-n", "1000000000")...),
		ff("sample unconditional with contexts", "the model is unconditional", "sample", "-model", "$D/m.json", "-context-in", "$D/ctx.csv"),
		ff("sample contexts /dev/zero", "not a regular file (it is a character device)", sampleC("-context-in", "/dev/zero")...),
		ff("sample contexts missing", "no such file", sampleC("-context-in", "$D/none.csv")...),
		ff("sample contexts header only", "no data", sampleC("-context-in", "$D/empty.csv")...),
		ff("sample contexts NaN", "non-finite", sampleC("-context-in", "$D/nan.csv")...),
		ff("sample out is the contexts", "same file", sampleC("-context-in", "$D/ctx.csv", "-out", "$D/ctx.csv")...),
		ok(ff("sample one per context", "", sampleC("-context-in", "$D/ctx.csv")...), "x1,x2\n"),
		{name: "sample one context repeated", bin: "ffjord", args: sampleC("-context-in", "$D/ctx1.csv", "-n", "4", "-out", "$D/s4.csv"),
			check: func(t *testing.T, dir string) {
				if raw, err := os.ReadFile(filepath.Join(dir, "s4.csv")); err != nil || strings.Count(string(raw), "\n") != 5 {
					t.Errorf("s4.csv: %q, %v", raw, err)
				}
			}},
		// Training a conditional flow that works.
		ok(ff("train conditional", "", trainC("-context", "2", "-test", "$D/dc.csv", "-epochs", "1", "-batch", "64", "-blocks", "1", "-hidden", "4", "-context-input", "squash")...), "test_nll="),
		// The conditional example.
		co("conditional set unknown", `-set "circles"`, "-set", "circles"),
		co("conditional context is the set's", "-context", "-context", "2"),
		co("conditional context-input unknown", "-context-input", "-context-input", "magic"),
		co("conditional epochs 0", "-epochs 0", "-epochs", "0"),
		co("conditional n 0", "-n 0", "-n", "0"),
		co("conditional out is a file", "-out", "-out", "$D/d.csv"),
		co("conditional format bmp", "-format", "-format", "bmp"),
		ok(co("conditional help", "", "-h"), "-set"),
		ok(co("conditional tiny", "", with(tiny, "-set", "rotated", "-figures=false", "-quiet", "-out", "$D/o")...), "test_nll="),
	}
}

func TestHostileCLI(t *testing.T) {
	ffjord, moons := build(t)
	src := fixtureDir(t, ffjord)
	cases := cliCases()
	names := map[string]bool{}
	for _, c := range cases {
		if names[c.name] {
			t.Fatalf("two cases named %q", c.name)
		}
		names[c.name] = true
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := copyFixture(t, src)
			if c.name == "sample removes a killed save's leftover" {
				if err := os.WriteFile(filepath.Join(dir, ".s.csv.tmp12345"), []byte("half a fi"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			before := hashes(t, dir)
			if c.setup != nil {
				c.setup(t, dir)
			}
			args := make([]string, len(c.args))
			for i, a := range c.args {
				args[i] = strings.ReplaceAll(a, "$D", dir)
			}
			bin := map[string]string{"ffjord": ffjord, "moons": moons, "conditional": bins.conditional, "digits": bins.digits, "matching": bins.matching, "stepcontrol": bins.stepcontrol}[c.bin]
			r := runCLI(t, dir, bin, args...)
			t.Logf("exit %d: %s", r.code, strings.TrimSpace(r.stderr))
			success := c.want == ""
			switch {
			case success && r.code != 0:
				t.Fatalf("exit %d, want 0\nstderr: %s", r.code, tail(r.stderr))
			case success && r.stderr != "":
				t.Fatalf("success with stderr %q", tail(r.stderr))
			case success && !strings.Contains(r.stdout, c.stdout):
				t.Fatalf("stdout does not contain %q:\n%s", c.stdout, tail(r.stdout))
			case !success && r.code != 1:
				t.Fatalf("exit %d, want 1 with %q\nstdout: %s", r.code, c.want, tail(r.stdout))
			case !success:
				oneLine(t, c.bin, r.stderr, c.want)
			}
			after := hashes(t, dir)
			for p, h := range before {
				if strings.HasSuffix(p, ".s.csv.tmp12345") || containsBase(c.mutates, p) {
					continue
				}
				if after[p] != h {
					t.Errorf("%s changed", filepath.Base(p))
				}
			}
			if c.check != nil {
				c.check(t, dir)
			}
		})
	}
	countCases(t, "cli_test.go", len(cases))
}

func containsBase(names []string, p string) bool {
	for _, n := range names {
		if filepath.Base(p) == n {
			return true
		}
	}
	return false
}

// startTraining starts a long training on model in dir and returns once
// its first epoch is saved, with a channel that yields its exit.
func startTraining(t *testing.T, dir, ffjord, model string) (*exec.Cmd, *strings.Builder, chan error) {
	t.Helper()
	return startWith(t, dir, ffjord, "train", "-toy", "moons", "-n", "128", "-test-n", "0", "-batch", "32",
		"-blocks", "1", "-hidden", "4", "-epochs", "100000", "-model", model)
}

// startWith starts ffjord with args in dir and returns once it has
// printed its first epoch, as startTraining.
func startWith(t *testing.T, dir, ffjord string, args ...string) (*exec.Cmd, *strings.Builder, chan error) {
	t.Helper()
	cmd := command(context.Background(), dir, ffjord, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	epoch := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sent := false
		for sc.Scan() {
			if !sent && strings.HasPrefix(sc.Text(), "epoch=") {
				epoch <- true
				sent = true
			}
		}
		if !sent {
			epoch <- false
		}
	}()
	select {
	case got := <-epoch:
		if !got {
			cmd.Wait()
			t.Fatalf("training ended before its first epoch: %s", stderr.String())
		}
	case <-time.After(caseTimeout):
		cmd.Process.Kill()
		t.Fatal("no epoch within the time limit")
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	return cmd, &stderr, done
}

// TestHostileCLISignals: SIGINT and SIGTERM stop training with a message
// and a loadable checkpoint; a second training on the same model, even
// through a symbolic link, is refused while the first runs.
func TestHostileCLISignals(t *testing.T) {
	defer countCases(t, "cli_test.go", 1)
	ffjord, _ := build(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			model := filepath.Join(dir, "m.json")
			cmd, stderr, done := startTraining(t, dir, ffjord, model)
			if err := os.Symlink("m.json", filepath.Join(dir, "link.json")); err != nil {
				t.Fatal(err)
			}
			second := runCLI(t, dir, ffjord, "train", "-toy", "moons", "-epochs", "1", "-model", filepath.Join(dir, "link.json"))
			if second.code != 1 {
				cmd.Process.Kill()
				t.Fatalf("second training on the same model: exit %d", second.code)
			}
			oneLine(t, "ffjord", second.stderr, "in use by another process")
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			var err error
			select {
			case err = <-done:
			case <-time.After(caseTimeout):
				cmd.Process.Kill()
				t.Fatalf("no exit within %v of %v", caseTimeout, sig)
			}
			r := checkExit(t, cmd, err, result{stderr: stderr.String()}, []string{sig.String()})
			if r.code != 1 {
				t.Fatalf("exit %d after %v, want 1", r.code, sig)
			}
			oneLine(t, "ffjord", r.stderr, "stopped by")
			ck, err := loadCheckpoint(model)
			if err != nil || ck.Training == nil || ck.Training.Epoch < 1 {
				t.Fatalf("checkpoint after %v: %v", sig, err)
			}
			if !strings.Contains(r.stderr, fmt.Sprintf("holds the %d completed epochs", ck.Training.Epoch)) {
				t.Errorf("message %q does not say the checkpoint's %d epochs", r.stderr, ck.Training.Epoch)
			}
		})
	}
}

// TestHostileCLISignalAfterTraining: a model trained with an absurd
// learning rate makes every later solve take thousands of steps per row
// (minutes for the test NLL). SIGINT during that evaluation, after the
// model is saved, and during logprob of that model, ends the program
// within seconds, with the signal as its one-line error.
func TestHostileCLISignalAfterTraining(t *testing.T) {
	defer countCases(t, "cli_test.go", 1)
	ffjord, _ := build(t)
	dir := t.TempDir()
	model := filepath.Join(dir, "m.json")
	points := filepath.Join(dir, "p.csv")
	var p strings.Builder
	p.WriteString("x,y\n")
	for i := range 8192 {
		fmt.Fprintf(&p, "%g,%g\n", float64(i%64)/32-1, float64(i/64)/64-1)
	}
	if err := os.WriteFile(points, []byte(p.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		wait string // the line of standard output after which the evaluation runs
	}{
		{"train test NLL", []string{"train", "-toy", "moons", "-lr", "10", "-epochs", "1", "-n", "256", "-test-n", "8192", "-model", model}, "saved "},
		{"logprob", []string{"logprob", "-model", model, "-in", points, "-out", filepath.Join(dir, "lp.csv")}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := command(context.Background(), dir, ffjord, c.args...)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			ready := make(chan bool, 1)
			go func() {
				sc := bufio.NewScanner(out)
				sent := c.wait == ""
				if sent {
					ready <- true
				}
				for sc.Scan() {
					if !sent && strings.HasPrefix(sc.Text(), c.wait) {
						ready <- true
						sent = true
					}
				}
				if !sent {
					ready <- false
				}
			}()
			select {
			case got := <-ready:
				if !got {
					t.Fatalf("ended before its evaluation: %s", stderr.String())
				}
			case <-time.After(caseTimeout):
				t.Fatal("no trained model within the time limit")
			}
			time.Sleep(time.Second) // well into the evaluation
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			const limit = 5 * time.Second
			select {
			case err = <-done:
			case <-time.After(limit):
				t.Fatalf("no exit within %v of SIGINT", limit)
			}
			r := checkExit(t, cmd, err, result{stderr: stderr.String()}, c.args)
			if r.code != 1 {
				t.Fatalf("exit %d after SIGINT, want 1", r.code)
			}
			oneLine(t, "ffjord", r.stderr, "stopped by interrupt")
		})
	}
}

// TestResumeEqualsStraight: a training interrupted and resumed as the
// interrupt message advises saves the same checkpoint, byte for byte, as
// one run straight through, with training flags other than the defaults
// (issue 27, item 4). Once stopped by SIGINT and resumed with the same
// command line plus -resume, and with -resume alone; once run to -epochs 3
// and resumed with -resume and the total -epochs (the other flags taken
// from the checkpoint; without -cosine, whose rates depend on the total).
func TestResumeEqualsStraight(t *testing.T) {
	defer countCases(t, "cli_test.go", 1)
	ffjord, _ := build(t)
	const epochs = "8"
	flags := []string{"train", "-toy", "moons", "-n", "256", "-test-n", "0", "-blocks", "1", "-hidden", "4",
		"-lr", "0.003", "-batch", "32", "-clip", "2", "-kinetic", "0.01", "-jacobian", "0.02", "-weight-decay", "0.001", "-seed", "5"}
	straight := func(t *testing.T, dir, model string, more ...string) []byte {
		r := runCLI(t, dir, ffjord, with(flags, with(more, "-epochs", epochs, "-model", model)...)...)
		if r.code != 0 {
			t.Fatalf("straight run: %s", r.stderr)
		}
		raw, err := os.ReadFile(model)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	same := func(t *testing.T, want []byte, model string) {
		got, err := os.ReadFile(model)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			ck, _ := loadCheckpoint(model)
			t.Fatalf("the resumed checkpoint differs from the straight one (%d bytes against %d); resumed record %v", len(got), len(want), ck.Training.Record)
		}
	}
	t.Run("SIGINT", func(t *testing.T) {
		dir := t.TempDir()
		cosine := []string{"-cosine", "0.2"}
		want := straight(t, dir, filepath.Join(dir, "straight.json"), cosine...)
		model := filepath.Join(dir, "m.json")
		args := with(flags, with(cosine, "-epochs", epochs, "-model", model)...)
		cmd, stderr, done := startWith(t, dir, ffjord, args...)
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		var err error
		select {
		case err = <-done:
		case <-time.After(caseTimeout):
			cmd.Process.Kill()
			t.Fatal("no exit after SIGINT")
		}
		r := checkExit(t, cmd, err, result{stderr: stderr.String()}, []string{"SIGINT"})
		oneLine(t, "ffjord", r.stderr, "continue with -resume")
		ck, err := loadCheckpoint(model)
		if err != nil || ck.Training.Epoch < 1 || ck.Training.Epoch >= 8 {
			t.Fatalf("after SIGINT: %v (want a checkpoint of 1 to 7 epochs)", err)
		}
		t.Logf("interrupted after %d epochs", ck.Training.Epoch)
		// The same command plus -resume, then, from a copy of the
		// interrupted checkpoint, -resume with nothing else: every
		// training flag, -epochs too, comes from the checkpoint.
		bare := filepath.Join(dir, "bare.json")
		raw, err := os.ReadFile(model)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(bare, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		if r := runCLI(t, dir, ffjord, with(args, "-resume")...); r.code != 0 {
			t.Fatalf("resume: %s", r.stderr)
		}
		same(t, want, model)
		if r := runCLI(t, dir, ffjord, "train", "-resume", "-toy", "moons", "-test-n", "0", "-model", bare); r.code != 0 {
			t.Fatalf("resume: %s", r.stderr)
		}
		same(t, want, bare)
	})
	t.Run("epochs", func(t *testing.T) {
		dir := t.TempDir()
		want := straight(t, dir, filepath.Join(dir, "straight.json"))
		model := filepath.Join(dir, "m.json")
		if r := runCLI(t, dir, ffjord, with(flags, "-epochs", "3", "-model", model)...); r.code != 0 {
			t.Fatalf("first 3 epochs: %s", r.stderr)
		}
		if r := runCLI(t, dir, ffjord, "train", "-resume", "-toy", "moons", "-test-n", "0", "-epochs", epochs, "-model", model); r.code != 0 {
			t.Fatalf("resume: %s", r.stderr)
		}
		same(t, want, model)
	})
}

// numericValues are the values every numeric flag is given.
var numericValues = []string{"-1", "0", "NaN", "+Inf", "-Inf", "1e308", "x", "", "1e400", "9223372036854775808"}

// numericFlag is one numeric flag of a program: kind is 'f' (float64),
// 'i' (int) or 'u' (uint64); rule is what its range error says after the
// value; accepts are the values of numericValues it takes, which are not
// run (they would train).
type numericFlag struct {
	bin     string
	base    []string
	flag    string
	kind    byte
	rule    string
	accepts []string
}

// numericFlags lists every numeric flag of every program.
func numericFlags() []numericFlag {
	train := []string{"train", "-toy", "moons", "-model", "$D/new.json"}
	trainD := []string{"train", "-data", "$D/d.csv", "-model", "$D/new.json"}
	logprob := []string{"logprob", "-model", "$D/m.json", "-in", "$D/d.csv", "-out", "$D/new.csv"}
	sample := []string{"sample", "-model", "$D/m.json", "-out", "$D/new.csv"}
	plot := []string{"plot", "-model", "$D/m.json", "-out", "$D/newfigs"}
	const (
		atol   = "want 1e-14 to 1"
		rtol   = "want 1e-12 to 1"
		n      = "want 1 to 10000000"
		off    = "want a finite number ≥ 0 (0: off)"
		cosine = "want a fraction in (0, 1], or 0 for a constant rate"
		lr     = "want a learning rate > 0 and ≤ 10"
		// RNODE weights and σ: 1e308 passed once, only to fail training.
		penalty = "want 0 (off) to 1000"
		decay   = "want ≥ 0 with -lr × -weight-decay < 1"
	)
	// Values the penalty and clipping flags take: off, and any finite
	// weight (1e308 is refused only once training fails).
	weights := []string{"0", "1e308", "9223372036854775808"}
	seeds := []string{"0", "9223372036854775808"}
	var flags []numericFlag
	for _, p := range []struct {
		bin   string
		base  []string
		testN string
	}{
		{"ffjord", train, "want 0 to 10000000"},
		{"moons", []string{"-quiet", "-figures=false", "-out", "$D/newout"}, n},
		{"conditional", []string{"-quiet", "-figures=false", "-out", "$D/newout"}, n},
	} {
		testNAccepts := []string(nil)
		if p.bin == "ffjord" {
			testNAccepts = []string{"0"}
		}
		flags = append(flags,
			numericFlag{p.bin, p.base, "atol", 'f', atol, nil},
			numericFlag{p.bin, p.base, "rtol", 'f', rtol, nil},
			numericFlag{p.bin, p.base, "batch", 'i', n, nil},
			numericFlag{p.bin, p.base, "n", 'i', n, nil},
			numericFlag{p.bin, p.base, "test-n", 'i', p.testN, testNAccepts},
			numericFlag{p.bin, p.base, "blocks", 'i', "want 1 to 256", nil},
			numericFlag{p.bin, p.base, "epochs", 'i', "want 1 to 1000000", nil},
			numericFlag{p.bin, p.base, "lr", 'f', lr, nil},
			numericFlag{p.bin, p.base, "cosine", 'f', cosine, []string{"0"}},
			numericFlag{p.bin, p.base, "clip", 'f', off, weights},
			numericFlag{p.bin, p.base, "jacobian", 'f', penalty, []string{"0"}},
			numericFlag{p.bin, p.base, "kinetic", 'f', penalty, []string{"0"}},
			numericFlag{p.bin, p.base, "weight-decay", 'f', decay, []string{"0"}},
			numericFlag{p.bin, p.base, "sigma-min", 'f', penalty, []string{"0"}},
			numericFlag{p.bin, p.base, "seed", 'u', "", seeds},
		)
	}
	digits := []string{"-out", "$D/newout"}
	matching := []string{"-sets", "moons"}
	stepcontrol := []string{"-model", "$D/m.json"}
	return append(flags,
		numericFlag{"ffjord", train, "context", 'i', "want 0 to 4096", []string{"0"}},
		numericFlag{"ffjord", trainD, "val-frac", 'f', "want a fraction in (0, 1)", nil},
		numericFlag{"ffjord", trainD, "test-frac", 'f', "want a fraction in [0, 1)", []string{"0"}},
		numericFlag{"ffjord", trainD, "patience", 'i', "want 0 to 1000000", []string{"0"}},
		numericFlag{"ffjord", logprob, "atol", 'f', atol, nil},
		numericFlag{"ffjord", logprob, "rtol", 'f', rtol, nil},
		numericFlag{"ffjord", logprob, "context", 'i', "want 0 to 4096", []string{"0"}},
		numericFlag{"ffjord", sample, "n", 'i', n, nil},
		numericFlag{"ffjord", sample, "seed", 'u', "", seeds},
		numericFlag{"ffjord", plot, "n", 'i', n, nil},
		numericFlag{"ffjord", plot, "grid", 'i', "want 2 to 2000", nil},
		numericFlag{"digits", digits, "batch", 'i', "want 2 to 4096", nil},
		numericFlag{"digits", digits, "copies", 'i', "want 1 to 64", nil},
		numericFlag{"digits", digits, "marginals", 'i', "want 1 to 64", nil},
		numericFlag{"digits", digits, "max-components", 'i', "want 1 to 64", nil},
		numericFlag{"digits", digits, "test-n", 'i', "want 2 to 1000", nil},
		numericFlag{"digits", digits, "val-n", 'i', "want 1 to 1000", nil},
		numericFlag{"digits", digits, "patience", 'i', "want 0 (none) to 1000", []string{"0"}},
		numericFlag{"digits", digits, "lr", 'f', lr, nil},
		numericFlag{"digits", digits, "temperature", 'f', "want above 0, at most 10", nil},
		numericFlag{"digits", digits, "weight-decay", 'f', decay, []string{"0"}},
		numericFlag{"digits", digits, "seed", 'u', "", seeds},
		numericFlag{"matching", matching, "eval-every", 'i', "want 1 to 100000", nil},
		numericFlag{"matching", matching, "fm-epochs", 'i', "want 1 to 100000", nil},
		numericFlag{"matching", matching, "mle-epochs", 'i', "want 1 to 100000", nil},
		numericFlag{"matching", matching, "test-n", 'i', n, nil},
		numericFlag{"matching", matching, "gap", 'f', "want 0 < lr < 1 and a finite gap ≥ 0", []string{"0", "1e308", "9223372036854775808"}},
		numericFlag{"matching", matching, "seed", 'u', "", seeds},
		numericFlag{"stepcontrol", stepcontrol, "n", 'i', "want 256 to 1048576", nil},
		numericFlag{"stepcontrol", stepcontrol, "repeat", 'i', "want 1 to 1000", nil},
	)
}

// numericCases gives every numeric flag each of numericValues it refuses:
// a value Go's flag package cannot parse is named as such, and one out of
// range by the flag, the value as the program read it, and the range.
func numericCases() []cliCase {
	var cases []cliCase
	for _, f := range numericFlags() {
		for _, v := range numericValues {
			if slices.Contains(f.accepts, v) {
				continue
			}
			var shown string
			var err error
			switch f.kind {
			case 'f':
				var x float64
				x, err = strconv.ParseFloat(v, 64)
				shown = fmt.Sprintf("%g", x)
			case 'i':
				var x int64
				x, err = strconv.ParseInt(v, 10, 64)
				shown = strconv.FormatInt(x, 10)
			case 'u':
				_, err = strconv.ParseUint(v, 10, 64)
			}
			want := fmt.Sprintf("invalid value %q for flag -%s", v, f.flag)
			if err == nil {
				want = fmt.Sprintf("-%s %s: %s", f.flag, shown, f.rule)
				if f.bin == "matching" && f.flag == "lr" {
					want = fmt.Sprintf("-lr %s, -gap", shown)
				}
			}
			name := fmt.Sprintf("%s %s -%s %q", f.bin, f.base[0], f.flag, v)
			cases = append(cases, cliCase{name: name, bin: f.bin, args: with(f.base, "-"+f.flag, v), want: want})
		}
	}
	return cases
}

// fileFlagCases give every file flag a missing file, a file in a missing
// directory, a directory and the empty string, where each is an error.
func fileFlagCases() []cliCase {
	const (
		missing   = "$D/none.csv"
		inMissing = "$D/none/x.csv"
		dir       = "$D/sub"
		isDir     = "$D/sub is not a regular file (it is a directory)"
		notFound  = ": no such file or directory"
	)
	type flagUse struct {
		bin  string
		base []string
		flag string
		// wants for missing, inMissing, dir and "" ("-" where it is no
		// error: the empty string then means "none" or standard output)
		wants [4]string
	}
	open := func(flag string) [4]string {
		return [4]string{flag + ": open " + missing + notFound, flag + ": open " + inMissing + notFound, flag + ": " + isDir, ""}
	}
	stat := func(flag string) [4]string {
		return [4]string{flag + ": stat " + missing + notFound, flag + ": stat " + inMissing + notFound, flag + ": " + isDir, flag + " is empty; give a file name"}
	}
	out := [4]string{"-", "-out: " + inMissing + ": cannot be written: directory $D/none" + notFound, "-out: $D/sub: cannot be written: it is a directory", "-"}
	uses := []flagUse{
		{"ffjord", []string{"train", "-model", "$D/new.json"}, "data", open("-data")},
		{"ffjord", []string{"train", "-toy", "moons", "-model", "$D/new.json"}, "test", open("-test")},
		{"ffjord", []string{"train", "-toy", "moons"}, "model", [4]string{"-", "-model: " + inMissing + ": cannot be written: directory $D/none" + notFound, "-model: $D/sub: cannot be written: it is a directory", "-model is empty; give a file name"}},
		{"ffjord", []string{"logprob", "-in", "$D/d.csv"}, "model", stat("-model")},
		{"ffjord", []string{"logprob", "-model", "$D/m.json"}, "in", open("-in")},
		{"ffjord", []string{"logprob", "-model", "$D/m.json", "-in", "$D/d.csv"}, "out", out},
		{"ffjord", []string{"sample"}, "model", stat("-model")},
		{"ffjord", []string{"sample", "-model", "$D/m.json"}, "out", out},
		{"ffjord", []string{"sample", "-model", "$D/cm.json", "-out", "$D/new.csv"}, "context-in", open("-context-in")},
		{"ffjord", []string{"plot", "-out", "$D/newfigs"}, "model", stat("-model")},
		{"ffjord", []string{"plot", "-model", "$D/m.json", "-out", "$D/newfigs"}, "data", open("-data")},
		{"stepcontrol", nil, "model", stat("-model")},
		{"moons", []string{"-quiet", "-figures=false"}, "out", [4]string{"-", "-", "-", "-out is empty; give a file name"}},
		{"conditional", []string{"-quiet", "-figures=false"}, "out", [4]string{"-", "-", "-", "-out is empty; give a file name"}},
		{"digits", nil, "out", [4]string{"-", "-", "-", "-out is empty; give a file name"}},
	}
	uses[0].wants[3] = "train: give -data FILE.csv or -toy NAME"
	uses[1].wants[3] = "-"
	uses[4].wants[3] = "logprob: give -in FILE.csv"
	uses[10].wants[3] = "-"
	var cases []cliCase
	for _, u := range uses {
		for i, v := range []string{missing, inMissing, dir, ""} {
			want := u.wants[i]
			if want == "-" {
				continue
			}
			if want == "" {
				want = u.flag
			}
			sub := "program"
			if len(u.base) > 0 && !strings.HasPrefix(u.base[0], "-") {
				sub = u.base[0]
			}
			name := fmt.Sprintf("%s %s -%s %q", u.bin, sub, u.flag, v)
			cases = append(cases, cliCase{name: name, bin: u.bin, args: with(u.base, "-"+u.flag, v), want: want})
		}
	}
	return cases
}

// TestHostileCLIFlags runs numericCases and fileFlagCases, each refused
// before any work, in
// one copy of the fixture: no case may write or change a file there.
func TestHostileCLIFlags(t *testing.T) {
	build(t)
	dir := copyFixture(t, fixtureDir(t, bins.ffjord))
	before := hashes(t, dir)
	cases := append(numericCases(), fileFlagCases()...)
	t.Run("cases", func(t *testing.T) {
		for k, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				// Each case its own model path: train locks it, and
				// parallel cases on one path would meet each other's lock.
				own := strings.NewReplacer("$D/new.json", fmt.Sprintf("%s/new%d.json", dir, k), "$D", dir)
				args := make([]string, len(c.args))
				for i, a := range c.args {
					args[i] = own.Replace(a)
				}
				r := runCLI(t, dir, binOf(c.bin), args...)
				if r.code != 1 {
					t.Fatalf("exit %d, want 1 with %q\nstdout: %s", r.code, c.want, tail(r.stdout))
				}
				oneLine(t, c.bin, r.stderr, own.Replace(c.want))
			})
		}
	})
	after := hashes(t, dir)
	for p, h := range after {
		// A refused training removes its lock file too.
		if old, ok := before[p]; !ok || old != h {
			t.Errorf("a refused case wrote %s", p)
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			t.Errorf("a refused case removed %s", p)
		}
	}
	countCases(t, "cli_test.go", len(cases))
}

// binOf is the built program named bin.
func binOf(bin string) string {
	return map[string]string{"ffjord": bins.ffjord, "moons": bins.moons, "conditional": bins.conditional, "digits": bins.digits, "matching": bins.matching, "stepcontrol": bins.stepcontrol}[bin]
}
