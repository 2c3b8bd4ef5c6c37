package viz

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// RoundTicks is a plot.Ticker that puts three to seven major ticks on round
// values, multiples of 1, 2, 2.5 or 5 times a power of ten (matplotlib's
// MaxNLocator steps), labelled in one format per axis: as many decimals as
// the step needs, so that −2.5 stands beside −3.0, not −3. There are no
// minor ticks, as in matplotlib's default.
//
// gonum's DefaultTicks may choose steps such as 0.9 or 15, which put ticks
// on −0.6, 0.3, 1.2 or 5, 20, 35, and formats each label on its own.
type RoundTicks struct {
	// N sets the density of major ticks: the step is the first round
	// value at least the range over N+1; 0 means 5.
	N int
}

// Ticks implements plot.Ticker.
func (t RoundTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo <= hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return nil
	}
	if lo == hi {
		return []plot.Tick{{Value: lo, Label: strconv.FormatFloat(lo, 'g', -1, 64)}}
	}
	n := t.N
	if n < 2 {
		n = 5
	}
	step, decimals := roundStep((hi - lo) / float64(n+1))
	// Ticks are k·step for whole k, so that labels are exact multiples.
	var ticks []plot.Tick
	for k := math.Ceil(lo/step - 1e-9); k*step <= hi+1e-9*step; k++ {
		v := k * step
		if v == 0 {
			v = 0 // no −0
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', decimals, 64)})
	}
	return ticks
}

// roundStep returns the smallest round step of at least raw and the
// decimals its labels need.
func roundStep(raw float64) (step float64, decimals int) {
	exp := math.Floor(math.Log10(raw))
	base := math.Pow(10, exp)
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*base >= raw*(1-1e-9) {
			decimals = max(0, -int(exp))
			if m == 2.5 {
				decimals++ // 2.5·10^exp needs one more digit
			}
			return m * base, decimals
		}
	}
	return 10 * base, max(0, -int(exp)-1)
}
