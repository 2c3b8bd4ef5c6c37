package apitest

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// TestConditionalMisuseNamesTheFix calls the unconditional methods of a
// conditional flow, and the conditional ones wrongly, and checks that each
// error names the method to use, and never says a bare "context" where
// the conditioning input or a context.Context could be meant.
func TestConditionalMisuseNamesTheFix(t *testing.T) {
	cflow, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}, Context: 2}, train.Settings{}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	uflow, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}}, train.Settings{}, rand.NewPCG(1, 4))
	require.NoError(t, err)
	x, c := dense(3, 2, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6), dense(3, 2, 1, 0, 0, 1, 1, 0)
	trainer := func(f *train.Flow) *train.Trainer {
		tr, err := train.NewTrainer(f, train.Options{Epochs: 1})
		require.NoError(t, err)
		return tr
	}
	var nilCtx context.Context
	cases := []struct {
		name string
		want []string // substrings of the message
		is   error    // the sentinel it wraps
		call func() error
	}{
		{"Dist.LogProb", []string{"conditional", "LogProbContext"}, distributions.ErrShape, func() error {
			return cflow.Use(func(d *distributions.TransformedDistribution) error { _, err := d.LogProb(x); return err })
		}},
		{"Dist.Sample", []string{"conditional", "SampleContext"}, distributions.ErrShape, func() error {
			return cflow.Use(func(d *distributions.TransformedDistribution) error { _, err := d.Sample(3); return err })
		}},
		{"Dist.SampleWithLogProb", []string{"conditional", "SampleContext"}, distributions.ErrShape, func() error {
			return cflow.Use(func(d *distributions.TransformedDistribution) error { _, _, err := d.SampleWithLogProb(3); return err })
		}},
		{"Flow.LogProb", []string{"conditional", "LogProbContext"}, distributions.ErrShape, func() error { _, err := cflow.LogProb(x); return err }},
		{"Flow.NLL", []string{"conditional", "LogProbContext"}, distributions.ErrShape, func() error { _, err := cflow.NLL(x); return err }},
		{"Flow.Sample", []string{"conditional", "SampleContext"}, distributions.ErrShape, func() error { _, err := cflow.Sample(3); return err }},
		{"Flow.Sample, many rows", []string{"conditional", "SampleContext"}, distributions.ErrShape, func() error { _, err := cflow.Sample(5000); return err }},
		{"Trainer.Run", []string{"conditional", "RunContext"}, train.ErrInvalidConfig, func() error { return trainer(cflow).Run(context.Background(), x) }},
		{"Trainer.RunContext nil cond", []string{"cond is nil", "conditional"}, train.ErrInvalidConfig, func() error { return trainer(cflow).RunContext(context.Background(), x, nil) }},
		{"Trainer.RunContext cond rows", []string{"cond (the conditioning input)", "2 rows for 3 points"}, distributions.ErrShape, func() error {
			return trainer(cflow).RunContext(context.Background(), x, dense(2, 2, 1, 0, 0, 1))
		}},
		{"Trainer.RunContext cond width", []string{"cond (the conditioning input, N×2)"}, distributions.ErrShape, func() error {
			return trainer(cflow).RunContext(context.Background(), x, tensor.New(tensor.WithShape(3, 3), tensor.WithBacking(make([]float64, 9))))
		}},
		{"Trainer.RunContext cond on unconditional", []string{"reads none", "use Run("}, train.ErrInvalidConfig, func() error { return trainer(uflow).RunContext(context.Background(), x, c) }},
		{"Trainer.RunContext nil ctx", []string{"context.Context"}, train.ErrInvalidConfig, func() error { return trainer(cflow).RunContext(nilCtx, x, c) }},
	}
	for _, tc := range cases {
		err := tc.call()
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		msg := err.Error()
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: %q does not say %q", tc.name, msg, w)
			}
		}
		if !errors.Is(err, tc.is) {
			t.Errorf("%s: %v is not %v", tc.name, err, tc.is)
		}
		for _, bad := range []string{"context:", "nil context", "RecordInverse"} {
			if strings.Contains(msg, bad) {
				t.Errorf("%s: %q says %q", tc.name, msg, bad)
			}
		}
	}
}
