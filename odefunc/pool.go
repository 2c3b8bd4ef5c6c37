package odefunc

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ffjord-go/ffjord-go/graph"
	G "gorgonia.org/gorgonia"
)

// chunkRows is the number of rows of one program run. It is a constant, not
// a share of the batch per worker, so that the chunks and the order in which
// their parameter gradients are added never depend on the number of workers.
const chunkRows = 128

// exactBudget bounds rows × D² of the unit vectors that an exact-trace
// program holds (2¹⁹ values, 4 MiB), so that the exact trace's memory does
// not grow as rows·D²: past D = 64 its chunks get fewer rows.
const exactBudget = 1 << 19

// rowsPerChunk returns the rows of one program run for kind k of a model in
// D dimensions: chunkRows, or for the exact trace the largest power of two
// within exactBudget/D² (at least 1). It depends on neither the batch nor
// the workers, so neither changes the chunks.
func rowsPerChunk(k kind, D int) int {
	if !k.trace || k.stochastic || D*D <= exactBudget/chunkRows {
		return chunkRows
	}
	r := 1
	for 2*r*D*D <= exactBudget {
		r *= 2
	}
	return r
}

// compiledRows returns the rows of the program that evaluates m ≤ chunk
// rows: m rounded up to a power of two, at least 8 but not past chunk, so
// that arbitrary batch sizes compile only a handful of programs. Padding
// rows are zero and, in VJPs, have zero cotangents, so they add exactly
// nothing.
func compiledRows(m, chunk int) int {
	r := 8
	for r < m {
		r *= 2
	}
	return min(r, max(chunk, m))
}

// slot is one worker's share of a Dynamics: programs of its own, since
// Gorgonia graphs must not be shared between goroutines.
type slot struct {
	model    Model
	programs map[programKey]*graph.Program
}

// request is one evaluation of a batch, or the part of it given to a worker.
type request struct {
	k                  kind
	n                  int
	t                  float64
	ts                 []float64 // per-row times (N), replacing t when set
	z, eps, dz         []float64
	ctx, gc            []float64     // the context (N×C) in, ∂L/∂context out
	tr, kin, frob      []float64     // terms out
	a, c, ck, cf, gz   []float64     // VJP cotangents in, ∂L/∂z out
	partials           [][][]float64 // per chunk, per parameter: the chunk's ∂L/∂θ
	slot               *slot
	worker, numWorkers int
	stride             int              // > 0: z and dz are packed rows of this many values (Request.Width)
	body               func(lo, hi int) // a Parallel part, instead of chunks
	lo, hi             int
}

// do runs r's part: its chunks, or a part of a Parallel.
func (r *request) do() error {
	if r.body != nil {
		r.body(r.lo, r.hi)
		return nil
	}
	return r.evaluate()
}

// evaluate runs the chunks c of r with c mod numWorkers = worker.
func (r *request) evaluate() error {
	D, C := r.slot.model.Dim(), contextDimOf(r.slot.model)
	rows := rowsPerChunk(r.k, D)
	chunks := (r.n + rows - 1) / rows
	for c := r.worker; c < chunks; c += r.numWorkers {
		lo := c * rows
		m := min(r.n-lo, rows)
		p, err := r.slot.program(r.k, compiledRows(m, rows))
		if err != nil {
			return err
		}
		// Inputs in build's order: t, z, [ε], [a, c, [cK, cF]].
		if r.ts != nil {
			load(p.Input(0), r.ts[lo:lo+m])
		} else {
			fill(p.Input(0), r.t)
		}
		if r.stride > 0 {
			loadPacked(p.Input(1), r.z, lo, m, D, r.stride)
		} else {
			load(p.Input(1), r.z[lo*D:(lo+m)*D])
		}
		in := 2
		if C > 0 {
			load(p.Input(in), r.ctx[lo*C:(lo+m)*C])
			in++
		}
		if r.k.stochastic {
			load(p.Input(in), r.eps[lo*D:(lo+m)*D])
			in++
		}
		if r.k.vjp {
			load(p.Input(in), r.a[lo*D:(lo+m)*D])
		}
		if r.k.vjp && r.k.trace {
			loadRows(p.Input(in+1), r.c, lo, m)
			if r.k.reg {
				loadRows(p.Input(in+2), r.ck, lo, m)
				loadRows(p.Input(in+3), r.cf, lo, m)
			}
		}
		if err := p.Run(); err != nil {
			if r.ts != nil {
				return fmt.Errorf("odefunc: evaluating rows %d–%d at their own times: %w", lo, lo+m-1, err)
			}
			return fmt.Errorf("odefunc: evaluating at t=%g: %w", r.t, err)
		}
		if r.stride > 0 {
			r.storePacked(p, lo, m, D)
			continue
		}
		copy(r.dz[lo*D:(lo+m)*D], p.Output(0))
		switch {
		case r.k.vjp:
			if r.gz != nil {
				copy(r.gz[lo*D:(lo+m)*D], p.Output(1))
			}
			out := 2
			if C > 0 {
				if r.gc != nil {
					copy(r.gc[lo*C:(lo+m)*C], p.Output(2))
				}
				out++
			}
			for i, g := range r.partials[c] {
				copy(g, p.Output(out+i))
			}
		case r.k.trace:
			copy(r.tr[lo:lo+m], p.Output(1))
			if r.k.reg {
				storeRows(r.kin, p.Output(2), lo, m)
				storeRows(r.frob, p.Output(3), lo, m)
			}
		}
	}
	return nil
}

func (s *slot) program(k kind, rows int) (*graph.Program, error) {
	key := programKey{k, rows}
	if p, ok := s.programs[key]; ok {
		return p, nil
	}
	p, err := graph.Compile(func(g *G.ExprGraph) ([]*G.Node, []*G.Node, error) {
		return build(s.model, g, k, rows)
	})
	if err != nil {
		return nil, fmt.Errorf("odefunc: compiling the %d-row program: %w", rows, err)
	}
	s.programs[key] = p
	return p, nil
}

// run evaluates r over all its chunks, on up to len(slots) goroutines, and
// sums the chunks' parameter gradients, in chunk order, into gp.
func run(r request, slots []*slot, partials *[][][]float64, gp [][]float64) error {
	rows := rowsPerChunk(r.k, slots[0].model.Dim())
	chunks := (r.n + rows - 1) / rows
	var grads [][][]float64 // the chunks' parameter gradients, summed into gp
	if r.k.vjp {
		*partials = ensurePartials(*partials, chunks, gp)
		r.partials = *partials
		grads = r.partials[:chunks]
	}
	if active := min(len(slots), chunks, maxHelpers()+1); active > 1 && helpers().mu.TryLock() {
		p := helpers()
		defer p.mu.Unlock()
		if err := p.run(r, slots[:active]); err != nil {
			return err
		}
		p.sumGrads(gp, grads, active)
		return nil
	}
	// One worker, or the helpers are busy with another Dynamics: the same
	// chunks, on this goroutine alone.
	r.slot, r.worker, r.numWorkers = slots[0], 0, 1
	if err := r.evaluate(); err != nil {
		return err
	}
	sum := gradSum{gp: gp, partials: grads}
	sum.add(0, sum.values())
	return nil
}

// gradSum sums the chunks' parameter gradients: every value of gp is set
// to 0 + partials[0] + partials[1] + …, added in chunk order, whatever
// the parts of gp's values it is computed in.
type gradSum struct {
	gp       [][]float64
	partials [][][]float64 // per chunk, per parameter
}

// values is the number of values of gp.
func (s *gradSum) values() int {
	n := 0
	for _, g := range s.gp {
		n += len(g)
	}
	return n
}

// add sets the values [lo, hi) of gp, its parameters laid end to end.
func (s *gradSum) add(lo, hi int) {
	off := 0
	for i, g := range s.gp {
		a, b := max(lo-off, 0), min(hi-off, len(g))
		off += len(g)
		if a >= b {
			continue
		}
		dst := g[a:b]
		clear(dst)
		for _, p := range s.partials {
			for j, v := range p[i][a:b] {
				dst[j] += v
			}
		}
	}
}

// gradSumMin is the fewest parameter values whose sum over the chunks
// the helpers share: a sum costs about a nanosecond a value, handing
// parts to polling helpers about a microsecond.
const gradSumMin = 1 << 12

// sumGrads sums partials into gp (gradSum) in up to parts parts on the
// helpers. The caller holds p.mu.
func (p *helperPool) sumGrads(gp [][]float64, partials [][][]float64, parts int) {
	p.sum = gradSum{gp: gp, partials: partials}
	defer func() { p.sum = gradSum{} }()
	n := p.sum.values()
	if n < gradSumMin {
		p.sum.add(0, n)
		return
	}
	if p.sumFn == nil {
		p.sumFn = p.sum.add
	}
	p.split(n, parts, p.sumFn)
}

// ensurePartials returns p with room for the parameter gradients of chunks
// chunks.
func ensurePartials(p [][][]float64, chunks int, gp [][]float64) [][][]float64 {
	for len(p) < chunks {
		p = append(p, nil)
	}
	for c := range chunks {
		if len(p[c]) != len(gp) {
			p[c] = make([][]float64, len(gp))
		}
		for i, g := range gp {
			if len(p[c][i]) != len(g) {
				p[c][i] = make([]float64, len(g))
			}
		}
	}
	return p
}

// maxHelpers is the number of helper goroutines: one fewer than GOMAXPROCS
// when a Dynamics first asks for it.
var maxHelpers = sync.OnceValue(func() int { return max(runtime.GOMAXPROCS(0)-1, 0) })

// helpers returns the goroutines that evaluate chunks beside the caller's
// goroutine, shared by every Dynamics, one evaluation at a time. They start
// on the first evaluation that can use them, not when the package is
// imported: a program that never evaluates on two workers runs none.
var helpers = sync.OnceValue(func() *helperPool { return newHelperPool(maxHelpers()) })

// spinTime is how long an idle helper polls for work before it sleeps.
// Evaluations come back to back during a solve, and waking a sleeping
// goroutine costs about as much as evaluating a chunk, so helpers spin
// through the short gaps between them.
const spinTime = time.Millisecond

type helperPool struct {
	mu      sync.Mutex // held for one evaluation
	workers []*helper
	reqs    []request    // the current evaluation's parts, under mu
	pending atomic.Int64 // helpers still working on the current evaluation
	sum     gradSum      // the chunks' gradients being summed, under mu
	sumFn   func(lo, hi int)
}

// helper is a goroutine waiting for requests. The caller writes req, then
// bumps gen.
type helper struct {
	req       request
	err       error
	panicked  any // a panic of req, re-raised on the caller
	gen       atomic.Uint64
	sleeping  atomic.Bool
	wake      chan struct{} // buffered; a token wakes a sleeping helper
	pending   *atomic.Int64
	idleSince time.Time
}

func newHelperPool(n int) *helperPool {
	p := &helperPool{}
	for range max(n, 0) {
		h := &helper{wake: make(chan struct{}, 1), pending: &p.pending}
		p.workers = append(p.workers, h)
		go h.serve()
	}
	return p
}

// run gives worker i of r (i ≥ 1) to helper i−1, does worker 0 itself and
// waits for the rest.
func (p *helperPool) run(r request, slots []*slot) error {
	r.numWorkers = len(slots)
	reqs := p.reqs[:0]
	for i, s := range slots {
		q := r
		q.slot, q.worker = s, i
		reqs = append(reqs, q)
	}
	p.reqs = reqs
	return p.dispatch(reqs)
}

// dispatch gives reqs[i] (i ≥ 1) to helper i−1, does reqs[0] itself and
// waits for the rest. The caller holds p.mu.
func (p *helperPool) dispatch(reqs []request) error {
	p.pending.Store(int64(len(reqs) - 1))
	for i := 1; i < len(reqs); i++ {
		h := p.workers[i-1]
		h.req = reqs[i]
		h.gen.Add(1)
		if h.sleeping.Load() {
			select {
			case h.wake <- struct{}{}:
			default:
			}
		}
	}
	err := func() error {
		// Wait for the helpers even when reqs[0] panics, so that p.mu is
		// never released while a helper still works on a part.
		defer p.wait()
		return reqs[0].do()
	}()
	clear(reqs) // drop references to the caller's slices
	for _, h := range p.workers[:len(reqs)-1] {
		if h.panicked != nil {
			v := h.panicked
			h.panicked = nil
			panic(v)
		}
	}
	if err != nil {
		return err
	}
	for _, h := range p.workers[:len(reqs)-1] {
		if h.err != nil {
			return h.err
		}
	}
	return nil
}

// waitSpin is how long wait polls before it naps between polls. A helper
// normally finishes within microseconds of the caller (the parts are
// equal); one that lags by more has usually lost its core to another
// process, and a caller that kept spinning would hold the other core
// from it and from the process that took it: on a shared two-core machine
// two workers then took up to twice the time of one.
const waitSpin = 200 * time.Microsecond

// waitNap is a nap of wait's, past waitSpin.
const waitNap = 50 * time.Microsecond

// wait spins until no helper works on the current evaluation, then naps.
func (p *helperPool) wait() {
	var start time.Time
	for spins := 1; p.pending.Load() > 0; spins++ {
		// The helpers normally run on other Ps, and yielding often would
		// only add scheduler work to a wait of microseconds; yield now and
		// then in case they share this one (GOMAXPROCS lowered).
		if spins%4096 != 0 {
			continue
		}
		switch {
		case start.IsZero():
			start = time.Now()
			runtime.Gosched()
		case time.Since(start) > waitSpin:
			time.Sleep(waitNap)
		default:
			runtime.Gosched()
		}
	}
}

// parallelMin is the fewest indices per part of a Parallel. Per-row
// bookkeeping costs a few nanoseconds an index, and handing a part to a
// helper that is polling (as it is between the evaluations of a solve)
// about a microsecond, so a part of 128 rows still gains: a per-row
// training batch of 256 rows is split in two (measured: its epochs were
// about 20 % faster than with parts of 512, which kept it on the caller).
const parallelMin = 128

// Parallel calls body on contiguous parts [lo, hi) that cover [0, n) once
// each, on as many goroutines as evaluate d (Workers): the caller's and
// the helpers that evaluate the dynamics' chunks, when they are free. It
// returns when every part has returned. The helpers poll for work between
// evaluations, so per-row work between evaluations (a solver's
// bookkeeping) runs on the cores the evaluations use without waking more
// goroutines; its signature is that of ode.Parallel. body must be safe to
// run on disjoint parts at once; when what it computes for an index
// depends on that index alone, the results do not depend on the parts.
// Small n, one worker, or helpers busy with another evaluation run
// body(0, n) on the caller. A panic in a part reaches the caller after
// every part has returned.
func (d *Dynamics) Parallel(n int, body func(lo, hi int)) {
	parts := min(len(d.slots), maxHelpers()+1, n/parallelMin)
	if parts < 2 || !helpers().mu.TryLock() {
		if n > 0 {
			body(0, n)
		}
		return
	}
	p := helpers()
	defer p.mu.Unlock()
	p.split(n, parts, body)
}

// split runs body on parts contiguous parts of [0, n), the caller's and
// those of parts−1 helpers, and returns when they have. The caller holds
// p.mu.
func (p *helperPool) split(n, parts int, body func(lo, hi int)) {
	reqs := p.reqs[:0]
	for i := range parts {
		reqs = append(reqs, request{body: body, lo: i * n / parts, hi: (i + 1) * n / parts})
	}
	p.reqs = reqs
	_ = p.dispatch(reqs) // parts return no error
}

func (h *helper) serve() {
	var last uint64
	for {
		g := h.gen.Load()
		for spins := 0; g == last; spins++ {
			if spins%4096 == 4095 {
				runtime.Gosched()
			}
			if spins%1024 == 1023 && time.Since(h.idleSince) > spinTime {
				h.sleeping.Store(true)
				if h.gen.Load() == last {
					<-h.wake
				}
				h.sleeping.Store(false)
				spins = 0
			}
			g = h.gen.Load()
		}
		last = g
		func() {
			defer func() {
				if v := recover(); v != nil {
					h.panicked, h.err = v, nil
				}
			}()
			h.err = h.req.do()
		}()
		h.req = request{} // drop references to the caller's slices
		h.idleSince = time.Now()
		h.pending.Add(-1)
	}
}

// loadPacked loads z of the packed rows lo…lo+m−1 (stride w) into dst
// and zeroes the padding rows after them.
func loadPacked(dst, src []float64, lo, m, D, w int) {
	copyRows(dst, D, src[lo*w:], w, m, D)
	clear(dst[m*D:])
}

// storePacked writes f and the terms of the rows lo…lo+m−1 into their
// packed rows of r.dz: f, the trace and, regularised, the two penalties.
func (r *request) storePacked(p *graph.Program, lo, m, D int) {
	w := r.stride
	dz := r.dz[lo*w : (lo+m)*w]
	copyRows(dz, w, p.Output(0), D, m, D)
	terms := 1
	if r.k.reg {
		terms = 3
	}
	for x := range terms {
		copyRows(dz[D+x:], w, p.Output(1+x), 1, m, 1)
	}
}

// copyRows copies the first D values of m rows of src (stride ss) into
// the rows of dst (stride ds). Column by column with running indices: a
// row is a few values, and a copy or a slice per row cost a whole-batch
// training step some 2 % (against the contiguous load of an unpacked
// layout).
func copyRows(dst []float64, ds int, src []float64, ss, m, D int) {
	for c := range D {
		for j, i := c, c; j < m*ds; j, i = j+ds, i+ss {
			dst[j] = src[i]
		}
	}
}

// loadRows loads rows lo…lo+m of a per-row cotangent; nil means zero.
func loadRows(dst, src []float64, lo, m int) {
	if src == nil {
		clear(dst)
		return
	}
	load(dst, src[lo:lo+m])
}

// storeRows stores rows lo…lo+m of a per-row term, unless it is unwanted.
func storeRows(dst, src []float64, lo, m int) {
	if dst != nil {
		copy(dst[lo:lo+m], src)
	}
}
