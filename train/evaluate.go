package train

// SampleNFE draws n points from the flow and returns the evaluations of
// the dynamics that sampling took per point, summed over the blocks: the
// cost of sampling at the flow's evaluation settings, which straighter
// paths (flow matching with optimal transport) lower. With per-row steps
// (the evaluation default) it is the mean over the points; with the
// whole-batch norm every point takes every evaluation of the batch.
func (f *Flow) SampleNFE(n int) (float64, error) {
	if err := f.lock(); err != nil {
		return 0, err
	}
	defer f.mu.Unlock()
	if _, _, err := f.sample(n, nil, false); err != nil {
		return 0, err
	}
	nfe := 0.0
	for _, st := range f.stats {
		if st.Rows > 0 {
			nfe += float64(st.RowNFE) / float64(st.Rows)
		}
	}
	return nfe, nil
}
