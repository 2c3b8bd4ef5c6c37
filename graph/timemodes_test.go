package graph_test

import (
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/graph"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// timeModeConfigs are MLPs whose graphs differ from the concatenated ones:
// ConcatSquash adds t·Wg, t·Wb (rows×1 by 1×out products), a sigmoid gate
// and their gradients; IgnoreTime leaves t unused.
var timeModeConfigs = []odefunc.MLPConfig{
	{Dim: 2, Time: odefunc.ConcatSquash},
	{Dim: 3, Hidden: []int{6, 5}, Activation: odefunc.Softplus, Time: odefunc.ConcatSquash},
	{Dim: 2, Time: odefunc.IgnoreTime},
	{Dim: 3, Hidden: []int{7}, Activation: odefunc.Softplus, Time: odefunc.IgnoreTime},
}

// TestTimeModesOnDefaultEngine evaluates through odefunc's public API, whose
// programs the default engine (the executor) compiles.
func TestTimeModesOnDefaultEngine(t *testing.T) {
	require.Equal(t, graph.Executor, graph.DefaultEngine())
	for ci, cfg := range timeModeConfigs {
		net := newMLP(t, cfg, uint64(70+ci))
		d, err := odefunc.New(net)
		require.NoError(t, err)
		const n = 37
		D := cfg.Dim
		r := rand.New(rand.NewPCG(9, uint64(ci)))
		z, a, c := make([]float64, n*D), make([]float64, n*D), make([]float64, n)
		fillNormal(r, z)
		fillNormal(r, a)
		fillNormal(r, c)
		f, tr, gz := make([]float64, n*D), make([]float64, n), make([]float64, n*D)
		require.NoError(t, d.Eval(f, odefunc.Terms{Trace: tr}, odefunc.Request{Z: z, T: 0.4, Want: odefunc.WantTrace, Trace: odefunc.ExactTrace}))
		gp := make([][]float64, len(net.Params()))
		for i, p := range net.Params() {
			gp[i] = make([]float64, p.Shape().TotalSize())
		}
		require.NoError(t, d.VJP(odefunc.VJPOut{F: make([]float64, n*D), Z: gz, Params: gp}, odefunc.Request{Z: z, T: 0.4, Want: odefunc.WantTrace, Trace: odefunc.ExactTrace}, a, odefunc.Terms{Trace: c}))
		assert.NotEqual(t, make([]float64, n*D), gz, "cfg %d", ci)
	}
}

func TestTimeModesRunDoesNotAllocate(t *testing.T) {
	for _, cfg := range timeModeConfigs[:3:3] {
		net := newMLP(t, cfg, 1)
		for _, k := range kinds {
			p, err := graph.CompileWith(dynamicsBuilder(net, k, 256), graph.Executor)
			require.NoError(t, err)
			fillInputs(rand.New(rand.NewPCG(1, 2)), p)
			allocs := testing.AllocsPerRun(10, func() {
				if err := p.Run(); err != nil {
					t.Fatal(err)
				}
			})
			assert.Zero(t, allocs, "%v %v", cfg.Time, k)
		}
	}
}
