// Package fileio writes files so that none is lost: atomic replacement,
// refusal to write over an input, and an advisory lock for files that one
// process at a time may own. It is public so that a program copied out of
// examples/ (whose shared flags, in examples/cli, use it) builds outside
// this module; the library writes its own files (checkpoints, figures, CSV)
// through it too.
//
// WriteAtomic writes a temporary file beside the destination, syncs it and
// renames it over the destination, so that a reader, a crash or a full disk
// sees either the old contents or all of the new. Its temporary files are
// named ".NAME.tmp*"; each is locked (flock) while it is written, so the next
// save of the same path can tell a leftover of a killed save from a save in
// progress and remove it. The locks are those of Unix systems: elsewhere
// (Windows) there are none, TryLock excludes no other process, and
// leftovers stay (see Lock).
//
// An output is replaced by rename, never written through a symbolic link
// planted at its path: the link itself is replaced by the new file and the
// file it pointed to is left untouched, as git and sed -i do. Links among
// the directories of the path are followed.
package fileio

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

var (
	// ErrSameFile is returned when an output would overwrite an input.
	ErrSameFile = errors.New("an output is the same file as an input")
	// ErrLocked is returned by Lock when another process holds the lock.
	ErrLocked = errors.New("in use by another process")
	// ErrNotWritable is returned by CheckWritable for a path that cannot be
	// written.
	ErrNotWritable = errors.New("cannot be written")
)

// maxLinks bounds the symbolic links followed when resolving a path.
const maxLinks = 40

// Resolve returns path made absolute with its symbolic links followed, the
// last one included even when its target does not exist yet (a dangling
// link names the file that writing through it creates).
func Resolve(path string) (string, error) {
	if path == "" {
		return "", errors.New("empty path")
	}
	p, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	for range maxLinks {
		dir, base := filepath.Split(p)
		rdir, err := evalExisting(dir)
		if err != nil {
			return "", err
		}
		p = filepath.Join(rdir, base)
		fi, err := os.Lstat(p)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			return p, nil
		}
		target, err := os.Readlink(p)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(rdir, target)
		}
		p = filepath.Clean(target)
	}
	return "", fmt.Errorf("%s: too many symbolic links", path)
}

// Destination returns the file a write of path replaces: path made
// absolute with the symbolic links of its directories followed, but not a
// link at path itself, which a write replaces rather than writes through.
func Destination(path string) (string, error) {
	if path == "" {
		return "", errors.New("empty path")
	}
	p, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	dir, base := filepath.Split(p)
	if base == "" { // the root
		return p, nil
	}
	rdir, err := evalExisting(dir)
	if err != nil {
		return "", err
	}
	return filepath.Join(rdir, base), nil
}

// evalExisting resolves the links of the longest existing prefix of dir
// and appends the rest unchanged.
func evalExisting(dir string) (string, error) {
	dir = filepath.Clean(dir)
	var rest []string
	for {
		r, err := filepath.EvalSymlinks(dir)
		if err == nil {
			return filepath.Join(append([]string{r}, rest...)...), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", err
		}
		rest = append([]string{filepath.Base(dir)}, rest...)
		dir = parent
	}
}

// Same reports whether the paths a and b name the same file: the same
// inode when both exist (hard and symbolic links included), the same
// resolved path otherwise.
func Same(a, b string) (bool, error) {
	fa, erra := os.Stat(a)
	fb, errb := os.Stat(b)
	if erra == nil && errb == nil {
		return os.SameFile(fa, fb), nil
	}
	ra, err := Resolve(a)
	if err != nil {
		return false, err
	}
	rb, err := Resolve(b)
	if err != nil {
		return false, err
	}
	return ra == rb, nil
}

// Named is a path with the name a user knows it by, such as a flag: "-model".
type Named struct {
	Name, Path string
}

func (n Named) String() string { return n.Name + " " + n.Path }

// CheckDistinct returns an error wrapping ErrSameFile if an output is the
// same file as an input or as another output. Empty paths are skipped
// (standard output, say).
func CheckDistinct(inputs, outputs []Named) error {
	for i, out := range outputs {
		if out.Path == "" {
			continue
		}
		others := append(append([]Named(nil), inputs...), outputs[:i]...)
		for _, in := range others {
			if in.Path == "" {
				continue
			}
			same, err := Same(out.Path, in.Path)
			if err != nil {
				return fmt.Errorf("%s: %w", out, err)
			}
			if same {
				return fmt.Errorf("%w: %s is %s; refusing to overwrite it", ErrSameFile, out, in)
			}
		}
	}
	return nil
}

// CheckWritable returns an error wrapping ErrNotWritable unless WriteAtomic
// could write path now: its directory exists and takes new files, and path
// is a regular file, a symbolic link (which a write replaces) or does not
// exist yet (anything else, a named pipe or a device, also wraps
// ErrNotRegular). It opens nothing at path; it creates
// and removes one temporary file beside it.
func CheckWritable(path string) error {
	target, err := Destination(path)
	if err != nil {
		return fmt.Errorf("%s: %w: %v", path, ErrNotWritable, err)
	}
	if fi, err := os.Lstat(target); err == nil && fi.Mode()&fs.ModeSymlink == 0 {
		if fi.IsDir() {
			return fmt.Errorf("%s: %w: it is a directory", path, ErrNotWritable)
		}
		if !fi.Mode().IsRegular() {
			// Opened, a named pipe would block until it has a reader.
			return fmt.Errorf("%s: %w: %w (it is %s)", path, ErrNotWritable, ErrNotRegular, kindOf(fi.Mode()))
		}
	}
	dir := filepath.Dir(target)
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("%s: %w: directory %s: %v", path, ErrNotWritable, dir, unwrapPath(err))
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s: %w: %s is not a directory", path, ErrNotWritable, dir)
	}
	tmp, err := os.CreateTemp(dir, tempPattern(target))
	if err != nil {
		return fmt.Errorf("%s: %w: directory %s: %v", path, ErrNotWritable, dir, unwrapPath(err))
	}
	tmp.Close()
	// Another process's save of the same path may have removed the probe
	// as a leftover (it is not locked): the directory took it all the same.
	if err := os.Remove(tmp.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w: %v", path, ErrNotWritable, err)
	}
	return nil
}

// unwrapPath drops the operation and path of a *fs.PathError, which the
// caller's message already names.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func tempPattern(target string) string { return "." + filepath.Base(target) + ".tmp*" }

// WriteAtomic writes path with write, atomically: write fills a temporary
// file in the same directory, which is synced and renamed over path only if
// write and the sync succeed. A path that is a symbolic link has the link
// replaced, never written through: the file it pointed to is left as it
// was. A new file, or one replacing a link, gets mode 0644; an existing
// regular file keeps its mode. An existing path that is neither a regular
// file nor a link (a named pipe, a device such as /dev/stdout) is refused
// with an error wrapping ErrNotRegular, unopened: a pipe would block the
// write until it had a reader. Leftover temporary files of earlier saves of
// path that were killed are removed first.
func WriteAtomic(path string, write func(io.Writer) error) (err error) {
	target, err := Destination(path)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	mode := fs.FileMode(0o644)
	if fi, err := os.Lstat(target); err == nil && fi.Mode()&fs.ModeSymlink == 0 {
		switch {
		case fi.IsDir():
			return fmt.Errorf("writing %s: it is a directory", path)
		case !fi.Mode().IsRegular():
			return fmt.Errorf("writing %s: %w", path, notRegular(target, fi.Mode()))
		}
		mode = fi.Mode().Perm()
	}
	dir := filepath.Dir(target)
	removeLeftovers(dir, target)
	tmp, err := lockedTemp(dir, target)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(mode); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	bw := bufio.NewWriter(tmp)
	if err = write(bw); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync() // makes the rename durable; not every filesystem supports it
		d.Close()
	}
	return nil
}

// lockedTemp creates a temporary file for target in dir and locks it. The
// lock tells removeLeftovers that the file is being written; it goes with
// the file descriptor, so a killed save leaves it unlocked. Between the
// creation and the lock, another process's removeLeftovers may take the
// new file for a leftover: then the lock fails, or the name no longer
// leads to the file, and lockedTemp tries a new one.
func lockedTemp(dir, target string) (*os.File, error) {
	var last error
	for range 16 {
		tmp, err := os.CreateTemp(dir, tempPattern(target))
		if err != nil {
			return nil, err
		}
		held, err := tryFlock(tmp)
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			return nil, fmt.Errorf("locking %s: %w", tmp.Name(), err)
		}
		if held {
			if stillNamed(tmp) {
				return tmp, nil
			}
			err = fmt.Errorf("%s was removed by another process", tmp.Name())
		} else {
			err = fmt.Errorf("%s is locked by another process", tmp.Name())
		}
		// Another process holds or removed it; it removes the file.
		tmp.Close()
		last = err
	}
	return nil, fmt.Errorf("no temporary file could be kept for %s: %w", target, last)
}

// removeLeftovers removes the temporary files of earlier saves of target
// whose writers have died: those no process holds locked. Failures are
// ignored; a leftover is only clutter. Without locks (see TryLock) none
// is removed: a leftover cannot be told from a save in progress.
func removeLeftovers(dir, target string) {
	if !locks {
		return
	}
	names, err := filepath.Glob(filepath.Join(dir, escapeGlob(tempPattern(target))))
	if err != nil {
		return
	}
	prefix := "." + filepath.Base(target) + ".tmp"
	for _, name := range names {
		if !strings.HasPrefix(filepath.Base(name), prefix) {
			continue
		}
		fi, err := os.Lstat(name)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			continue
		}
		if held, _ := tryFlock(f); held {
			os.Remove(name)
		}
		f.Close()
	}
}

// escapeGlob quotes the glob metacharacters of a file name, keeping a
// final "*".
func escapeGlob(pattern string) string {
	body := strings.TrimSuffix(pattern, "*")
	var b strings.Builder
	for _, r := range body {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String() + "*"
}

// A Lock is an advisory lock (flock) on a file beside a path, held until
// Unlock or the end of the process, whichever comes first; a killed process
// releases it too. Locks are taken on Unix systems (Linux, macOS, the
// BSDs); elsewhere (Windows) TryLock succeeds without excluding another
// process, so two trainings of one model there are the user's to avoid.
type Lock struct {
	files []*os.File
}

// LockPath returns the lock file of the file a write of path replaces
// (see Destination): ".NAME.lock" beside it.
func LockPath(path string) (string, error) {
	target, err := Destination(path)
	if err != nil {
		return "", err
	}
	return lockFile(target), nil
}

func lockFile(target string) string {
	return filepath.Join(filepath.Dir(target), "."+filepath.Base(target)+".lock")
}

// TryLock takes the lock of path without waiting. If another process holds
// it, the error wraps ErrLocked. When path is a symbolic link, the file it
// leads to is locked too: a process may read that file through the link
// (to resume from it) while it writes path, which replaces the link, and a
// process working on the target under its own name must not run beside it.
// Unlock removes the lock files. Because a process may open a lock file
// just before its holder removes it and lock the removed file, TryLock
// checks after locking that the name still leads to the file it locked,
// and tries again if not; so two processes never both hold the lock of
// one name. A killed process leaves its (unlocked) lock file, which the
// next TryLock takes over.
func TryLock(path string) (*Lock, error) {
	dest, err := Destination(path)
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	targets := []string{dest}
	if read, err := Resolve(path); err != nil {
		return nil, fmt.Errorf("locking %s: %w", path, err)
	} else if read != dest {
		targets = append(targets, read)
	}
	l := &Lock{}
	for _, target := range targets {
		lp := lockFile(target)
		f, err := lockName(lp)
		if err != nil {
			l.Unlock()
			if errors.Is(err, ErrLocked) {
				return nil, fmt.Errorf("%s is %w (lock file %s)", path, ErrLocked, lp)
			}
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		l.files = append(l.files, f)
	}
	return l, nil
}

// lockName opens (creating it if need be) and locks the lock file lp,
// retrying while the file it locked is no longer the one named lp.
func lockName(lp string) (*os.File, error) {
	for range 16 {
		f, err := os.OpenFile(lp, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, err
		}
		held, err := tryFlock(f)
		switch {
		case err != nil:
			f.Close()
			return nil, err
		case !held:
			f.Close()
			return nil, ErrLocked
		case stillNamed(f):
			return f, nil
		}
		f.Close() // its holder removed it on Unlock: lock the new one
	}
	return nil, fmt.Errorf("%s keeps being removed by other processes", lp)
}

// stillNamed reports whether the open file f is the one its name leads to.
func stillNamed(f *os.File) bool {
	held, serr := f.Stat()
	named, lerr := os.Lstat(f.Name())
	return serr == nil && lerr == nil && os.SameFile(held, named)
}

// Unlock releases the lock.
func (l *Lock) Unlock() error {
	if l == nil {
		return nil
	}
	var first error
	for _, f := range l.files {
		// Removed while still locked, so that whoever opens the name next
		// makes a new file (see TryLock).
		if locks {
			if err := os.Remove(f.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) && first == nil {
				first = err
			}
		}
		if err := f.Close(); err != nil && first == nil { // closing the descriptor releases the flock
			first = err
		}
	}
	l.files = nil
	return first
}

// CheckRegular returns an error unless path is a regular file of at most
// maxBytes bytes, so that a device such as /dev/zero or a huge file is
// refused before it is read whole.
func CheckRegular(path string, maxBytes int64) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return notRegular(path, fi.Mode())
	}
	if fi.Size() > maxBytes {
		return fmt.Errorf("%s has %d bytes, more than the limit of %d", path, fi.Size(), maxBytes)
	}
	return nil
}
