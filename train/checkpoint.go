package train

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/ffjord-go/ffjord-go/internal/fileio"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"syscall"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/internal/strictjson"
	"github.com/ffjord-go/ffjord-go/odefunc"
)

// ErrCheckpoint is returned for a checkpoint file that cannot be loaded: not
// a checkpoint, an unknown version, a failed checksum, or a model whose
// shapes or values are not consistent.
var ErrCheckpoint = errors.New("train: bad checkpoint")

// CheckpointFormat and CheckpointVersion identify the file format. A
// checkpoint file, version 2, is JSON:
//
//	{"format": "ffjord-go checkpoint", "version": 2,
//	 "sha256": "<hex SHA-256 of content in compact form: no whitespace between tokens>",
//	 "content": {
//	   "model": M,
//	   "config": C (optional),
//	   "settings": {"solver": S, "adjoint": S|null, "gradient": "discrete" (optional), "trace": "exact"|…},
//	   "training": null | {"epoch": E, "lr": …, "adam": {"step": …, "m": [[…], …], "v": [[…], …]},
//	                       "shuffle": "<hex PCG state>", "noise": ["<hex>", …] (optional),
//	                       "draws": "<hex>" (optional), "history": [EpochStats…],
//	                       "best": {"epoch": E, "validation_nll": …, "params": [[…], …],
//	                                "stale": K} (optional),
//	                       "record": {"name": "value", …} (optional)}}}
//
// with S = {"method": "dopri5"|"rk4"|"euler", "rtol", "atol", "first_step",
// "max_steps", "fixed_step", optionally "step_control": "batch"|"row"}. M is the flow's distribution, each part an
// object whose "type" says what it is:
//
//	M: {"type": "transformed", "base": B, "bijector": X}
//	B: {"type": "normal", "mean": [D], "std": [D]}
//	   {"type": "normal", "learnable": true, "mean": [D], "log_scale": [D]}
//	   {"type": "mvn_tril", "loc": [D], "scale": [D·D]}     L's strictly lower entries, log L_ii on the diagonal
//	   {"type": "gaussian_mixture", "dim": D, "logits": [K], "locs": [K·D], "scales": [K·D·D]}
//	X: {"type": "chain", "bijectors": [X, …]}      TFP's order: the last is applied first when sampling
//	   {"type": "affine", "shift": [D], "log_scale": [D]}
//	   {"type": "affine_tril", "learnable": false, "shift": [D], "scale_tril": [D×D]}
//	   {"type": "affine_tril", "learnable": true, "shift": [D], "scale_tril_log_diag": [D×D]}
//	   {"type": "sigmoid", "dim": D, "low": lo, "high": hi, "alpha": α}
//	   {"type": "mixture_cdf", "dim": D, "components": K, "learnable": false|true,
//	    "logits": [D×K], "means": [D×K], "log_scales": [D×K]}
//	   {"type": "ffjord", "t0", "t1", "learn_time": true (optional), "dynamics": F}
//	   {"type": NAME, "data": …}                    a bijector registered with RegisterBijector
//	F: {"type": "network", "dim": D, "layers": [L, …]}
//	   {"type": NAME, "data": …}                    a dynamics registered with RegisterModel
//	L: {"type": "linear", "in", "out", "W": [in rows of out], "b": [out]}
//	   {"type": "concatsquash", "in", "out", "W", "b", "Wg": [out], "bg": [out], "Wb": [out]}
//	   {"type": "activation", "fn": "tanh"|"softplus", "width"}
//	   {"type": "time_concat", "copies", "width"}
//
// Layers use the row-vector convention h_out = h_in·W + b; a
// ConcatSquashLinear's output is (h_in·W + b) ⊙ sigmoid(t·Wg + bg) + t·Wb.
// With learn_time, t1 is the learned end time T = s² (s = √T is the
// parameter). An affine_tril's matrices are L row-major with zeros above
// the diagonal; a learnable one holds log L_ii on its diagonal instead of
// L_ii, its parameter exactly. A mixture_cdf's arrays are row-major
// (coordinate i, component k at i·K + k) and hold the log-scales ℓ, a
// learnable one's parameter, for a fixed one too. The solver settings are
// not part of M: they are "settings".
//
// C is present when NewFlow built the flow: its FlowConfig after defaults,
// {"dim", "blocks", "hidden", "activation", "time", "block_time",
// "base_mean", "base_std", "t0", "t1", "learn_time"}. Load checks that M is
// the stack NewFlow builds from C (a fixed Normal base of base_mean and
// base_std, a chain of blocks FFJORD blocks whose networks have C's layers,
// the last block of the chain being block 0) and gives the Flow its Config
// and Nets.
//
// Adam's moments m and v are in the order of Flow.Params: the base's
// parameters, then the bijectors' in the chain's order (an FFJORD block's
// network parameters, then its √T).
//
// M is always the last state of training, the one Resume continues from.
// "best", present when the training had Options.Validation, is the best
// validated epoch so far: its number, its validation NLL, the parameters
// the model had then (in Flow.Params order, as Adam's moments) and the
// number of validations since, none better (the patience counter).
// Checkpoint.BestFlow builds the model with those parameters. Files
// without "best" (older ones, or trained without validation) load as
// before.
//
// "record" is Options.Record, a program's own account of how it trained
// (the ffjord command's training flags), saved so that a resumed training
// can take the same settings. Files without it load with a nil Record.
//
// Load also reads version 1, which held only NewFlow's stack (see
// checkpoint_v1.go). Load rejects files larger than MaxCheckpointSize and
// sizes beyond odefunc.MaxDim, odefunc.MaxWidth, odefunc.MaxLayers,
// distributions.MaxChain and distributions.MaxDepth before allocating.
// Any JSON reader can load a checkpoint.
const (
	CheckpointFormat  = "ffjord-go checkpoint"
	CheckpointVersion = 2
)

// MaxCheckpointSize is the largest checkpoint file Load reads: 256 MiB, some
// 20 million weights written out in decimal.
const MaxCheckpointSize = 256 << 20

// MaxRecord is the most entries a checkpoint's training record may hold.
const MaxRecord = 256

// checkpointFile is the outer object of a checkpoint file.
type checkpointFile struct {
	Format  string          `json:"format"`
	Version int             `json:"version"`
	SHA256  string          `json:"sha256"`
	Content json.RawMessage `json:"content"`
}

// contentV1 and contentV2 are the contents of the two versions.
type contentV1 struct {
	Model    modelJSON     `json:"model"`
	Settings settingsJSON  `json:"settings"`
	Training *trainingJSON `json:"training"`
}

type contentV2 struct {
	Model    json.RawMessage `json:"model"`
	Config   *configJSON     `json:"config,omitempty"`
	Settings settingsJSON    `json:"settings"`
	Training *trainingJSON   `json:"training"`
}

type settingsJSON struct {
	Solver   solverJSON  `json:"solver"`
	Adjoint  *solverJSON `json:"adjoint"`
	Gradient string      `json:"gradient,omitempty"` // empty: adjoint
	Trace    string      `json:"trace"`
}

type solverJSON struct {
	Method    string  `json:"method"`
	RTol      float64 `json:"rtol"`
	ATol      float64 `json:"atol"`
	FirstStep float64 `json:"first_step"`
	MaxSteps  int     `json:"max_steps"`
	FixedStep float64 `json:"fixed_step"`
	// StepControl is "batch" or "row" when set, absent for each kind of
	// solve's default (and in older files).
	StepControl string `json:"step_control,omitempty"`
}

type trainingJSON struct {
	Epoch   int       `json:"epoch"`
	LR      float64   `json:"lr"`
	Adam    AdamState `json:"adam"`
	Shuffle string    `json:"shuffle"`
	// Noise holds each FFJORD block's Hutchinson noise state (hex), in
	// Flow.Blocks order; absent in older files.
	Noise []string `json:"noise,omitempty"`
	// Draws is the flow-matching stream of base points, times and path
	// noise (hex); absent for MLE and in older files.
	Draws   string       `json:"draws,omitempty"`
	History []EpochStats `json:"history"`
	// Best is the best validated state; absent without validation and
	// in older files.
	Best *bestJSON `json:"best,omitempty"`
	// Record is Options.Record; absent when empty and in older files.
	Record map[string]string `json:"record,omitempty"`
}

type bestJSON struct {
	Epoch  int         `json:"epoch"`
	NLL    float64     `json:"validation_nll"`
	Params [][]float64 `json:"params"`
	Stale  int         `json:"stale"`
}

// Checkpoint is a loaded checkpoint: the model and how to evaluate it, and,
// if it was saved by a Trainer, the state to resume training from.
type Checkpoint struct {
	Flow     *Flow
	Training *TrainingState // nil for a model saved without training state
}

// TrainingState is what a Trainer needs to continue exactly where it stopped.
type TrainingState struct {
	Epoch   int // epochs completed
	LR      float64
	Adam    AdamState
	Shuffle []byte // the shuffling generator's state (rand.PCG binary form)
	// Noise is each FFJORD block's Hutchinson noise state, in Flow.Blocks
	// order (nil in files from before it was saved).
	Noise [][]byte
	// Draws is the flow-matching objective's stream (rand.PCG binary
	// form); nil for MLE.
	Draws   []byte
	History []EpochStats
	// Best is the best validated epoch and its parameters; nil when the
	// training had no Options.Validation.
	Best *BestState
	// Record is the training's Options.Record: nil in files from before
	// it was saved, or when the program recorded nothing.
	Record map[string]string
}

// SaveFlow writes f to path as a checkpoint without training state. The
// file is replaced atomically, and a symbolic link at path is replaced,
// not written through: the file it led to is left as it was.
func SaveFlow(path string, f *Flow) error { return saveCheckpoint(path, f, nil, nil) }

// saveCheckpoint writes f with ts; params, if not nil, are written as the
// model's parameters instead of f's own (which are left as they are).
func saveCheckpoint(path string, f *Flow, params [][]float64, ts *TrainingState) error {
	if err := f.lock(); err != nil {
		return err
	}
	content, err := contentWith(f, params)
	f.mu.Unlock()
	if err != nil {
		return fmt.Errorf("train: saving checkpoint: %w", err)
	}
	if ts != nil {
		content.Training = &trainingJSON{Epoch: ts.Epoch, LR: ts.LR, Adam: ts.Adam, Shuffle: hex.EncodeToString(ts.Shuffle), Draws: hex.EncodeToString(ts.Draws), History: ts.History, Record: ts.Record}
		for _, n := range ts.Noise {
			content.Training.Noise = append(content.Training.Noise, hex.EncodeToString(n))
		}
		if b := ts.Best; b != nil {
			content.Training.Best = &bestJSON{Epoch: b.Epoch, NLL: b.NLL, Params: b.Params, Stale: b.Stale}
		}
	}
	raw, err := json.Marshal(content) // compact, as the checksum wants
	if err != nil {
		return fmt.Errorf("train: encoding checkpoint: %w", err)
	}
	sum := sha256.Sum256(raw)
	out, err := json.MarshalIndent(checkpointFile{Format: CheckpointFormat, Version: CheckpointVersion, SHA256: hex.EncodeToString(sum[:]), Content: raw}, "", " ")
	if err != nil {
		return fmt.Errorf("train: encoding checkpoint: %w", err)
	}
	if err := fileio.WriteAtomic(path, func(w io.Writer) error { _, err := w.Write(out); return err }); err != nil {
		return fmt.Errorf("train: saving checkpoint: %w", err)
	}
	return nil
}

func settingsOf(s Settings) settingsJSON {
	out := settingsJSON{Solver: solverOf(s.Solver), Trace: s.Trace.String()}
	switch g := s.Gradient.(type) {
	case ode.Discrete:
		out.Gradient = g.String()
	case ode.BacksolveAdjoint:
		if g.Controller != nil {
			a := solverOf(ode.Settings{Method: s.Solver.Method, Controller: g.Controller, MaxSteps: s.Solver.MaxSteps})
			out.Adjoint = &a
		}
	}
	return out
}

// solverOf writes an Adaptive or Constant controller's fields; a Grid has
// no place in the file and is written as the default controller.
func solverOf(s ode.Settings) solverJSON {
	out := solverJSON{Method: "dopri5", MaxSteps: s.MaxSteps}
	if s.StepControl != ode.DefaultStepControl {
		out.StepControl = s.StepControl.String()
	}
	if s.Method != nil {
		out.Method = s.Method.ShortName()
	}
	switch c := s.Controller.(type) {
	case ode.Adaptive:
		out.RTol, out.ATol, out.FirstStep = c.RTol, c.ATol, c.FirstStep
	case ode.Constant:
		out.FixedStep = c.Step
	}
	return out
}

// Load reads a checkpoint, checks everything in it and returns the model
// with its saved settings (and training state, if any). Errors wrap
// ErrCheckpoint and say what is wrong. Dynamics and bijectors of the
// user's own types load through the codecs registered with RegisterModel
// and RegisterBijector.
func Load(path string) (*Checkpoint, error) {
	// Non-blocking, so that a named pipe is refused below instead of
	// blocking the open until a writer comes.
	file, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("train: loading checkpoint: %w", err)
	}
	defer file.Close()
	st, err := file.Stat()
	switch {
	case err != nil:
		return nil, fmt.Errorf("train: loading checkpoint: %w", err)
	case !st.Mode().IsRegular():
		return nil, bad("%s is not a regular file (%v)", path, st.Mode().Type())
	case st.Size() > MaxCheckpointSize:
		return nil, bad("the file has %d bytes, more than the limit of %d", st.Size(), MaxCheckpointSize)
	}
	data, err := io.ReadAll(io.LimitReader(file, MaxCheckpointSize+1))
	if err != nil {
		return nil, fmt.Errorf("train: loading checkpoint: %w", err)
	}
	if len(data) > MaxCheckpointSize {
		return nil, bad("the file is larger than the limit of %d bytes", MaxCheckpointSize)
	}
	return decodeCheckpoint(data)
}

func bad(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCheckpoint, fmt.Sprintf(format, args...))
}

func decodeCheckpoint(data []byte) (*Checkpoint, error) {
	var file checkpointFile
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, bad("not valid JSON (truncated or corrupted?): %v", err)
	}
	if file.Format != CheckpointFormat {
		return nil, bad("format is %q, want %q", file.Format, CheckpointFormat)
	}
	if file.Version != 1 && file.Version != CheckpointVersion {
		return nil, bad("version %d is not supported (this library reads versions 1 and %d)", file.Version, CheckpointVersion)
	}
	if c := bytes.TrimSpace(file.Content); len(c) == 0 || string(c) == "null" {
		return nil, bad("content is missing (absent or null)")
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, file.Content); err != nil {
		return nil, bad("content: %v", err)
	}
	sum := sha256.Sum256(compact.Bytes())
	if want, err := hex.DecodeString(file.SHA256); err != nil || !bytes.Equal(want, sum[:]) {
		return nil, bad("checksum mismatch: the content was modified or corrupted")
	}
	if err := strictjson.UniqueKeys(file.Content); err != nil {
		return nil, bad("content: %v", err)
	}
	// The random streams of a loaded model are seeded from its weights'
	// checksum, so loading the same file twice gives the same samples.
	src := rand.NewPCG(beUint64(sum[:8]), beUint64(sum[8:16]))
	var (
		f        *Flow
		training *trainingJSON
		err      error
	)
	if file.Version == 1 {
		f, training, err = decodeV1(file.Content, src)
	} else {
		f, training, err = decodeV2(file.Content, src)
	}
	if err != nil {
		return nil, err
	}
	ck := &Checkpoint{Flow: f}
	if tj := training; tj != nil {
		shuffle, err := hex.DecodeString(tj.Shuffle)
		if err != nil {
			return nil, bad("training.shuffle is not hex: %v", err)
		}
		if tj.Epoch < 0 || !(tj.LR > 0) || math.IsInf(tj.LR, 0) {
			return nil, bad("training has epoch %d and learning rate %g", tj.Epoch, tj.LR)
		}
		adam := tj.Adam
		if file.Version == 1 {
			if adam, err = v1AdamOrder(f, adam); err != nil {
				return nil, err
			}
		}
		if adam.Step != 0 && !fits(adam, f.Params()) {
			return nil, bad("training.adam has moments of other sizes than the model's %d parameters", len(f.Params()))
		}
		if len(tj.Record) > MaxRecord {
			return nil, bad("training.record has %d entries, more than the limit of %d", len(tj.Record), MaxRecord)
		}
		ck.Training = &TrainingState{Epoch: tj.Epoch, LR: tj.LR, Adam: adam, Shuffle: shuffle, History: tj.History, Record: tj.Record}
		if tj.Draws != "" {
			if ck.Training.Draws, err = hex.DecodeString(tj.Draws); err != nil || len(ck.Training.Draws) > 256 {
				return nil, bad("training.draws is not a generator state")
			}
		}
		if tj.Noise != nil && len(tj.Noise) != len(f.Blocks) {
			return nil, bad("training.noise has %d states for %d blocks", len(tj.Noise), len(f.Blocks))
		}
		for k, h := range tj.Noise {
			state, err := hex.DecodeString(h)
			if err != nil || len(state) > 256 {
				return nil, bad("training.noise[%d] is not a generator state", k)
			}
			ck.Training.Noise = append(ck.Training.Noise, state)
		}
		if b := tj.Best; b != nil {
			switch {
			case b.Epoch < 0 || b.Epoch > tj.Epoch || b.Stale < 0 || math.IsNaN(b.NLL) || math.IsInf(b.NLL, 0):
				return nil, bad("training.best has epoch %d (of %d), stale %d and validation NLL %g", b.Epoch, tj.Epoch, b.Stale, b.NLL)
			case !fitsParams(b.Params, f.Params()):
				return nil, bad("training.best.params are not the shapes of the model's %d parameters", len(f.Params()))
			}
			for i, p := range b.Params {
				if !finite(p) {
					return nil, bad("training.best.params[%d] holds a non-finite value", i)
				}
			}
			ck.Training.Best = &BestState{Epoch: b.Epoch, NLL: b.NLL, Params: b.Params, Stale: b.Stale}
		}
	}
	return ck, nil
}

// BestFlow returns a new Flow with the checkpoint's model and settings and
// the parameters of the best validated epoch (Training.Best); ck.Flow,
// the last state of training, is left as it is. It is an ErrCheckpoint
// error when the training had no validation.
func (ck *Checkpoint) BestFlow() (*Flow, error) {
	if ck == nil || ck.Flow == nil || ck.Training == nil || ck.Training.Best == nil {
		return nil, fmt.Errorf("%w: no best parameters (was the training validated?)", ErrCheckpoint)
	}
	if err := ck.Flow.lock(); err != nil {
		return nil, err
	}
	content, err := contentWith(ck.Flow, ck.Training.Best.Params)
	ck.Flow.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCheckpoint, err)
	}
	raw, err := json.Marshal(content)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCheckpoint, err)
	}
	// Seeded like Load's: from the checksum of what it decodes.
	sum := sha256.Sum256(raw)
	f, _, err := decodeV2(raw, rand.NewPCG(beUint64(sum[:8]), beUint64(sum[8:16])))
	return f, err
}

func beUint64(b []byte) uint64 {
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v
}

// finite reports whether vs holds no NaN or ±Inf.
func finite(vs []float64) bool { return nonFinite(vs) < 0 }

func (s settingsJSON) decode() (Settings, error) {
	var out Settings
	var err error
	if out.Solver, err = s.Solver.decode("settings.solver"); err != nil {
		return out, err
	}
	if s.Trace == "" {
		return out, bad("settings.trace is missing")
	}
	if out.Trace, err = odefunc.ParseTrace(s.Trace); err != nil {
		return out, bad("settings.trace: %v", err)
	}
	out.Gradient = ode.BacksolveAdjoint{}
	if s.Gradient != "" {
		if out.Gradient, err = ode.ParseGradient(s.Gradient); err != nil {
			return out, bad("settings.gradient: %v", err)
		}
	}
	if s.Adjoint != nil {
		adj, ok := out.Gradient.(ode.BacksolveAdjoint)
		if !ok {
			return out, bad("settings.adjoint is set but the gradient is %v", out.Gradient)
		}
		a, err := s.Adjoint.decode("settings.adjoint")
		if err != nil {
			return out, err
		}
		adj.Controller = a.Controller
		out.Gradient = adj
	}
	return out, nil
}

func (s solverJSON) decode(where string) (ode.Settings, error) {
	m, err := ode.ParseMethod(s.Method)
	if err != nil {
		return ode.Settings{}, bad("%s.method: %v", where, err)
	}
	out := ode.Settings{Method: m, Controller: ode.Adaptive{RTol: s.RTol, ATol: s.ATol, FirstStep: s.FirstStep}, MaxSteps: s.MaxSteps}
	if out.StepControl, err = ode.ParseStepControl(s.StepControl); err != nil {
		return out, bad("%s.step_control: %v", where, err)
	}
	if s.FixedStep != 0 {
		out.Controller = ode.Constant{Step: s.FixedStep}
	}
	if _, err := ode.NewSolver(out); err != nil {
		return out, bad("%s: %v", where, err)
	}
	return out, nil
}
