package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chunkFlow is a small flow whose blocks have larger weights than at
// initialisation, so that points need different steps; cfg.Dim is 2.
func chunkFlow(t *testing.T, cfg FlowConfig, s Settings, seed uint64) *Flow {
	t.Helper()
	cfg.Dim, cfg.Blocks, cfg.Hidden = 2, 1, []int{8}
	f, err := NewFlow(cfg, s, rand.NewPCG(seed, 1))
	require.NoError(t, err)
	for _, p := range f.Params() {
		for i, v := range p.Float64s() {
			p.Float64s()[i] = 2 * v
		}
	}
	return f
}

// chunkRows is a batch over two chunk boundaries.
const chunkRows = 2*ChunkRows + 7

func points(n, d int, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 2))
	x := make([]float64, n*d)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	return x
}

func sameBits(t *testing.T, want, got []float64, what string) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		if math.Float64bits(want[i]) != math.Float64bits(got[i]) {
			t.Fatalf("%s: value %d is %v, want %v (one solve)", what, i, got[i], want[i])
		}
	}
}

// TestChunksKeepTheBits: with per-row evaluation (the default) a batch of
// more than ChunkRows rows is solved in chunks with the bits of one solve
// of the whole batch (TransformedDistribution's), for log p, samples (the
// base drawn in the same order) and samples with log p; the flow is
// Splittable, and Stats sums the work over the chunks.
func TestChunksKeepTheBits(t *testing.T) {
	const n = chunkRows
	f := chunkFlow(t, FlowConfig{}, Settings{}, 1)
	require.True(t, f.Splittable())
	x := batch.New(n, 2, points(n, 2, 3))

	want, err := f.dist.LogProb(x)
	require.NoError(t, err)
	rowNFE := 0
	for _, b := range f.blocks {
		rowNFE += b.Stats().RowNFE
	}
	got, err := f.LogProb(x)
	require.NoError(t, err)
	sameBits(t, want, got, "LogProb")
	sum := 0
	for _, st := range f.Stats() {
		assert.Equal(t, n, st.Rows)
		assert.Greater(t, st.NFE, 0)
		sum += st.RowNFE
	}
	assert.Equal(t, rowNFE, sum, "every row's evaluations, whatever the chunk")

	// Sampling: a second flow of the same seed draws the same base points.
	g := chunkFlow(t, FlowConfig{}, Settings{}, 1)
	ws, err := g.dist.Sample(n)
	require.NoError(t, err)
	gs, err := f.Sample(n)
	require.NoError(t, err)
	sameBits(t, ws.Float64s(), gs.Float64s(), "Sample")
	wx, wl, err := g.dist.SampleWithLogProb(n)
	require.NoError(t, err)
	gx, gl, err := f.SampleWithLogProb(n)
	require.NoError(t, err)
	sameBits(t, wx.Float64s(), gx.Float64s(), "SampleWithLogProb points")
	sameBits(t, wl, gl, "SampleWithLogProb log p")

	// Splittable: Sample(a) then Sample(b) is Sample(a + b).
	a, err := g.Sample(1000)
	require.NoError(t, err)
	b, err := g.Sample(n - 1000)
	require.NoError(t, err)
	ab, err := f.Sample(n)
	require.NoError(t, err)
	sameBits(t, ab.Float64s(), append(a.Float64s(), b.Float64s()...), "Sample(a) then Sample(b)")
}

// TestChunksKeepTheBitsWithContext: likewise for a conditional flow.
func TestChunksKeepTheBitsWithContext(t *testing.T) {
	const n = chunkRows
	cfg := FlowConfig{Context: 1}
	f := chunkFlow(t, cfg, Settings{}, 2)
	g := chunkFlow(t, cfg, Settings{}, 2)
	x, c := batch.New(n, 2, points(n, 2, 4)), batch.New(n, 1, points(n, 1, 5))
	want, err := f.dist.LogProbContext(x, c)
	require.NoError(t, err)
	got, err := f.LogProbContext(x, c)
	require.NoError(t, err)
	sameBits(t, want, got, "LogProbContext")
	ws, err := g.dist.SampleContext(c)
	require.NoError(t, err)
	gs, err := f.SampleContext(c)
	require.NoError(t, err)
	sameBits(t, ws.Float64s(), gs.Float64s(), "SampleContext")
}

// TestWholeBatchIsOneSolve: with whole-batch step control a batch stays
// one solve (chunks would change its numbers), and the flow is not
// Splittable.
func TestWholeBatchIsOneSolve(t *testing.T) {
	const n = ChunkRows + 5
	f := chunkFlow(t, FlowConfig{}, Settings{Solver: ode.Settings{StepControl: ode.WholeBatch}}, 3)
	assert.False(t, f.Splittable())
	x := batch.New(n, 2, points(n, 2, 6))
	want, err := f.dist.LogProb(x)
	require.NoError(t, err)
	calls := f.blocks[0].Stats().NFE
	got, err := f.LogProb(x)
	require.NoError(t, err)
	sameBits(t, want, got, "LogProb")
	assert.Equal(t, calls, f.Stats()[0].NFE, "one solve")
}

// TestChunkErrorsNameTheRows: a failure in a later chunk names the chunk's
// rows, since the solvers count rows from the chunk's first.
func TestChunkErrorsNameTheRows(t *testing.T) {
	f := chunkFlow(t, FlowConfig{}, Settings{}, 4)
	var seen [][2]int
	err := f.inChunks(chunkRows, true, func(lo, hi int) error {
		seen = append(seen, [2]int{lo, hi})
		if lo > 0 {
			return ode.ErrMaxSteps
		}
		return nil
	})
	assert.ErrorIs(t, err, ode.ErrMaxSteps)
	assert.EqualError(t, err, "train: rows 16384 to 32767 of 32775 (rows are counted from 16384 below): "+ode.ErrMaxSteps.Error())
	assert.Equal(t, [][2]int{{0, ChunkRows}, {ChunkRows, 2 * ChunkRows}}, seen, "stops at the first failing chunk")
	assert.NoError(t, f.inChunks(5, false, func(lo, hi int) error {
		assert.Equal(t, [2]int{0, 5}, [2]int{lo, hi})
		return nil
	}))
}
