package checkpoint

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/graph"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// v1File is f as the version-1 writer (before format 2) wrote it, without
// training state, so that tests can edit version-1 files.
func v1File(t *testing.T, f *train.Flow) []byte {
	t.Helper()
	cfg := configOfFlow(t, f)
	m := v1Model{Dim: cfg.Dim, T0: cfg.T0, T1: cfg.T1, TimeInput: timeInputName(cfg.Time), LearnTime: cfg.LearnTime, Base: v1Base{Mean: cfg.BaseMean, Std: cfg.BaseStd}}
	blocks := blocksOf(t, f)
	for k, b := range blocks {
		net := b.Dynamics().Model().(*odefunc.Network)
		blk := v1Block{Type: "mlp", Activation: cfg.Activation.String()}
		if cfg.LearnTime {
			_, T := blocks[k].Times()
			blk.T1 = &T
		}
		if cfg.BlockTime[k] != cfg.Time {
			blk.Time = timeInputName(cfg.BlockTime[k])
		}
		for _, l := range net.Layers() {
			var layer v1Layer
			switch l := l.(type) {
			case *odefunc.Linear:
				layer = v1LayerOf(l.W.Float64s(), l.B.Float64s(), l.In(), l.Out())
			case *odefunc.ConcatSquashLinear:
				layer = v1LayerOf(l.W.Float64s(), l.B.Float64s(), l.In(), l.Out())
				layer.Wg, layer.Bg, layer.Wb = l.Wg.Float64s(), l.Bg.Float64s(), l.Wb.Float64s()
			default:
				continue
			}
			blk.Layers = append(blk.Layers, layer)
		}
		m.Blocks = append(m.Blocks, blk)
	}
	raw, err := json.Marshal(contentV1{Model: m, Settings: settingsOf(f.Settings())})
	require.NoError(t, err)
	sum := sha256.Sum256(raw)
	out, err := json.MarshalIndent(fileJSON{Format: Format, Version: 1, SHA256: hex.EncodeToString(sum[:]), Content: raw}, "", " ")
	require.NoError(t, err)
	return out
}

func v1LayerOf(w, b []float64, in, out int) v1Layer {
	layer := v1Layer{B: b}
	for i := range in {
		layer.W = append(layer.W, w[i*out:(i+1)*out])
	}
	return layer
}

// TestVersion1FilesStillLoad loads the version-1 checkpoints written by
// main before format 2 and by the code before the differentiable-route
// refactor (train/testdata/v1/gen made both, after one of two epochs): each
// gives the log-densities of the flow that wrote it and resumes to those of
// the uninterrupted run, bit for bit. The two files differ only in the
// order of Adam's moments.
//
// The expected bits were recorded with the executor's pure-Go kernels, so
// the test runs on those: the vector kernels round differently (FMA).
func TestVersion1FilesStillLoad(t *testing.T) {
	old := graph.DefaultKernels()
	t.Cleanup(func() { require.NoError(t, graph.SetDefaultKernels(old)) })
	require.NoError(t, graph.SetDefaultKernels(graph.PureGo))
	data, err := datasets.Moons(64, 0.06, true, rand.NewPCG(5, 6))
	require.NoError(t, err)
	var adams []train.AdamState
	for _, name := range []string{"main-915b8d8", "pre-refactor-71c40c2"} {
		var want struct {
			Points   []float64 `json:"points"`
			Saved    []uint64  `json:"logprob_saved"`
			AfterTwo []uint64  `json:"logprob_after_epoch_2"`
		}
		raw, err := os.ReadFile(filepath.Join("testdata", "v1", name+"_expected.json"))
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(raw, &want))
		bits := func(f *train.Flow) []uint64 {
			// The expected bits are those of the whole-batch solve at the
			// tutorial's tolerances, evaluation's when they were recorded.
			s := f.Settings()
			s.Solver.StepControl = ode.WholeBatch
			s.Solver.Controller = ode.Adaptive{RTol: ode.DefaultRTol, ATol: ode.DefaultATol}
			require.NoError(t, f.SetSettings(s))
			lp, err := f.LogProb(batch.New(len(want.Points)/2, 2, append([]float64(nil), want.Points...)))
			require.NoError(t, err)
			out := make([]uint64, len(lp))
			for i, v := range lp {
				out[i] = math.Float64bits(v)
			}
			return out
		}

		ck, err := load(filepath.Join("testdata", "v1", name+".json"))
		require.NoError(t, err, name)
		assert.Equal(t, want.Saved, bits(ck.Flow), name)
		cfg := configOfFlow(t, ck.Flow)
		assert.Equal(t, []odefunc.TimeInput{odefunc.ConcatTime, odefunc.ConcatSquash}, cfg.BlockTime, name)
		assert.Equal(t, []int{4}, cfg.Hidden, name)
		assert.True(t, cfg.LearnTime, name)
		assert.Len(t, blocksOf(t, ck.Flow), 2, name)
		require.NotNil(t, ck.Training, name)
		adams = append(adams, ck.Training.Adam)

		tr, err := Resume(ck, train.Options{Epochs: 2, BatchSize: 32, LearningRate: 3e-2, Seed: 11})
		require.NoError(t, err, name)
		require.NoError(t, tr.Run(context.Background(), data), name)
		assert.Equal(t, want.AfterTwo, bits(ck.Flow), "%s: resumed training must match the uninterrupted run bit for bit", name)
	}
	assert.Equal(t, adams[0], adams[1], "both orders of version 1 give the same moments")
}
