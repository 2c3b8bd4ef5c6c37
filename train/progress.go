package train

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress shows training as it goes: a bar redrawn in place on a terminal,
// one line per epoch anywhere else.
type progress struct {
	w        io.Writer
	terminal bool
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	return p
}

func (p *progress) batch(epoch, epochs, b, batches int, loss float64, cost Cost, elapsed time.Duration) {
	if p.w == nil || !p.terminal {
		return
	}
	const width = 24
	done := width * b / batches
	nfe := 0
	for k := range cost.ForwardNFE {
		nfe += cost.ForwardNFE[k] + cost.BackwardNFE[k]
	}
	left := time.Duration(float64(elapsed) / float64(b) * float64(batches-b))
	fmt.Fprintf(p.w, "\repoch %d/%d [%s%s] batch %d/%d loss %.4f nfe %d left %s ",
		epoch, epochs, strings.Repeat("=", done), strings.Repeat(" ", width-done), b, batches, loss, nfe, left.Round(time.Second))
}

func (p *progress) epochDone(s EpochStats) {
	if p.w == nil {
		return
	}
	if p.terminal {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintln(p.w, FormatEpoch(s))
}

// FormatEpoch renders an epoch's statistics as one line:
// epoch, mean train NLL (or train_cfm=, train_otcfm= for the matching
// loss), the validation NLL when validated, NFE forward and backward per
// block, seconds, and "stopped" when patience ended the training.
func FormatEpoch(s EpochStats) string {
	var b strings.Builder
	if s.Objective != "" {
		fmt.Fprintf(&b, "epoch=%d train_%s=%.4f", s.Epoch, s.Objective, s.Loss)
	} else {
		fmt.Fprintf(&b, "epoch=%d train_nll=%.4f", s.Epoch, s.Loss)
	}
	if v := s.VI; v != nil {
		fmt.Fprintf(&b, " beta=%.3g elbo=%.4f log_z=%.4f±%.4f ess=%.3f k=%.2f", v.Beta, v.ELBO, v.LogZ, v.LogZSE, v.ESS, v.ParetoK)
	}
	if s.ValidationNLL != 0 {
		fmt.Fprintf(&b, " validation_nll=%.4f", s.ValidationNLL)
	}
	b.WriteString(" nfe_fwd=")
	writeInts(&b, s.ForwardNFE)
	b.WriteString(" nfe_bwd=")
	writeInts(&b, s.BackwardNFE)
	if s.Kinetic != 0 || s.Jacobian != 0 {
		fmt.Fprintf(&b, " kinetic=%.4f jacobian=%.4f", s.Kinetic, s.Jacobian)
	}
	fmt.Fprintf(&b, " lr=%.3g seconds=%.2f", s.LearningRate, s.Seconds)
	if s.Stopped {
		b.WriteString(" stopped")
	}
	return b.String()
}

func writeInts(b *strings.Builder, v []float64) {
	for i, x := range v {
		if i > 0 {
			b.WriteByte('/')
		}
		fmt.Fprintf(b, "%.0f", x)
	}
}
