//go:build unix

package fileio

import (
	"errors"
	"os"
	"syscall"
)

// locks reports whether this system has the advisory locks that TryLock
// and the temporary files of WriteAtomic use.
const locks = true

// tryFlock takes an exclusive advisory lock (flock) on f without waiting.
// It reports false, with a nil error, when another descriptor holds it.
func tryFlock(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}
