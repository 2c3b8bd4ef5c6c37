package checkpoint

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/internal/strictjson"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
	"gorgonia.org/tensor"
)

// A checkpoint file of version 1 holds only the tutorial's stack, as NewFlow
// builds it, under "model":
//
//	"model": {"dim": D, "t0": 0, "t1": 1, "time_input": TI, "learn_time": bool (optional),
//	          "base": {"mean": [D], "std": [D]},
//	          "blocks": [{"type": "mlp", "activation": "tanh"|"softplus",
//	                      "time": TI (optional), "t1": T (with learn_time),
//	                      "layers": [{"W": [[in×out]], "b": [out],
//	                                  "Wg": [out], "bg": [out], "Wb": [out] (concatsquash only)}, …]}, …]}
//
// Block 0 is applied first when sampling. Every block has the same
// activation and hidden widths; layers use the row-vector convention
// h_out = h_in·W + b, the activation after every layer but the last.
//
// TI says how a block sees the time t: "broadcast" (also "concat"): the
// first layer's input is [t, …, t, z], so its W has 2D rows; "single" (also
// "concat-single"): [t, z], D + 1 rows; "concatsquash": z, every layer a
// ConcatSquashLinear with the extra rows "Wg", "bg" and "Wb"; "ignore": z. A
// block's "time" overrides the model's "time_input".
//
// Adam's moments were written in the order of Flow.Params of the code that
// wrote the file, which changed without a new version: before the
// differentiable-route refactor (commit 7e70255) it was block 0's network,
// block 1's, …, then every block's √T; since, the chain's order, the last
// block first, each √T after its network. The sizes tell them apart
// (reorder).

type v1Model struct {
	Dim       int       `json:"dim"`
	T0        float64   `json:"t0"`
	T1        float64   `json:"t1"`
	TimeInput string    `json:"time_input"`
	LearnTime bool      `json:"learn_time,omitempty"` // each block then has its own t1
	Base      v1Base    `json:"base"`
	Blocks    []v1Block `json:"blocks"`
}

type v1Base struct {
	Mean []float64 `json:"mean"`
	Std  []float64 `json:"std"`
}

type v1Block struct {
	Type       string    `json:"type"`
	Activation string    `json:"activation"`
	Time       string    `json:"time,omitempty"` // empty: the model's time_input
	T1         *float64  `json:"t1,omitempty"`   // the learned end time, with learn_time
	Layers     []v1Layer `json:"layers"`
}

type v1Layer struct {
	W [][]float64 `json:"W"`
	B []float64   `json:"b"`
	// The ConcatSquashLinear extras; nil for the other layers, so that
	// their files are unchanged.
	Wg []float64 `json:"Wg,omitempty"`
	Bg []float64 `json:"bg,omitempty"`
	Wb []float64 `json:"Wb,omitempty"`
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

// decode checks the model section and builds its networks.
func (m v1Model) decode() (train.FlowConfig, []*odefunc.Network, []float64, error) {
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
func (m v1Model) decodeNets() (train.FlowConfig, []*odefunc.Network, error) {
	cfg := train.FlowConfig{Dim: m.Dim, T0: m.T0, T1: m.T1, BaseMean: m.Base.Mean, BaseStd: m.Base.Std}
	switch {
	case m.Dim <= 0 || m.Dim > odefunc.MaxDim:
		return cfg, nil, bad("model.dim = %d, want 1 to %d", m.Dim, odefunc.MaxDim)
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
		if err := checkV1Shapes(where, blk.Layers, m.Dim, cfg.BlockTime[k]); err != nil {
			return cfg, nil, err
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
				if err := v1Affine(lw, hint, src, l.W.Float64s(), l.B.Float64s(), l.In(), l.Out()); err != nil {
					return cfg, nil, err
				}
				if src.Wg != nil || src.Bg != nil || src.Wb != nil {
					return cfg, nil, bad("%s has Wg, bg or Wb, which only concatsquash layers have, but the block's time input is %s", lw, timeInputName(cfg.BlockTime[k]))
				}
			case *odefunc.ConcatSquashLinear:
				src := blk.Layers[li]
				if err := v1Affine(lw, hint, src, l.W.Float64s(), l.B.Float64s(), l.In(), l.Out()); err != nil {
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

// checkV1Shapes checks that the layers' W and b have the shapes the MLP of
// their widths needs, before NewMLP allocates it: W's rows follow from
// the time input and the previous layer, its columns and b from the layer's
// width, and the last layer has dim outputs.
func checkV1Shapes(where string, layers []v1Layer, dim int, ti odefunc.TimeInput) error {
	in := dim + ti.Copies(dim)
	for i, l := range layers {
		lw := fmt.Sprintf("%s.layers[%d]", where, i)
		out := len(l.B)
		if i == len(layers)-1 && out != dim {
			return bad("%s.b has %d values, want %d", lw, out, dim)
		}
		if out > odefunc.MaxWidth {
			return bad("%s.b has %d values, more than the limit %d", lw, out, odefunc.MaxWidth)
		}
		if len(l.W) != in {
			hint := ""
			if i == 0 {
				hint = fmt.Sprintf(" for time input %s", timeInputName(ti))
			}
			return bad("%s.W has %d rows, want %d%s", lw, len(l.W), in, hint)
		}
		for r, row := range l.W {
			if len(row) != out {
				return bad("%s.W row %d has %d values, want %d", lw, r, len(row), out)
			}
		}
		in = out
	}
	return nil
}

// v1Affine checks a layer's W (in×out) and b (out) and copies them into
// w and b. hint is added to a wrong number of rows.
func v1Affine(where, hint string, src v1Layer, w, b []float64, in, out int) error {
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

// contentV1 is the content of a version-1 file.
type contentV1 struct {
	Model    v1Model       `json:"model"`
	Settings settingsJSON  `json:"settings"`
	Training *trainingJSON `json:"training"`
}

// decodeV1 builds the Flow of a version-1 content, as NewFlow builds the
// stack, with the random streams split off src in NewFlow's order: the
// base's, then block 0's, block 1's, …. order says where the older order
// of Adam's moments puts each (see reorder).
func decodeV1(content []byte, src rand.Source) (*train.Flow, *trainingJSON, []int, error) {
	var c contentV1
	if err := strictjson.Unmarshal(content, &c); err != nil {
		return nil, nil, nil, bad("content: %v", err)
	}
	cfg, nets, endTimes, err := c.Model.decode()
	if err != nil {
		return nil, nil, nil, err
	}
	s, err := c.Settings.decode()
	if err != nil {
		return nil, nil, nil, err
	}
	r := rand.New(src)
	base, err := distributions.NewNormal(cfg.BaseMean, cfg.BaseStd, rand.NewPCG(r.Uint64(), r.Uint64()))
	if err != nil {
		return nil, nil, nil, bad("%v", err)
	}
	blocks := make([]*ffjord.FFJORD, len(nets))
	chain := make(distributions.Chain, len(nets))
	for k, net := range nets {
		blocks[k], err = ffjord.New(net, ffjord.Options{T0: cfg.T0, T1: cfg.T1, LearnTime: cfg.LearnTime, Source: rand.NewPCG(r.Uint64(), r.Uint64())})
		if err == nil && endTimes != nil {
			err = blocks[k].SetTimes(cfg.T0, endTimes[k])
		}
		if err != nil {
			return nil, nil, nil, bad("block %d: %v", k, err)
		}
		chain[len(nets)-1-k] = blocks[k] // Chain applies its last element first
	}
	d, err := distributions.NewTransformed(base, chain)
	if err != nil {
		return nil, nil, nil, bad("%v", err)
	}
	f, err := train.NewFlowOfConfig(cfg, d, s)
	if err != nil {
		return nil, nil, nil, bad("%v", err)
	}
	// The older order: every network's parameters, block 0's first, then
	// every learned √T.
	at := map[*tensor.Dense]int{}
	for i, p := range d.Params() {
		at[p] = i
	}
	var order []int
	for _, n := range nets {
		for _, p := range n.Params() {
			order = append(order, at[p])
		}
	}
	for _, b := range blocks {
		if b.LearnsTime() {
			bp := b.Params()
			order = append(order, at[bp[len(bp)-1]])
		}
	}
	return f, c.Training, order, nil
}

// reorder returns st, whose moments do not fit the parameters as they
// are, with moment i moved to order[i]: the older order of version 1.
// When the moments fit both orders (blocks of one shape and no learned
// times) they are taken as they are, as the code of version 1's last
// writer read them.
func reorder(st train.AdamState, order []int, n int) (train.AdamState, error) {
	if len(order) != n || len(st.M) != n || len(st.V) != n {
		return st, bad("training.adam has %d/%d moments for %d parameters", len(st.M), len(st.V), n)
	}
	out := train.AdamState{Step: st.Step, M: make([][]float64, n), V: make([][]float64, n)}
	for i, j := range order {
		out.M[j], out.V[j] = st.M[i], st.V[i]
	}
	return out, nil
}

// fits reports whether st has one moment of the right size per parameter.
func fits(st train.AdamState, ps []*tensor.Dense) bool {
	return batch.Fits(st.M, ps) && batch.Fits(st.V, ps)
}
