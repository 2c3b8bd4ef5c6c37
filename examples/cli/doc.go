// Package cli is the flag parsing, limits and file safety shared by the
// example programs: one place that turns flags into a train.FlowConfig,
// train.Settings and train.Options, checks every count against a documented
// limit before anything is allocated, refuses an output that is an input,
// and stops training cleanly on SIGINT or SIGTERM.
//
// Every error is one line naming the flag or file and, for a limit, the
// limit. Parse maps -h to flag.ErrHelp, which Main turns into exit status 0.
//
// It is public so that an example program copied out of the repository
// still builds: the programs import no internal package, only this one
// and the library's.
package cli
