package checkpoint

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"syscall"

	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/internal/strictjson"
	"github.com/ffjord-go/ffjord-go/train"
)

// Checkpoint is a loaded checkpoint: the model and how to evaluate it, and,
// if it was saved with a training state, the state to resume training from.
type Checkpoint struct {
	Flow     *train.Flow
	Training *train.TrainingState // nil for a model saved without training state

	codec Codec // what Load read it with, for BestFlow
}

// Load reads a checkpoint, checks everything in it and returns the model
// with its saved settings (and training state, if any). Parts of the
// user's own types are read through c. Errors wrap ErrCheckpoint (or
// ErrCodec for a Codec that cannot be used) and say what is wrong.
func Load(path string, c Codec) (*Checkpoint, error) {
	if _, _, err := c.tables(); err != nil {
		return nil, err
	}
	// Non-blocking, so that a named pipe is refused below instead of
	// blocking the open until a writer comes.
	file, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: loading: %w", err)
	}
	defer file.Close()
	st, err := file.Stat()
	switch {
	case err != nil:
		return nil, fmt.Errorf("checkpoint: loading: %w", err)
	case !st.Mode().IsRegular():
		return nil, bad("%s is not a regular file (%v)", path, st.Mode().Type())
	case st.Size() > maxSize:
		return nil, bad("the file has %d bytes, more than the limit of %d", st.Size(), maxSize)
	}
	data, err := io.ReadAll(io.LimitReader(file, maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("checkpoint: loading: %w", err)
	}
	if int64(len(data)) > maxSize {
		return nil, bad("the file is larger than the limit of %d bytes", maxSize)
	}
	return decode(data, c)
}

// decode reads the bytes of a checkpoint file.
func decode(data []byte, c Codec) (*Checkpoint, error) {
	models, bijectors, err := c.tables()
	if err != nil {
		return nil, err
	}
	var file fileJSON
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, bad("not valid JSON (truncated or corrupted?): %v", err)
	}
	if file.Format != Format {
		return nil, bad("format is %q, want %q", file.Format, Format)
	}
	if file.Version != 1 && file.Version != Version {
		return nil, bad("version %d is not supported (this library reads versions 1 and %d)", file.Version, Version)
	}
	if content := bytes.TrimSpace(file.Content); len(content) == 0 || string(content) == "null" {
		return nil, bad("content is missing (absent or null)")
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, file.Content); err != nil {
		return nil, bad("content: %v", err)
	}
	sum := sha256.Sum256(compact.Bytes())
	if want, err := hex.DecodeString(file.SHA256); err != nil || !bytes.Equal(want, sum[:]) {
		return nil, bad("checksum mismatch: the content was modified or corrupted")
	}
	if err := strictjson.Check(file.Content); err != nil {
		return nil, bad("content: %v", err)
	}
	// The random streams of a loaded model are seeded from its weights'
	// checksum, so loading the same file twice gives the same samples.
	src := seeded(sum)
	var (
		f        *train.Flow
		training *trainingJSON
		order    []int // v1: where each saved moment goes, nil: as saved
	)
	if file.Version == 1 {
		f, training, order, err = decodeV1(file.Content, src)
	} else {
		f, training, err = decodeV2(file.Content, src, &coder{models: models, bijectors: bijectors})
	}
	if err != nil {
		return nil, err
	}
	ck := &Checkpoint{Flow: f, codec: c}
	if training != nil {
		if ck.Training, err = training.decode(f, order); err != nil {
			return nil, err
		}
		if err := adoptNoiseSources(f, ck.Training.Noise); err != nil {
			return nil, err
		}
	}
	return ck, nil
}

// seeded returns the random source of a loaded model: a PCG seeded from
// the checksum of what it decodes.
func seeded(sum [sha256.Size]byte) rand.Source {
	return rand.NewPCG(beUint64(sum[:8]), beUint64(sum[8:16]))
}

func beUint64(b []byte) uint64 {
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v
}

// decodeV2 builds the Flow of a version-2 content.
func decodeV2(content []byte, src rand.Source, cd *coder) (*train.Flow, *trainingJSON, error) {
	var c contentV2
	if err := strictjson.Unmarshal(content, &c); err != nil {
		return nil, nil, bad("content: %v", err)
	}
	s, err := c.Settings.decode()
	if err != nil {
		return nil, nil, err
	}
	var cfg train.FlowConfig
	if c.Config != nil {
		if cfg, err = c.Config.decode(); err != nil {
			return nil, nil, err
		}
	}
	r := rand.New(src)
	cd.source = func() rand.Source { return rand.NewPCG(r.Uint64(), r.Uint64()) }
	cd.ffjordOpts = ffjord.Options{Solver: s.Solver, Gradient: s.Gradient, Trace: s.Trace}
	d, err := cd.decodeTransformed(c.Model)
	if err != nil {
		return nil, nil, bad("model: %v", err)
	}
	for i, p := range d.Params() {
		if !finite(p.Float64s()) {
			return nil, nil, bad("model: parameter %d holds a non-finite value", i)
		}
	}
	if c.Config == nil {
		f, err := train.NewFlowOf(d, s)
		if err != nil {
			return nil, nil, bad("model: %v", err)
		}
		return f, c.Training, nil
	}
	f, err := train.NewFlowOfConfig(cfg, d, s)
	if err != nil {
		return nil, nil, bad("config: the model is not the stack NewFlow builds from it: %v", err)
	}
	return f, c.Training, nil
}

// BestFlow returns a new Flow with the checkpoint's model and settings and
// the parameters of the best validated epoch (Training.Best); ck.Flow,
// the last state of training, is left as it is. It is an ErrCheckpoint
// error when the training had no validation.
func (ck *Checkpoint) BestFlow() (*train.Flow, error) {
	if ck == nil || ck.Flow == nil || ck.Training == nil || ck.Training.Best == nil {
		return nil, fmt.Errorf("%w: no best parameters (was the training validated?)", ErrCheckpoint)
	}
	models, bijectors, err := ck.codec.tables()
	if err != nil {
		return nil, err
	}
	content, err := contentOf(ck.Flow, ck.Training.Best.Params, &coder{models: models, bijectors: bijectors})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCheckpoint, err)
	}
	raw, err := json.Marshal(content)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCheckpoint, err)
	}
	// Seeded like Load's: from the checksum of what it decodes.
	f, _, err := decodeV2(raw, seeded(sha256.Sum256(raw)), &coder{models: models, bijectors: bijectors})
	return f, err
}

// Resume returns a Trainer that continues the training saved in ck
// (train.NewTrainer of ck.Flow, then Trainer.Restore of ck.Training).
// opts.Epochs is the total number of epochs, counting those already done;
// the other options are the caller's, as given: to continue a training
// exactly, give those it was started with (a program can find them in
// ck.Training.Record if it recorded them, train.Options.Record).
func Resume(ck *Checkpoint, opts train.Options) (*train.Trainer, error) {
	if ck == nil || ck.Flow == nil || ck.Training == nil {
		return nil, fmt.Errorf("%w: the checkpoint holds no training state", ErrCheckpoint)
	}
	t, err := train.NewTrainer(ck.Flow, opts)
	if err != nil {
		return nil, err
	}
	if err := t.Restore(ck.Training); err != nil {
		return nil, err
	}
	return t, nil
}
