package datasets

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"

	"gorgonia.org/tensor"
)

//go:embed digits/digits.csv.gz
var digitsCSV []byte

// Digits returns the 1797 handwritten digits of scikit-learn's
// load_digits (the UCI optical-digits test set, shipped in this package;
// see digits/README.md for its attribution): an N×64 tensor of the 8×8
// pixels row by row, integers 0 to 16, and each image's label 0–9.
func Digits() (*tensor.Dense, []int, error) {
	zr, err := gzip.NewReader(bytes.NewReader(digitsCSV))
	if err != nil {
		return nil, nil, fmt.Errorf("datasets: digits: %w", err)
	}
	all, _, err := ReadCSV(zr)
	if err != nil {
		return nil, nil, fmt.Errorf("datasets: digits: %w", err)
	}
	return splitLabels("digits", all, 1797, 64, 10)
}
