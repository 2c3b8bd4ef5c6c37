package cli

import (
	"flag"
	"fmt"
)

// RunFlags are the flags of an example that trains on a data set it draws
// and writes its results to a directory: -n, -test-n, -out, -figures,
// -format and -quiet.
type RunFlags struct {
	N, TestN int
	Out      string
	Figures  bool
	Format   string
	Quiet    bool
}

// RegisterRun defines the RunFlags on fs. points names what -n counts
// ("training points"), test what -test-n counts, out is -out's default
// and figures what -figures draws.
func RegisterRun(fs *flag.FlagSet, points, test, out, figures string) *RunFlags {
	r := &RunFlags{}
	fs.IntVar(&r.N, "n", 8192, fmt.Sprintf("%s, 1 to %d", points, MaxSamples))
	fs.IntVar(&r.TestN, "test-n", 8192, fmt.Sprintf("%s, 1 to %d", test, MaxSamples))
	fs.StringVar(&r.Out, "out", out, "output directory")
	fs.BoolVar(&r.Figures, "figures", true, figures)
	fs.StringVar(&r.Format, "format", "png", "figure format: "+Formats)
	fs.BoolVar(&r.Quiet, "quiet", false, "leave out the progress bar and the line of each epoch")
	return r
}

// Check returns the first flag that is out of range or empty.
func (r *RunFlags) Check() error {
	for _, err := range []error{CheckInt("n", r.N, 1, MaxSamples), CheckInt("test-n", r.TestN, 1, MaxSamples), CheckFormat(r.Format), RequirePath("out", r.Out)} {
		if err != nil {
			return err
		}
	}
	return nil
}
