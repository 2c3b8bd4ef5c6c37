package datasets_test

import (
	"fmt"
	"log"
	"math/rand/v2"
	"strings"

	"github.com/ffjord-go/ffjord-go/train/datasets"
)

func ExampleMoons() {
	x, err := datasets.Moons(1000, 0.06, true, rand.NewPCG(1, 2))
	if err != nil {
		log.Fatal(err)
	}
	d := x.Data().([]float64)
	var mx, my float64
	for i := 0; i < len(d); i += 2 {
		mx += d[i]
		my += d[i+1]
	}
	n := float64(x.Shape()[0])
	fmt.Println("shape:", x.Shape())
	fmt.Printf("mean: (%.2f, %.2f)\n", mx/n, my/n)
	// Output:
	// shape: (1000, 2)
	// mean: (0.50, 0.25)
}

func ExampleReadCSV() {
	in := "x,y\n0.5,1\n-2,3e-1\n"
	x, header, err := datasets.ReadCSV(strings.NewReader(in))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(header, x.Shape(), x.Data())

	_, _, err = datasets.ReadCSV(strings.NewReader("x,y\n1,2\n3,four\n"))
	fmt.Println(err)
	// Output:
	// [x y] (2, 2) [0.5 1 -2 0.3]
	// datasets: line 3, column 2: "four" is not a number: datasets: malformed CSV
}

func ExampleByName() {
	x, err := datasets.ByName("8gaussians", 512, rand.NewPCG(1, 2))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(x.Shape())

	_, err = datasets.ByName("spiral", 512, rand.NewPCG(1, 2))
	fmt.Println(err)
	// Output:
	// (512, 2)
	// ByName: "spiral", want one of 2spirals, 8gaussians, checkerboard, circles, moons, pinwheel, rings, swissroll: datasets: unknown data set
}

func ExampleRealByName() {
	for _, name := range datasets.RealNames() {
		x, err := datasets.RealByName(name)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-13s %v, %d integer columns\n", name, x.Shape(), len(datasets.DiscreteColumns(x)))
	}

	_, err := datasets.RealByName("boston")
	fmt.Println(err)
	// Output:
	// breast_cancer (569, 30), 0 integer columns
	// diabetes      (442, 10), 4 integer columns
	// digits        (1797, 64), 64 integer columns
	// iris          (150, 4), 0 integer columns
	// wine          (178, 13), 2 integer columns
	// RealByName: "boston", want one of breast_cancer, diabetes, digits, iris, wine: datasets: unknown data set
}

func ExampleIris() {
	x, species, err := datasets.Iris()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(x.Shape(), x.Float64s()[:4], species[0])
	fmt.Println(datasets.DiscreteColumns(x)) // on a 0.1 cm grid, but not integers
	// Output:
	// (150, 4) [5.1 3.5 1.4 0.2] 0
	// []
}
