package datasets

import (
	_ "embed"

	"gorgonia.org/tensor"
)

//go:embed breast_cancer/breast_cancer.csv
var breastCancerCSV []byte

// BreastCancer returns the 569 breast masses of scikit-learn's
// load_breast_cancer, the Wisconsin diagnostic data (shipped in this
// package; see breast_cancer/README.md for the attribution): an N×30
// tensor of ten features of the cell nuclei in a fine-needle aspirate's
// image — radius, texture, perimeter, area, smoothness, compactness,
// concavity, concave points, symmetry, fractal dimension — as their mean
// (columns 0–9), standard error (10–19) and worst value (20–29), and each
// mass's diagnosis, 0 malignant (212) or 1 benign (357).
//
// No column is integer-valued, but the six concavity and concave-points
// columns (6, 7, 16, 17, 26, 27) are exactly 0 in the same 13 rows, an
// atom a density model must smooth or handle apart.
func BreastCancer() (*tensor.Dense, []int, error) {
	return sklearnCSV{set: "breast_cancer", rows: 569, cols: 30,
		classes: []string{"malignant", "benign"}}.read(breastCancerCSV)
}
