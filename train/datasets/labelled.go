package datasets

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"gorgonia.org/tensor"
)

// sklearnCSV describes one of the labelled CSV files of scikit-learn's
// data folder, as its load_csv_data reads them: a first line
// "rows,cols,class names…", then rows lines of cols features and an
// integer label that indexes the class names.
type sklearnCSV struct {
	set        string   // the data set's name, for errors
	rows, cols int      // the shape the first line must state
	classes    []string // the class names the first line must list
}

// read parses data, refusing a first line, shape or label other than s
// describes with an error wrapping ErrMalformed.
func (s sklearnCSV) read(data []byte) (*tensor.Dense, []int, error) {
	first, body, _ := bytes.Cut(data, []byte("\n"))
	want := append([]string{strconv.Itoa(s.rows), strconv.Itoa(s.cols)}, s.classes...)
	if got := strings.Split(strings.TrimSpace(string(first)), ","); strings.Join(got, ",") != strings.Join(want, ",") {
		return nil, nil, fmt.Errorf("datasets: %s: line 1 is %q, want %q (rows, features, class names): %w",
			s.set, first, strings.Join(want, ","), ErrMalformed)
	}
	all, header, err := ReadCSV(bytes.NewReader(body))
	if err != nil {
		// Line numbers of body are one less than the file's.
		var pe *ParseError
		if errors.As(err, &pe) {
			pe.Line++
		}
		return nil, nil, fmt.Errorf("datasets: %s: %w", s.set, err)
	}
	if header != nil {
		return nil, nil, fmt.Errorf("datasets: %s: line 2 is a row of names, want numbers: %w", s.set, ErrMalformed)
	}
	return splitLabels(s.set, all, s.rows, s.cols, len(s.classes))
}

// splitLabels splits the table all, which must have rows rows of cols
// features and a label, into the features and the labels, each of which
// must be an integer from 0 to classes−1. Errors wrap ErrMalformed.
func splitLabels(set string, all *tensor.Dense, rows, cols, classes int) (*tensor.Dense, []int, error) {
	if n, w := all.Shape()[0], all.Shape()[1]; n != rows || w != cols+1 {
		return nil, nil, fmt.Errorf("datasets: %s: %d rows of %d fields, want %d of %d (%d features and a label): %w",
			set, n, w, rows, cols+1, cols, ErrMalformed)
	}
	v := all.Float64s()
	x, labels := make([]float64, 0, rows*cols), make([]int, rows)
	for r := range rows {
		row := v[r*(cols+1) : (r+1)*(cols+1)]
		l := row[cols]
		if l != math.Trunc(l) || l < 0 || l >= float64(classes) {
			return nil, nil, fmt.Errorf("datasets: %s: data row %d: label %v, want an integer from 0 to %d: %w",
				set, r+1, l, classes-1, ErrMalformed)
		}
		x = append(x, row[:cols]...)
		labels[r] = int(l)
	}
	return tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(x)), labels, nil
}
