package fileio

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// ErrNotRegular is returned for a path that names something other than a
// regular file (or a link to one): a named pipe, a device, a socket or a
// directory. Opening a named pipe blocks until another process opens its
// other end, which no signal interrupts; reading a device such as
// /dev/zero never ends. Files are therefore refused on their type, before
// they are opened.
var ErrNotRegular = errors.New("not a regular file")

// kindOf names the type of a file mode that is not regular, for messages.
func kindOf(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return m.Type().String()
}

// notRegular returns the error wrapping ErrNotRegular for path of mode m.
func notRegular(path string, m fs.FileMode) error {
	return fmt.Errorf("%s is %w (it is %s)", path, ErrNotRegular, kindOf(m))
}

// CheckInput returns an error wrapping ErrNotRegular if path exists and is
// not a regular file or a link to one. A path that does not exist is left
// to the open that follows, which names the problem.
func CheckInput(path string) error {
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().IsRegular() {
		return nil
	}
	return notRegular(path, fi.Mode())
}

// OpenRegular opens path for reading, refusing with an error wrapping
// ErrNotRegular anything but a regular file or a link to one. The open
// does not block: it is non-blocking, so that a named pipe put at path
// after a check is refused here rather than waited on.
func OpenRegular(path string) (*os.File, error) {
	if err := CheckInput(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, notRegular(path, fi.Mode())
	}
	return f, nil
}
