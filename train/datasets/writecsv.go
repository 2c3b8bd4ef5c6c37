package datasets

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/ffjord-go/ffjord-go/train/datasets/fileio"

	"gorgonia.org/tensor"
)

// WriteCSV writes the rows of the two-dimensional float64 tensor x to w as
// comma-separated values, preceded by a header row if header is not nil.
//
// Numbers are written in the shortest form that parses back to the same
// float64 (strconv 'g' format, precision −1), so ReadCSV recovers x
// bit for bit. ReadCSV also recovers header, except that it trims white
// space around each name.
//
// WriteCSV returns an error wrapping ErrInvalidArgument if w or x is nil,
// if x is not two-dimensional or not float64, if header is non-nil with a length other
// than the number of columns, or if ReadCSV would not read the header back:
// when a name is a number, or the only name is empty. It returns an error wrapping
// ErrEmpty if x has no elements and ErrNonFinite if x holds a NaN or ±Inf,
// which ReadCSV would reject; nothing is written in these cases. Errors
// from w are returned wrapped.
func WriteCSV(w io.Writer, x *tensor.Dense, header []string) error {
	if w == nil {
		return fmt.Errorf("WriteCSV: nil writer: %w", ErrInvalidArgument)
	}
	if x == nil {
		return fmt.Errorf("WriteCSV: x is nil: %w", ErrInvalidArgument)
	}
	if x.Dims() != 2 {
		return fmt.Errorf("WriteCSV: x has shape %v, want 2 dimensions: %w", x.Shape(), ErrInvalidArgument)
	}
	if x.Dtype() != tensor.Float64 {
		return fmt.Errorf("WriteCSV: x has dtype %v, want float64: %w", x.Dtype(), ErrInvalidArgument)
	}
	rows, cols := x.Shape()[0], x.Shape()[1]
	if rows == 0 || cols == 0 {
		return fmt.Errorf("WriteCSV: x has shape %v: %w", x.Shape(), ErrEmpty)
	}
	if header != nil {
		if len(header) != cols {
			return fmt.Errorf("WriteCSV: header has %d names, x has %d columns: %w", len(header), cols, ErrInvalidArgument)
		}
		if err := checkHeader(header); err != nil {
			return err
		}
	}

	vals, err := rowMajor(x)
	if err != nil {
		return err
	}
	for i, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("WriteCSV: x[%d, %d] = %v: %w", i/cols, i%cols, v, ErrNonFinite)
		}
	}

	return writeRecords(w, header, rows, cols, vals)
}

// writeRecords writes the header, if any, and rows records of cols values
// taken from the row-major vals, in the shortest form that parses back to
// the same float64.
func writeRecords(w io.Writer, header []string, rows, cols int, vals []float64) error {
	cw := &CSVWriter{cw: csv.NewWriter(w), rec: make([]string, cols)}
	if header != nil {
		if err := cw.cw.Write(header); err != nil {
			return fmt.Errorf("WriteCSV: %w", err)
		}
	}
	cw.write(vals[:rows*cols])
	return cw.Flush()
}

// CSVWriter writes a table of float64 a chunk of rows at a time, as
// WriteCSV (or WriteColumnCSV, with AllowInf) writes it whole, so that a
// long table streams to its writer without a buffer of its size.
type CSVWriter struct {
	// AllowInf writes ±Inf as "+Inf" and "-Inf", as WriteColumnCSV does;
	// otherwise they are errors wrapping ErrNonFinite, as in WriteCSV.
	AllowInf bool

	cw   *csv.Writer
	rec  []string
	rows int // rows written so far
}

// NewCSVWriter writes header, whose length is the table's width and which
// must be one that ReadCSV reads back as a header (see WriteCSV), and
// returns the writer of the rows.
func NewCSVWriter(w io.Writer, header []string) (*CSVWriter, error) {
	if len(header) == 0 {
		return nil, fmt.Errorf("WriteCSV: a streamed table needs a header: %w", ErrInvalidArgument)
	}
	if err := checkHeader(header); err != nil {
		return nil, err
	}
	cw := &CSVWriter{cw: csv.NewWriter(w), rec: make([]string, len(header))}
	if err := cw.cw.Write(header); err != nil {
		return nil, fmt.Errorf("WriteCSV: %w", err)
	}
	return cw, nil
}

// Write writes the rows of vals, row-major with the header's width. NaN,
// and ±Inf unless AllowInf, is an error wrapping ErrNonFinite naming its
// row counted from the table's first; nothing of vals is written then.
// Output is buffered until Flush.
func (c *CSVWriter) Write(vals []float64) error {
	cols := len(c.rec)
	if len(vals)%cols != 0 {
		return fmt.Errorf("WriteCSV: %d values are not rows of %d: %w", len(vals), cols, ErrInvalidArgument)
	}
	for i, v := range vals {
		if math.IsNaN(v) || (!c.AllowInf && math.IsInf(v, 0)) {
			return fmt.Errorf("WriteCSV: x[%d, %d] = %v: %w", c.rows+i/cols, i%cols, v, ErrNonFinite)
		}
	}
	c.write(vals)
	if err := c.cw.Error(); err != nil {
		return fmt.Errorf("WriteCSV: %w", err)
	}
	return nil
}

func (c *CSVWriter) write(vals []float64) {
	cols := len(c.rec)
	for i := 0; i < len(vals); i += cols {
		for j := range c.rec {
			c.rec[j] = strconv.FormatFloat(vals[i+j], 'g', -1, 64)
		}
		c.cw.Write(c.rec) // its error is kept for Flush
	}
	c.rows += len(vals) / cols
}

// Flush writes any buffered rows to the underlying writer and returns the
// first error of any write.
func (c *CSVWriter) Flush() error {
	c.cw.Flush()
	if err := c.cw.Error(); err != nil {
		return fmt.Errorf("WriteCSV: %w", err)
	}
	return nil
}

// rowMajor returns the elements of the 2-D float64 tensor x in row-major
// order. Plain tensors share their backing slice; views, transposes and
// column-major tensors are read element by element.
func rowMajor(x *tensor.Dense) ([]float64, error) {
	rows, cols := x.Shape()[0], x.Shape()[1]
	if !x.IsMaterializable() && !x.RequiresIterator() && x.DataOrder().IsRowMajor() {
		if d, ok := x.Data().([]float64); ok && len(d) >= rows*cols {
			return d[:rows*cols], nil
		}
	}
	vals := make([]float64, 0, rows*cols)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			v, err := x.At(i, j)
			if err != nil {
				return nil, fmt.Errorf("WriteCSV: reading x[%d, %d]: %v: %w", i, j, err, ErrInvalidArgument)
			}
			vals = append(vals, v.(float64))
		}
	}
	return vals, nil
}

// checkHeader returns an error unless ReadCSV reads header back as a
// header: no name may be a number, and a single name may not be empty.
func checkHeader(header []string) error {
	for _, name := range header {
		if isNumber(name) {
			return fmt.Errorf("WriteCSV: header name %q is a number, and a header must have none: %w", name, ErrInvalidArgument)
		}
	}
	if len(header) == 1 && header[0] == "" {
		// encoding/csv writes this as a blank line, which readers skip.
		return fmt.Errorf("WriteCSV: header is a single empty name: %w", ErrInvalidArgument)
	}
	return nil
}

// WriteCSVFile writes x and header to the file at path as WriteCSV does,
// atomically: a temporary file beside path is written, synced and renamed
// over it, so that path holds its old contents or all of the new, never
// part. A symbolic link at path is replaced, not written through: the
// file it led to is left as it was.
func WriteCSVFile(path string, x *tensor.Dense, header []string) error {
	return fileio.WriteAtomic(path, func(w io.Writer) error { return WriteCSV(w, x, header) })
}

// WriteColumnCSV writes values to w as one column named name, one value a
// line, in the shortest form that parses back to the same float64. Unlike
// WriteCSV it writes ±Inf, as "+Inf" and "-Inf": a log-density is −Inf at a
// point outside the model's support, a valid answer. NaN is an error
// wrapping ErrNonFinite, and a name ReadCSV would not read as a header
// (a number, or empty) or a nil w one wrapping ErrInvalidArgument; nothing
// is written in these cases.
func WriteColumnCSV(w io.Writer, name string, values []float64) error {
	if w == nil {
		return fmt.Errorf("WriteCSV: nil writer: %w", ErrInvalidArgument)
	}
	if err := checkHeader([]string{name}); err != nil {
		return err
	}
	for i, v := range values {
		if math.IsNaN(v) {
			return fmt.Errorf("WriteCSV: %s[%d] is NaN: %w", name, i, ErrNonFinite)
		}
	}
	return writeRecords(w, []string{name}, len(values), 1, values)
}

// WriteColumnCSVFile writes values to the file at path as WriteColumnCSV
// does, atomically as WriteCSVFile.
func WriteColumnCSVFile(path, name string, values []float64) error {
	return fileio.WriteAtomic(path, func(w io.Writer) error { return WriteColumnCSV(w, name, values) })
}
