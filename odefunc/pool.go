package odefunc

import (
	"fmt"
	"sync"

	"github.com/ffjord-go/ffjord-go/graph"
	G "gorgonia.org/gorgonia"
)

// chunkRows is the number of rows of one program run. It is a constant, not
// a share of the batch per worker, so that the chunks and the order in which
// their parameter gradients are added never depend on the number of workers.
const chunkRows = 128

// compiledRows returns the rows of the program that evaluates m ≤ chunkRows
// rows: m rounded up to a power of two, at least 8, so that arbitrary batch
// sizes compile only a handful of programs. Padding rows are zero and, in
// VJPs, have zero cotangents, so they add exactly nothing.
func compiledRows(m int) int {
	r := 8
	for r < m {
		r *= 2
	}
	return r
}

// request is one evaluation of a batch.
type request struct {
	k                  kind
	n                  int
	t                  float64
	z, eps, dz, tr     []float64
	a, c, gz           []float64
	partials           [][][]float64 // per chunk, per parameter: the chunk's ∂L/∂θ
	done               *sync.WaitGroup
	errs               []error // per worker
	worker, numWorkers int
}

// worker evaluates the chunks of a request that fall to it, with programs of
// its own (Gorgonia graphs must not be shared between goroutines).
type worker struct {
	model    Model
	programs map[programKey]*graph.Program
	jobs     chan request // nil for worker 0, which runs on the caller's goroutine
}

// pool is the workers of a Dynamics. It holds no reference to the Dynamics,
// so that a cleanup can stop it once the Dynamics is unreachable.
type pool struct {
	workers  []*worker
	partials [][][]float64
	errs     []error
	done     sync.WaitGroup
	stopOnce sync.Once
}

func newPool(m Model, n int) *pool {
	p := &pool{errs: make([]error, n)}
	for i := range n {
		w := &worker{model: m, programs: map[programKey]*graph.Program{}}
		if i > 0 {
			w.jobs = make(chan request)
			go w.serve()
		}
		p.workers = append(p.workers, w)
	}
	return p
}

func (p *pool) stop() {
	p.stopOnce.Do(func() {
		for _, w := range p.workers {
			if w.jobs != nil {
				close(w.jobs)
			}
		}
	})
}

func (w *worker) serve() {
	for r := range w.jobs {
		r.errs[r.worker] = w.evaluate(r)
		r.done.Done()
	}
}

// run evaluates r over all its chunks and sums the chunks' parameter
// gradients, in chunk order, into gp.
func (p *pool) run(r request, gp [][]float64) error {
	chunks := (r.n + chunkRows - 1) / chunkRows
	if r.k.vjp() {
		p.ensurePartials(chunks, gp)
		r.partials = p.partials
	}
	active := min(len(p.workers), chunks)
	r.done, r.errs, r.numWorkers = &p.done, p.errs, active
	p.done.Add(active - 1)
	for i := 1; i < active; i++ {
		r.worker = i
		p.workers[i].jobs <- r
	}
	r.worker = 0
	p.errs[0] = p.workers[0].evaluate(r)
	p.done.Wait()
	for _, err := range p.errs[:active] {
		if err != nil {
			return err
		}
	}
	for _, g := range gp {
		clear(g)
	}
	if !r.k.vjp() {
		return nil
	}
	for c := range chunks {
		for i, g := range gp {
			for j, v := range p.partials[c][i] {
				g[j] += v
			}
		}
	}
	return nil
}

// ensurePartials makes room for the parameter gradients of chunks chunks.
func (p *pool) ensurePartials(chunks int, gp [][]float64) {
	for len(p.partials) < chunks {
		p.partials = append(p.partials, nil)
	}
	for c := range chunks {
		if len(p.partials[c]) != len(gp) {
			p.partials[c] = make([][]float64, len(gp))
		}
		for i, g := range gp {
			if len(p.partials[c][i]) != len(g) {
				p.partials[c][i] = make([]float64, len(g))
			}
		}
	}
}

// evaluate runs the chunks c with c mod numWorkers = worker.
func (w *worker) evaluate(r request) error {
	D := w.model.Dim()
	chunks := (r.n + chunkRows - 1) / chunkRows
	for c := r.worker; c < chunks; c += r.numWorkers {
		lo := c * chunkRows
		m := min(r.n-lo, chunkRows)
		p, err := w.program(r.k, compiledRows(m))
		if err != nil {
			return err
		}
		// Inputs in build's order: t, z, [ε], [a, c].
		fill(p.Input(0), r.t)
		load(p.Input(1), r.z[lo*D:(lo+m)*D])
		in := 2
		if r.k.stochastic() {
			load(p.Input(in), r.eps[lo*D:(lo+m)*D])
			in++
		}
		if r.k.vjp() {
			load(p.Input(in), r.a[lo*D:(lo+m)*D])
			load(p.Input(in+1), r.c[lo:lo+m])
		}
		if err := p.Run(); err != nil {
			return fmt.Errorf("odefunc: evaluating at t=%g: %w", r.t, err)
		}
		copy(r.dz[lo*D:(lo+m)*D], p.Output(0))
		switch {
		case r.k.vjp():
			copy(r.gz[lo*D:(lo+m)*D], p.Output(1))
			for i, g := range r.partials[c] {
				copy(g, p.Output(2+i))
			}
		case r.k != kindF:
			copy(r.tr[lo:lo+m], p.Output(1))
		}
	}
	return nil
}

func (w *worker) program(k kind, rows int) (*graph.Program, error) {
	key := programKey{k, rows}
	if p, ok := w.programs[key]; ok {
		return p, nil
	}
	p, err := graph.Compile(func(g *G.ExprGraph) ([]*G.Node, []*G.Node, error) {
		return build(w.model, g, k, rows)
	})
	if err != nil {
		return nil, fmt.Errorf("odefunc: compiling the %d-row program: %w", rows, err)
	}
	w.programs[key] = p
	return p, nil
}
