package cli

import (
	"io"

	"github.com/ffjord-go/ffjord-go/train/datasets/fileio"
)

// Named is a file path and the flag that gave it, for messages.
type Named = fileio.Named

// WriteAtomic writes path whole or not at all: fn writes a temporary file
// beside it, which then replaces path by rename (a symbolic link at path is
// replaced, never written through).
func WriteAtomic(path string, fn func(io.Writer) error) error { return fileio.WriteAtomic(path, fn) }

// Destination returns the path a write to path replaces: absolute, links
// in its directory followed, a link at path itself not.
func Destination(path string) (string, error) { return fileio.Destination(path) }
