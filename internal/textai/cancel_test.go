package textai

import (
	"context"
	"errors"
	"testing"
)

// TestTrainContextStops: training learns nothing once its context has
// ended, so that a server shutting down does not wait for a retraining
// (the scheduler's, which waited for it, made shutdown overrun its grace).
func TestTrainContextStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if m, err := TrainContext(ctx, synthetic(), smallOptions()); !errors.Is(err, context.Canceled) || m != nil {
		t.Fatalf("TrainContext after cancel = %v, %v; want no model and context.Canceled", m, err)
	}
	if _, err := TrainContext(context.Background(), synthetic(), smallOptions()); err != nil {
		t.Fatal(err)
	}
}
