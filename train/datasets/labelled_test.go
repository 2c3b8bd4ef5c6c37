package datasets

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSklearnCSV(t *testing.T) {
	s := sklearnCSV{set: "toy", rows: 2, cols: 2, classes: []string{"a", "b"}}
	x, labels, err := s.read([]byte("2,2,a,b\n1.5,2,0\n3,4e-1,1\n"))
	require.NoError(t, err)
	assert.Equal(t, []int{2, 2}, []int(x.Shape()))
	assert.Equal(t, []float64{1.5, 2, 3, 0.4}, x.Float64s())
	assert.Equal(t, []int{0, 1}, labels)

	for _, c := range []struct {
		name, in, msg string
		parse         *ParseError // the position, if the error is one
	}{
		{"no first line", "1,2,0\n3,4,1\n", `datasets: toy: line 1 is "1,2,0", want "2,2,a,b"`, nil},
		{"rows", "3,2,a,b\n1,2,0\n3,4,1\n", `line 1 is "3,2,a,b"`, nil},
		{"features", "2,3,a,b\n1,2,0\n3,4,1\n", `line 1 is "2,3,a,b"`, nil},
		{"classes", "2,2,a\n1,2,0\n3,4,1\n", `line 1 is "2,2,a"`, nil},
		{"class names", "2,2,a,c\n1,2,0\n3,4,1\n", `line 1 is "2,2,a,c"`, nil},
		{"empty", "", `line 1 is ""`, nil},
		{"no rows", "2,2,a,b\n", "no data rows", nil},
		{"short", "2,2,a,b\n1,2,0\n", "1 rows of 3 fields, want 2 of 3", nil},
		{"long", "2,2,a,b\n1,2,0\n3,4,1\n5,6,0\n", "3 rows of 3 fields, want 2 of 3", nil},
		{"narrow", "2,2,a,b\n1,0\n3,1\n", "2 rows of 2 fields, want 2 of 3", nil},
		{"ragged", "2,2,a,b\n1,2,0\n3,1\n", "", &ParseError{Line: 3, Column: 3}},
		{"not a number", "2,2,a,b\n1,2,0\n3,x,1\n", "", &ParseError{Line: 3, Column: 2}},
		{"NaN", "2,2,a,b\n1,NaN,0\n3,4,1\n", "", &ParseError{Line: 2, Column: 2}},
		{"names", "2,2,a,b\nu,v,w\n1,2,0\n3,4,1\n", "line 2 is a row of names", nil},
		{"label too big", "2,2,a,b\n1,2,0\n3,4,2\n", "data row 2: label 2, want an integer from 0 to 1", nil},
		{"label negative", "2,2,a,b\n1,2,-1\n3,4,1\n", "data row 1: label -1", nil},
		{"label fraction", "2,2,a,b\n1,2,0.5\n3,4,1\n", "data row 1: label 0.5", nil},
	} {
		_, _, err := s.read([]byte(c.in))
		if !assert.Error(t, err, c.name) {
			continue
		}
		assert.Contains(t, err.Error(), c.msg, c.name)
		if c.name == "no rows" {
			assert.ErrorIs(t, err, ErrEmpty, c.name)
		} else {
			assert.True(t, errors.Is(err, ErrMalformed) || errors.Is(err, ErrNonFinite), "%s: %v", c.name, err)
		}
		if c.parse != nil {
			var pe *ParseError
			if assert.ErrorAs(t, err, &pe, c.name) {
				assert.Equal(t, c.parse.Line, pe.Line, "%s: line of %v", c.name, err)
				assert.Equal(t, c.parse.Column, pe.Column, "%s: column of %v", c.name, err)
			}
		}
	}
}
