package train

// Check returns the error NewFlow would return for cfg — a field out of
// range, or a model over the limits (MaxDim, MaxBlocks, MaxWidth,
// MaxLayers, MaxParams) — without building anything, so that a program
// can refuse an oversized model before it loads data or fits baselines.
// It is nil for every cfg NewFlow accepts.
func (cfg FlowConfig) Check() error {
	_, err := cfg.resolved()
	return err
}
