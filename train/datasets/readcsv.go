package datasets

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"gorgonia.org/tensor"
)

// The limits a zero CSVReader applies: generous for real data sets, small
// enough that a hostile file (a 2-row CSV of 100 000 columns, /dev/zero)
// is refused before it fills the memory.
const (
	DefaultMaxCSVBytes     = 1 << 30    // 1 GiB of input
	DefaultMaxCSVLineBytes = 1 << 20    // 1 MiB per line
	DefaultMaxCSVColumns   = 10_000     // the dimension of the points
	DefaultMaxCSVValues    = 50_000_000 // rows × columns (400 MB of float64)
)

// CSVReader reads tables of points within limits, each checked before the
// memory it guards is allocated; a zero field means its Default value.
// Exceeding a limit gives an error wrapping ErrLimit that names the limit.
type CSVReader struct {
	MaxBytes     int64 // bytes of input
	MaxLineBytes int   // bytes in one line
	MaxColumns   int   // fields per row
	MaxValues    int   // rows × columns
}

// ReadCSV reads a table of points of any dimension D from r and returns it
// as a float64 tensor of shape (rows, D), together with the column names
// of the header row, or nil if there is none. It applies the default limits
// of a zero CSVReader.
//
// The input is comma-separated, as read by encoding/csv (fields may be
// quoted). Blank lines and a leading UTF-8 byte order mark are skipped,
// and white space around a number or a column name is removed.
//
// The first row is a header when none of its fields is a number, data when
// all are; a first row that mixes numbers and other fields is an error
// naming its line and column (a typo in the first data row must not turn it
// silently into a header). Every data field must be a number in plain
// decimal or scientific notation (1, -0.5, 2.5e-3); Go's own syntax, such
// as 1_0 or 0x1p-2, which strconv.ParseFloat would take, is not a number.
//
// ReadCSV returns an error wrapping ErrEmpty when there are no data rows.
// Problems in the content are returned as a *ParseError giving the line and
// column, wrapping ErrMalformed for a field that is not a number, a row
// whose width differs from the first data row (the column is that of the
// first missing or surplus field), a header whose width differs from the
// data, a first row of mixed numbers and names, or broken CSV quoting
// (column 0), and wrapping ErrNonFinite for NaN or ±Inf. Errors from r
// itself are returned wrapped.
func ReadCSV(r io.Reader) (*tensor.Dense, []string, error) {
	return CSVReader{}.Read(r)
}

// ReadCSVFile reads the CSV file at path as ReadCSV does, with the default
// limits; errors name the path.
func ReadCSVFile(path string) (*tensor.Dense, []string, error) {
	return CSVReader{}.ReadFile(path)
}

// ReadFile reads the CSV file at path as Read does; errors name the path.
// A regular file larger than MaxBytes is refused before it is read.
func (c CSVReader) ReadFile(path string) (*tensor.Dense, []string, error) {
	c = c.resolved()
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > c.MaxBytes {
		return nil, nil, fmt.Errorf("%s: %d bytes, more than the limit of %d: %w", path, fi.Size(), c.MaxBytes, ErrLimit)
	}
	x, h, err := c.Read(f)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return x, h, nil
}

func (c CSVReader) resolved() CSVReader {
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultMaxCSVBytes
	}
	if c.MaxLineBytes <= 0 {
		c.MaxLineBytes = DefaultMaxCSVLineBytes
	}
	if c.MaxColumns <= 0 {
		c.MaxColumns = DefaultMaxCSVColumns
	}
	if c.MaxValues <= 0 {
		c.MaxValues = DefaultMaxCSVValues
	}
	return c
}

// Read reads a table of points from r as described at ReadCSV, within c's
// limits.
func (c CSVReader) Read(r io.Reader) (*tensor.Dense, []string, error) {
	if r == nil {
		return nil, nil, fmt.Errorf("ReadCSV: nil reader: %w", ErrInvalidArgument)
	}
	c = c.resolved()
	cr := csv.NewReader(&limitedReader{r: r, maxBytes: c.MaxBytes, maxLine: int64(c.MaxLineBytes), line: 1})
	// Widths are checked below to give errors in this package's terms.
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true

	var (
		header     []string
		headerLine int
		data       []float64
		width      int
		rows       int
		first      = true
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && !errors.Is(err, ErrLimit) {
				return nil, nil, &ParseError{Line: pe.Line, Err: fmt.Errorf(
					"byte %d: %v: %w", pe.Column, pe.Err, ErrMalformed)}
			}
			return nil, nil, fmt.Errorf("ReadCSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) > c.MaxColumns {
			return nil, nil, &ParseError{Line: line, Column: c.MaxColumns + 1, Err: fmt.Errorf(
				"%d fields, more than the limit of %d columns: %w", len(rec), c.MaxColumns, ErrLimit)}
		}
		if first {
			// Spreadsheets often start files with a UTF-8 byte order mark.
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
			first = false
			isHeader, err := headerRow(rec, line)
			if err != nil {
				return nil, nil, err
			}
			if isHeader {
				header = make([]string, len(rec))
				for i, f := range rec {
					header[i] = strings.TrimSpace(f)
				}
				headerLine = line
				continue
			}
		}

		if rows == 0 {
			width = len(rec)
			if header != nil && len(header) != width {
				return nil, nil, &ParseError{Line: line, Column: min(width, len(header)) + 1, Err: fmt.Errorf(
					"%d fields, but the header on line %d has %d: %w",
					width, headerLine, len(header), ErrMalformed)}
			}
		} else if len(rec) != width {
			// Point at the first missing or surplus field.
			return nil, nil, &ParseError{Line: line, Column: min(width, len(rec)) + 1, Err: fmt.Errorf(
				"%d fields, want %d as in the first data row: %w", len(rec), width, ErrMalformed)}
		}
		if len(data)+width > c.MaxValues {
			return nil, nil, &ParseError{Line: line, Err: fmt.Errorf(
				"more than the limit of %d values (%d rows of %d): %w", c.MaxValues, rows+1, width, ErrLimit)}
		}

		for j, f := range rec {
			v, err := parseNumber(f)
			fl, _ := cr.FieldPos(j)
			if err != nil && !isRangeError(err) {
				return nil, nil, &ParseError{Line: fl, Column: j + 1, Err: fmt.Errorf(
					"%q is not a number: %w", f, ErrMalformed)}
			}
			// ParseFloat maps overflowing numbers such as 1e999 to ±Inf
			// with a range error; they are reported as non-finite.
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, nil, &ParseError{Line: fl, Column: j + 1, Err: fmt.Errorf(
					"%q: %w", f, ErrNonFinite)}
			}
			data = append(data, v)
		}
		rows++
	}

	if rows == 0 {
		if header != nil {
			return nil, nil, fmt.Errorf("ReadCSV: header on line %d but no data rows: %w", headerLine, ErrEmpty)
		}
		return nil, nil, fmt.Errorf("ReadCSV: no data rows: %w", ErrEmpty)
	}
	x := tensor.New(tensor.WithShape(rows, width), tensor.WithBacking(data))
	return x, header, nil
}

// headerRow reports whether the first row rec, on line, is a header: true
// when none of its fields is a number, false when all are, and a
// *ParseError when it mixes them, naming the field that is the odd one out
// (the first non-number when numbers are at least half the row).
func headerRow(rec []string, line int) (bool, error) {
	numbers, firstNumber, firstName := 0, -1, -1
	for j, f := range rec {
		if isNumber(f) {
			numbers++
			if firstNumber < 0 {
				firstNumber = j
			}
		} else if firstName < 0 {
			firstName = j
		}
	}
	switch {
	case numbers == 0:
		return true, nil
	case numbers == len(rec):
		return false, nil
	case 2*numbers >= len(rec):
		return false, &ParseError{Line: line, Column: firstName + 1, Err: fmt.Errorf(
			"%q is not a number but the other fields of the first row are (a header must have no numeric field): %w",
			rec[firstName], ErrMalformed)}
	default:
		return false, &ParseError{Line: line, Column: firstNumber + 1, Err: fmt.Errorf(
			"%q is a number in a first row of names (a header must have no numeric field): %w",
			rec[firstNumber], ErrMalformed)}
	}
}

// isNumber reports whether the field f is a number to parseNumber.
func isNumber(f string) bool {
	_, err := parseNumber(f)
	return err == nil || isRangeError(err)
}

// errNotPlain is parseNumber's error for Go's own number syntax.
var errNotPlain = errors.New("not in plain decimal or scientific notation")

// parseNumber parses the field f, white space around it removed, as
// strconv.ParseFloat does, but only in plain decimal or scientific
// notation (1, -0.5, .5, 2.5e-3) or as NaN or ±Inf, which the caller
// reports as non-finite: Go's underscores (1_0) and hexadecimal floats
// (0x1p-2) are not numbers to a spreadsheet or to numpy.
func parseNumber(f string) (float64, error) {
	t := strings.TrimSpace(f)
	v, err := strconv.ParseFloat(t, 64)
	switch {
	case err != nil && !isRangeError(err):
		return v, err
	case !plainDecimal(t) && !nonFiniteWord(t):
		return 0, errNotPlain
	}
	return v, err
}

// plainDecimal reports whether s is [+-]digits[.digits][(e|E)[+-]digits],
// with a digit on at least one side of the point.
func plainDecimal(s string) bool {
	i := 0
	sign := func() {
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	sign()
	n := digits()
	if i < len(s) && s[i] == '.' {
		i++
		n += digits()
	}
	if n == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		sign()
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// nonFiniteWord reports whether s is NaN, Inf or Infinity, with any sign
// and case, as strconv reads them.
func nonFiniteWord(s string) bool {
	s = strings.TrimLeft(s, "+-")
	return strings.EqualFold(s, "nan") || strings.EqualFold(s, "inf") || strings.EqualFold(s, "infinity")
}

// isRangeError reports whether err is strconv's out-of-range error, which
// still comes with a usable (infinite or zero) value.
func isRangeError(err error) bool {
	return errors.Is(err, strconv.ErrRange)
}

// limitedReader passes r through until more than maxBytes in all or more
// than maxLine bytes without a newline have been read, then fails with an
// error wrapping ErrLimit, before encoding/csv buffers a whole line.
type limitedReader struct {
	r                 io.Reader
	maxBytes, maxLine int64
	total, lineLen    int64
	line              int
}

func (l *limitedReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i, b := range p[:n] {
		l.total++
		if l.total > l.maxBytes {
			return i, fmt.Errorf("line %d: more than the limit of %d bytes of input: %w", l.line, l.maxBytes, ErrLimit)
		}
		if b == '\n' {
			l.line++
			l.lineLen = 0
			continue
		}
		l.lineLen++
		if l.lineLen > l.maxLine {
			return i, fmt.Errorf("line %d: longer than the limit of %d bytes: %w", l.line, l.maxLine, ErrLimit)
		}
	}
	return n, err
}
