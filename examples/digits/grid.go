package main

import (
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"

	"github.com/ffjord-go/ffjord-go/examples/cli"
	_ "gonum.org/v1/plot" // registers the Liberation fonts
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"
)

// writeGrid draws 100 samples (left) and up to 100 real digits (right),
// dequantised pixels in [0, 17), as 10×10 grids of 8×8 images, each pixel
// 4×4, dark ink on white, the cells parted by grey lines, each grid under
// its label and the two set apart.
func writeGrid(path string, samples, real []float64, labels [2]string) error {
	const scale, gap, top, between = 4, 2, 26, 32
	cell := 8*scale + gap
	side := 10*cell + gap
	w, h := 2*side+between, top+side
	// The labels first, on a white canvas of 72 dpi (a point is a pixel;
	// its y axis points up), in gonum/plot's sans-serif font.
	c := vgimg.NewWith(vgimg.UseWH(vg.Length(w), vg.Length(h)), vgimg.UseDPI(72))
	face := font.DefaultCache.Lookup(font.Font{Typeface: "Liberation", Variant: "Sans"}, 14)
	c.SetColor(color.Black)
	for panel, label := range labels {
		x := vg.Length(panel*(side+between)) + (vg.Length(side)-face.Width(label))/2
		c.FillString(face, vg.Point{X: x, Y: vg.Length(h - top + 8)}, label)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), c.Image(), image.Point{}, draw.Src)
	for panel, ys := range [][]float64{samples, real} {
		x0 := panel * (side + between)
		draw.Draw(img, image.Rect(x0, top, x0+side, top+side), image.NewUniform(color.Gray{Y: 190}), image.Point{}, draw.Src)
		for k := range 100 {
			ox, oy := x0+gap+(k%10)*cell, top+gap+(k/10)*cell
			for d := range D {
				ink := 0.0
				if k < len(ys)/D { // fewer held-out images leave blank cells
					ink = math.Min(math.Max(ys[k*D+d]/17, 0), 1)
				}
				g := image.NewUniform(color.Gray{Y: uint8(255 * (1 - ink))})
				draw.Draw(img, image.Rect(ox+(d%8)*scale, oy+(d/8)*scale, ox+(d%8+1)*scale, oy+(d/8+1)*scale), g, image.Point{}, draw.Src)
			}
		}
	}
	// Written whole or not at all: an interrupted run leaves the old file.
	return cli.WriteAtomic(path, func(w io.Writer) error { return png.Encode(w, img) })
}
