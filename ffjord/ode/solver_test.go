package ode

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

// scale is the largest |y_i| along each problem's exact trajectory, the
// magnitude its global error is measured against.
var scale = map[string]float64{"decay": 2, "oscillator": omega, "expsin": math.E}

func TestClosedFormsAdaptive(t *testing.T) {
	for _, p := range problems {
		for _, backward := range []bool{false, true} {
			t0, t1 := p.t0, p.t1
			if backward {
				t0, t1 = t1, t0
			}
			t.Run(fmt.Sprintf("%s/%v→%v", p.name, t0, t1), func(t *testing.T) {
				prevErr := math.Inf(1)
				for _, rtol := range []float64{1e-3, 1e-5, 1e-7, 1e-9} {
					atol := 1e-2 * rtol
					got, want, res, err := solveExact(p, t0, t1, Settings{Controller: Adaptive{RTol: rtol, ATol: atol}})
					if err != nil {
						t.Fatalf("rtol %g: %v", rtol, err)
					}
					e := maxAbsDiff(got, want)
					if bound := 10 * (rtol*scale[p.name] + atol); e > bound {
						t.Errorf("rtol %g: |error| = %.3g > %.3g", rtol, e, bound)
					}
					// DP's global error goes roughly as rtol^(4/5): ×40 per ×100.
					if e > prevErr/4 {
						t.Errorf("rtol %g: |error| = %.3g did not shrink 4× from %.3g", rtol, e, prevErr)
					}
					prevErr = e
					if res.Accepted < 3 {
						t.Errorf("rtol %g: only %d steps", rtol, res.Accepted)
					}
					if math.Signbit(res.LastStep) != backward || math.Signbit(res.NextStep) != backward {
						t.Errorf("LastStep %v, NextStep %v: wrong direction", res.LastStep, res.NextStep)
					}
				}
			})
		}
	}
}

func TestOscillatorEnergyAndPhase(t *testing.T) {
	osc := problems[1]
	for _, rtol := range []float64{1e-4, 1e-6, 1e-8} {
		for _, t1 := range []float64{10, -10} {
			y := []float64{1, 0} // y(0): energy ω², phase 0
			if _, err := Solve(y, osc.f, 0, t1, y, Settings{Controller: Adaptive{RTol: rtol, ATol: rtol * 1e-2}}); err != nil {
				t.Fatal(err)
			}
			energy := y[1]*y[1] + omega*omega*y[0]*y[0]
			phase := math.Atan2(-y[1]/omega, y[0])
			dPhase := math.Remainder(phase-omega*t1, 2*math.Pi)
			if d := math.Abs(energy/(omega*omega) - 1); d > 10*rtol {
				t.Errorf("rtol %g, t1 %v: relative energy drift %.3g > %.3g", rtol, t1, d, 10*rtol)
			}
			if math.Abs(dPhase) > 10*rtol {
				t.Errorf("rtol %g, t1 %v: phase error %.3g > %.3g", rtol, t1, dPhase, 10*rtol)
			}
		}
	}
}

func TestConvergenceOrder(t *testing.T) {
	p := problems[2] // y' = y·cos t: nonlinear in t, exact e^{sin t}
	for _, tc := range []struct {
		m     *Method
		steps int // the coarser of the two step counts
	}{
		{Euler(), 400},
		{RK4(), 40},
		{DormandPrince(), 20},
	} {
		t.Run(tc.m.Name, func(t *testing.T) {
			errAt := func(steps int) float64 {
				got, want, res, err := solveExact(p, 0, 3, Settings{Method: tc.m, Controller: Constant{Step: 3 / float64(steps)}})
				if err != nil {
					t.Fatal(err)
				}
				if res.Accepted != steps {
					t.Fatalf("%d steps, want %d", res.Accepted, steps)
				}
				return maxAbsDiff(got, want)
			}
			order := math.Log2(errAt(tc.steps) / errAt(2*tc.steps))
			t.Logf("observed order %.3f", order)
			if math.Abs(order-float64(tc.m.Order)) > 0.3 {
				t.Errorf("observed order %.3f, want %d ± 0.3", order, tc.m.Order)
			}
		})
	}
}

func TestFixedStepLandsOnT1(t *testing.T) {
	decay := problems[0]
	for _, tc := range []struct {
		t0, t1, h float64
		want      []float64
	}{
		// Times are t0 + i·h in floating point, so 3·0.3 = 0.8999999999999999.
		{0, 1, 0.3, []float64{0, 0.3, 0.6, 0.8999999999999999, 1}},
		{1, 0, 0.3, []float64{1, 0.7, 0.4, 0.10000000000000009, 0}},
		{0, 1, 0.1, []float64{0, 0.1, 0.2, 0.30000000000000004, 0.4, 0.5, 0.6000000000000001, 0.7000000000000001, 0.8, 0.9, 1}},
		{0, 1, 5, []float64{0, 1}},
	} {
		s, err := NewSolver(Settings{Method: RK4(), Controller: Constant{Step: tc.h}, RecordSteps: true})
		if err != nil {
			t.Fatal(err)
		}
		y := []float64{1}
		res, err := s.Solve(y, decay.f, tc.t0, tc.t1, y)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.Times, tc.want) {
			t.Errorf("%v→%v by %v: Times = %v, want %v", tc.t0, tc.t1, tc.h, res.Times, tc.want)
		}
		if res.Accepted != len(tc.want)-1 || res.NFE != 4*res.Accepted || res.Rejected != 0 || res.NextStep != 0 {
			t.Errorf("%v→%v by %v: %+v", tc.t0, tc.t1, tc.h, res)
		}
		if last := tc.want[len(tc.want)-1] - tc.want[len(tc.want)-2]; res.LastStep != last {
			t.Errorf("LastStep = %v, want %v", res.LastStep, last)
		}
	}
}

func TestForwardBackwardRoundTrip(t *testing.T) {
	for _, p := range problems {
		for _, rtol := range []float64{1e-4, 1e-8} {
			y0 := make([]float64, p.dim)
			p.exact(y0, p.t0)
			y := slices.Clone(y0)
			s, err := NewSolver(Settings{Controller: Adaptive{RTol: rtol, ATol: rtol * 1e-2}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Solve(y, p.f, p.t0, p.t1, y); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Solve(y, p.f, p.t1, p.t0, y); err != nil {
				t.Fatal(err)
			}
			if e, bound := maxAbsDiff(y, y0), 20*(rtol*scale[p.name]); e > bound {
				t.Errorf("%s rtol %g: round trip off by %.3g > %.3g", p.name, rtol, e, bound)
			}
		}
	}
}

func TestGridReplayIsBitIdentical(t *testing.T) {
	for _, p := range problems {
		for _, backward := range []bool{false, true} {
			t0, t1 := p.t0, p.t1
			if backward {
				t0, t1 = t1, t0
			}
			y0 := make([]float64, p.dim)
			p.exact(y0, t0)
			want := make([]float64, p.dim)
			rec, err := Solve(want, p.f, t0, t1, y0, Settings{Controller: Adaptive{RTol: 1e-5, ATol: 1e-7}, RecordSteps: true})
			if err != nil {
				t.Fatal(err)
			}
			if rec.Rejected == 0 && p.name == "oscillator" {
				t.Errorf("%s: no rejections, so replay skipping them is untested", p.name)
			}
			if len(rec.Times) != rec.Accepted+1 || rec.Times[0] != t0 || rec.Times[len(rec.Times)-1] != t1 {
				t.Fatalf("%s: Times has %d entries from %v to %v, want %d from %v to %v",
					p.name, len(rec.Times), rec.Times[0], rec.Times[len(rec.Times)-1], rec.Accepted+1, t0, t1)
			}
			got := make([]float64, p.dim)
			rep, err := Solve(got, p.f, t0, t1, y0, Settings{Controller: Grid{Times: rec.Times}})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s %v→%v: replay %v, recorded %v", p.name, t0, t1, got, want)
			}
			if rep.Accepted != rec.Accepted || rep.NFE != 6*rep.Accepted || rep.LastStep != rec.LastStep {
				t.Errorf("%s: replay %+v, recorded %+v", p.name, rep, rec)
			}
		}
	}
}

// callLog wraps f, recording the time of every call.
func callLog(f Func, times *[]float64) Func {
	return func(dy []float64, t float64, y []float64) error {
		*times = append(*times, t)
		return f(dy, t, y)
	}
}

func TestEvaluationCounts(t *testing.T) {
	rejections := 0
	for _, p := range problems {
		for _, tc := range []struct {
			name string
			set  Settings
			nfe  func(Result) int // the documented identity
		}{
			{"DP auto first step", Settings{Controller: Adaptive{RTol: 1e-6}}, func(r Result) int { return 6*(r.Accepted+r.Rejected) + 2 }},
			{"DP given first step", Settings{Controller: Adaptive{RTol: 1e-6, FirstStep: 0.5}}, func(r Result) int { return 6*(r.Accepted+r.Rejected) + 1 }},
			{"DP fixed", Settings{Controller: Constant{Step: 0.25}}, func(r Result) int { return 6 * r.Accepted }},
			{"RK4 fixed", Settings{Method: RK4(), Controller: Constant{Step: 0.25}}, func(r Result) int { return 4 * r.Accepted }},
			{"Euler fixed", Settings{Method: Euler(), Controller: Constant{Step: 0.25}}, func(r Result) int { return r.Accepted }},
		} {
			var calls []float64
			y := make([]float64, p.dim)
			p.exact(y, p.t0)
			res, err := Solve(y, callLog(p.f, &calls), p.t0, p.t1, y, tc.set)
			if err != nil {
				t.Fatal(err)
			}
			if res.NFE != len(calls) {
				t.Errorf("%s %s: NFE = %d, f was called %d times", p.name, tc.name, res.NFE, len(calls))
			}
			if want := tc.nfe(res); res.NFE != want {
				t.Errorf("%s %s: NFE = %d, identity gives %d (%+v)", p.name, tc.name, res.NFE, want, res)
			}
			if c, ok := tc.set.Controller.(Constant); ok && res.Accepted != int(math.Ceil((p.t1-p.t0)/c.Step)) {
				t.Errorf("%s %s: %d steps", p.name, tc.name, res.Accepted)
			}
			rejections += res.Rejected
		}
	}
	if rejections == 0 {
		t.Error("no rejections: the identities were not tested with them")
	}
}

// TestStepSizeControl reconstructs every attempted step of a Dormand–Prince
// solve from the times f is called at (each attempt ends with its FSAL
// evaluation at t+h) and checks the controller's rules.
func TestStepSizeControl(t *testing.T) {
	retries := 0 // accepted attempts right after a rejection
	for _, p := range problems {
		for _, backward := range []bool{false, true} {
			t0, t1 := p.t0, p.t1
			if backward {
				t0, t1 = t1, t0
			}
			var calls []float64
			y := make([]float64, p.dim)
			p.exact(y, t0)
			set := Settings{Controller: Adaptive{RTol: 1e-5, ATol: 1e-7}, RecordSteps: true}
			res, err := Solve(y, callLog(p.f, &calls), t0, t1, y, set)
			if err != nil {
				t.Fatal(err)
			}
			if calls[0] != t0 {
				t.Fatalf("first call at %v, want t0", calls[0])
			}
			type attempt struct {
				h        float64
				accepted bool
			}
			var attempts []attempt
			cur, next := t0, 1 // next indexes res.Times
			for i := 2 + 5; i < len(calls); i += 6 {
				end := calls[i]
				a := attempt{h: end - cur}
				if next < len(res.Times) && end == res.Times[next] {
					a.accepted = true
					cur = end
					next++
				}
				attempts = append(attempts, a)
			}
			if next != len(res.Times) || len(attempts) != res.Accepted+res.Rejected {
				t.Fatalf("%s: reconstructed %d attempts reaching %d of %d times", p.name, len(attempts), next, len(res.Times))
			}
			for i := 1; i < len(attempts); i++ {
				prev, a := attempts[i-1], attempts[i]
				if math.Signbit(a.h) != backward {
					t.Errorf("%s: attempt %d has step %v in the wrong direction", p.name, i, a.h)
				}
				ratio := a.h / prev.h
				if i == len(attempts)-1 && a.accepted {
					ratio = math.Min(ratio, 1) // the last step may be clipped
				}
				switch {
				case !prev.accepted && !(ratio >= DefaultMinFactor && ratio < DefaultSafety+1e-12):
					t.Errorf("%s: step after a rejection changed by %v", p.name, ratio)
				case prev.accepted && !(ratio >= DefaultMinFactor && ratio <= DefaultMaxFactor):
					t.Errorf("%s: step after an acceptance changed by %v", p.name, ratio)
				}
				// After a rejection and an acceptance, do not grow.
				if i >= 2 && !attempts[i-2].accepted && prev.accepted {
					retries++
					if ratio > 1 {
						t.Errorf("%s: step grew by %v right after a rejection", p.name, ratio)
					}
				}
			}
		}
	}
	if retries == 0 {
		t.Error("no rejection was followed by an acceptance and another step")
	}
	t.Logf("%d steps followed a rejection and an acceptance", retries)
}

func TestZeroSettingsMeanDefaults(t *testing.T) {
	osc := problems[1]
	ad := Adaptive{RTol: DefaultRTol, ATol: DefaultATol, Safety: DefaultSafety, MinFactor: DefaultMinFactor, MaxFactor: DefaultMaxFactor}
	explicit := Settings{Method: DormandPrince(), Controller: ad, MaxSteps: DefaultMaxSteps}
	if DefaultRTol != 1e-3 || DefaultATol != 1e-5 || DefaultSafety != 0.9 || DefaultMinFactor != 0.2 || DefaultMaxFactor != 10 || DefaultMaxSteps != 4096 {
		t.Error("documented defaults changed")
	}
	run := func(s Settings) ([]float64, Result) {
		y := []float64{1, 0}
		res, err := Solve(y, osc.f, 0, 10, y, s)
		if err != nil {
			t.Fatal(err)
		}
		return y, res
	}
	y0, r0 := run(Settings{})
	y1, r1 := run(explicit)
	if !slices.Equal(y0, y1) || fmt.Sprint(r0) != fmt.Sprint(r1) {
		t.Errorf("zero Settings: %v %+v; explicit defaults: %v %+v", y0, r0, y1, r1)
	}
	ad.RTol = 1e-4
	explicit.Controller = ad
	if y2, _ := run(explicit); slices.Equal(y0, y2) {
		t.Error("RTol has no effect")
	}
}

func TestFirstStep(t *testing.T) {
	decay := problems[0]
	for _, tc := range []struct {
		first, t1, want float64
	}{
		{0.01, 5, 0.01},
		{-0.01, 5, 0.01}, // absolute value
		{0.01, -5, -0.01},
		{100, 1, 1}, // clipped to the span
	} {
		var calls []float64
		y := []float64{1}
		if _, err := Solve(y, callLog(decay.f, &calls), 0, tc.t1, y, Settings{Controller: Adaptive{FirstStep: tc.first}}); err != nil {
			t.Fatal(err)
		}
		// calls[6] is the first attempt's FSAL evaluation at t0+h.
		if calls[6] != tc.want {
			t.Errorf("FirstStep %v toward %v: first attempt ends at %v, want %v", tc.first, tc.t1, calls[6], tc.want)
		}
	}
}

func TestAliasingAndTinySpan(t *testing.T) {
	decay := problems[0]
	// dst aliasing y0 gives the same result as separate slices.
	y0 := []float64{2}
	sep := make([]float64, 1)
	if _, err := Solve(sep, decay.f, 0, 1, y0, Settings{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Solve(y0, decay.f, 0, 1, y0, Settings{}); err != nil {
		t.Fatal(err)
	}
	if y0[0] != sep[0] {
		t.Errorf("aliased %v, separate %v", y0[0], sep[0])
	}
	// A span of one ulp is a valid, single step.
	y := []float64{2}
	t1 := math.Nextafter(1, 2)
	res, err := Solve(y, decay.f, 1, t1, y, Settings{})
	if err != nil || res.Accepted != 1 || math.Abs(y[0]-2) > 1e-15 {
		t.Errorf("one-ulp span: y = %v, %+v, %v", y, res, err)
	}
}

func TestZeroAllocations(t *testing.T) {
	osc := problems[1]
	for _, set := range []Settings{
		{RecordSteps: true},
		{Controller: Adaptive{RTol: 1e-8}},
		{Method: RK4(), Controller: Constant{Step: 0.01}, RecordSteps: true},
		{Controller: Grid{Times: []float64{0, 1, 2.5, 5, 10}}, RecordSteps: true},
	} {
		s, err := NewSolver(set)
		if err != nil {
			t.Fatal(err)
		}
		y := []float64{1, 0}
		solve := func() {
			y[0], y[1] = 1, 0
			if _, err := s.Solve(y, osc.f, 0, 10, y); err != nil {
				t.Fatal(err)
			}
		}
		solve() // warm-up sizes the workspace and the Times buffer
		if n := testing.AllocsPerRun(20, solve); n != 0 {
			t.Errorf("%+v: %v allocations per Solve, want 0", set, n)
		}
	}
}

func BenchmarkSolveOscillator(b *testing.B) {
	osc := problems[1]
	s, err := NewSolver(Settings{Controller: Adaptive{RTol: 1e-6, ATol: 1e-8}})
	if err != nil {
		b.Fatal(err)
	}
	y := []float64{1, 0}
	b.ReportAllocs()
	for b.Loop() {
		y[0], y[1] = 1, 0
		if _, err := s.Solve(y, osc.f, 0, 10, y); err != nil {
			b.Fatal(err)
		}
	}
}
