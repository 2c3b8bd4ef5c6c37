package checkpoint

import (
	"errors"
	"fmt"
)

var (
	// ErrCheckpoint is returned for a checkpoint file that cannot be
	// loaded: not a checkpoint, an unknown version, a failed checksum, or
	// a model whose shapes or values are not consistent.
	ErrCheckpoint = errors.New("checkpoint: bad checkpoint")
	// ErrCodec is returned for a Codec that cannot be used, and for a
	// part of a model that neither the library nor the Codec can write.
	ErrCodec = errors.New("checkpoint: no codec")
	// ErrUnsaveable is returned by Save for a model that Load would
	// refuse: a weight that is not finite, or a log-scale or end time
	// beyond what its type accepts, as a diverged training leaves.
	ErrUnsaveable = errors.New("checkpoint: the model cannot be saved as it is")
)

// refused is the error of a part that Load would refuse; Save reports it
// as ErrUnsaveable, with where the part sits.
type refused struct{ err error }

func (r refused) Error() string { return r.err.Error() }

func bad(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCheckpoint, fmt.Sprintf(format, args...))
}
