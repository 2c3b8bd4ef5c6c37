package datasets

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

func TestCSVLimits(t *testing.T) {
	wide := strings.Repeat("1,", 99_999) + "1\n"
	tests := []struct {
		name string
		c    CSVReader
		in   io.Reader
		msg  string
	}{
		{"100 000 columns", CSVReader{}, strings.NewReader(wide + wide), "limit of 10000 columns"},
		{"endless zeros", CSVReader{}, io.LimitReader(zeros{}, 1<<30), "longer than the limit of 1048576 bytes"},
		{"long line", CSVReader{MaxLineBytes: 8}, strings.NewReader("1,2\n123456,7890\n"), "line 2: longer than the limit of 8 bytes"},
		{"bytes", CSVReader{MaxBytes: 10}, strings.NewReader("1,2\n3,4\n5,6\n"), "limit of 10 bytes"},
		{"columns", CSVReader{MaxColumns: 2}, strings.NewReader("1,2,3\n"), "limit of 2 columns"},
		{"values", CSVReader{MaxValues: 4}, strings.NewReader("1,2\n3,4\n5,6\n"), "limit of 4 values"},
	}
	for _, tc := range tests {
		_, _, err := tc.c.Read(tc.in)
		if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v, want ErrLimit with %q", tc.name, err, tc.msg)
		}
	}
	// Within the limits the same input reads.
	if x, _, err := (CSVReader{MaxValues: 6, MaxColumns: 2, MaxLineBytes: 3, MaxBytes: 12}).Read(strings.NewReader("1,2\n3,4\n5,6\n")); err != nil || x.Shape()[0] != 3 {
		t.Errorf("at the limits: %v", err)
	}
	if _, _, err := ReadCSV(nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("nil reader: %v", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestCSVFiles(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x.csv")
	x := tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float64{1, 2, 3, 4.5}))
	if err := WriteCSVFile(p, x, []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	y, h, err := ReadCSVFile(p)
	if err != nil || !sameBits(y.Float64s(), x.Float64s()) || strings.Join(h, ",") != "a,b" {
		t.Fatalf("round trip: %v %v %v", y, h, err)
	}
	// A refused write leaves the file as it was.
	before, _ := os.ReadFile(p)
	bad := tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float64{1, math.NaN()}))
	if err := WriteCSVFile(p, bad, nil); !errors.Is(err, ErrNonFinite) {
		t.Fatalf("NaN: %v", err)
	}
	if after, _ := os.ReadFile(p); !bytes.Equal(before, after) {
		t.Fatal("a failed write changed the file")
	}
	if _, _, err := ReadCSVFile("/dev/zero"); !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "/dev/zero") {
		t.Errorf("/dev/zero: %v", err)
	}
	if _, _, err := (CSVReader{MaxBytes: 4}).ReadFile(p); !errors.Is(err, ErrLimit) {
		t.Errorf("large file: %v", err)
	}
	if _, _, err := ReadCSVFile(filepath.Join(dir, "none.csv")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestWriteColumnCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteColumnCSV(&buf, "logp", []float64{-1.5, math.Inf(-1), 0}); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "logp\n-1.5\n-Inf\n0\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if err := WriteColumnCSV(&bytes.Buffer{}, "logp", []float64{math.NaN()}); !errors.Is(err, ErrNonFinite) {
		t.Errorf("NaN: %v", err)
	}
	for _, name := range []string{"", "1"} {
		if err := WriteColumnCSV(&bytes.Buffer{}, name, []float64{1}); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("name %q: %v", name, err)
		}
	}
	p := filepath.Join(t.TempDir(), "lp.csv")
	if err := WriteColumnCSVFile(p, "logp", []float64{math.Inf(-1)}); err != nil {
		t.Fatal(err)
	}
	if raw, _ := os.ReadFile(p); string(raw) != "logp\n-Inf\n" {
		t.Errorf("file holds %q", raw)
	}
}
