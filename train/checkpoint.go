package train

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/odefunc"
)

// ErrCheckpoint is returned for a checkpoint file that cannot be loaded: not
// a checkpoint, an unknown version, a failed checksum, or a model whose
// shapes or values are not consistent.
var ErrCheckpoint = errors.New("train: bad checkpoint")

// CheckpointFormat and CheckpointVersion identify the file format. A
// checkpoint file, version 1, is JSON:
//
//	{"format": "ffjord-go checkpoint", "version": 1,
//	 "sha256": "<hex SHA-256 of content in compact form: no whitespace between tokens>",
//	 "content": {
//	   "model": {"dim": D, "t0": 0, "t1": 1, "time_input": TI, "learn_time": bool (optional),
//	             "base": {"mean": [D], "std": [D]},
//	             "blocks": [{"type": "mlp", "activation": "tanh"|"softplus",
//	                         "time": TI (optional), "t1": T (with learn_time),
//	                         "layers": [{"W": [[in×out]], "b": [out],
//	                                     "Wg": [out], "bg": [out], "Wb": [out] (concatsquash only)}, …]}, …]},
//	   "settings": {"solver": S, "adjoint": S|null, "trace": "exact"|…},
//	   "training": null | {"epoch": E, "adam": {"lr": …, "step": …, "m": […], "v": […]},
//	                       "shuffle": "<hex PCG state>", "history": [EpochStats…]}}}
//
// with S = {"method": "dopri5"|"rk4"|"euler", "rtol", "atol", "first_step",
// "max_steps", "fixed_step"}. Layers use the row-vector convention
// h_out = h_in·W + b, tanh (or softplus) after every layer but the last; block
// 0 is applied first when sampling. Every block has the same activation and
// hidden widths. Any JSON reader can load it.
//
// TI says how a block sees the time t:
//
//   - "broadcast" (also written "concat"): the first layer's input is
//     [t, …, t, z], t repeated D times, so its W has 2D rows;
//   - "single" (also "concat-single"): the input is [t, z], D + 1 rows;
//   - "concatsquash": the input is z (D rows) and every layer is FFJORD's
//     ConcatSquashLinear, h_out = (h_in·W + b) ⊙ sigmoid(t·Wg + bg) + t·Wb,
//     with the extra row vectors "Wg", "bg" and "Wb" of out values each;
//   - "ignore": the input is z and f does not depend on t.
//
// A block's "time" overrides the model-level "time_input"; it is written only
// for blocks that differ from it, so a file whose blocks all see t alike is
// the same as before per-block modes existed. Only concatsquash layers carry
// "Wg", "bg" and "Wb".
const (
	CheckpointFormat  = "ffjord-go checkpoint"
	CheckpointVersion = 1
)

// checkpointFile is the outer object of a checkpoint file.
type checkpointFile struct {
	Format  string          `json:"format"`
	Version int             `json:"version"`
	SHA256  string          `json:"sha256"`
	Content json.RawMessage `json:"content"`
}

type checkpointContent struct {
	Model    modelJSON     `json:"model"`
	Settings settingsJSON  `json:"settings"`
	Training *trainingJSON `json:"training"`
}

type modelJSON struct {
	Dim       int         `json:"dim"`
	T0        float64     `json:"t0"`
	T1        float64     `json:"t1"`
	TimeInput string      `json:"time_input"`
	LearnTime bool        `json:"learn_time,omitempty"` // each block then has its own t1
	Base      baseJSON    `json:"base"`
	Blocks    []blockJSON `json:"blocks"`
}

type baseJSON struct {
	Mean []float64 `json:"mean"`
	Std  []float64 `json:"std"`
}

type blockJSON struct {
	Type       string      `json:"type"`
	Activation string      `json:"activation"`
	Time       string      `json:"time,omitempty"` // empty: the model's time_input
	T1         *float64    `json:"t1,omitempty"`   // the learned end time, with learn_time
	Layers     []layerJSON `json:"layers"`
}

type layerJSON struct {
	W [][]float64 `json:"W"`
	B []float64   `json:"b"`
	// The ConcatSquashLinear extras; nil for the other layers, so that
	// their files are unchanged.
	Wg []float64 `json:"Wg,omitempty"`
	Bg []float64 `json:"bg,omitempty"`
	Wb []float64 `json:"Wb,omitempty"`
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
}

type trainingJSON struct {
	Epoch   int          `json:"epoch"`
	LR      float64      `json:"lr"`
	Adam    AdamState    `json:"adam"`
	Shuffle string       `json:"shuffle"`
	History []EpochStats `json:"history"`
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
	History []EpochStats
}

// SaveFlow writes f to path as a checkpoint without training state.
func SaveFlow(path string, f *Flow) error { return saveCheckpoint(path, f, nil) }

func saveCheckpoint(path string, f *Flow, ts *TrainingState) error {
	if err := f.lock(); err != nil {
		return err
	}
	content := checkpointContent{Model: modelOf(f), Settings: settingsOf(f.settings)}
	f.mu.Unlock()
	if ts != nil {
		content.Training = &trainingJSON{Epoch: ts.Epoch, LR: ts.LR, Adam: ts.Adam, Shuffle: hex.EncodeToString(ts.Shuffle), History: ts.History}
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
	return writeAtomic(path, out)
}

// writeAtomic writes data to a temporary file beside path, syncs it and
// renames it over path, so that path always holds either its old contents
// or all of data.
func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("train: saving checkpoint: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	// CreateTemp makes the file private; a model is an ordinary document.
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("train: saving checkpoint: %w", err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("train: saving checkpoint: %w", err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("train: saving checkpoint: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("train: saving checkpoint: %w", err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("train: saving checkpoint: %w", err)
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync() // make the rename durable; not every filesystem supports it
		d.Close()
	}
	return nil
}

// timeInputName is the checkpoint's name for ti: the concat modes keep the
// names format 1 has always used.
func timeInputName(ti odefunc.TimeInput) string {
	switch ti {
	case odefunc.ConcatTime:
		return "broadcast"
	case odefunc.ConcatTimeSingle:
		return "single"
	}
	return ti.String()
}

func modelOf(f *Flow) modelJSON {
	cfg := f.Config
	m := modelJSON{Dim: cfg.Dim, T0: cfg.T0, T1: cfg.T1, TimeInput: timeInputName(cfg.Time), LearnTime: cfg.LearnTime, Base: baseJSON{Mean: cfg.BaseMean, Std: cfg.BaseStd}}
	for k, net := range f.Nets {
		blk := blockJSON{Type: "mlp", Activation: cfg.Activation.String()}
		if cfg.LearnTime {
			_, T := f.Blocks[k].Times()
			blk.T1 = &T
		}
		if k < len(cfg.BlockTime) && cfg.BlockTime[k] != cfg.Time {
			blk.Time = timeInputName(cfg.BlockTime[k])
		}
		for _, l := range net.Layers() {
			var layer layerJSON
			switch l := l.(type) {
			case *odefunc.Linear:
				layer = affineJSON(l.W.Float64s(), l.B.Float64s(), l.In(), l.Out())
			case *odefunc.ConcatSquashLinear:
				layer = affineJSON(l.W.Float64s(), l.B.Float64s(), l.In(), l.Out())
				layer.Wg = append([]float64(nil), l.Wg.Float64s()...)
				layer.Bg = append([]float64(nil), l.Bg.Float64s()...)
				layer.Wb = append([]float64(nil), l.Wb.Float64s()...)
			default:
				continue // no weights
			}
			blk.Layers = append(blk.Layers, layer)
		}
		m.Blocks = append(m.Blocks, blk)
	}
	return m
}

// affineJSON copies W (in×out, row-major) and b into a layer.
func affineJSON(w, b []float64, in, out int) layerJSON {
	layer := layerJSON{B: append([]float64(nil), b...)}
	for i := range in {
		layer.W = append(layer.W, append([]float64(nil), w[i*out:(i+1)*out]...))
	}
	return layer
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
// ErrCheckpoint and say what is wrong.
func Load(path string) (*Checkpoint, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("train: loading checkpoint: %w", err)
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
	if file.Version != CheckpointVersion {
		return nil, bad("version %d is not supported (this library reads version %d)", file.Version, CheckpointVersion)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, file.Content); err != nil {
		return nil, bad("content: %v", err)
	}
	sum := sha256.Sum256(compact.Bytes())
	if want, err := hex.DecodeString(file.SHA256); err != nil || !bytes.Equal(want, sum[:]) {
		return nil, bad("checksum mismatch: the content was modified or corrupted")
	}
	var c checkpointContent
	dec := json.NewDecoder(bytes.NewReader(file.Content))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, bad("content: %v", err)
	}
	cfg, nets, endTimes, err := c.Model.decode()
	if err != nil {
		return nil, err
	}
	s, err := c.Settings.decode()
	if err != nil {
		return nil, err
	}
	// The random streams of a loaded model are seeded from its weights'
	// checksum, so loading the same file twice gives the same samples.
	src := rand.NewPCG(beUint64(sum[:8]), beUint64(sum[8:16]))
	f, err := assemble(cfg, nets, endTimes, s, src)
	if err != nil {
		return nil, bad("%v", err)
	}
	ck := &Checkpoint{Flow: f}
	if tj := c.Training; tj != nil {
		shuffle, err := hex.DecodeString(tj.Shuffle)
		if err != nil {
			return nil, bad("training.shuffle is not hex: %v", err)
		}
		if tj.Epoch < 0 || !(tj.LR > 0) {
			return nil, bad("training has epoch %d and learning rate %g", tj.Epoch, tj.LR)
		}
		ck.Training = &TrainingState{Epoch: tj.Epoch, LR: tj.LR, Adam: tj.Adam, Shuffle: shuffle, History: tj.History}
	}
	return ck, nil
}

func beUint64(b []byte) uint64 {
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v
}

func finite(vs []float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// decode checks the model section and builds its networks.
func (m modelJSON) decode() (FlowConfig, []*odefunc.Network, []float64, error) {
	cfg, nets, err := m.decodeNets()
	if err != nil || !m.LearnTime {
		return cfg, nets, nil, err
	}
	if m.T0 != 0 {
		return cfg, nil, nil, bad("model.learn_time needs t0 = 0, not %g", m.T0)
	}
	cfg.LearnTime = true
	endTimes := make([]float64, len(m.Blocks))
	for k, blk := range m.Blocks {
		if blk.T1 == nil || !(*blk.T1 > 0) || math.IsInf(*blk.T1, 0) {
			return cfg, nil, nil, bad("model.blocks[%d].t1 must be a finite end time > 0 with learn_time", k)
		}
		endTimes[k] = *blk.T1
	}
	return cfg, nets, endTimes, nil
}

// decodeNets checks the model section and builds its networks.
func (m modelJSON) decodeNets() (FlowConfig, []*odefunc.Network, error) {
	cfg := FlowConfig{Dim: m.Dim, T0: m.T0, T1: m.T1, BaseMean: m.Base.Mean, BaseStd: m.Base.Std}
	switch {
	case m.Dim <= 0:
		return cfg, nil, bad("model.dim = %d, want ≥ 1", m.Dim)
	case len(m.Base.Mean) != m.Dim || len(m.Base.Std) != m.Dim:
		return cfg, nil, bad("model.base has %d means and %d stds, want %d each", len(m.Base.Mean), len(m.Base.Std), m.Dim)
	case !finite(m.Base.Mean) || !finite(m.Base.Std):
		return cfg, nil, bad("model.base holds a non-finite value")
	case len(m.Blocks) == 0:
		return cfg, nil, bad("model.blocks is empty")
	case m.T0 == m.T1 || !finite([]float64{m.T0, m.T1}):
		return cfg, nil, bad("model.t0 = %g and t1 = %g, want finite and different", m.T0, m.T1)
	}
	for i, s := range m.Base.Std {
		if !(s > 0) {
			return cfg, nil, bad("model.base.std[%d] = %g, want > 0", i, s)
		}
	}
	var err error
	if cfg.Time, err = odefunc.ParseTimeInput(m.TimeInput); err != nil {
		return cfg, nil, bad("model.time_input: %v", err)
	}
	cfg.SingleTime = cfg.Time == odefunc.ConcatTimeSingle
	cfg.Blocks = len(m.Blocks)
	cfg.BlockTime = make([]odefunc.TimeInput, len(m.Blocks))
	nets := make([]*odefunc.Network, len(m.Blocks))
	for k, blk := range m.Blocks {
		where := fmt.Sprintf("model.blocks[%d]", k)
		if blk.Type != "mlp" {
			return cfg, nil, bad("%s.type = %q, want mlp", where, blk.Type)
		}
		cfg.BlockTime[k] = cfg.Time
		if blk.Time != "" {
			if cfg.BlockTime[k], err = odefunc.ParseTimeInput(blk.Time); err != nil {
				return cfg, nil, bad("%s.time: %v", where, err)
			}
		}
		act, err := odefunc.ParseActivation(blk.Activation)
		if err != nil {
			return cfg, nil, bad("%s.activation: %v", where, err)
		}
		if k > 0 && act != cfg.Activation {
			return cfg, nil, bad("%s.activation = %s differs from block 0's %s", where, act, cfg.Activation)
		}
		cfg.Activation = act
		if len(blk.Layers) == 0 {
			return cfg, nil, bad("%s has no layers", where)
		}
		var hidden []int
		for i, l := range blk.Layers[:len(blk.Layers)-1] {
			if len(l.B) == 0 {
				return cfg, nil, bad("%s.layers[%d].b is empty", where, i)
			}
			hidden = append(hidden, len(l.B))
		}
		if k > 0 && fmt.Sprint(hidden) != fmt.Sprint(cfg.Hidden) {
			return cfg, nil, bad("%s has hidden widths %v, block 0 has %v", where, hidden, cfg.Hidden)
		}
		cfg.Hidden = hidden
		if hidden == nil {
			cfg.Hidden = []int{}
		}
		net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: m.Dim, Hidden: cfg.Hidden, Activation: act, Time: cfg.BlockTime[k]}, rand.NewPCG(0, 0))
		if err != nil {
			return cfg, nil, bad("%s: %v", where, err)
		}
		li := 0
		for _, l := range net.Layers() {
			lw := fmt.Sprintf("%s.layers[%d]", where, li)
			hint := ""
			if li == 0 { // the first layer's rows depend on the time input: say which
				hint = fmt.Sprintf(" for time input %s", timeInputName(cfg.BlockTime[k]))
			}
			switch l := l.(type) {
			case *odefunc.Linear:
				src := blk.Layers[li]
				if err := decodeAffine(lw, hint, src, l.W.Float64s(), l.B.Float64s(), l.In(), l.Out()); err != nil {
					return cfg, nil, err
				}
				if src.Wg != nil || src.Bg != nil || src.Wb != nil {
					return cfg, nil, bad("%s has Wg, bg or Wb, which only concatsquash layers have, but the block's time input is %s", lw, timeInputName(cfg.BlockTime[k]))
				}
			case *odefunc.ConcatSquashLinear:
				src := blk.Layers[li]
				if err := decodeAffine(lw, hint, src, l.W.Float64s(), l.B.Float64s(), l.In(), l.Out()); err != nil {
					return cfg, nil, err
				}
				for _, v := range []struct {
					name string
					src  []float64
					dst  []float64
				}{{"Wg", src.Wg, l.Wg.Float64s()}, {"bg", src.Bg, l.Bg.Float64s()}, {"Wb", src.Wb, l.Wb.Float64s()}} {
					if len(v.src) != l.Out() {
						return cfg, nil, bad("%s.%s has %d values, want %d (a concatsquash layer of %d outputs)", lw, v.name, len(v.src), l.Out(), l.Out())
					}
					if !finite(v.src) {
						return cfg, nil, bad("%s.%s holds a non-finite value", lw, v.name)
					}
					copy(v.dst, v.src)
				}
			default:
				continue // no weights
			}
			li++
		}
		nets[k] = net
	}
	return cfg, nets, nil
}

// decodeAffine checks a layer's W (in×out) and b (out) and copies them into
// w and b. hint is added to a wrong number of rows.
func decodeAffine(where, hint string, src layerJSON, w, b []float64, in, out int) error {
	if len(src.W) != in {
		return bad("%s.W has %d rows, want %d%s", where, len(src.W), in, hint)
	}
	if len(src.B) != out {
		return bad("%s.b has %d values, want %d", where, len(src.B), out)
	}
	for i, row := range src.W {
		if len(row) != out {
			return bad("%s.W row %d has %d values, want %d", where, i, len(row), out)
		}
		if !finite(row) {
			return bad("%s.W row %d holds a non-finite value", where, i)
		}
		copy(w[i*out:], row)
	}
	if !finite(src.B) {
		return bad("%s.b holds a non-finite value", where)
	}
	copy(b, src.B)
	return nil
}

func (s settingsJSON) decode() (Settings, error) {
	var out Settings
	var err error
	if out.Solver, err = s.Solver.decode("settings.solver"); err != nil {
		return out, err
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
	if s.FixedStep != 0 {
		out.Controller = ode.Constant{Step: s.FixedStep}
	}
	if _, err := ode.NewSolver(out); err != nil {
		return out, bad("%s: %v", where, err)
	}
	return out, nil
}
