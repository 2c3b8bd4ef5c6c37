package ode

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// orderConditions returns the residuals of the Runge–Kutta order
// conditions of orders 1 to 4 and the order-5 quadrature condition for
// weights b; each residual is zero when the condition holds.
func orderConditions(m *Method, b []float64) map[string]float64 {
	s := len(b)
	a := func(i, j int) float64 {
		if j < len(m.A[i]) {
			return m.A[i][j]
		}
		return 0
	}
	c := m.C
	// ac[i] = Σ_j a_ij c_j, ac2[i] = Σ_j a_ij c_j², aac[i] = Σ_j a_ij ac[j].
	ac, ac2, aac := make([]float64, s), make([]float64, s), make([]float64, s)
	for i := range s {
		for j := range s {
			ac[i] += a(i, j) * c[j]
			ac2[i] += a(i, j) * c[j] * c[j]
		}
	}
	for i := range s {
		for j := range s {
			aac[i] += a(i, j) * ac[j]
		}
	}
	sum := func(g func(i int) float64) float64 {
		var t float64
		for i := range s {
			t += b[i] * g(i)
		}
		return t
	}
	return map[string]float64{
		"Σb=1":       sum(func(int) float64 { return 1 }) - 1,
		"Σbc=1/2":    sum(func(i int) float64 { return c[i] }) - 1.0/2,
		"Σbc²=1/3":   sum(func(i int) float64 { return c[i] * c[i] }) - 1.0/3,
		"Σbac=1/6":   sum(func(i int) float64 { return ac[i] }) - 1.0/6,
		"Σbc³=1/4":   sum(func(i int) float64 { return math.Pow(c[i], 3) }) - 1.0/4,
		"Σbcac=1/8":  sum(func(i int) float64 { return c[i] * ac[i] }) - 1.0/8,
		"Σbac²=1/12": sum(func(i int) float64 { return ac2[i] }) - 1.0/12,
		"Σbaac=1/24": sum(func(i int) float64 { return aac[i] }) - 1.0/24,
		"Σbc⁴=1/5":   sum(func(i int) float64 { return math.Pow(c[i], 4) }) - 1.0/5,
	}
}

// conditionOrder is the order a condition belongs to.
var conditionOrder = map[string]int{
	"Σb=1": 1, "Σbc=1/2": 2, "Σbc²=1/3": 3, "Σbac=1/6": 3,
	"Σbc³=1/4": 4, "Σbcac=1/8": 4, "Σbac²=1/12": 4, "Σbaac=1/24": 4,
	"Σbc⁴=1/5": 5,
}

func TestMethodTableaux(t *testing.T) {
	for _, tc := range []struct {
		m        *Method
		stages   int
		embedded []float64 // B − BErr, if any
	}{
		{DormandPrince(), 7, nil},
		{RK4(), 4, nil},
		{Euler(), 1, nil},
	} {
		m := tc.m
		t.Run(m.Name, func(t *testing.T) {
			if err := m.validate(); err != nil {
				t.Fatalf("validate: %v", err)
			}
			if m.Stages() != tc.stages {
				t.Errorf("Stages() = %d, want %d", m.Stages(), tc.stages)
			}
			// Each stage time is the row sum of A, so stages are consistent.
			for i, row := range m.A {
				var sum float64
				for _, a := range row {
					sum += a
				}
				if math.Abs(sum-m.C[i]) > 1e-14 {
					t.Errorf("Σ_j A[%d][j] = %v, want C[%d] = %v", i, sum, i, m.C[i])
				}
			}
			check := func(label string, b []float64, order int, wantFail5 bool) {
				for name, r := range orderConditions(m, b) {
					o, ok := conditionOrder[name]
					if !ok {
						continue
					}
					if o <= order && math.Abs(r) > 1e-14 {
						t.Errorf("%s: condition %s fails by %g (order %d)", label, name, r, order)
					}
					if o == order+1 && wantFail5 && math.Abs(r) < 1e-6 {
						t.Errorf("%s: condition %s of order %d holds, so the order is not %d", label, name, o, order)
					}
				}
			}
			check("B", m.B, min(m.Order, 5), false)
			if m.BErr != nil {
				var sum float64
				bhat := make([]float64, len(m.B))
				for i := range m.B {
					sum += m.BErr[i]
					bhat[i] = m.B[i] - m.BErr[i]
				}
				if math.Abs(sum) > 1e-15 {
					t.Errorf("Σ BErr = %g, want 0", sum)
				}
				check("embedded", bhat, m.EmbeddedOrder, true)
			}
		})
	}
}

func TestDormandPrinceEmbeddedWeights(t *testing.T) {
	// The published 4th-order weights, so BErr has the right sign and
	// values rather than merely the right order.
	bhat := []float64{5179.0 / 57600, 0, 7571.0 / 16695, 393.0 / 640, -92097.0 / 339200, 187.0 / 2100, 1.0 / 40}
	m := DormandPrince()
	for i := range bhat {
		if got := m.B[i] - m.BErr[i]; math.Abs(got-bhat[i]) > 1e-16 {
			t.Errorf("B[%d]−BErr[%d] = %v, want %v", i, i, got, bhat[i])
		}
	}
	if m.errExponent() != 0.2 {
		t.Errorf("error exponent = %v, want 1/5", m.errExponent())
	}
}

func TestMethodsAreFreshCopies(t *testing.T) {
	a := DormandPrince()
	a.B[0] = 42
	a.A[6][0] = 42
	if b := DormandPrince(); b.B[0] != 35.0/384 || b.A[6][0] != 35.0/384 {
		t.Errorf("DormandPrince shares its coefficients between calls")
	}
	// The FSAL row must not alias B either, or editing one edits both.
	c := DormandPrince()
	c.A[6][2] = 0
	if c.B[2] != 500.0/1113 {
		t.Errorf("DormandPrince's A[6] aliases B")
	}
}

func TestInvalidMethods(t *testing.T) {
	for _, tc := range []struct {
		name   string
		modify func(m *Method)
		want   string
	}{
		{"no stages", func(m *Method) { m.A, m.B, m.C, m.BErr = nil, nil, nil, nil }, "no stages"},
		{"short A", func(m *Method) { m.A = m.A[:6] }, "len(A) = 6"},
		{"short C", func(m *Method) { m.C = m.C[:6] }, "len(C) = 6"},
		{"short BErr", func(m *Method) { m.BErr = m.BErr[:6] }, "len(BErr) = 6"},
		{"order 0", func(m *Method) { m.Order = 0 }, "Order 0"},
		{"embedded order 0", func(m *Method) { m.EmbeddedOrder = 0 }, "EmbeddedOrder 0"},
		{"C[0] nonzero", func(m *Method) { m.C[0] = 0.1 }, "C[0] = 0.1"},
		{"short A row", func(m *Method) { m.A[3] = m.A[3][:2] }, "len(A[3]) = 2"},
		{"implicit entry", func(m *Method) { m.A[2] = []float64{0.075, 0.225, 1} }, "A[2][2] = 1"},
		{"NaN in A", func(m *Method) { m.A[1][0] = math.NaN() }, "A[1][0] = NaN"},
		{"Inf in B", func(m *Method) { m.B[2] = math.Inf(1) }, "stage 2"},
		{"NaN in BErr", func(m *Method) { m.BErr[4] = math.NaN() }, "stage 4"},
		{"FSAL last weight", func(m *Method) { m.A[6][0] = 0.1 }, "FSAL needs A[6][0] = B[0]"},
		{"FSAL last time", func(m *Method) { m.C[6] = 0.9 }, "FSAL needs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := DormandPrince()
			tc.modify(m)
			_, err := NewSolver(Settings{Method: m})
			if !errors.Is(err, ErrInvalidSettings) {
				t.Fatalf("err = %v, want ErrInvalidSettings", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `"DormandPrince"`) {
				t.Errorf("err = %q, want it to name the method and contain %q", err, tc.want)
			}
		})
	}
}
