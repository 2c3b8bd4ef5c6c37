package fileio

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.csv")
	if err := WriteAtomic(p, write("one")); err != nil {
		t.Fatal(err)
	}
	if got := read(t, p); got != "one" {
		t.Fatalf("got %q", got)
	}
	// A failed write keeps the old contents and leaves no temporary file.
	if err := WriteAtomic(p, func(w io.Writer) error { io.WriteString(w, "par"); return errors.New("disk full") }); err == nil {
		t.Fatal("no error")
	}
	if got := read(t, p); got != "one" {
		t.Fatalf("after a failed write: %q", got)
	}
	if names, _ := filepath.Glob(filepath.Join(dir, ".a.csv.tmp*")); len(names) != 0 {
		t.Fatalf("left %v", names)
	}
	// A symbolic link is replaced by a regular file; its target stays
	// byte for byte.
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink("a.csv", link); err != nil {
		t.Fatal(err)
	}
	if err := WriteAtomic(link, write("two")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("the link was not replaced by a regular file: %v", err)
	}
	if got := read(t, link); got != "two" {
		t.Fatalf("the link's place holds %q", got)
	}
	if got := read(t, p); got != "one" {
		t.Fatalf("the link's target was written through: %q", got)
	}
	// A dangling link is replaced too; its target is not created.
	dangling := filepath.Join(dir, "dangling")
	if err := os.Symlink("new.csv", dangling); err != nil {
		t.Fatal(err)
	}
	if err := WriteAtomic(dangling, write("three")); err != nil {
		t.Fatal(err)
	}
	if got := read(t, dangling); got != "three" {
		t.Fatalf("dangling holds %q", got)
	}
	if _, err := os.Lstat(filepath.Join(dir, "new.csv")); !os.IsNotExist(err) {
		t.Fatalf("the dangling link's target was created: %v", err)
	}
	// Links among the directories are followed: the file is written in
	// the directory a link leads to.
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("sub", filepath.Join(dir, "subl")); err != nil {
		t.Fatal(err)
	}
	if err := WriteAtomic(filepath.Join(dir, "subl", "f.csv"), write("four")); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(sub, "f.csv")); got != "four" {
		t.Fatalf("sub/f.csv holds %q", got)
	}
	// A directory is refused.
	if err := WriteAtomic(dir, write("x")); err == nil {
		t.Fatal("wrote over a directory")
	}
}

func TestLeftoversRemoved(t *testing.T) {
	if !locks {
		t.Skip("no advisory locks on this system: leftovers are kept")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "m.json")
	dead := filepath.Join(dir, ".m.json.tmp123")
	if err := os.WriteFile(dead, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A temporary file still locked by its writer is kept.
	alive := filepath.Join(dir, ".m.json.tmp456")
	f, err := os.Create(alive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if held, err := tryFlock(f); !held || err != nil {
		t.Fatal(held, err)
	}
	other := filepath.Join(dir, ".other.tmp1")
	if err := os.WriteFile(other, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteAtomic(p, write("{}")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("the leftover of a killed save is still there")
	}
	for _, keep := range []string{alive, other} {
		if _, err := os.Stat(keep); err != nil {
			t.Errorf("%s was removed", keep)
		}
	}
}

func TestSame(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a")
	if err := os.WriteFile(a, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	hard := filepath.Join(dir, "hard")
	if err := os.Link(a, hard); err != nil {
		t.Fatal(err)
	}
	soft := filepath.Join(dir, "soft")
	if err := os.Symlink(a, soft); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		x, y string
		same bool
	}{
		{a, a, true},
		{a, hard, true},
		{a, soft, true},
		{a, filepath.Join(sub, "..", "a"), true},
		{filepath.Join(dir, "new"), filepath.Join(sub, "..", "new"), true},
		{a, filepath.Join(dir, "b"), false},
		{filepath.Join(dir, "new"), filepath.Join(dir, "new2"), false},
	} {
		got, err := Same(c.x, c.y)
		if err != nil || got != c.same {
			t.Errorf("Same(%s, %s) = %v, %v; want %v", c.x, c.y, got, err, c.same)
		}
	}
	err := CheckDistinct([]Named{{"-model", a}}, []Named{{"-out", ""}, {"-out", soft}})
	if !errors.Is(err, ErrSameFile) || !strings.Contains(err.Error(), "-out") || !strings.Contains(err.Error(), "-model") {
		t.Errorf("CheckDistinct: %v", err)
	}
}

func TestTryLock(t *testing.T) {
	p := filepath.Join(t.TempDir(), "m.json")
	l, err := TryLock(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := TryLock(p); !errors.Is(err, ErrLocked) {
		t.Fatalf("second lock: %v, want ErrLocked", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(filepath.Dir(p), ".m.json.lock")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the lock file is still there after Unlock: %v", err)
	}
	l2, err := TryLock(p)
	if err != nil {
		t.Fatalf("after Unlock: %v", err)
	}
	l2.Unlock()
}

// TestTryLockRemovedFile: a process that opened the lock file just before
// its holder removed it locks a file no longer named; TryLock must see that
// and lock the new file instead, so that two processes never both hold
// the lock of one name.
func TestTryLockRemovedFile(t *testing.T) {
	if !locks {
		t.Skip("no advisory locks on this system")
	}
	p := filepath.Join(t.TempDir(), "m.json")
	l, err := TryLock(p)
	if err != nil {
		t.Fatal(err)
	}
	lp, _ := LockPath(p)
	late, err := os.Open(lp) // another process, about to lock
	if err != nil {
		t.Fatal(err)
	}
	defer late.Close()
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if held, err := tryFlock(late); !held || err != nil {
		t.Fatalf("locking the removed file: %v %v", held, err)
	}
	if stillNamed(late) {
		t.Fatal("the removed lock file is still named")
	}
	l2, err := TryLock(p) // locks a new file, though the old one is locked
	if err != nil {
		t.Fatalf("TryLock beside a lock on the removed file: %v", err)
	}
	if _, err := TryLock(p); !errors.Is(err, ErrLocked) {
		t.Errorf("second lock: %v, want ErrLocked", err)
	}
	l2.Unlock()
}

// TestTryLockLink: a symbolic link's lock holds both the link's own path,
// which a save replaces, and the file it leads to, which a resume reads.
func TestTryLockLink(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "m.json")
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink("m.json", link); err != nil {
		t.Fatal(err)
	}
	l, err := TryLock(link)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{p, link} {
		if _, err := TryLock(q); !errors.Is(err, ErrLocked) {
			t.Errorf("%s while the link is locked: %v, want ErrLocked", q, err)
		}
	}
	l.Unlock()
	lp, err := TryLock(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := TryLock(link); !errors.Is(err, ErrLocked) {
		t.Errorf("the link while its target is locked: %v, want ErrLocked", err)
	}
	lp.Unlock()
	// A failed lock of the target releases the link's own.
	if l, err = TryLock(link); err != nil {
		t.Fatalf("after Unlock: %v", err)
	}
	l.Unlock()
	if want, _ := LockPath(link); filepath.Base(want) != ".link.json.lock" {
		t.Errorf("LockPath(link) = %s, want the link's own lock", want)
	}
}

func TestCheckWritable(t *testing.T) {
	dir := t.TempDir()
	if err := CheckWritable(filepath.Join(dir, "m.json")); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{dir, filepath.Join(dir, "missing", "m.json")} {
		if err := CheckWritable(bad); !errors.Is(err, ErrNotWritable) {
			t.Errorf("%s: %v, want ErrNotWritable", bad, err)
		}
	}
	if os.Geteuid() != 0 {
		ro := filepath.Join(dir, "ro")
		if err := os.Mkdir(ro, 0o555); err != nil {
			t.Fatal(err)
		}
		if err := CheckWritable(filepath.Join(ro, "m.json")); !errors.Is(err, ErrNotWritable) {
			t.Errorf("read-only directory: %v", err)
		}
	}
	if names, _ := filepath.Glob(filepath.Join(dir, ".*")); len(names) != 0 {
		t.Errorf("left %v", names)
	}
}

func TestCheckRegular(t *testing.T) {
	if err := CheckRegular("/dev/zero", 1<<20); err == nil {
		t.Error("/dev/zero accepted")
	}
	p := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(p, make([]byte, 100), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CheckRegular(p, 99); err == nil {
		t.Error("file over the limit accepted")
	}
	if err := CheckRegular(p, 100); err != nil {
		t.Error(err)
	}
}
