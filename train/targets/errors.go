package targets

import "fmt"

// errInvalid wraps ErrInvalidArgument, whose text already names the
// package, with what is wrong: "targets: invalid argument: <what>".
func errInvalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidArgument, fmt.Sprintf(format, args...))
}
