package checkpoint

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"crypto/sha256"
	"encoding/hex"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

func tinyFlow(t *testing.T) *train.Flow {
	t.Helper()
	f, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 2, Hidden: []int{6}}, train.Settings{}, rand.NewPCG(7, 8))
	require.NoError(t, err)
	return f
}

func tinyData(t *testing.T) *tensor.Dense {
	t.Helper()
	x, err := datasets.Moons(96, 0.06, true, rand.NewPCG(5, 6))
	require.NoError(t, err)
	return x
}

func paramsOf(f *train.Flow) [][]float64 {
	var out [][]float64
	for _, p := range f.Params() {
		out = append(out, append([]float64(nil), p.Float64s()...))
	}
	return out
}

var mixedTime = []odefunc.TimeInput{odefunc.ConcatTime, odefunc.ConcatSquash, odefunc.IgnoreTime}

// mixedFlow has block 0 concatenated, block 1 concatsquash and block 2
// ignoring t, with every parameter moved off its initial value.
func mixedFlow(t *testing.T, s train.Settings) *train.Flow {
	t.Helper()
	f, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 3, Hidden: []int{4}, BlockTime: mixedTime}, s, rand.NewPCG(51, 52))
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(53, 54))
	for _, p := range f.Params() {
		for i := range p.Float64s() {
			p.Float64s()[i] += 0.2 * r.NormFloat64()
		}
	}
	return f
}

// configOfFlow is f's Config, which the flows of these tests have.
func configOfFlow(t *testing.T, f *train.Flow) train.FlowConfig {
	t.Helper()
	cfg, ok := f.Config()
	require.True(t, ok, "a flow NewFlow built")
	return cfg
}

// saveFlow saves f without training state, with the library's codec.
func saveFlow(path string, f *train.Flow) error { return Save(path, f, nil, Codec{}) }

// load loads with the library's codec.
func load(path string) (*Checkpoint, error) { return Load(path, Codec{}) }

// decodeCheckpoint decodes the bytes of a file with the library's codec.
func decodeCheckpoint(data []byte) (*Checkpoint, error) { return decode(data, Codec{}) }

// resealed rewrites a checkpoint's content with edit and a valid checksum,
// to test validation past the checksum.
func resealed(t *testing.T, raw []byte, edit func(map[string]any)) []byte {
	var file fileJSON
	require.NoError(t, json.Unmarshal(raw, &file))
	var content map[string]any
	require.NoError(t, json.Unmarshal(file.Content, &content))
	edit(content)
	c, err := json.Marshal(content)
	require.NoError(t, err)
	sum := sha256.Sum256(c)
	file.Content, file.SHA256 = c, hex.EncodeToString(sum[:])
	out, err := json.Marshal(file)
	require.NoError(t, err)
	return out
}

// historyWithoutSeconds clears the wall times, which checkpoints leave out.
func historyWithoutSeconds(h []train.EpochStats) []train.EpochStats {
	out := append([]train.EpochStats(nil), h...)
	for i := range out {
		out[i].Seconds = 0
	}
	return out
}

// resumeAfterFirstEpoch trains one flow from newFlow for opts.Epochs on
// tinyData, and another that stops after epoch 1, is saved, loaded and
// resumed to the same count; it returns both flows and trainers.
func resumeAfterFirstEpoch(t *testing.T, newFlow func() *train.Flow, opts train.Options) (whole, resumed *train.Flow, all, rest *train.Trainer) {
	t.Helper()
	data := tinyData(t)
	whole = newFlow()
	all, err := train.NewTrainer(whole, opts)
	require.NoError(t, err)
	require.NoError(t, all.Run(context.Background(), data))

	first := opts
	path := filepath.Join(t.TempDir(), "ck.json")
	stopAfter := errors.New("stop")
	first.OnEpoch = func(s train.EpochStats) error {
		if s.Epoch == 1 {
			return stopAfter
		}
		return nil
	}
	f1 := newFlow()
	first.Save = Saver(path, f1, Codec{})
	tr1, err := train.NewTrainer(f1, first)
	require.NoError(t, err)
	require.ErrorIs(t, tr1.Run(context.Background(), data), stopAfter)

	ck, err := load(path)
	require.NoError(t, err)
	require.NotNil(t, ck.Training)
	require.Equal(t, 1, ck.Training.Epoch)
	rest, err = Resume(ck, opts)
	require.NoError(t, err)
	require.NoError(t, rest.Run(context.Background(), data))
	return whole, ck.Flow, all, rest
}

// affineFlow is N(0, 1) through a learnable Affine in one dimension.
func affineFlow(t *testing.T) *train.Flow {
	t.Helper()
	base, err := distributions.NewNormal([]float64{0}, []float64{1}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	aff, err := distributions.NewAffine([]float64{0}, []float64{0})
	require.NoError(t, err)
	d, err := distributions.NewTransformed(base, aff)
	require.NoError(t, err)
	f, err := train.NewFlowOf(d, train.Settings{})
	require.NoError(t, err)
	return f
}

// gaussianRows returns n draws of N(mu, sd²) as an n×1 tensor.
func gaussianRows(n int, mu, sd float64, seed uint64) *tensor.Dense {
	r := rand.New(rand.NewPCG(seed, seed+1))
	v := make([]float64, n)
	for i := range v {
		v[i] = mu + sd*r.NormFloat64()
	}
	return tensor.New(tensor.WithShape(n, 1), tensor.WithBacking(v))
}

// driftOptions train affineFlow on N(3, 0.5²) and validate on N(1.5, 0.5²):
// the validation NLL falls and then rises well before the last epoch.
func driftOptions() (train.Options, *tensor.Dense) {
	return train.Options{Epochs: 40, BatchSize: 16, LearningRate: 0.05, Seed: 3, Validation: gaussianRows(48, 1.5, 0.5, 7)},
		gaussianRows(64, 3, 0.5, 5)
}

// epochRecord is what OnEpoch saw.
type epochRecord struct {
	params [][]float64
	nll    float64
}

func recordEpochs(f *train.Flow, opts *train.Options, into *[]epochRecord) {
	opts.OnEpoch = func(s train.EpochStats) error {
		*into = append(*into, epochRecord{paramsOf(f), s.ValidationNLL})
		return nil
	}
}

// distOf returns f's distribution, for tests that read its parts.
func distOf(t *testing.T, f *train.Flow) *distributions.TransformedDistribution {
	t.Helper()
	var d *distributions.TransformedDistribution
	require.NoError(t, f.Use(func(fd *distributions.TransformedDistribution) error { d = fd; return nil }))
	return d
}

// blocksOf returns f's FFJORD blocks in sampling order (block 0 first).
func blocksOf(t *testing.T, f *train.Flow) []*ffjord.FFJORD {
	t.Helper()
	var walk func(b distributions.Bijector) []*ffjord.FFJORD
	walk = func(b distributions.Bijector) []*ffjord.FFJORD {
		switch b := b.(type) {
		case *ffjord.FFJORD:
			return []*ffjord.FFJORD{b}
		case distributions.Chain:
			var out []*ffjord.FFJORD
			for k := len(b) - 1; k >= 0; k-- {
				out = append(out, walk(b[k])...)
			}
			return out
		}
		return nil
	}
	return walk(distOf(t, f).Bijector)
}
