package uid2

import (
	"context"
	"fmt"
	"time"
)

// RefreshEvent is a completed refresh attempt: over HTTP, automatic, or
// from JSON.
type RefreshEvent struct {
	// Seq is 1 for the client's first completed attempt, +1 for each after.
	Seq                 uint64
	Time                time.Time // when the attempt ended
	Success             bool
	Automatic           bool // made by automatic refresh
	KeyCount            int  // keys in the snapshot after the attempt
	ConsecutiveFailures int  // failures since the last success, after this attempt
	// Message is why the attempt failed, with the key service's own
	// message when it sent one ("" on success). It never holds a secret.
	Message string
}

// The client keeps only its newest event: a listener that falls behind
// sees the newest one, and Seq tells it how many it missed. Waiters sleep
// on c.changed, which is closed (and replaced) whenever an event is
// recorded or the client is closed.

// notifyLocked wakes every waiter; c.mu is held.
func (c *core) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// WaitRefreshEvent waits for a completed refresh attempt with Seq >
// afterSeq and returns the newest such one; pass its Seq to wait for the
// next. It returns ctx.Err() when ctx ends first, and ErrClosed when the
// client is closed meanwhile or before.
func (c *core) WaitRefreshEvent(ctx context.Context, afterSeq uint64) (RefreshEvent, error) {
	for {
		c.mu.Lock()
		ev, changed, closed := c.event, c.changed, c.waitClosed
		c.mu.Unlock()
		switch {
		case ev.Seq > afterSeq:
			return ev, nil
		case closed:
			return RefreshEvent{}, ErrClosed
		case ctx.Err() != nil:
			return RefreshEvent{}, ctx.Err()
		}
		select {
		case <-changed:
		case <-ctx.Done():
		}
	}
}

// WaitForKeys waits until the client has keys, from any refresh. It
// returns nil at once if it has them; when ctx ends first, an error that
// wraps ctx.Err() and says why the last refresh failed, if one did; and
// ErrClosed when the client is closed without keys. With automatic
// refresh, it is how a program waits for its first keys:
//
//	client.StartAutoRefresh(uid2.AutoRefreshOptions{})
//	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
//	defer cancel()
//	if err := client.WaitForKeys(ctx); err != nil { ... }
func (c *core) WaitForKeys(ctx context.Context) error {
	for {
		c.mu.Lock()
		changed, closed, lastError := c.changed, c.waitClosed, c.state.LastError
		c.mu.Unlock()
		switch {
		case c.keys.Load() != nil:
			return nil
		case closed:
			return ErrClosed
		case ctx.Err() != nil:
			if lastError != "" {
				return fmt.Errorf("no keys: %w; last refresh failed: %s", ctx.Err(), lastError)
			}
			return fmt.Errorf("no keys: %w", ctx.Err())
		}
		select {
		case <-changed:
		case <-ctx.Done():
		}
	}
}
