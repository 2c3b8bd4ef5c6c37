package graph

import (
	"strings"

	G "gorgonia.org/gorgonia"
)

// MachineError returns err, an error of a Gorgonia machine's RunAll,
// without what the machine wraps around the failing op's own error: the
// program counter, the instruction and its register dump ("PC 49. Failed
// to execute instruction … [CPU0 CPU10 …]"), which a one-line error
// message cannot use. What remains is the failing node's name and the
// first line of the op's error; errors.Is and errors.As still see that
// error and what it wraps. An error of another kind is returned as it is,
// and nil stays nil.
func MachineError(err error) error {
	ce, ok := err.(interface {
		Err() error
		Node() *G.Node
	})
	if !ok {
		return err
	}
	cause := ce.Err()
	// Gorgonia wraps with github.com/pkg/errors, whose layers have Cause.
	for {
		c, ok := cause.(interface{ Cause() error })
		if !ok || c.Cause() == nil {
			break
		}
		cause = c.Cause()
	}
	msg, _, _ := strings.Cut(cause.Error(), "\n")
	if n := ce.Node(); n != nil && !strings.HasPrefix(msg, n.Name()+":") {
		msg = "node " + n.Name() + ": " + msg
	}
	return &machineError{msg: msg, err: cause}
}

// machineError is the message MachineError made and the op's error.
type machineError struct {
	msg string
	err error
}

func (e *machineError) Error() string { return e.msg }
func (e *machineError) Unwrap() error { return e.err }
