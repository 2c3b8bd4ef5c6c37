package apitest

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/ffjord-go/ffjord-go/checkpoint"
	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/stretchr/testify/require"
)

// Hostile Codecs and training states given to checkpoint.Save.

// TestHostileCodecsAndSavedStates: a Codec for a type the library writes
// itself is an ErrCodec error (it would never be called), and a training
// state Load would refuse is an ErrUnsaveable one.
func TestHostileCodecsAndSavedStates(t *testing.T) {
	flow, tr, _ := smallTrainer(t, 1, train.Options{})
	st, err := tr.State()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "c.json")
	// Codecs for types the library writes itself would never be called.
	affineCodec := checkpoint.Codec{Bijectors: []checkpoint.BijectorCodec{checkpoint.Bijector("my_affine",
		func(*distributions.Affine) (json.RawMessage, error) { return json.RawMessage(`1`), nil },
		func(json.RawMessage) (*distributions.Affine, error) { return nil, errors.New("never") })}}
	chainCodec := checkpoint.Codec{Bijectors: []checkpoint.BijectorCodec{checkpoint.Bijector("my_chain",
		func(distributions.Chain) (json.RawMessage, error) { return json.RawMessage(`1`), nil },
		func(json.RawMessage) (distributions.Chain, error) { return nil, errors.New("never") })}}
	networkCodec := checkpoint.Codec{Models: []checkpoint.ModelCodec{checkpoint.Model("my_network",
		func(*odefunc.Network) (json.RawMessage, error) { return json.RawMessage(`1`), nil },
		func(json.RawMessage) (*odefunc.Network, error) { return nil, errors.New("never") })}}

	// Training states that Load would refuse.
	edited := func(edit func(s *train.TrainingState)) *train.TrainingState { return editedState(st, edit) }
	zeroLR := edited(func(s *train.TrainingState) { s.LR = 0 })
	negEpoch := edited(func(s *train.TrainingState) { s.Epoch = -1 })
	nanLoss := edited(func(s *train.TrainingState) { s.History = []train.EpochStats{{Epoch: 1, Loss: math.NaN()}} })
	negV := edited(func(s *train.TrainingState) { s.Adam.V[0][0] = -1 })
	infM := edited(func(s *train.TrainingState) { s.Adam.M[0][0] = math.Inf(1) })

	cases := []apiCase{
		{"Save with a Codec for *Affine", checkpoint.ErrCodec, func() error { return checkpoint.Save(path, flow, nil, affineCodec) }},
		{"Save with a Codec for Chain", checkpoint.ErrCodec, func() error { return checkpoint.Save(path, flow, nil, chainCodec) }},
		{"Save with a Codec for *Network", checkpoint.ErrCodec, func() error { return checkpoint.Save(path, flow, nil, networkCodec) }},
		{"Load with a Codec for *Affine", checkpoint.ErrCodec, func() error { _, err := checkpoint.Load(path, affineCodec); return err }},
		{"Save a state of learning rate 0", checkpoint.ErrUnsaveable, func() error { return checkpoint.Save(path, flow, zeroLR, checkpoint.Codec{}) }},
		{"Save a state of epoch -1", checkpoint.ErrUnsaveable, func() error { return checkpoint.Save(path, flow, negEpoch, checkpoint.Codec{}) }},
		{"Save a state of NaN loss", checkpoint.ErrUnsaveable, func() error { return checkpoint.Save(path, flow, nanLoss, checkpoint.Codec{}) }},
		{"Save a state of v < 0", checkpoint.ErrUnsaveable, func() error { return checkpoint.Save(path, flow, negV, checkpoint.Codec{}) }},
		{"Save a state of m = +Inf", checkpoint.ErrUnsaveable, func() error { return checkpoint.Save(path, flow, infM, checkpoint.Codec{}) }},
		{"Save an empty state", checkpoint.ErrUnsaveable, func() error { return checkpoint.Save(path, flow, &train.TrainingState{}, checkpoint.Codec{}) }},
	}
	for _, c := range cases {
		err := errOf(t, c.name, c.call)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want an error wrapping %q", c.name, err, c.want)
		}
	}
	countCases(t, "checkpoint_codec_test.go", len(cases))
}

// TestHostileSaveOfARefusedStateKeepsTheFile: a training state Load would
// refuse must not replace a good checkpoint.
func TestHostileSaveOfARefusedStateKeepsTheFile(t *testing.T) {
	flow, tr, _ := smallTrainer(t, 1, train.Options{})
	st, err := tr.State()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "c.json")
	require.NoError(t, checkpoint.Save(path, flow, st, checkpoint.Codec{}))
	before, err := os.ReadFile(path)
	require.NoError(t, err)
	bad := *st
	bad.LR = 0
	require.ErrorIs(t, checkpoint.Save(path, flow, &bad, checkpoint.Codec{}), checkpoint.ErrUnsaveable)
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, before, after, "a refused state replaced the checkpoint")
	_, err = checkpoint.Load(path, checkpoint.Codec{})
	require.NoError(t, err)
	countCases(t, "checkpoint_codec_test.go", 1)
}

// TestHostileSaverOfAnotherFlow: a Saver given a flow other than the
// trained one used to write the trainer's moments beside the other
// flow's weights, a file Load refuses; now the epoch's save fails and
// nothing is written.
func TestHostileSaverOfAnotherFlow(t *testing.T) {
	flow, _, _ := smallTrainer(t, 0, train.Options{})
	other, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 2, Hidden: []int{4}}, train.Settings{}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "s.json")
	tr, err := train.NewTrainer(flow, train.Options{Epochs: 1, BatchSize: 32, Seed: 3, Save: checkpoint.Saver(path, other, checkpoint.Codec{})})
	require.NoError(t, err)
	require.ErrorIs(t, tr.Run(context.Background(), moons(t)), checkpoint.ErrUnsaveable)
	_, err = os.Stat(path)
	require.ErrorIs(t, err, os.ErrNotExist)
	countCases(t, "checkpoint_codec_test.go", 1)
}

// TestHostileLoadNegativeSecondMoment: a second moment below 0 would make
// Adam's first resumed step NaN.
func TestHostileLoadNegativeSecondMoment(t *testing.T) {
	content := validCheckpoint(t)
	bad := mutated(t, content, []any{"training", "adam", "v", 0, 0}, func(any) any { return -1.0 })
	path := filepath.Join(t.TempDir(), "c.json")
	require.NoError(t, os.WriteFile(path, sealCheckpoint(t, bad), 0o644))
	_, err := checkpoint.Load(path, checkpoint.Codec{})
	require.ErrorIs(t, err, checkpoint.ErrCheckpoint)
	countCases(t, "checkpoint_codec_test.go", 1)
}
