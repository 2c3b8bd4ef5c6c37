package viz

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/plot/vg"
)

func TestSaveFormats(t *testing.T) {
	f, err := SampleDensityFigure(fixedMoons(512, 0.06), "moons")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, magic := range map[string]string{
		"a.png":    "\x89PNG\r\n\x1a\n",
		"a.PNG":    "\x89PNG\r\n\x1a\n",
		"noext":    "\x89PNG\r\n\x1a\n",
		"a.jpg":    "\xff\xd8\xff",
		"a.tiff":   "II*\x00",
		"a.svg":    "<?xml",
		"a.pdf":    "%PDF-",
		"dir.x/ab": "\x89PNG\r\n\x1a\n",
	} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := f.Save(path); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(raw) < 1000 || !bytes.HasPrefix(raw, []byte(magic)) {
			t.Errorf("%s: %d bytes starting %q, want > 1000 starting %q", name, len(raw), raw[:min(len(raw), 8)], magic)
		}
	}
	bad := filepath.Join(dir, "a.bmp")
	if err := f.Save(bad); !errors.Is(err, ErrUnsupportedFormat) {
		t.Errorf("a.bmp: err = %v, want ErrUnsupportedFormat", err)
	}
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Errorf("a failed save left %s behind", bad)
	}
	if err := (&Figure{Width: vg.Inch, Height: vg.Inch}).Save(filepath.Join(dir, "b.png")); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("figure without plots: err = %v, want ErrInvalidInput", err)
	}
	if err := f.Encode(&bytes.Buffer{}, "gif"); !errors.Is(err, ErrUnsupportedFormat) {
		t.Errorf("Encode gif: err = %v, want ErrUnsupportedFormat", err)
	}
}
