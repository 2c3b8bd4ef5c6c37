package train

// SampleNFE draws n points from the flow and returns the evaluations of
// the dynamics that sampling took, summed over the blocks: the cost of
// sampling at the flow's solver settings, which straighter paths (flow
// matching with optimal transport) lower.
func (f *Flow) SampleNFE(n int) (int, error) {
	if err := f.lock(); err != nil {
		return 0, err
	}
	defer f.mu.Unlock()
	if _, err := f.Dist.Sample(n); err != nil {
		return 0, err
	}
	nfe := 0
	for _, b := range f.Blocks {
		nfe += b.Stats().NFE
	}
	return nfe, nil
}
