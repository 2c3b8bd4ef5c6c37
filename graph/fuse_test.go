package graph

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// opsOf lists the kernels an Executor program runs, in order.
func opsOf(p *Program) []opcode {
	var ops []opcode
	for _, in := range p.exec.code {
		ops = append(ops, in.op)
	}
	return ops
}

// fusionLeaf adds a rows×cols leaf of random values.
func fusionLeaf(g *G.ExprGraph, r *rand.Rand, name string, rows, cols int) *G.Node {
	return G.NewMatrix(g, tensor.Float64, G.WithShape(rows, cols), G.WithName(name),
		G.WithValue(tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(randomValues(r, rows*cols)))))
}

// Each pattern of fuse.go, and its near misses, on both kernel sets: the
// fused program runs the kernels the pattern promises (or, for a near miss,
// the per-node ones) and gives the unfused program's bits.
func TestFusionPatterns(t *testing.T) {
	const rows = 7 // not a multiple of four: the kernels' tails run too
	type pattern struct {
		name string
		// build returns the outputs of a graph of input x (rows×3).
		build   func(g *G.ExprGraph, r *rand.Rand, x *G.Node) []*G.Node
		want    []opcode // kernels the fused program runs, in order
		without []opcode // kernels it must not run
	}
	one := func() *G.Node { return G.NewConstant(1.0) }
	patterns := []pattern{
		{
			name: "bias row", // a layer: x·W + b, b a 1×4 row
			build: func(g *G.ExprGraph, r *rand.Rand, x *G.Node) []*G.Node {
				xw := G.Must(G.Mul(x, fusionLeaf(g, r, "w", 3, 4)))
				return []*G.Node{G.Must(G.Tanh(G.Must(G.BroadcastAdd(xw, fusionLeaf(g, r, "b", 1, 4), nil, []byte{0}))))}
			},
			want:    []opcode{opMatMulAddRow, opTanh},
			without: []opcode{opRepeat, opAdd},
		},
		{
			name: "bias row, fifteen wide", // every column block of the vector product: 8, 4, 2, 1
			build: func(g *G.ExprGraph, r *rand.Rand, x *G.Node) []*G.Node {
				xw := G.Must(G.Mul(x, fusionLeaf(g, r, "w", 3, 15)))
				return []*G.Node{G.Must(G.BroadcastAdd(xw, fusionLeaf(g, r, "b", 1, 15), nil, []byte{0}))}
			},
			want: []opcode{opMatMulAddRow},
		},
		{
			name: "a product read elsewhere keeps its bias apart", // x·W is an output
			build: func(g *G.ExprGraph, r *rand.Rand, x *G.Node) []*G.Node {
				xw := G.Must(G.Mul(x, fusionLeaf(g, r, "w", 3, 4)))
				return []*G.Node{xw, G.Must(G.BroadcastAdd(xw, fusionLeaf(g, r, "b", 1, 4), nil, []byte{0}))}
			},
			want: []opcode{opMatMul, opAddRow},
		},
		{
			name: "bias row on the left, two wide, product",
			build: func(g *G.ExprGraph, r *rand.Rand, x *G.Node) []*G.Node {
				x2 := G.Must(G.Slice(x, nil, G.S(0, 2)))
				return []*G.Node{G.Must(G.BroadcastHadamardProd(fusionLeaf(g, r, "b", 1, 2), x2, []byte{0}, nil))}
			},
			want:    []opcode{opSlice, opMulRow},
			without: []opcode{opRepeat, opMul},
		},
		{
			name: "bias row, three wide", // the pure-Go row kernel on both sets
			build: func(g *G.ExprGraph, r *rand.Rand, x *G.Node) []*G.Node {
				return []*G.Node{G.Must(G.BroadcastAdd(x, fusionLeaf(g, r, "b", 1, 3), nil, []byte{0}))}
			},
			want: []opcode{opAddRow},
		},
		{
			name: "column broadcast is not a row", // repeat along axis 1: left as lowered
			build: func(g *G.ExprGraph, r *rand.Rand, x *G.Node) []*G.Node {
				return []*G.Node{G.Must(G.BroadcastAdd(x, fusionLeaf(g, r, "c", rows, 1), nil, []byte{1}))}
			},
			want: []opcode{opRepeat, opAdd},
		},
		{
			name: "row minus has no fused form", // x − b: left as lowered
			build: func(g *G.ExprGraph, r *rand.Rand, x *G.Node) []*G.Node {
				return []*G.Node{G.Must(G.BroadcastSub(x, fusionLeaf(g, r, "b", 1, 3), nil, []byte{0}))}
			},
			want: []opcode{opRepeat, opSub},
		},
		{
			name: "repeated scalar", // ∂Σ(a ⊙ x)/∂x = a ⊙ 1 repeated, then 2·x² − that
			build: func(g *G.ExprGraph, r *rand.Rand, x *G.Node) []*G.Node {
				a := fusionLeaf(g, r, "a", rows, 3)
				grads, err := G.Grad(G.Must(G.Sum(G.Must(G.HadamardProd(a, x)))), x)
				if err != nil {
					panic(err)
				}
				return []*G.Node{grads[0], G.Must(G.Sub(fusionLeaf(g, r, "y", rows, 3), grads[0]))}
			},
			without: []opcode{opRepeat},
		},
		{
			name: "one minus a square", // tanh's slope, spelt both ways, computed once
			build: func(g *G.ExprGraph, _ *rand.Rand, x *G.Node) []*G.Node {
				y := G.Must(G.Tanh(x))
				s1 := G.Must(G.Sub(one(), G.Must(G.Square(y))))
				s2 := G.Must(G.Sub(one(), G.Must(G.HadamardProd(y, y))))
				return []*G.Node{G.Must(G.HadamardProd(s1, x)), G.Must(G.HadamardProd(s2, y))}
			},
			want: []opcode{opTanh, opSubSVSquare, opMul, opMul},
		},
		{
			name: "plus a negated product", // x + y ⊙ (−z) and (y ⊙ (−z)) + x
			build: func(g *G.ExprGraph, r *rand.Rand, x *G.Node) []*G.Node {
				y, z := fusionLeaf(g, r, "y", rows, 3), fusionLeaf(g, r, "z", rows, 3)
				m1 := G.Must(G.HadamardProd(y, G.Must(G.Neg(z))))
				m2 := G.Must(G.HadamardProd(G.Must(G.Neg(y)), x))
				return []*G.Node{G.Must(G.Add(x, m1)), G.Must(G.Add(m2, z))}
			},
			want: []opcode{opMul, opSub, opMul, opSub},
		},
		{
			name: "a negation read elsewhere stays", // −z is an output
			build: func(g *G.ExprGraph, r *rand.Rand, x *G.Node) []*G.Node {
				nz := G.Must(G.Neg(fusionLeaf(g, r, "z", rows, 3)))
				return []*G.Node{nz, G.Must(G.Add(x, G.Must(G.HadamardProd(x, nz))))}
			},
			want: []opcode{opNeg, opMul, opAdd},
		},
		{
			name: "a square read elsewhere stays", // x² is an output: s − x² is not fused
			build: func(g *G.ExprGraph, _ *rand.Rand, x *G.Node) []*G.Node {
				sq := G.Must(G.Square(x))
				return []*G.Node{sq, G.Must(G.Sub(one(), sq))}
			},
			want: []opcode{opSquare, opSubSV},
		},
	}
	for _, pt := range patterns {
		t.Run(pt.name, func(t *testing.T) {
			build := func(g *G.ExprGraph) ([]*G.Node, []*G.Node, error) {
				r := rand.New(rand.NewPCG(1, 2)) // the same leaves for both programs
				x := G.NewMatrix(g, tensor.Float64, G.WithShape(rows, 3), G.WithName("x"))
				return []*G.Node{x}, pt.build(g, r, x), nil
			}
			for _, ks := range []KernelSet{PureGo, Vector} {
				if !ks.Available() {
					continue
				}
				fused, plain := fusedAndPlain(t, build, ks)
				ops := opsOf(fused)
				if pt.want != nil {
					assert.Equal(t, pt.want, ops, "%v kernels", ks)
				}
				for _, op := range pt.without {
					assert.NotContains(t, ops, op, "%v kernels", ks)
				}
				assert.LessOrEqual(t, len(ops), len(opsOf(plain)))
				r := rand.New(rand.NewPCG(3, 4))
				for range 2 {
					requireSameBits(t, fused, plain, randomValues(r, rows*3), ks)
				}
			}
		})
	}
}

// fusedAndPlain compiles build on the kernels ks with and without the
// fusion passes.
func fusedAndPlain(t *testing.T, build Builder, ks KernelSet) (fused, plain *Program) {
	t.Helper()
	fused, err := compileOn(build, ks, true)
	require.NoError(t, err)
	plain, err = compileOn(build, ks, false)
	require.NoError(t, err)
	return fused, plain
}

// requireSameBits runs both programs on input x and compares every output
// bit for bit.
func requireSameBits(t *testing.T, fused, plain *Program, x []float64, ks KernelSet) {
	t.Helper()
	copy(fused.Input(0), x)
	copy(plain.Input(0), x)
	require.NoError(t, fused.Run())
	require.NoError(t, plain.Run())
	for i := range plain.outData {
		require.Equal(t, bits(plain.Output(i)), bits(fused.Output(i)), "%v output %d", ks, i)
	}
}

// compileOn compiles build for the Executor on the kernels ks, with or
// without the fusion passes.
func compileOn(build Builder, ks KernelSet, fuse bool) (*Program, error) {
	old := DefaultKernels()
	defer func() { _ = SetDefaultKernels(old) }()
	if err := SetDefaultKernels(ks); err != nil {
		return nil, err
	}
	return compile(build, Executor, false, fuse)
}

// Fusion never reads a buffer after the planner has handed it on: with
// every pass on, a long chain of fused and unfused kernels still matches.
func TestFusionKeepsBuffersApart(t *testing.T) {
	build := func(g *G.ExprGraph) ([]*G.Node, []*G.Node, error) {
		r := rand.New(rand.NewPCG(5, 6))
		x := G.NewMatrix(g, tensor.Float64, G.WithShape(9, 4), G.WithName("x"))
		h := x
		var outs []*G.Node
		for l := range 4 {
			hw := G.Must(G.Mul(h, fusionLeaf(g, r, "w"+string(rune('0'+l)), 4, 4)))
			h = G.Must(G.Tanh(G.Must(G.BroadcastAdd(hw, fusionLeaf(g, r, "b"+string(rune('0'+l)), 1, 4), nil, []byte{0}))))
			outs = append(outs, G.Must(G.Sub(G.NewConstant(1.0), G.Must(G.Square(h)))))
		}
		return []*G.Node{x}, append(outs, h), nil
	}
	for _, ks := range []KernelSet{PureGo, Vector} {
		if !ks.Available() {
			continue
		}
		fused, plain := fusedAndPlain(t, build, ks)
		assert.True(t, slices.Contains(opsOf(fused), opMatMulAddRow) && slices.Contains(opsOf(fused), opSubSVSquare))
		requireSameBits(t, fused, plain, randomValues(rand.New(rand.NewPCG(7, 8)), 36), ks)
	}
}
