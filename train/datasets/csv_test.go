package datasets

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"testing/iotest"

	"gorgonia.org/tensor"
)

// awkward holds values whose decimal forms are easy to get wrong.
var awkward = []float64{
	0, math.Copysign(0, -1), 0.1, -1.0 / 3, 1e22, 1e-7, 123456789.123456789,
	math.SmallestNonzeroFloat64, -math.MaxFloat64, math.Nextafter(1, 2), 2.5e-308, 1,
}

func TestCSVRoundTrip(t *testing.T) {
	src := seeded(40)
	g, _ := Moons(50, 0.3, true, src) // arbitrary noisy values
	noisy := g.Data().([]float64)
	vals := append(append([]float64(nil), awkward...), noisy...)
	const cols = 3
	rows := len(vals) / cols
	vals = vals[:rows*cols]
	x := tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(vals))

	for _, header := range [][]string{nil, {"x", "y, quoted", `z"q`}} {
		var buf bytes.Buffer
		if err := WriteCSV(&buf, x, header); err != nil {
			t.Fatal(err)
		}
		y, h, err := ReadCSV(&buf)
		if err != nil {
			t.Fatalf("header %q: %v", header, err)
		}
		if got := y.Shape(); got[0] != rows || got[1] != cols {
			t.Fatalf("shape %v, want (%d, %d)", got, rows, cols)
		}
		if !sameBits(y.Data().([]float64), vals) {
			t.Errorf("header %q: values changed in the round trip", header)
		}
		if strings.Join(h, "|") != strings.Join(header, "|") || (h == nil) != (header == nil) {
			t.Errorf("header = %q, want %q", h, header)
		}
	}
}

func TestWriteCSVViews(t *testing.T) {
	x := tensor.New(tensor.WithShape(3, 2), tensor.WithBacking([]float64{1, 2, 3, 4, 5, 6}))
	v, err := x.Slice(tensor.S(1, 3))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, v.(*tensor.Dense), nil); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "3,4\n5,6\n"; got != want {
		t.Errorf("slice view written as %q, want %q", got, want)
	}

	tr := x.Clone().(*tensor.Dense)
	if err := tr.T(); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := WriteCSV(&buf, tr, []string{"a", "b", "c"}); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "a,b,c\n1,3,5\n2,4,6\n"; got != want {
		t.Errorf("transpose written as %q, want %q", got, want)
	}
}

func TestReadCSVHeaderDetection(t *testing.T) {
	tests := []struct {
		in     string
		header []string
		data   []float64
		cols   int
	}{
		{"x,y\n1,2\n3,4\n", []string{"x", "y"}, []float64{1, 2, 3, 4}, 2},
		{"1,2\n3,4\n", nil, []float64{1, 2, 3, 4}, 2},
		{" x , y \n 1 , 2 \n", []string{"x", "y"}, []float64{1, 2}, 2},
		{",x\n5,6\n", []string{"", "x"}, []float64{5, 6}, 2},
		{"\"a,b\",c,d\n1,2,3\n", []string{"a,b", "c", "d"}, []float64{1, 2, 3}, 3},
		{"\n\nv\n-1e3\n\n2.5\n", []string{"v"}, []float64{-1000, 2.5}, 1},
		{"0.25,1e1\r\n", nil, []float64{0.25, 10}, 2},
		{".5,5.,+1E-1\n", nil, []float64{0.5, 5, 0.1}, 3},
		{"\ufeff1,2\n", nil, []float64{1, 2}, 2},
		{"\ufeffx\n7\n", []string{"x"}, []float64{7}, 1},
	}
	for _, tc := range tests {
		x, h, err := ReadCSV(strings.NewReader(tc.in))
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if strings.Join(h, "|") != strings.Join(tc.header, "|") || (h == nil) != (tc.header == nil) {
			t.Errorf("%q: header = %q, want %q", tc.in, h, tc.header)
		}
		if s := x.Shape(); s[0] != len(tc.data)/tc.cols || s[1] != tc.cols {
			t.Errorf("%q: shape = %v", tc.in, s)
		}
		if !sameBits(x.Data().([]float64), tc.data) {
			t.Errorf("%q: data = %v, want %v", tc.in, x.Data(), tc.data)
		}
	}
}

func TestReadCSVErrors(t *testing.T) {
	tests := []struct {
		in        string
		sentinel  error
		line, col int    // 0: no *ParseError expected
		msg       string // part of the message
	}{
		{"", ErrEmpty, 0, 0, "no data"},
		{"\n\n\n", ErrEmpty, 0, 0, "no data"},
		{"x,y\n", ErrEmpty, 0, 0, "line 1"},
		{"1,2\n3\n", ErrMalformed, 2, 2, "line 2, column 2: 1 fields, want 2"},
		{"1,2\n3,4\n5,6,7\n", ErrMalformed, 3, 3, "line 3, column 3"},
		{"1,2\n3,abc\n", ErrMalformed, 2, 2, `line 2, column 2: "abc" is not a number`},
		{"x,y\n1,2\n\n4,oops\n", ErrMalformed, 4, 2, "line 4, column 2"},
		{"x,y\n1,\n", ErrMalformed, 2, 2, "line 2, column 2"},
		{"1,2\nNaN,3\n", ErrNonFinite, 2, 1, "line 2, column 1"},
		{"1,2\n3,+Inf\n", ErrNonFinite, 2, 2, "line 2, column 2"},
		{"1,2\n3,-inf\n", ErrNonFinite, 2, 2, "line 2, column 2"},
		{"1,2\n1e999,3\n", ErrNonFinite, 2, 1, "line 2, column 1"},
		{"nan,1\n", ErrNonFinite, 1, 1, "line 1, column 1"},
		{"a,b,c\n1,2\n", ErrMalformed, 2, 3, "header on line 1 has 3"},
		{"a\n1,2\n", ErrMalformed, 2, 2, "line 2, column 2"},
		{"1,2\n3,\"4\n", ErrMalformed, 2, 0, "line 2"},
		{"1,2\n3,4\"x\n", ErrMalformed, 2, 0, "line 2"},
		// A first row mixing numbers and names is neither header nor data.
		{"x,1\n5,6\n", ErrMalformed, 1, 1, `"x" is not a number but the other fields`},
		{"1,2x,3\n5,6,7\n", ErrMalformed, 1, 2, `"2x" is not a number but the other fields`},
		{"\n0.5,O.3\n1,2\n", ErrMalformed, 2, 2, `"O.3" is not a number`},
		{"a,b,3\n5,6,7\n", ErrMalformed, 1, 3, `"3" is a number`},
	}
	for _, tc := range tests {
		x, h, err := ReadCSV(strings.NewReader(tc.in))
		if !errors.Is(err, tc.sentinel) {
			t.Errorf("%q: err = %v, want %v", tc.in, err, tc.sentinel)
			continue
		}
		if x != nil || h != nil {
			t.Errorf("%q: non-nil result with an error", tc.in)
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%q: error %q does not contain %q", tc.in, err, tc.msg)
		}
		var pe *ParseError
		if errors.As(err, &pe) != (tc.line > 0) {
			t.Errorf("%q: *ParseError = %t, want %t", tc.in, pe != nil, tc.line > 0)
			continue
		}
		if pe != nil && (pe.Line != tc.line || pe.Column != tc.col) {
			t.Errorf("%q: at line %d column %d, want line %d column %d", tc.in, pe.Line, pe.Column, tc.line, tc.col)
		}
	}
}

func TestReadCSVReaderError(t *testing.T) {
	boom := errors.New("boom")
	_, _, err := ReadCSV(iotest.ErrReader(boom))
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want it to wrap the reader's error", err)
	}
}

// failWriter fails every write.
type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

func TestWriteCSVErrors(t *testing.T) {
	good := tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float64{1, 2, 3, 4}))
	tests := []struct {
		name     string
		x        *tensor.Dense
		header   []string
		sentinel error
	}{
		{"nil", nil, nil, ErrInvalidArgument},
		{"1-D", tensor.New(tensor.WithShape(4), tensor.WithBacking([]float64{1, 2, 3, 4})), nil, ErrInvalidArgument},
		{"3-D", tensor.New(tensor.WithShape(1, 2, 2), tensor.WithBacking([]float64{1, 2, 3, 4})), nil, ErrInvalidArgument},
		{"float32", tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float32{1, 2, 3, 4})), nil, ErrInvalidArgument},
		{"short header", good, []string{"x"}, ErrInvalidArgument},
		{"long header", good, []string{"x", "y", "z"}, ErrInvalidArgument},
		{"numeric header", good, []string{"1", "2"}, ErrInvalidArgument},
		{"mixed header", good, []string{"x", "2"}, ErrInvalidArgument},
		{"NaN", tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float64{1, math.NaN()})), nil, ErrNonFinite},
		{"Inf", tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float64{math.Inf(-1), 1})), nil, ErrNonFinite},
	}
	for _, tc := range tests {
		var buf bytes.Buffer
		err := WriteCSV(&buf, tc.x, tc.header)
		if !errors.Is(err, tc.sentinel) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.sentinel)
		}
		if buf.Len() != 0 {
			t.Errorf("%s: wrote %q despite the error", tc.name, buf.String())
		}
	}
	one := tensor.New(tensor.WithShape(2, 1), tensor.WithBacking([]float64{1, 2}))
	if err := WriteCSV(new(bytes.Buffer), one, []string{""}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("single empty name: err = %v, want ErrInvalidArgument", err)
	}

	boom := errors.New("boom")
	if err := WriteCSV(failWriter{boom}, good, nil); !errors.Is(err, boom) {
		t.Errorf("failing writer: err = %v, want it to wrap the writer's error", err)
	}
}
