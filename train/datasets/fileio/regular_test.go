//go:build unix

package fileio

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestNamedPipeRefused: a named pipe, opened, blocks until its other end
// is opened; as an input, or a link to one, and as an output it is refused
// without being opened (the test would hang otherwise). A link to it at an
// output's path is replaced, the pipe left as it was.
func TestNamedPipeRefused(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no named pipes here:", err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink("fifo", link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, link} {
		if err := CheckInput(p); !errors.Is(err, ErrNotRegular) {
			t.Errorf("CheckInput(%s): %v", p, err)
		}
		if f, err := OpenRegular(p); !errors.Is(err, ErrNotRegular) {
			f.Close()
			t.Errorf("OpenRegular(%s): %v", p, err)
		}
		if err := CheckRegular(p, 1<<20); !errors.Is(err, ErrNotRegular) {
			t.Errorf("CheckRegular(%s): %v", p, err)
		}
	}
	if err := CheckWritable(fifo); !errors.Is(err, ErrNotWritable) || !errors.Is(err, ErrNotRegular) {
		t.Errorf("CheckWritable(%s): %v", fifo, err)
	}
	if err := WriteAtomic(fifo, func(w io.Writer) error { _, err := w.Write([]byte("x")); return err }); !errors.Is(err, ErrNotRegular) {
		t.Errorf("WriteAtomic(%s): %v", fifo, err)
	}
	if err := CheckWritable(link); err != nil {
		t.Errorf("CheckWritable(%s): %v", link, err)
	}
	if err := WriteAtomic(link, func(w io.Writer) error { _, err := w.Write([]byte("x")); return err }); err != nil {
		t.Errorf("WriteAtomic(%s): %v", link, err)
	}
	if fi, err := os.Lstat(link); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("the link to the pipe was not replaced: %v", err)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe was replaced: %v", err)
	}
	if err := WriteAtomic("/dev/null", func(io.Writer) error { return nil }); !errors.Is(err, ErrNotRegular) {
		t.Errorf("WriteAtomic(/dev/null): %v", err)
	}
	// A regular file and a missing one pass.
	reg := filepath.Join(dir, "reg")
	if err := os.WriteFile(reg, []byte("1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := OpenRegular(reg)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(f); err != nil || string(b) != "1\n" {
		t.Errorf("read %q, %v", b, err)
	}
	f.Close()
	if err := CheckInput(filepath.Join(dir, "missing")); err != nil {
		t.Errorf("CheckInput of a missing file: %v", err)
	}
}
