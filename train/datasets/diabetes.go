package datasets

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"

	"gorgonia.org/tensor"
)

var (
	//go:embed diabetes/diabetes_data_raw.csv.gz
	diabetesData []byte
	//go:embed diabetes/diabetes_target.csv.gz
	diabetesTarget []byte
)

// Diabetes returns the 442 diabetes patients of Efron et al.'s "Least
// Angle Regression" as scikit-learn's load_diabetes(scaled=False) has them
// (shipped in this package; see diabetes/README.md for the attribution):
// an N×10 tensor of the raw baseline variables — age in years, sex,
// body mass index, average blood pressure and six blood serum
// measurements s1–s6 — and each patient's disease progression one year
// later, 25 to 346. (sklearn's default, scaled=True, centres each column
// and scales it to unit sum of squares; this is the raw data.)
//
// Age (column 0, 19–79), sex (column 1, only the values 1 and 2), s1
// (column 4) and s6 (column 9) are integers, and blood pressure, s3 and
// s4 (columns 3, 6, 7) nearly all are; a density model needs
// dequantisation, and sex is binary.
func Diabetes() (*tensor.Dense, []float64, error) {
	x, err := readDiabetes("diabetes_data_raw.csv.gz", diabetesData, 10)
	if err != nil {
		return nil, nil, err
	}
	y, err := readDiabetes("diabetes_target.csv.gz", diabetesTarget, 1)
	if err != nil {
		return nil, nil, err
	}
	return x, y.Float64s(), nil
}

// readDiabetes reads one of the diabetes files, gzipped rows of
// space-separated numbers as numpy.loadtxt writes them, and checks that
// it has 442 rows of cols numbers.
func readDiabetes(file string, gz []byte, cols int) (*tensor.Dense, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("datasets: diabetes: %s: %w", file, err)
	}
	text, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("datasets: diabetes: %s: %w", file, err)
	}
	// The files separate fields by single spaces, which makes them CSV.
	x, header, err := ReadCSV(bytes.NewReader(bytes.ReplaceAll(text, []byte(" "), []byte(","))))
	if err != nil {
		return nil, fmt.Errorf("datasets: diabetes: %s: %w", file, err)
	}
	if header != nil {
		return nil, fmt.Errorf("datasets: diabetes: %s: line 1 is a row of names, want numbers: %w", file, ErrMalformed)
	}
	if n, w := x.Shape()[0], x.Shape()[1]; n != 442 || w != cols {
		return nil, fmt.Errorf("datasets: diabetes: %s: %d rows of %d numbers, want 442 of %d: %w",
			file, n, w, cols, ErrMalformed)
	}
	return x, nil
}
