package graph

import (
	"fmt"
	"sync"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// buildMu serialises graph construction: Gorgonia's node constructors share
// package-level state and race when two goroutines build at once.
var buildMu sync.Mutex

// Builder adds nodes to g and reports which of them are the program's inputs
// (to be written before each run) and outputs (to be read after it).
//
// Input nodes must be created without a value; Compile binds each to a fresh
// zeroed tensor of the node's shape. Every other leaf (parameters, constants)
// must carry its value (gorgonia.WithValue) and is read, never written, by the
// program.
type Builder func(g *G.ExprGraph) (inputs, outputs []*G.Node, err error)

// Engine selects what runs a compiled Program.
type Engine int

const (
	// Executor runs the graph with this package's own kernels on buffers
	// allocated at compile time, so a Run allocates nothing. It supports the
	// operations the library's graphs use; Compile reports any other.
	Executor Engine = iota
	// TapeMachine runs the graph with Gorgonia's TapeMachine, which supports
	// every operation but allocates every intermediate on each Run.
	TapeMachine
)

// String returns the engine's name.
func (e Engine) String() string {
	switch e {
	case Executor:
		return "executor"
	case TapeMachine:
		return "tapemachine"
	}
	return fmt.Sprintf("Engine(%d)", int(e))
}

// Valid reports whether e is one of the defined engines.
func (e Engine) Valid() bool { return e == Executor || e == TapeMachine }

// defaultEngine is the engine Compile uses; guarded by buildMu so that a
// change never lands halfway through a compilation.
var defaultEngine = Executor

// SetDefaultEngine sets the engine Compile uses for programs compiled from
// now on; programs already compiled keep theirs. It is safe to call from any
// goroutine. The initial default is TapeMachine.
func SetDefaultEngine(e Engine) error {
	if !e.Valid() {
		return fmt.Errorf("%w %v", ErrUnknownEngine, e)
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	defaultEngine = e
	return nil
}

// DefaultEngine returns the engine Compile currently uses.
func DefaultEngine() Engine {
	buildMu.Lock()
	defer buildMu.Unlock()
	return defaultEngine
}

// Program is a compiled graph: inputs bound to buffers, outputs copied into
// buffers the Program owns. A Program is not safe for concurrent use, but
// programs that share parameter tensors may run concurrently: both engines
// only read them (the TapeMachine through private copies).
type Program struct {
	g       *G.ExprGraph
	inputs  []*G.Node
	inData  [][]float64
	outputs []*G.Node
	outData [][]float64
	engine  Engine
	kernels KernelSet  // Executor only
	vm      G.VM       // TapeMachine only
	leaves  []leafCopy // TapeMachine only
	exec    *executor  // Executor only
}

// Compile builds a graph with build under the package lock and compiles it
// for the default engine (see SetDefaultEngine) and, on the Executor, the
// default kernel set (see SetDefaultKernels). A panic inside build
// (Gorgonia reports many shape errors by panicking) is returned as an error.
func Compile(build Builder) (*Program, error) {
	return compile(build, 0, true, true) // the engine is read under the lock
}

// CompileWith is Compile for the engine e (with the default kernel set).
func CompileWith(build Builder, e Engine) (*Program, error) {
	if !e.Valid() {
		return nil, fmt.Errorf("%w %v", ErrUnknownEngine, e)
	}
	return compile(build, e, false, true)
}

// compile builds and compiles under the lock; with useDefault it reads the
// default engine there, so SetDefaultEngine cannot race with it. fuse runs
// the executor's fusion passes (fuse.go); only tests turn them off.
func compile(build Builder, e Engine, useDefault, fuse bool) (p *Program, err error) {
	buildMu.Lock()
	defer buildMu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("%w: building the program panicked: %v", ErrBuild, r)
		}
	}()
	if useDefault {
		e = defaultEngine
	}
	ks := defaultKernels

	g := G.NewGraph()
	inputs, outputs, err := build(g)
	if err != nil {
		return nil, err
	}
	if len(outputs) == 0 {
		return nil, fmt.Errorf("%w: a program needs at least one output", ErrBuild)
	}
	p = &Program{g: g, inputs: inputs, outputs: outputs, engine: e, kernels: ks}
	for i, n := range inputs {
		if n == nil {
			return nil, fmt.Errorf("%w: input %d is nil", ErrBuild, i)
		}
		if n.Dtype() != tensor.Float64 {
			return nil, fmt.Errorf("%w: input %q has dtype %v, want float64", ErrBuild, n.Name(), n.Dtype())
		}
		data := make([]float64, n.Shape().TotalSize())
		var v G.Value
		if n.IsScalar() {
			return nil, fmt.Errorf("%w: input %q is a scalar; use a 1-element vector", ErrBuild, n.Name())
		}
		v = tensor.New(tensor.WithShape(n.Shape().Clone()...), tensor.WithBacking(data))
		if err := G.Let(n, v); err != nil {
			return nil, fmt.Errorf("%w: binding input %q: %w", ErrBuild, n.Name(), err)
		}
		p.inData = append(p.inData, data)
	}
	for i, n := range outputs {
		if n == nil {
			return nil, fmt.Errorf("%w: output %d is nil", ErrBuild, i)
		}
		if n.Dtype() != tensor.Float64 {
			return nil, fmt.Errorf("%w: output %q has dtype %v, want float64", ErrBuild, n.Name(), n.Dtype())
		}
		size := n.Shape().TotalSize()
		if n.IsScalar() {
			size = 1
		}
		p.outData = append(p.outData, make([]float64, size))
	}
	if e == Executor {
		if p.exec, err = newExecutor(inputs, p.inData, outputs, ks, fuse); err != nil {
			return nil, err
		}
		return p, nil
	}
	// Run only what the outputs need: G.Grad leaves dead nodes behind.
	sub := g.ExactSubgraphRoots(outputs...)
	if err := p.privatizeLeaves(sub); err != nil {
		return nil, err
	}
	p.vm = G.NewTapeMachine(sub)
	return p, nil
}

// privatizeLeaves binds each value-carrying leaf (parameters, constants) of
// g to a private copy, refreshed from the shared tensor before every run:
// the TapeMachine's matmul transposes its operands in place for a moment,
// which would race when programs on several goroutines share a parameter.
func (p *Program) privatizeLeaves(g *G.ExprGraph) error {
	bound := map[*G.Node]bool{}
	for _, n := range p.inputs {
		bound[n] = true
	}
	for _, n := range g.AllNodes() {
		if n.Op() != nil || bound[n] || n.Value() == nil {
			continue
		}
		src, ok := n.Value().(*tensor.Dense)
		if !ok {
			continue
		}
		own := src.Clone().(*tensor.Dense)
		if err := G.Let(n, own); err != nil {
			return fmt.Errorf("%w: binding a private copy of %q: %w", ErrBuild, n.Name(), err)
		}
		p.leaves = append(p.leaves, leafCopy{src: src, own: own})
	}
	return nil
}

// leafCopy is a shared tensor and the TapeMachine program's private copy.
type leafCopy struct{ src, own *tensor.Dense }

// Engine returns the engine the Program runs on.
func (p *Program) Engine() Engine { return p.engine }

// Kernels returns the kernel set an Executor program runs on: the default
// when it was compiled (see SetDefaultKernels). TapeMachine programs run
// Gorgonia's own kernels; for them it reports that default too.
func (p *Program) Kernels() KernelSet { return p.kernels }

// NumInputs returns the number of inputs.
func (p *Program) NumInputs() int { return len(p.inputs) }

// Input returns the buffer bound to input i, in row-major order. Write the
// input's values into it before Run; the slice stays valid for the Program's
// life.
func (p *Program) Input(i int) []float64 { return p.inData[i] }

// Output returns the buffer holding output i after the last Run, in row-major
// order. The slice stays valid for the Program's life and is overwritten by
// the next Run.
func (p *Program) Output(i int) []float64 { return p.outData[i] }

// Run executes the program once. On the Executor engine it allocates nothing.
func (p *Program) Run() (err error) {
	if p.exec != nil {
		return p.exec.run(p.outData)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: panicked: %v", ErrRun, r)
		}
	}()
	defer p.vm.Reset()
	for _, l := range p.leaves {
		copy(l.own.Float64s(), l.src.Float64s())
	}
	if err := p.vm.RunAll(); err != nil {
		return fmt.Errorf("%w: %w", ErrRun, MachineError(err))
	}
	for i, n := range p.outputs {
		switch v := n.Value().(type) {
		case *G.F64:
			p.outData[i][0] = float64(*v)
		case tensor.Tensor:
			data, ok := v.Data().([]float64)
			if !ok {
				return fmt.Errorf("%w: output %q is not float64", ErrRun, n.Name())
			}
			copy(p.outData[i], data)
		default:
			return fmt.Errorf("%w: output %q has unexpected value type %T", ErrRun, n.Name(), v)
		}
	}
	return nil
}
