package checkpoint

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets/fileio"
)

// Save writes f, with ts if not nil, to path: the model, its settings and
// the training state, through c for the parts of the user's own types. The
// file is replaced atomically, and a symbolic link at path is replaced,
// not written through: the file it led to is left as it was. A model or
// a training state that Load would refuse (ErrUnsaveable), or a file
// larger than MaxSize, is not written.
//
// When ts.Params is set (a Trainer's State after Run put the best
// parameters in the model), those are written as the model's parameters,
// so that the file holds the last state of training, and f is left as it
// is.
func Save(path string, f *train.Flow, ts *train.TrainingState, c Codec) error {
	models, bijectors, err := c.tables()
	if err != nil {
		return err
	}
	var params [][]float64
	if ts != nil {
		params = ts.Params
	}
	content, err := contentOf(f, params, &coder{models: models, bijectors: bijectors})
	if errors.As(err, new(refused)) {
		return fmt.Errorf("%w: %v", ErrUnsaveable, err)
	}
	if err != nil {
		return fmt.Errorf("checkpoint: saving: %w", err)
	}
	if ts != nil {
		content.Training = trainingOf(ts)
		// The state is checked as Load will check it, so that a file
		// Load would refuse does not replace a good one.
		if _, err := content.Training.decode(f, nil); err != nil {
			return fmt.Errorf("%w: the training state: %s", ErrUnsaveable, strings.TrimPrefix(err.Error(), ErrCheckpoint.Error()+": "))
		}
	}
	raw, err := json.Marshal(content) // compact, as the checksum wants
	if uv := new(json.UnsupportedValueError); errors.As(err, &uv) {
		return fmt.Errorf("%w: the training state holds %s", ErrUnsaveable, uv.Str)
	}
	if err != nil {
		return fmt.Errorf("checkpoint: encoding: %w", err)
	}
	sum := sha256.Sum256(raw)
	out, err := json.MarshalIndent(fileJSON{Format: Format, Version: Version, SHA256: hex.EncodeToString(sum[:]), Content: raw}, "", " ")
	if err != nil {
		return fmt.Errorf("checkpoint: encoding: %w", err)
	}
	if int64(len(out)) > maxSize {
		return fmt.Errorf("%w: the file would have %d bytes, more than Load's limit of %d (MaxSize)", ErrUnsaveable, len(out), maxSize)
	}
	if err := fileio.WriteAtomic(path, func(w io.Writer) error { _, err := w.Write(out); return err }); err != nil {
		return fmt.Errorf("checkpoint: saving: %w", err)
	}
	return nil
}

// Saver returns a train.Options.Save callback that saves f and the
// training state to path after every epoch, through c.
func Saver(path string, f *train.Flow, c Codec) func(*train.TrainingState) error {
	return func(ts *train.TrainingState) error { return Save(path, f, ts, c) }
}

// contentOf is f's version-2 content without training state, with params
// (in Flow.Params order, of their shapes) written in place of f's own,
// which are left as they were; nil params writes f's own.
func contentOf(f *train.Flow, params [][]float64, cd *coder) (contentV2, error) {
	if f == nil {
		return contentV2{}, fmt.Errorf("%w: the Flow is nil", train.ErrInvalidConfig)
	}
	var c contentV2
	err := f.Use(func(d *distributions.TransformedDistribution) error {
		ps := d.Params()
		if params != nil {
			if !batch.Fits(params, ps) {
				return fmt.Errorf("%d parameter slices do not fit the model's %d parameters", len(params), len(ps))
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
		}
		for i, p := range ps {
			if !finite(p.Float64s()) {
				return refused{fmt.Errorf("parameter %d holds a non-finite value", i)}
			}
		}
		model, err := cd.encodeTransformed(d)
		if err != nil {
			return fmt.Errorf("model: %w", err)
		}
		c.Model = model
		return nil
	})
	if err != nil {
		return contentV2{}, err
	}
	c.Settings = settingsOf(f.Settings())
	if cfg, ok := f.Config(); ok { // NewFlow's stack
		c.Config = configOf(cfg)
	}
	return c, nil
}
