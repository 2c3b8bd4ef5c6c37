package datasets

import (
	_ "embed"

	"gorgonia.org/tensor"
)

//go:embed iris/iris.csv
var irisCSV []byte

// Iris returns Fisher's 150 iris flowers as scikit-learn's load_iris has
// them (shipped in this package; see iris/README.md for the attribution):
// an N×4 tensor of sepal length, sepal width, petal length and petal width
// in cm, and each flower's species, 0 setosa, 1 versicolor, 2 virginica,
// 50 of each.
//
// Every value is a multiple of 0.1 cm (22 to 43 distinct values per
// column), so a density model needs dequantisation, noise of width 0.1;
// no column is integer-valued.
func Iris() (*tensor.Dense, []int, error) {
	return sklearnCSV{set: "iris", rows: 150, cols: 4,
		classes: []string{"setosa", "versicolor", "virginica"}}.read(irisCSV)
}
