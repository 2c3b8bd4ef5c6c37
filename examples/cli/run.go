package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Main runs the program run with the command line's arguments and a
// context that SIGINT or SIGTERM cancels, then exits: status 0 on success
// or for -h (flag.ErrHelp), 1 with "name: error" on one line of standard
// error otherwise; an evaluation stopped by the signal (StopOn) is
// reported as "name: stopped by SIGNAL".
func Main(name string, run func(ctx context.Context, args []string, stdout io.Writer) error) {
	ctx, stop := SignalContext()
	err := interrupted(ctx, run(ctx, os.Args[1:], os.Stdout))
	stop()
	if err == nil || errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	fmt.Fprintln(os.Stderr, name+": "+OneLine(err))
	os.Exit(1)
}

// OneLine returns err's message with its line breaks replaced by "; ".
func OneLine(err error) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", " ; ")), " ")
}

// SignalContext returns a context cancelled by the first SIGINT or SIGTERM,
// with the signal as its cause (context.Cause); a second signal has its
// default effect, so that a stuck program can still be stopped.
func SignalContext() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			signal.Stop(ch)
			cancel(&SignalError{Signal: sig})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		select {
		case <-done:
		default:
			close(done)
		}
		cancel(context.Canceled)
	}
}

// SignalError is the cause of a context cancelled by a signal.
type SignalError struct{ Signal os.Signal }

func (e *SignalError) Error() string { return "stopped by " + e.Signal.String() }

// Parse parses args with fs, whose usage line is usage. With -h it writes
// usage and the flags to stdout and returns flag.ErrHelp; other errors are
// one line, naming fs if it has a name (a subcommand's), and so are
// arguments left after the flags.
func Parse(fs *flag.FlagSet, usage string, args []string, stdout io.Writer) error {
	prefix := ""
	if fs.Name() != "" {
		prefix = fs.Name() + ": "
	}
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stdout, "usage:", usage)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return flag.ErrHelp
	}
	if err != nil {
		return fmt.Errorf("%s%v (see -h)", prefix, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%sunexpected argument %q after the flags (see -h)", prefix, fs.Arg(0))
	}
	return nil
}

// Stopped explains why training ended early when ctx was cancelled by a
// signal: what stopped it, and what the checkpoint at model holds. It
// returns err unchanged otherwise.
func Stopped(ctx context.Context, err error, model string, epochs int) error {
	var sig *SignalError
	if err == nil || !errors.As(context.Cause(ctx), &sig) {
		return err
	}
	if epochs == 0 {
		return fmt.Errorf("%v before the first epoch ended; nothing was saved", sig)
	}
	return fmt.Errorf("%v; %s holds the %d completed epochs (continue with -resume)", sig, model, epochs)
}

// SetDefault changes the default of fs's flag name, before parsing, both
// its value and what -h shows: a program whose data want another model
// than the tutorial's keeps the shared flags.
func SetDefault(fs *flag.FlagSet, name, value string) {
	f := fs.Lookup(name)
	if f == nil {
		panic("cli: SetDefault of undefined flag -" + name)
	}
	if err := f.Value.Set(value); err != nil {
		panic(fmt.Sprintf("cli: SetDefault -%s %q: %v", name, value, err))
	}
	f.DefValue = value
}
