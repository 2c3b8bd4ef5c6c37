package odefunc

// Limits on the networks a checkpoint may describe (package checkpoint
// reads layers and networks against them before anything is allocated), so
// that a hostile file cannot ask for a huge network. They are generous: the
// largest models in the FFJORD paper have D = 784 and widths of a few
// thousand.
const (
	MaxDim    = 1 << 12 // dimension of z
	MaxWidth  = 1 << 16 // features in or out of a layer
	MaxLayers = 1 << 10 // layers of a network
)
