package datasets

import (
	_ "embed"

	"gorgonia.org/tensor"
)

//go:embed wine/wine_data.csv
var wineCSV []byte

// Wine returns the 178 Italian wines of scikit-learn's load_wine (shipped
// in this package; see wine/README.md for the attribution): an N×13 tensor
// of the chemical analysis — alcohol, malic acid, ash, alcalinity of ash,
// magnesium, total phenols, flavanoids, nonflavanoid phenols,
// proanthocyanins, colour intensity, hue, OD280/OD315 of diluted wines,
// proline — and each wine's cultivar 0, 1 or 2 (59, 71 and 48 wines).
//
// Columns 4 (magnesium, 70–162) and 12 (proline, 278–1680) are integers;
// the others are recorded to 0.01 or 0.1. A density model needs
// dequantisation; the columns span very different scales.
func Wine() (*tensor.Dense, []int, error) {
	return sklearnCSV{set: "wine", rows: 178, cols: 13,
		classes: []string{"class_0", "class_1", "class_2"}}.read(wineCSV)
}
