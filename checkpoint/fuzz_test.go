package checkpoint

import (
	"math/rand/v2"
	"os"
	"testing"

	"github.com/ffjord-go/ffjord-go/train"
)

// FuzzLoadCheckpoint: no input makes the loader panic; whatever it accepts
// is a usable model.
func FuzzLoadCheckpoint(f *testing.F) {
	flow, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{3}}, train.Settings{}, rand.NewPCG(1, 1))
	if err != nil {
		f.Fatal(err)
	}
	dir := f.TempDir()
	path := dir + "/m.json"
	if err := saveFlow(path, flow); err != nil {
		f.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add([]byte(`{"format":"ffjord-go checkpoint","version":2,"sha256":"","content":{}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ck, err := decodeCheckpoint(data)
		if err != nil {
			return
		}
		if ck.Flow == nil || ck.Flow.Dim() == 0 {
			t.Fatal("accepted a checkpoint without a model")
		}
	})
}
