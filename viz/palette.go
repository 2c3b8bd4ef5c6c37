package viz

import (
	"image/color"
	"math"

	"gonum.org/v1/plot/palette"
)

// viridisAnchors are every fifth entry of matplotlib's 256-entry viridis
// table (van der Walt and Smith, CC0); linear interpolation between them
// stays within 0.7/255 of the full table.
var viridisAnchors = [...][3]float64{
	{0.267004, 0.004874, 0.329415},
	{0.273809, 0.031497, 0.358853},
	{0.278791, 0.062145, 0.386592},
	{0.281924, 0.089666, 0.412415},
	{0.283197, 0.115680, 0.436115},
	{0.282623, 0.140926, 0.457517},
	{0.280255, 0.165693, 0.476498},
	{0.276194, 0.190074, 0.493001},
	{0.270595, 0.214069, 0.507052},
	{0.263663, 0.237631, 0.518762},
	{0.255645, 0.260703, 0.528312},
	{0.246811, 0.283237, 0.535941},
	{0.237441, 0.305202, 0.541921},
	{0.227802, 0.326594, 0.546532},
	{0.218130, 0.347432, 0.550038},
	{0.208623, 0.367752, 0.552675},
	{0.199430, 0.387607, 0.554642},
	{0.190631, 0.407061, 0.556089},
	{0.182256, 0.426184, 0.557120},
	{0.174274, 0.445044, 0.557792},
	{0.166617, 0.463708, 0.558119},
	{0.159194, 0.482237, 0.558073},
	{0.151918, 0.500685, 0.557587},
	{0.144759, 0.519093, 0.556572},
	{0.137770, 0.537492, 0.554906},
	{0.131172, 0.555899, 0.552459},
	{0.125394, 0.574318, 0.549086},
	{0.121148, 0.592739, 0.544641},
	{0.119423, 0.611141, 0.538982},
	{0.121380, 0.629492, 0.531973},
	{0.128087, 0.647749, 0.523491},
	{0.140210, 0.665859, 0.513427},
	{0.157851, 0.683765, 0.501686},
	{0.180653, 0.701402, 0.488189},
	{0.208030, 0.718701, 0.472873},
	{0.239374, 0.735588, 0.455688},
	{0.274149, 0.751988, 0.436601},
	{0.311925, 0.767822, 0.415586},
	{0.352360, 0.783011, 0.392636},
	{0.395174, 0.797475, 0.367757},
	{0.440137, 0.811138, 0.340967},
	{0.487026, 0.823929, 0.312321},
	{0.535621, 0.835785, 0.281908},
	{0.585678, 0.846661, 0.249897},
	{0.636902, 0.856542, 0.216620},
	{0.688944, 0.865448, 0.182725},
	{0.741388, 0.873449, 0.149561},
	{0.793760, 0.880678, 0.120005},
	{0.845561, 0.887322, 0.099702},
	{0.896320, 0.893616, 0.096335},
	{0.945636, 0.899815, 0.112838},
	{0.993248, 0.906157, 0.143936},
}

// ViridisAt returns the viridis colour at t ∈ [0, 1]: dark purple at 0,
// teal at ½, yellow at 1. t outside [0, 1] is clamped; NaN gives t = 0.
func ViridisAt(t float64) color.NRGBA {
	if !(t > 0) {
		t = 0
	}
	if t > 1 {
		t = 1
	}
	f := t * float64(len(viridisAnchors)-1)
	i := min(int(f), len(viridisAnchors)-2)
	f -= float64(i)
	lo, hi := viridisAnchors[i], viridisAnchors[i+1]
	var c [3]uint8
	for j := range c {
		c[j] = uint8(math.Round(255 * ((1-f)*lo[j] + f*hi[j])))
	}
	return color.NRGBA{R: c[0], G: c[1], B: c[2], A: 255}
}

// Viridis returns n colours evenly spaced along viridis, first to last;
// n < 2 means 256, matplotlib's table size.
func Viridis(n int) palette.Palette {
	if n < 2 {
		n = 256
	}
	p := make(colors, n)
	for i := range p {
		p[i] = ViridisAt(float64(i) / float64(n-1))
	}
	return p
}

// colors is a fixed palette.Palette.
type colors []color.Color

// Colors returns the palette's colours.
func (p colors) Colors() []color.Color { return p }

// tab10 is matplotlib's tab10.
var tab10 = [...]color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff}, {0xd6, 0x27, 0x28, 0xff},
	{0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff}, {0xe3, 0x77, 0xc2, 0xff}, {0x7f, 0x7f, 0x7f, 0xff},
	{0xbc, 0xbd, 0x22, 0xff}, {0x17, 0xbe, 0xcf, 0xff},
}

// Distinct returns n colours that differ from one another, for n lines or
// paths: matplotlib's tab10 for up to 10, else n hues evenly around the
// colour wheel, neighbours alternating in brightness. No colour repeats.
func Distinct(n int) palette.Palette {
	p := make(colors, max(n, 0))
	for i := range p {
		switch {
		case n <= len(tab10):
			p[i] = tab10[i]
		case i%2 == 0:
			p[i] = hsv(float64(i)/float64(n), 0.85, 0.9)
		default:
			p[i] = hsv(float64(i)/float64(n), 0.9, 0.55)
		}
	}
	return p
}

// hsv returns the colour of hue h ∈ [0, 1), saturation s and value v.
func hsv(h, s, v float64) color.RGBA {
	h6 := h * 6
	k := math.Floor(h6)
	f := h6 - k
	p, q, t := v*(1-s), v*(1-s*f), v*(1-s*(1-f))
	var r, g, b float64
	switch int(k) % 6 {
	case 0:
		r, g, b = v, t, p
	case 1:
		r, g, b = q, v, p
	case 2:
		r, g, b = p, v, t
	case 3:
		r, g, b = p, q, v
	case 4:
		r, g, b = t, p, v
	default:
		r, g, b = v, p, q
	}
	u := func(x float64) uint8 { return uint8(math.Round(255 * x)) }
	return color.RGBA{u(r), u(g), u(b), 255}
}
