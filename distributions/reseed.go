package distributions

import "math/rand/v2"

// Reseeder is a base that can draw its samples from another source: Reseeded
// returns a copy that samples from src and shares the parameters. The
// Normal, MultivariateNormalTriL and GaussianMixture are Reseeders.
type Reseeder interface {
	DifferentiableBase
	Reseeded(src rand.Source) (DifferentiableBase, error)
}

// Reseeded is WithSource as a Reseeder.
func (n *Normal) Reseeded(src rand.Source) (DifferentiableBase, error) { return n.WithSource(src) }

// Reseeded is WithSource as a Reseeder.
func (m *MultivariateNormalTriL) Reseeded(src rand.Source) (DifferentiableBase, error) {
	return m.WithSource(src), nil
}

// Reseeded is WithSource as a Reseeder.
func (g *GaussianMixture) Reseeded(src rand.Source) (DifferentiableBase, error) {
	return g.WithSource(src), nil
}
