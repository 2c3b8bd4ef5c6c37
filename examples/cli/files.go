package cli

import (
	"fmt"

	"github.com/ffjord-go/ffjord-go/checkpoint"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"github.com/ffjord-go/ffjord-go/train/datasets/fileio"
	"gorgonia.org/tensor"
)

// In and Out name a file by the flag that gives it, for messages.
func In(flag, path string) fileio.Named  { return fileio.Named{Name: "-" + flag, Path: path} }
func Out(flag, path string) fileio.Named { return fileio.Named{Name: "-" + flag, Path: path} }

// RequirePath returns an error unless the flag's path is set.
func RequirePath(flag, path string) error {
	if path == "" {
		return fmt.Errorf("-%s is empty; give a file name", flag)
	}
	return nil
}

// CheckFiles refuses, before any work, inputs and outputs that are not
// regular files (a named pipe would block its open for good, a device
// would be read or written without end), outputs that are the same file as
// an input or as each other, and outputs that cannot be written. Empty
// paths (standard output, no file) are skipped, and so are inputs that do
// not exist: reading them says so.
func CheckFiles(inputs, outputs []fileio.Named) error {
	for _, in := range inputs {
		if in.Path == "" {
			continue
		}
		if err := fileio.CheckInput(in.Path); err != nil {
			return fmt.Errorf("%s: %w", in.Name, err)
		}
	}
	if err := fileio.CheckDistinct(inputs, outputs); err != nil {
		return err
	}
	for _, o := range outputs {
		if o.Path == "" {
			continue
		}
		if err := fileio.CheckWritable(o.Path); err != nil {
			return fmt.Errorf("%s: %w", o.Name, err)
		}
	}
	return nil
}

// LoadModel loads the checkpoint at path, refusing first anything that is
// not a regular file of at most MaxModelBytes (a device, a directory).
func LoadModel(flag, path string) (*checkpoint.Checkpoint, error) {
	if err := RequirePath(flag, path); err != nil {
		return nil, err
	}
	if err := fileio.CheckRegular(path, MaxModelBytes); err != nil {
		return nil, fmt.Errorf("-%s: %w", flag, err)
	}
	return checkpoint.Load(path, checkpoint.Codec{})
}

// LockModel takes the advisory lock of the model path for the rest of the
// process, so that a second training on the same file fails at once.
func LockModel(flag, path string) (*fileio.Lock, error) {
	l, err := fileio.TryLock(path)
	if err != nil {
		return nil, fmt.Errorf("-%s: %w; is another training running?", flag, err)
	}
	return l, nil
}

// ReadCSV reads the CSV file of -flag as datasets.ReadCSVFile does,
// refusing anything but a regular file without blocking on it (see
// fileio.OpenRegular).
func ReadCSV(flag, path string) (*tensor.Dense, []string, error) {
	f, err := fileio.OpenRegular(path)
	if err != nil {
		return nil, nil, fmt.Errorf("-%s: %w", flag, err)
	}
	defer f.Close()
	x, header, err := datasets.ReadCSV(f)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return x, header, nil
}
