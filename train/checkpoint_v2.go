package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/internal/strictjson"
	"github.com/ffjord-go/ffjord-go/odefunc"
)

// configJSON is a FlowConfig after defaults, as "config" holds it.
type configJSON struct {
	Dim        int       `json:"dim"`
	Blocks     int       `json:"blocks"`
	Hidden     []int     `json:"hidden"`
	Activation string    `json:"activation"`
	Time       string    `json:"time"`
	BlockTime  []string  `json:"block_time"`
	BaseMean   []float64 `json:"base_mean"`
	BaseStd    []float64 `json:"base_std"`
	T0         float64   `json:"t0"`
	T1         float64   `json:"t1"`
	LearnTime  bool      `json:"learn_time,omitempty"`
	// Context and ContextInput describe a conditional flow; absent (0) for
	// an unconditional one.
	Context      int    `json:"context,omitempty"`
	ContextInput string `json:"context_input,omitempty"`
}

func configOf(cfg FlowConfig) *configJSON {
	c := &configJSON{
		Dim: cfg.Dim, Blocks: cfg.Blocks, Hidden: cfg.Hidden, Activation: cfg.Activation.String(),
		Time: cfg.Time.String(), BaseMean: cfg.BaseMean, BaseStd: cfg.BaseStd,
		T0: cfg.T0, T1: cfg.T1, LearnTime: cfg.LearnTime,
	}
	if cfg.Context > 0 {
		c.Context, c.ContextInput = cfg.Context, cfg.ContextInput.String()
	}
	for _, ti := range cfg.BlockTime {
		c.BlockTime = append(c.BlockTime, ti.String())
	}
	return c
}

// decode checks the config's sizes against the limits, before anything of
// its size is built, and returns it as a resolved FlowConfig.
func (c *configJSON) decode() (FlowConfig, error) {
	switch {
	case c.Dim < 1 || c.Dim > odefunc.MaxDim:
		return FlowConfig{}, bad("config.dim = %d, want 1 to %d", c.Dim, odefunc.MaxDim)
	case c.Blocks < 1 || c.Blocks > distributions.MaxChain:
		return FlowConfig{}, bad("config.blocks = %d, want 1 to %d", c.Blocks, distributions.MaxChain)
	case c.Hidden == nil || len(c.Hidden) >= odefunc.MaxLayers/2:
		return FlowConfig{}, bad("config.hidden has %d widths, want 0 to %d (and a list, not null)", len(c.Hidden), odefunc.MaxLayers/2-1)
	case len(c.BlockTime) != c.Blocks:
		return FlowConfig{}, bad("config.block_time has %d entries, want blocks = %d", len(c.BlockTime), c.Blocks)
	}
	for i, h := range c.Hidden {
		if h < 1 || h > odefunc.MaxWidth {
			return FlowConfig{}, bad("config.hidden[%d] = %d, want 1 to %d", i, h, odefunc.MaxWidth)
		}
	}
	if c.Context < 0 || c.Context > odefunc.MaxWidth {
		return FlowConfig{}, bad("config.context = %d, want 0 to %d", c.Context, odefunc.MaxWidth)
	}
	cfg := FlowConfig{Dim: c.Dim, Blocks: c.Blocks, Hidden: c.Hidden, BaseMean: c.BaseMean, BaseStd: c.BaseStd, T0: c.T0, T1: c.T1, LearnTime: c.LearnTime, Context: c.Context}
	var err error
	if cfg.ContextInput, err = odefunc.ParseContextInput(c.ContextInput); err != nil {
		return cfg, bad("config.context_input: %v", err)
	}
	if cfg.Activation, err = odefunc.ParseActivation(c.Activation); err != nil {
		return cfg, bad("config.activation: %v", err)
	}
	if cfg.Time, err = odefunc.ParseTimeInput(c.Time); err != nil {
		return cfg, bad("config.time: %v", err)
	}
	cfg.SingleTime = cfg.Time == odefunc.ConcatTimeSingle
	cfg.BlockTime = make([]odefunc.TimeInput, c.Blocks)
	for k, s := range c.BlockTime {
		if cfg.BlockTime[k], err = odefunc.ParseTimeInput(s); err != nil {
			return cfg, bad("config.block_time[%d]: %v", k, err)
		}
	}
	if cfg.T0 == 0 && cfg.T1 == 0 {
		return cfg, bad("config.t0 = t1 = 0")
	}
	if cfg, err = cfg.resolved(); err != nil {
		return cfg, bad("config: %v", err)
	}
	return cfg, nil
}

// contentWith is contentOf with params (in Flow.Params order, of their
// shapes) written in place of f's own, which it leaves as they were; nil
// params is contentOf. The caller holds f's lock.
func contentWith(f *Flow, params [][]float64) (contentV2, error) {
	if params == nil {
		return contentOf(f)
	}
	ps := f.params()
	if !fitsParams(params, ps) {
		return contentV2{}, fmt.Errorf("%d parameter slices do not fit the model's %d parameters", len(params), len(ps))
	}
	own := make([][]float64, len(ps))
	for i, p := range ps {
		own[i] = append([]float64(nil), p.Float64s()...)
		copy(p.Float64s(), params[i])
	}
	defer func() {
		for i, p := range ps {
			copy(p.Float64s(), own[i])
		}
	}()
	return contentOf(f)
}

// contentOf is f's version-2 content without training state.
func contentOf(f *Flow) (contentV2, error) {
	model, err := f.Dist.EncodeJSON(codec())
	if err != nil {
		return contentV2{}, fmt.Errorf("model: %w", err)
	}
	c := contentV2{Model: model, Settings: settingsOf(f.settings)}
	if f.Nets != nil { // NewFlow's stack
		if _, err := stackNets(f.Config, f.Dist); err != nil {
			return contentV2{}, fmt.Errorf("the flow no longer is the stack its Config describes: %w", err)
		}
		c.Config = configOf(f.Config)
	}
	return c, nil
}

// decodeV2 builds the Flow of a version-2 content.
func decodeV2(content []byte, src rand.Source) (*Flow, *trainingJSON, error) {
	var c contentV2
	if err := strictjson.Unmarshal(content, &c); err != nil {
		return nil, nil, bad("content: %v", err)
	}
	s, err := c.Settings.decode()
	if err != nil {
		return nil, nil, err
	}
	var cfg FlowConfig
	if c.Config != nil {
		if cfg, err = c.Config.decode(); err != nil {
			return nil, nil, err
		}
	}
	r := rand.New(src)
	dc := codec()
	dc.Source = func() rand.Source { return rand.NewPCG(r.Uint64(), r.Uint64()) }
	dc.FFJORD = ffjord.Options{Solver: s.Solver, Gradient: s.Gradient, Trace: s.Trace}
	d, err := distributions.DecodeTransformed(c.Model, dc)
	if err != nil {
		return nil, nil, bad("model: %v", err)
	}
	if err := checkFinite(d); err != nil {
		return nil, nil, err
	}
	f, err := NewFlowOf(d, s)
	if err != nil {
		return nil, nil, bad("model: %v", err)
	}
	if c.Config != nil {
		nets, err := stackNets(cfg, d)
		if err != nil {
			return nil, nil, bad("config: the model is not the stack NewFlow builds from it: %v", err)
		}
		f.Config, f.Nets = cfg, nets
	}
	return f, c.Training, nil
}

// checkFinite checks every parameter of d, a user's decoded ones included.
func checkFinite(d *distributions.TransformedDistribution) error {
	for i, p := range d.Params() {
		if !finite(p.Float64s()) {
			return bad("model: parameter %d holds a non-finite value", i)
		}
	}
	return nil
}

// stackNets checks that d is the stack NewFlow builds from cfg and returns
// its networks, block 0 (the last of the chain) first.
func stackNets(cfg FlowConfig, d *distributions.TransformedDistribution) ([]*odefunc.Network, error) {
	base, ok := d.Base.(*distributions.Normal)
	switch {
	case !ok || base.Learnable():
		return nil, fmt.Errorf("the base is a %T (learnable: %t), want a fixed Normal", d.Base, ok && base.Learnable())
	case !bitsEqual(base.Mean(), cfg.BaseMean) || !bitsEqual(base.Std(), cfg.BaseStd):
		return nil, fmt.Errorf("the base is N(%v, %v²), the config's N(%v, %v²)", base.Mean(), base.Std(), cfg.BaseMean, cfg.BaseStd)
	}
	chain, ok := d.Bijector.(distributions.Chain)
	if !ok || len(chain) != cfg.Blocks {
		return nil, fmt.Errorf("the bijector is a %T, want a chain of %d FFJORD blocks", d.Bijector, cfg.Blocks)
	}
	nets := make([]*odefunc.Network, cfg.Blocks)
	for k := range nets {
		b, ok := chain[len(chain)-1-k].(*ffjord.FFJORD)
		if !ok {
			return nil, fmt.Errorf("block %d is a %T, want an FFJORD block", k, chain[len(chain)-1-k])
		}
		t0, t1 := b.Times()
		if b.LearnsTime() != cfg.LearnTime || t0 != cfg.T0 || (!cfg.LearnTime && t1 != cfg.T1) {
			return nil, fmt.Errorf("block %d integrates from %g to %g (learned: %t), the config says %g to %g (learned: %t)", k, t0, t1, b.LearnsTime(), cfg.T0, cfg.T1, cfg.LearnTime)
		}
		net, ok := b.Dynamics().Model().(*odefunc.Network)
		if !ok {
			return nil, fmt.Errorf("block %d's dynamics is a %T, want an odefunc.Network", k, b.Dynamics().Model())
		}
		if err := checkMLP(net, cfg.mlp(k)); err != nil {
			return nil, fmt.Errorf("block %d: %w", k, err)
		}
		nets[k] = net
	}
	return nets, nil
}

// checkMLP checks that net has the layers NewMLP builds from mc. The hidden
// widths are compared first, so that building NewMLP's network to compare
// with allocates no more than net holds.
func checkMLP(net *odefunc.Network, mc odefunc.MLPConfig) error {
	var widths []int
	for _, l := range net.Layers() {
		switch l.(type) {
		case *odefunc.Linear, *odefunc.ConcatSquashLinear, *odefunc.ContextSquashLinear:
			widths = append(widths, l.Out())
		}
	}
	if len(widths) != len(mc.Hidden)+1 || !slices.Equal(widths[:len(widths)-1], mc.Hidden) {
		return fmt.Errorf("its network's layers have widths %v, the config's hidden widths are %v", widths, mc.Hidden)
	}
	want, err := odefunc.NewMLP(mc, rand.NewPCG(0, 0))
	if err != nil {
		return err
	}
	got := net.Layers()
	if len(got) != len(want.Layers()) {
		return fmt.Errorf("its network has %d layers, NewMLP builds %d for time input %v", len(got), len(want.Layers()), mc.Time)
	}
	for i, w := range want.Layers() {
		g := got[i]
		same := fmt.Sprintf("%T", g) == fmt.Sprintf("%T", w) && g.In() == w.In() && g.Out() == w.Out()
		if a, ok := g.(*odefunc.ActivationLayer); ok && same {
			same = a.Fn == w.(*odefunc.ActivationLayer).Fn
		}
		if !same {
			return fmt.Errorf("layer %d is a %T of %d→%d features, NewMLP builds a %T of %d→%d for time input %v", i, g, g.In(), g.Out(), w, w.In(), w.Out(), mc.Time)
		}
	}
	return nil
}

// bitsEqual reports whether a and b hold the same float64s bit for bit.
func bitsEqual(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })
}
