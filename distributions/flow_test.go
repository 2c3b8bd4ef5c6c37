package distributions_test

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// oracleModel is testdata/oracle/model.json: a random tutorial-shaped flow
// evaluated by an independent scipy reference (see its README).
type oracleModel struct {
	Base struct {
		Mean, Std []float64
	}
	Blocks []struct {
		Layers []struct {
			W [][]float64
			B []float64
		}
	}
	T0, T1 float64
}

func loadOracle(t *testing.T, solver ode.Settings) *distributions.TransformedDistribution {
	t.Helper()
	raw, err := os.ReadFile("testdata/oracle/model.json")
	require.NoError(t, err)
	var m oracleModel
	require.NoError(t, json.Unmarshal(raw, &m))

	base, err := distributions.NewNormal(m.Base.Mean, m.Base.Std, rand.NewPCG(1, 2))
	require.NoError(t, err)
	blocks := make([]distributions.Bijector, len(m.Blocks))
	for k, blk := range m.Blocks {
		net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2}, rand.NewPCG(0, 0))
		require.NoError(t, err)
		li := 0
		for _, l := range net.Layers() {
			lin, ok := l.(*odefunc.Linear)
			if !ok {
				continue
			}
			w, b := lin.W.Float64s(), lin.B.Float64s()
			src := blk.Layers[li]
			require.Len(t, src.W, lin.In())
			for i, row := range src.W {
				require.Len(t, row, lin.Out())
				copy(w[i*lin.Out():], row)
			}
			copy(b, src.B)
			li++
		}
		require.Equal(t, len(blk.Layers), li)
		blocks[k], err = ffjord.New(net, ffjord.Options{T0: m.T0, T1: m.T1, Solver: solver})
		require.NoError(t, err)
	}
	// Block 0 is applied first when sampling: reverse, as Chain(bijectors[::-1]).
	for i, j := 0, len(blocks)-1; i < j; i, j = i+1, j-1 {
		blocks[i], blocks[j] = blocks[j], blocks[i]
	}
	chain, err := distributions.NewChain(blocks...)
	require.NoError(t, err)
	d, err := distributions.NewTransformed(base, chain)
	require.NoError(t, err)
	return d
}

func readCSV(t *testing.T, path string) [][]float64 {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	var rows [][]float64
	for _, rec := range recs[1:] {
		row := make([]float64, len(rec))
		for i, s := range rec {
			row[i], err = strconv.ParseFloat(s, 64)
			require.NoError(t, err)
		}
		rows = append(rows, row)
	}
	return rows
}

func columns(rows [][]float64, cols ...int) []float64 {
	var out []float64
	for _, r := range rows {
		for _, c := range cols {
			out = append(out, r[c])
		}
	}
	return out
}

func TestAgainstOracle(t *testing.T) {
	d := loadOracle(t, ode.Settings{Controller: ode.Adaptive{RTol: 1e-8, ATol: 1e-10}})

	lp := readCSV(t, "testdata/oracle/logprob.csv")
	got, err := d.LogProb(batch.New(len(lp), 2, columns(lp, 0, 1)))
	require.NoError(t, err)
	var worst float64
	for i, row := range lp {
		worst = max(worst, math.Abs(got[i]-row[2]))
	}
	t.Logf("log p: worst |error| %.2g over %d points", worst, len(lp))
	assert.Less(t, worst, 1e-6)

	fw := readCSV(t, "testdata/oracle/forward.csv")
	chain := d.Bijector.(distributions.Chain)
	x, fldj, err := chain.ForwardWithLogDet(batch.New(len(fw), 2, columns(fw, 0, 1)))
	require.NoError(t, err)
	assert.InDeltaSlice(t, columns(fw, 2, 3), x.Float64s(), 1e-6)
	assert.InDeltaSlice(t, columns(fw, 4), fldj, 1e-6)
}

func TestDensityIntegratesToOne(t *testing.T) {
	base, err := distributions.NewNormal([]float64{0, 0}, []float64{0.8, 0.8}, nil)
	require.NoError(t, err)
	var blocks []distributions.Bijector
	for k := range 2 {
		net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2}, rand.NewPCG(uint64(k), 5))
		require.NoError(t, err)
		b, err := ffjord.New(net, ffjord.Options{Solver: ode.Settings{Controller: ode.Adaptive{RTol: 1e-7, ATol: 1e-9}}})
		require.NoError(t, err)
		blocks = append(blocks, b)
	}
	chain, _ := distributions.NewChain(blocks...)
	d, _ := distributions.NewTransformed(base, chain)

	// Midpoint rule over [−6, 6]²: the density is smooth and its tails past
	// the box hold far less than the tolerance.
	const n, lo, hi = 120, -6.0, 6.0
	h := (hi - lo) / n
	pts := make([]float64, 0, 2*n*n)
	for i := range n {
		for j := range n {
			pts = append(pts, lo+(float64(i)+0.5)*h, lo+(float64(j)+0.5)*h)
		}
	}
	lp, err := d.LogProb(batch.New(n*n, 2, pts))
	require.NoError(t, err)
	var mass float64
	for _, v := range lp {
		mass += math.Exp(v) * h * h
	}
	assert.InDelta(t, 1, mass, 1e-3)
}
