package main

import (
	"image"
	"image/color"
	"image/png"
	"io"
	"math"

	"github.com/ffjord-go/ffjord-go/examples/cli"
)

// writeGrid draws 100 samples (left) and up to 100 real digits (right),
// dequantised pixels in [0, 17), as 10×10 grids of 8×8 images, each pixel
// 4×4, dark ink on white.
func writeGrid(path string, samples, real []float64) error {
	const scale, gap = 4, 2
	cell := 8*scale + gap
	img := image.NewGray(image.Rect(0, 0, 2*10*cell+4*gap, 10*cell))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for panel, ys := range [][]float64{samples, real} {
		for k := range min(100, len(ys)/D) { // fewer held-out images leave blank cells
			ox, oy := panel*(10*cell+4*gap)+(k%10)*cell, (k/10)*cell
			for d := range D {
				ink := math.Min(math.Max(ys[k*D+d]/17, 0), 1)
				g := color.Gray{Y: uint8(255 * (1 - ink))}
				for a := range scale {
					for b := range scale {
						img.SetGray(ox+(d%8)*scale+b, oy+(d/8)*scale+a, g)
					}
				}
			}
		}
	}
	// Written whole or not at all: an interrupted run leaves the old file.
	return cli.WriteAtomic(path, func(w io.Writer) error { return png.Encode(w, img) })
}
