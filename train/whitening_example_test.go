package train_test

import (
	"fmt"
	"math"

	"github.com/ffjord-go/ffjord-go/train"
	"gorgonia.org/tensor"
)

// Whitening data before a flow: FitWhitening's Inverse maps the data to
// mean 0 and identity covariance, and a standard-normal base under it is
// the data's full-covariance Gaussian.
func ExampleFitWhitening() {
	x := tensor.New(tensor.WithShape(4, 2), tensor.WithBacking([]float64{
		1, 2,
		2, 3,
		3, 5,
		4, 4,
	}))
	a, err := train.FitWhitening(x, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("mean %.4g, L %.4g\n", a.Shift(), a.ScaleTriL())
	w, _ := a.Inverse(x)
	var c00, c01, c11 float64
	v := w.Float64s()
	for r := range 4 {
		c00 += v[2*r] * v[2*r] / 4
		c01 += v[2*r] * v[2*r+1] / 4
		c11 += v[2*r+1] * v[2*r+1] / 4
	}
	c01 = math.Round(c01*1e3)/1e3 + 0 // rounding leaves ±1e-17: print it as 0.000, never −0.000
	fmt.Printf("whitened covariance [[%.3f %.3f] [%.3f %.3f]]\n", c00, c01, c01, c11)

	// A constant column has no covariance to whiten: a ridge fixes it.
	flat := tensor.New(tensor.WithShape(3, 2), tensor.WithBacking([]float64{1, 0, 2, 0, 3, 0}))
	_, err = train.FitWhitening(flat, 0)
	fmt.Println(err != nil)
	_, err = train.FitWhitening(flat, 0.01)
	fmt.Println(err)
	// Output:
	// mean [2.5 3.5], L [1.118 0 0.8944 0.6708]
	// whitened covariance [[1.000 0.000] [0.000 1.000]]
	// true
	// <nil>
}
