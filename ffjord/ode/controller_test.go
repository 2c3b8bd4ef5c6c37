package ode

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// Each controller checks only its own fields, naming the one at fault.
func TestControllerValidate(t *testing.T) {
	for _, tc := range []struct {
		c    Controller
		want string // "" for valid
	}{
		{Adaptive{}, ""},
		{Adaptive{RTol: 1e-9, ATol: 1e-12, Safety: 1, MinFactor: 0.5, MaxFactor: 1, FirstStep: -0.1}, ""},
		{Adaptive{RTol: -1}, "Adaptive.RTol -1"},
		{Adaptive{ATol: math.Inf(1)}, "Adaptive.ATol +Inf"},
		{Adaptive{Safety: 1.01}, "Adaptive.Safety 1.01"},
		{Adaptive{MinFactor: 1}, "Adaptive.MinFactor 1"},
		{Adaptive{MaxFactor: 0.99}, "Adaptive.MaxFactor 0.99"},
		{Adaptive{FirstStep: math.NaN()}, "Adaptive.FirstStep NaN"},
		{Constant{Step: 0.5}, ""},
		{Constant{}, "Constant.Step 0"},
		{Constant{Step: -1}, "Constant.Step -1"},
		{Constant{Step: math.Inf(1)}, "Constant.Step +Inf"},
		{Grid{Times: []float64{0, 1}}, ""},
		{Grid{Times: []float64{1, 0.5, -3}}, ""},
		{Grid{}, "Grid.Times of length 0"},
		{Grid{Times: []float64{0, 2, 1}}, "Grid.Times[2] = 1 after 2"},
		{Grid{Times: []float64{0, math.Inf(1)}}, "Grid.Times[1] = +Inf"},
	} {
		err := tc.c.Validate()
		if tc.want == "" {
			if err != nil {
				t.Errorf("%#v: %v", tc.c, err)
			}
			continue
		}
		if !errors.Is(err, ErrInvalidSettings) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%#v: err = %v, want ErrInvalidSettings naming %q", tc.c, err, tc.want)
		}
		// NewSolver reports the controller's own error unchanged.
		if _, serr := NewSolver(Settings{Controller: tc.c}); serr == nil || serr.Error() != err.Error() {
			t.Errorf("%#v: NewSolver err = %v, want %v", tc.c, serr, err)
		}
	}
}

// Every controller works with every method, except Adaptive with a method
// without an error estimate.
func TestControllerMethodPairs(t *testing.T) {
	for _, m := range []*Method{DormandPrince(), RK4(), Euler()} {
		for _, c := range []Controller{nil, Adaptive{}, Constant{Step: 0.1}, Grid{Times: []float64{0, 0.3, 1}}} {
			_, err := NewSolver(Settings{Method: m, Controller: c})
			_, adaptive := c.(Adaptive)
			wantErr := m.BErr == nil && (c == nil || adaptive)
			if (err != nil) != wantErr {
				t.Errorf("%s with %#v: err = %v, want error %v", m.Name, c, err, wantErr)
			}
			if wantErr && (!errors.Is(err, ErrInvalidSettings) || !strings.Contains(err.Error(), "no error estimate")) {
				t.Errorf("%s with %#v: err = %v", m.Name, c, err)
			}
		}
	}
}
