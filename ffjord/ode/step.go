package ode

// StageFlags modify one Method.Step.
type StageFlags uint8

const (
	// ReuseFirst means k[0] already holds f(t, y), as after a rejected
	// step or from an FSAL method's previous step, so Step does not
	// evaluate it again.
	ReuseFirst StageFlags = 1 << iota

	// EvalLast makes an FSAL method evaluate its last stage, f(tNew,
	// ynew), into k[s−1]. Only the error estimate and the next step need
	// it. Methods without FSAL ignore it.
	EvalLast
)

// Step takes one step of m from (t, y) to tNew, h = tNew − t:
//
//	Y_i = y + h·Σ_{j<i} a_ij·k_j,  k_i = f(t + c_i·h, Y_i),  ynew = y + h·Σ_i b_i·k_i.
//
// It is the one stage routine of the package: Solver uses it for every
// step, and callers use it to replay recorded steps, for example to
// backpropagate through them.
//
// k holds m.Stages() buffers of len(y) that receive the k_i. ys holds
// m.Stages() buffers of len(y) that receive the Y_i for 0 < i < s; Y_0 is y
// itself, and an FSAL method's last stage is (tNew, ynew), so ys[0] and
// that last entry are not written. The entries of ys may all be one scratch
// buffer when the caller does not keep the stage states. ynew must not
// share memory with y, k or ys.
//
// Step returns the number of evaluations of f it made, the failing one
// included. Its errors are those of Solve, with T = t and H = h: a
// *SolveError wrapping f's error, or ErrNonFinite for a non-finite
// derivative or new state.
func (m *Method) Step(ynew []float64, f Func, t, tNew float64, y []float64, k, ys [][]float64, flags StageFlags) (nfe int, err error) {
	if len(k) != len(m.B) || len(ys) != len(m.B) {
		panic("ode: Step needs Stages() buffers in k and ys")
	}
	h := tNew - t
	if flags&ReuseFirst == 0 {
		nfe++
		if err := evalChecked(f, k[0], t, y, t, h); err != nil {
			return nfe, err
		}
	}
	stages := len(k)
	if m.FSAL {
		stages-- // evaluated at (tNew, ynew) below
	}
	for i := 1; i < stages; i++ {
		a, yi := m.A[i][:i], ys[i]
		for j := range yi {
			var sum float64
			for l, alj := range a {
				sum += alj * k[l][j]
			}
			yi[j] = y[j] + h*sum
		}
		nfe++
		if err := evalChecked(f, k[i], t+m.C[i]*h, yi, t, h); err != nil {
			return nfe, err
		}
	}

	b := m.B[:stages]
	for j := range ynew {
		var sum float64
		for l, bl := range b {
			sum += bl * k[l][j]
		}
		ynew[j] = y[j] + h*sum
		if !isFinite(ynew[j]) {
			return nfe, &SolveError{Err: errorf(ErrNonFinite, "ode: non-finite trial state y[%d] = %v", j, ynew[j]), T: t, H: h, status: NonFinite}
		}
	}
	if m.FSAL && flags&EvalLast != 0 {
		nfe++
		if err := evalChecked(f, k[len(k)-1], tNew, ynew, t, h); err != nil {
			return nfe, err
		}
	}
	return nfe, nil
}

// evalChecked sets dy = f(tf, yf) and checks the result; errors report the
// step (t, h).
func evalChecked(f Func, dy []float64, tf float64, yf []float64, t, h float64) error {
	if err := f(dy, tf, yf); err != nil {
		return &SolveError{Err: &detailError{msg: "ode: Func failed: " + err.Error(), err: err}, T: t, H: h, status: FuncFailed}
	}
	for i, v := range dy {
		if !isFinite(v) {
			return &SolveError{Err: errorf(ErrNonFinite, "ode: non-finite derivative dy[%d] = %v from f(%v, y)", i, v, tf), T: t, H: h, status: NonFinite}
		}
	}
	return nil
}
