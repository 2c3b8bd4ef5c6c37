package train

import (
	"fmt"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"gorgonia.org/tensor"
)

// ChunkRows is the most rows a Flow's evaluations (LogProb,
// LogProbContext, NLL, NLLContext, Sample, SampleContext,
// SampleWithLogProb, SampleNFE) pass through its blocks at once when every
// FFJORD block controls evaluation steps per row (ffjord.FFJORD.PerRow, the
// default). A per-row solve keeps a few hundred bytes per row (its stages,
// bookkeeping and recorded steps), so a batch of any size then needs the
// solver memory of 2¹⁴ rows, a few MiB in 2-D, beside its result; and since
// each row's result does not depend on the other rows, the chunks give the
// bits of one call. With whole-batch step control or fixed steps the batch
// is one solve, as before: splitting it would change its numbers.
const ChunkRows = 1 << 14

// rowWise reports whether every FFJORD block evaluates per row, so that a
// batch may be solved in chunks without changing a bit. The other
// bijectors are maps of single rows (distributions.Bijector).
func (f *Flow) rowWise() bool {
	for _, b := range f.blocks {
		if !b.PerRow() {
			return false
		}
	}
	return true
}

// Splittable reports whether a caller may split a batch into calls of its
// own without changing a bit: LogProb (and LogProbContext) of the rows of
// x in several calls then gives the values of one call, and Sample(a)
// followed by Sample(b) draws the points of Sample(a + b) (SampleContext
// likewise). It holds when every FFJORD block evaluates per row (the
// default) and the base is one of the library's, which draw their points
// row after row. Programs that stream results use it to work in chunks of
// ChunkRows.
func (f *Flow) Splittable() bool {
	if f.lock() != nil {
		return false
	}
	defer f.mu.Unlock()
	if !f.rowWise() {
		return false
	}
	switch f.dist.Base.(type) {
	case *distributions.Normal, *distributions.MultivariateNormalTriL, *distributions.GaussianMixture:
		return true
	}
	return false
}

// Stats returns the solver work of each FFJORD block (in f.blocks' order)
// in the last of the evaluations listed at ChunkRows, summed over its
// chunks: NFE counts the batched calls of every chunk, Rows and RowNFE
// the rows and their evaluations, Accepted and Rejected the steps. Times,
// LastStep and NextStep are those of the last chunk.
func (f *Flow) Stats() []ode.Result {
	if f.lock() != nil {
		return nil
	}
	defer f.mu.Unlock()
	return append([]ode.Result(nil), f.stats...)
}

// inChunks calls fn for the rows [lo, hi) of a batch of n rows, in chunks
// of at most ChunkRows when chunked is set and as one call otherwise (n may
// then be any count ≥ 1: fn takes the whole batch), and
// sums each block's statistics over the calls into f.stats. A failure of a
// chunk names its rows, since the solvers count rows from the chunk's
// first.
func (f *Flow) inChunks(n int, chunked bool, fn func(lo, hi int) error) error {
	f.stats = f.stats[:0]
	for range f.blocks {
		f.stats = append(f.stats, ode.Result{})
	}
	size := n
	if chunked {
		size = ChunkRows
	}
	for lo := 0; lo < n; lo += size {
		hi := min(lo+size, n)
		err := fn(lo, hi)
		for k, b := range f.blocks {
			st, sum := b.Stats(), &f.stats[k]
			st.NFE += sum.NFE
			st.Accepted += sum.Accepted
			st.Rejected += sum.Rejected
			st.Rows += sum.Rows
			st.RowNFE += sum.RowNFE
			*sum = st
		}
		if err != nil {
			if hi-lo < n {
				return fmt.Errorf("train: rows %d to %d of %d (rows are counted from %d below): %w", lo, hi-1, n, lo, err)
			}
			return err
		}
	}
	return nil
}

// chunked reports whether a batch of n rows is solved in chunks.
func (f *Flow) chunked(n int) bool { return n > ChunkRows && f.rowWise() }

// rowsOf returns the values of y, which must be n×d.
func rowsOf(y *tensor.Dense, n, d int) ([]float64, error) {
	if y == nil || y.Dtype() != tensor.Float64 || len(y.Shape()) != 2 || y.Shape()[0] != n || y.Shape()[1] != d {
		return nil, fmt.Errorf("%w: a bijector returned %v, want %d×%d float64", ErrInvalidConfig, shapeOf(y), n, d)
	}
	if y.RequiresIterator() {
		y = y.Materialize().(*tensor.Dense)
	}
	return y.Float64s()[:n*d], nil
}

func shapeOf(y *tensor.Dense) tensor.Shape {
	if y == nil {
		return nil
	}
	return y.Shape()
}

// logProb is LogProb, or LogProbContext when ctx, in chunks where the
// rows are independent.
func (f *Flow) logProb(x, c *tensor.Dense, ctx bool) ([]float64, error) {
	D, C := f.dist.Dim(), f.dist.ContextDim()
	call := func(x, c *tensor.Dense) ([]float64, error) {
		if ctx {
			return f.dist.LogProbContext(x, c)
		}
		return f.dist.LogProb(x)
	}
	whole := func() ([]float64, error) {
		var lp []float64
		err := f.inChunks(1, false, func(int, int) (err error) {
			lp, err = call(x, c)
			return err
		})
		return lp, err
	}
	if x == nil || len(x.Shape()) != 2 || !f.chunked(x.Shape()[0]) || (!ctx && C > 0) {
		return whole()
	}
	// Malformed input is left to the whole call, whose errors name it.
	xv, n, err := batch.Data(x, D)
	if err != nil {
		return whole()
	}
	var cv []float64
	if C > 0 {
		var rows int
		if cv, rows, err = batch.Data(c, C); err != nil || rows != n {
			return whole()
		}
	} else if c != nil {
		return whole()
	}
	lp := make([]float64, n)
	err = f.inChunks(n, true, func(lo, hi int) error {
		var cc *tensor.Dense
		if C > 0 {
			cc = batch.New(hi-lo, C, cv[lo*C:hi*C])
		}
		part, err := call(batch.New(hi-lo, D, xv[lo*D:hi*D]), cc)
		copy(lp[lo:hi], part)
		return err
	})
	if err != nil {
		return nil, err
	}
	return lp, nil
}

// sample draws n points (c nil) or one point for each row of c, with their
// log-densities when withLogProb. The base points are drawn in one call,
// as TransformedDistribution draws them, and mapped in chunks where the
// rows are independent, in place.
func (f *Flow) sample(n int, c *tensor.Dense, withLogProb bool) (*tensor.Dense, []float64, error) {
	if c == nil && f.dist.ContextDim() > 0 {
		// The distribution refuses, naming SampleContext.
		if withLogProb {
			return f.dist.SampleWithLogProb(n)
		}
		x, err := f.dist.Sample(n)
		return x, nil, err
	}
	var cv []float64
	if c != nil {
		C := f.dist.ContextDim()
		if C == 0 {
			x, err := f.dist.SampleContext(c) // its error says why
			return x, nil, err
		}
		var err error
		if cv, n, err = batch.Data(c, C); err != nil {
			x, err := f.dist.SampleContext(c)
			return x, nil, err
		}
	}
	if !f.chunked(n) {
		var x *tensor.Dense
		var lp []float64
		err := f.inChunks(1, false, func(int, int) (err error) {
			switch {
			case c != nil:
				x, err = f.dist.SampleContext(c)
			case withLogProb:
				x, lp, err = f.dist.SampleWithLogProb(n)
			default:
				x, err = f.dist.Sample(n)
			}
			return err
		})
		return x, lp, err
	}
	what := "Sample"
	switch {
	case c != nil:
		what = "SampleContext"
	case withLogProb:
		what = "SampleWithLogProb"
	}
	z, err := f.dist.Base.Sample(n)
	if err != nil {
		return nil, nil, fmt.Errorf("distributions: %s: %w", what, err)
	}
	var lp []float64
	if withLogProb {
		if lp, err = f.dist.Base.LogProb(z); err != nil {
			return nil, nil, fmt.Errorf("distributions: %s: %w", what, err)
		}
	}
	D, C := f.dist.Dim(), f.dist.ContextDim()
	zs, err := rowsOf(z, n, D)
	if err != nil {
		return nil, nil, err
	}
	err = f.inChunks(n, true, func(lo, hi int) error {
		zc := batch.New(hi-lo, D, zs[lo*D:hi*D])
		var x *tensor.Dense
		var fldj []float64
		var err error
		switch {
		case c != nil:
			cb, ok := f.dist.Bijector.(distributions.ConditionalBijector)
			if !ok {
				return fmt.Errorf("distributions: SampleContext: %w: the bijector %T takes no context", distributions.ErrInvalidParameter, f.dist.Bijector)
			}
			x, err = cb.ForwardContext(zc, batch.New(hi-lo, C, cv[lo*C:hi*C]))
		case withLogProb:
			x, fldj, err = f.dist.Bijector.ForwardWithLogDet(zc)
		default:
			x, err = f.dist.Bijector.Forward(zc)
		}
		if err != nil {
			if c == nil {
				err = fmt.Errorf("distributions: %s: %w", what, err)
			}
			return err
		}
		xs, err := rowsOf(x, hi-lo, D)
		if err != nil {
			return err
		}
		copy(zs[lo*D:hi*D], xs)
		for i, v := range fldj {
			lp[lo+i] -= v
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return batch.New(n, D, zs), lp, nil
}
