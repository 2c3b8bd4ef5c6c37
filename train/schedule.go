package train

import "math"

// Schedule gives the learning rate of an epoch (1-based) out of epochs,
// starting from base.
type Schedule func(epoch, epochs int, base float64) float64

// Constant keeps the learning rate at base.
func Constant(_, _ int, base float64) float64 { return base }

// Cosine decays the learning rate from base at the first epoch to
// minFactor·base at the last along half a cosine.
func Cosine(minFactor float64) Schedule {
	return func(epoch, epochs int, base float64) float64 {
		if epochs <= 1 {
			return base
		}
		frac := float64(epoch-1) / float64(epochs-1)
		return base * (minFactor + (1-minFactor)*0.5*(1+math.Cos(math.Pi*frac)))
	}
}
