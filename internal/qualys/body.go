package qualys

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// ErrIdleTimeout reports a response body that sent nothing for longer than
// the idle timeout: the stream is stalled and the page must be fetched
// again.
var ErrIdleTimeout = errors.New("response body idle for too long")

// idleBody cancels its request when a read waits longer than the idle
// timeout for a byte, and frees the gate slot when closed. Only the time
// spent inside Read counts: a consumer that is slow to read (a Kafka
// publish taking its time) is not a stalled stream.
type idleBody struct {
	r       io.ReadCloser
	ctx     context.Context // the request's; its cause tells a stall
	timer   *time.Timer
	idle    time.Duration
	cancel  context.CancelCauseFunc
	release func()
	once    sync.Once
}

func newIdleBody(ctx context.Context, r io.ReadCloser, idle time.Duration,
	cancel context.CancelCauseFunc, release func()) *idleBody {
	b := &idleBody{r: r, ctx: ctx, idle: idle, cancel: cancel, release: release}
	b.timer = time.AfterFunc(idle, func() { cancel(ErrIdleTimeout) })
	b.timer.Stop()
	return b
}

func (b *idleBody) Read(p []byte) (int, error) {
	b.timer.Reset(b.idle)
	n, err := b.r.Read(p)
	b.timer.Stop()
	if err != nil && err != io.EOF && errors.Is(context.Cause(b.ctx), ErrIdleTimeout) {
		err = fmt.Errorf("%w (%v without a byte): %w", ErrIdleTimeout, b.idle, err)
	}
	return n, err
}

// Close closes the body, stops the timer and frees the gate slot. The slot
// is freed only after the body is closed, so a retry never overlaps the
// call it replaces.
func (b *idleBody) Close() error {
	var err error
	b.once.Do(func() {
		b.timer.Stop()
		err = b.r.Close()
		b.cancel(nil)
		b.release()
	})
	return err
}
