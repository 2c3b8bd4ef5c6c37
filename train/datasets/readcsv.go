package datasets

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"gorgonia.org/tensor"
)

// ReadCSV reads a table of points of any dimension D from r and returns it
// as a float64 tensor of shape (rows, D), together with the column names
// of the header row, or nil if there is none.
//
// The input is comma-separated, as read by encoding/csv (fields may be
// quoted). Blank lines and a leading UTF-8 byte order mark are skipped,
// and white space around a number or a column name is removed. The first row is taken to be a header when any of its fields
// is not a number; a header made only of numbers cannot be told from data
// and is read as data. Every data field must parse with
// strconv.ParseFloat.
//
// ReadCSV returns an error wrapping ErrEmpty when there are no data rows.
// Problems in the content are returned as a *ParseError giving the line and
// column, wrapping ErrMalformed for a field that is not a number, a row
// whose width differs from the first data row (the column is that of the
// first missing or surplus field), a header whose width differs from the
// data, or broken CSV quoting (column 0), and wrapping ErrNonFinite
// for NaN or ±Inf. Errors from r itself are returned wrapped.
func ReadCSV(r io.Reader) (*tensor.Dense, []string, error) {
	if r == nil {
		return nil, nil, fmt.Errorf("ReadCSV: nil reader: %w", ErrInvalidArgument)
	}
	cr := csv.NewReader(r)
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
			if errors.As(err, &pe) {
				return nil, nil, &ParseError{Line: pe.Line, Err: fmt.Errorf(
					"byte %d: %v: %w", pe.Column, pe.Err, ErrMalformed)}
			}
			return nil, nil, fmt.Errorf("ReadCSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if first {
			// Spreadsheets often start files with a UTF-8 byte order mark.
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
			first = false
		}

		if header == nil && rows == 0 && !allNumbers(rec) {
			header = make([]string, len(rec))
			for i, f := range rec {
				header[i] = strings.TrimSpace(f)
			}
			headerLine = line
			continue
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

		for j, f := range rec {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
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

// allNumbers reports whether every field of rec parses as a float64, in
// which case the row is data rather than a header.
func allNumbers(rec []string) bool {
	for _, f := range rec {
		if _, err := strconv.ParseFloat(strings.TrimSpace(f), 64); err != nil && !isRangeError(err) {
			return false
		}
	}
	return true
}

// isRangeError reports whether err is strconv's out-of-range error, which
// still comes with a usable (infinite or zero) value.
func isRangeError(err error) bool {
	return errors.Is(err, strconv.ErrRange)
}
