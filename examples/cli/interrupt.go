package cli

import (
	"context"
	"errors"

	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
)

// StopOn makes every evaluation of flow (log p, sampling, figures) fail at
// its next evaluation of the dynamics once ctx is cancelled, so that a
// signal stops a long solve at once rather than at its end. It is for the
// phases after training: training itself stops between batches
// (Trainer.RunContext), keeping its checkpoint whole.
func StopOn(ctx context.Context, flow *train.Flow) error {
	return flow.SetInterrupt(func() error { return context.Cause(ctx) })
}

// interrupted returns the signal that cancelled ctx when err is the
// failure of an evaluation StopOn stopped, and err otherwise.
func interrupted(ctx context.Context, err error) error {
	var sig *SignalError
	if errors.Is(err, odefunc.ErrInterrupted) && errors.As(context.Cause(ctx), &sig) {
		return sig
	}
	return err
}
