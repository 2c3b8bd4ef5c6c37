package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/odefunc"
)

// NewFlowOfConfig returns the Flow of d, which must be the stack NewFlow
// builds from cfg, weights aside: a fixed Normal base of cfg's BaseMean
// and BaseStd and a chain of cfg.Blocks FFJORD blocks whose networks have
// the layers NewMLP builds, block 0 last in the chain. The Flow's Config
// is then cfg with its defaults filled in, as if NewFlow had built it. A
// reader of saved models (package checkpoint) uses it; s is applied to
// every block.
func NewFlowOfConfig(cfg FlowConfig, d *distributions.TransformedDistribution, s Settings) (*Flow, error) {
	cfg, err := cfg.resolved()
	if err != nil {
		return nil, err
	}
	f, err := NewFlowOf(d, s)
	if err != nil {
		return nil, err
	}
	nets, err := stackNets(cfg, d)
	if err != nil {
		return nil, fmt.Errorf("%w: the distribution is not the stack NewFlow builds from the config: %v", ErrInvalidConfig, err)
	}
	f.config, f.nets = cfg, nets
	return f, nil
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
