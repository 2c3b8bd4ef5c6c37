package cli

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ffjord-go/ffjord-go/viz"
	"gonum.org/v1/plot/vg"
)

// ParseFloats reads exactly count comma-separated finite numbers.
func ParseFloats(s string, count int) ([]float64, error) {
	parts := strings.Split(s, ",")
	if len(parts) != count {
		return nil, fmt.Errorf("%q: want %d numbers, got %d", s, count, len(parts))
	}
	v := make([]float64, count)
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%q: %q is not a finite number", s, p)
		}
		v[i] = f
	}
	return v, nil
}

// ParseBounds reads -bounds xmin,xmax,ymin,ymax; "" gives the zero Bounds.
func ParseBounds(s string) (viz.Bounds, error) {
	if s == "" {
		return viz.Bounds{}, nil
	}
	v, err := ParseFloats(s, 4)
	// The widths must be finite too: -1e308,1e308 overflows to +Inf and
	// makes every grid point NaN.
	if err != nil || !(v[0] < v[1] && v[2] < v[3]) || math.IsInf(v[1]-v[0], 0) || math.IsInf(v[3]-v[2], 0) {
		return viz.Bounds{}, fmt.Errorf("-bounds %q: want xmin,xmax,ymin,ymax with xmin < xmax and ymin < ymax, each width finite", s)
	}
	return viz.Bounds{XMin: v[0], XMax: v[1], YMin: v[2], YMax: v[3]}, nil
}

// ParseSize reads -size W,H in whole pixels, each at most MaxPixels, as
// lengths at the figures' 100 dpi; "" gives zeros (the default size). A
// lone W gives height 0: the caller sets it from the window's aspect
// (AspectHeight).
func ParseSize(s string) (width, height vg.Length, err error) {
	if s == "" {
		return 0, 0, nil
	}
	n := 2
	if !strings.Contains(s, ",") {
		n = 1
	}
	v, err := ParseFloats(s, n)
	if err == nil {
		for _, x := range v {
			if !(x >= 1 && x <= MaxPixels) || x != math.Trunc(x) {
				err = fmt.Errorf("out of range")
			}
		}
	}
	if err != nil {
		return 0, 0, fmt.Errorf("-size %q: want W,H or W, whole numbers of pixels from 1 to %d", s, MaxPixels)
	}
	width = vg.Length(v[0]) * vg.Inch / 100
	if n == 2 {
		height = vg.Length(v[1]) * vg.Inch / 100
	}
	return width, height, nil
}

// AspectHeight returns the height that gives a figure of width w the
// aspect of the window b, to the pixel, so that a unit is as long across
// as up (at least one pixel).
func AspectHeight(w vg.Length, b viz.Bounds) vg.Length {
	px := math.Round(float64(w/(vg.Inch/100)) * (b.YMax - b.YMin) / (b.XMax - b.XMin))
	return vg.Length(max(px, 1)) * vg.Inch / 100
}

// ParseMax reads -max: "" for the grid's maximum (0), a density, or P%
// for the P-th percentile of the density on the grid.
func ParseMax(s string) (v float64, percent bool, err error) {
	if s == "" {
		return 0, false, nil
	}
	num, percent := strings.CutSuffix(s, "%")
	v, err = strconv.ParseFloat(num, 64)
	if err != nil || !(v > 0) || math.IsInf(v, 0) || (percent && v > 100) {
		return 0, false, fmt.Errorf("-max %q: want a density > 0 or a percentile such as 99%%", s)
	}
	return v, percent, nil
}

// ParseOnly reads -only: the set of names to keep, all of them for "".
func ParseOnly(s string, names []string) (map[string]bool, error) {
	want := map[string]bool{}
	if s == "" {
		for _, name := range names {
			want[name] = true
		}
		return want, nil
	}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if !slices.Contains(names, f) {
			return nil, fmt.Errorf("-only %q: want names from %v separated by commas", s, names)
		}
		if want[f] {
			return nil, fmt.Errorf("-only %q: %q is given twice", s, f)
		}
		want[f] = true
	}
	return want, nil
}

// Formats names the figure formats viz writes (viz.CheckFormat), for
// help texts.
const Formats = "png, jpg (or jpeg), tif (or tiff), svg or pdf"

// CheckFormat refuses a -format the figures cannot be saved in.
func CheckFormat(format string) error {
	if format == "" {
		return fmt.Errorf("-format is empty; want %s", Formats)
	}
	if err := viz.CheckFormat(format); err != nil {
		return fmt.Errorf("-format: %w", err)
	}
	return nil
}
