package ode

import (
	"errors"
	"testing"
)

func TestParseMethod(t *testing.T) {
	for _, name := range []string{"dopri5", "rk4", "euler"} {
		m, err := ParseMethod(name)
		if err != nil || m.ShortName() != name {
			t.Errorf("ParseMethod(%q) = %v, %v", name, m, err)
		}
	}
	if m, err := ParseMethod(""); err != nil || m.Name != "DormandPrince" {
		t.Errorf(`ParseMethod("") = %v, %v`, m, err)
	}
	if _, err := ParseMethod("rk45"); !errors.Is(err, ErrInvalidSettings) {
		t.Errorf("unknown method: err = %v", err)
	}
	if got := (&Method{Name: "Heun"}).ShortName(); got != "Heun" {
		t.Errorf("ShortName of a custom tableau = %q", got)
	}
}

func TestParseGradient(t *testing.T) {
	for _, g := range []Gradient{BacksolveAdjoint{}, Discrete{}} {
		got, err := ParseGradient(g.String())
		if err != nil || got != g {
			t.Errorf("ParseGradient(%q) = %v, %v", g.String(), got, err)
		}
	}
	if _, err := ParseGradient("backprop"); !errors.Is(err, ErrInvalidSettings) {
		t.Errorf("unknown gradient: err = %v", err)
	}
}

func TestBacksolveAdjoint(t *testing.T) {
	fwd := Settings{Method: RK4(), Controller: Constant{Step: 0.1}, MaxSteps: 7}
	if got := (BacksolveAdjoint{}).Settings(fwd); got.Controller != fwd.Controller || got.Method != fwd.Method || got.MaxSteps != 7 {
		t.Errorf("nil Controller: %+v", got)
	}
	own := Constant{Step: 0.01}
	if got := (BacksolveAdjoint{Controller: own}).Settings(fwd); got.Controller != own || got.Method != fwd.Method {
		t.Errorf("own Controller: %+v", got)
	}
	if err := (BacksolveAdjoint{Controller: Constant{}}).Validate(); !errors.Is(err, ErrInvalidSettings) {
		t.Errorf("bad Controller: err = %v", err)
	}
	if (BacksolveAdjoint{}).Validate() != nil || (Discrete{}).Validate() != nil {
		t.Error("zero values must be valid")
	}
}
