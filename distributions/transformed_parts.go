package distributions

// Parts returns the base and the bijector: what a caller that works on
// compositions (flow matching, which draws from the base and regresses the
// bijector's fields) needs of a transformed distribution.
func (d *TransformedDistribution) Parts() (base Distribution, bijector Bijector) {
	return d.Base, d.Bijector
}
