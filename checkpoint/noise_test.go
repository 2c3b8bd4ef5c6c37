package checkpoint

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/stretchr/testify/require"
)

// chachaFlow is one FFJORD block with Hutchinson's estimator whose noise
// comes from a ChaCha8, as ffjord.NoiseState allows.
func chachaFlow(t *testing.T) *train.Flow {
	t.Helper()
	net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2, Hidden: []int{4}}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	block, err := ffjord.New(net, ffjord.Options{Source: rand.NewChaCha8([32]byte{1}), Trace: odefunc.HutchinsonGaussian})
	require.NoError(t, err)
	base, err := distributions.NewNormal([]float64{0, 0}, []float64{1, 1}, rand.NewPCG(3, 3))
	require.NoError(t, err)
	d, err := distributions.NewTransformed(base, distributions.Chain{block})
	require.NoError(t, err)
	f, err := train.NewFlowOf(d, train.Settings{Trace: odefunc.HutchinsonGaussian})
	require.NoError(t, err)
	return f
}

// TestChaCha8NoiseResumes: a training whose block drew its noise from a
// ChaCha8 saved, loaded and could not be resumed (the loaded block's
// PCG refused the ChaCha8 state); it now resumes bit for bit.
func TestChaCha8NoiseResumes(t *testing.T) {
	opts := train.Options{Epochs: 2, BatchSize: 24, Seed: 3}
	whole, resumed, _, _ := resumeAfterFirstEpoch(t, func() *train.Flow { return chachaFlow(t) }, opts)
	sameFlow(t, whole, resumed)
}

// TestLoadRefusesBadGeneratorStates: a generator state that no
// generator takes back is refused by Load, not by the Resume after it.
func TestLoadRefusesBadGeneratorStates(t *testing.T) {
	f := chachaFlow(t)
	path := filepath.Join(t.TempDir(), "c.json")
	tr, err := train.NewTrainer(f, train.Options{Epochs: 1, BatchSize: 24, Seed: 3, Save: Saver(path, f, Codec{})})
	require.NoError(t, err)
	require.NoError(t, tr.Run(context.Background(), tinyData(t)))
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	_, err = decodeCheckpoint(raw)
	require.NoError(t, err)
	for name, edit := range map[string]func(tr map[string]any){
		"shuffle":         func(tr map[string]any) { tr["shuffle"] = "00ff" },
		"noise":           func(tr map[string]any) { tr["noise"] = []any{"00ff"} },
		"draws":           func(tr map[string]any) { tr["draws"] = "abcd" },
		"chacha shuffle":  func(tr map[string]any) { tr["shuffle"] = tr["noise"].([]any)[0] },
		"truncated noise": func(tr map[string]any) { tr["noise"] = []any{tr["noise"].([]any)[0].(string)[:20]} },
	} {
		_, err := decodeCheckpoint(resealed(t, raw, func(c map[string]any) { edit(c["training"].(map[string]any)) }))
		require.ErrorIs(t, err, ErrCheckpoint, name)
	}
}
