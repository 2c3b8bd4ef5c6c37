package targets

import "fmt"

func errInvalid(format string, args ...any) error {
	return fmt.Errorf("targets: %w: %s", ErrInvalidArgument, fmt.Sprintf(format, args...))
}
