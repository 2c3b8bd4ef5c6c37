package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A short run on iris prints the table's header and one row of six
// cells, and a preprocessing the library cannot fit is reported, not
// fatal.
func TestIrisRow(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-sets", "iris", "-budget", "1s", "-epochs", "3", "-hidden", "8"}, &out))
	var rows []string
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "| iris |") {
			rows = append(rows, line)
		}
	}
	require.Len(t, rows, 1, out.String())
	assert.Len(t, strings.Split(strings.Trim(rows[0], "| "), " | "), 6, rows[0])
	assert.Contains(t, rows[0], "| 150×4 |")
	assert.Contains(t, out.String(), "set=iris rows=150 dim=4 train=108 validation=12 test=30")
}

func TestBadFlags(t *testing.T) {
	for args, want := range map[string]string{
		"-sets unicorns":                "unicorns",
		"-preprocess pca":               "pca",
		"-budget 0s":                    "-budget 0s",
		"-patience -1":                  "-patience -1",
		"-epochs 0":                     "-epochs 0",
		"-sets iris,wine,iris":          `"iris" is given twice`,
		"-preprocess whiten,raw,whiten": `"whiten" is given twice`,
	} {
		err := run(context.Background(), strings.Fields(args), &bytes.Buffer{})
		if assert.Error(t, err, args) {
			assert.Contains(t, err.Error(), want, args)
		}
	}
}
