package publisher

import (
	"context"
	"sync"
	"time"
)

// Outcome says what became of a stored identity at a RefreshIfDue.
type Outcome int

// The outcomes. Only Refreshed and Kept leave an identity to store.
const (
	// Kept: not yet due; the identity is unchanged.
	Kept Outcome = iota
	// Refreshed: due and refreshed; store the new identity.
	Refreshed
	// OptedOut: the user opted out; remove the identity.
	OptedOut
	// Expired: the refresh token has expired; remove the identity (the
	// user needs a new token generate).
	Expired
	// Failed: the refresh failed (Err says why); the identity is kept, to
	// try again later while it stays refreshable.
	Failed
)

func (o Outcome) String() string {
	return [...]string{"kept", "refreshed", "opted out", "expired", "failed"}[o]
}

// RefreshResult is one identity's outcome.
type RefreshResult struct {
	Outcome Outcome
	// Identity is what to store: the new identity (Refreshed), the same
	// one (Kept, Failed), nil (OptedOut, Expired).
	Identity *IdentityTokens
	Err      error // Failed only
}

// RefreshIfDue does what the official documentation asks of a publisher
// on each page view or timer: drop an identity whose refresh token has
// expired, leave one that is not yet due, and refresh one that is.
func (c *Client) RefreshIfDue(ctx context.Context, id *IdentityTokens) RefreshResult {
	return c.refreshIfDueAt(ctx, id, time.Now())
}

func (c *Client) refreshIfDueAt(ctx context.Context, id *IdentityTokens, now time.Time) RefreshResult {
	switch {
	case id == nil || !id.IsRefreshableAt(now):
		return RefreshResult{Outcome: Expired}
	case !id.IsDueForRefreshAt(now):
		return RefreshResult{Outcome: Kept, Identity: id}
	}
	r, err := c.RefreshToken(ctx, id)
	switch {
	case err != nil:
		return RefreshResult{Outcome: Failed, Identity: id, Err: err}
	case r.IsOptout():
		return RefreshResult{Outcome: OptedOut}
	}
	return RefreshResult{Outcome: Refreshed, Identity: r.Identity}
}

// DefaultMaxInFlight bounds RefreshMany's requests in flight unless the
// caller sets another bound.
const DefaultMaxInFlight = 8

// RefreshMany runs RefreshIfDue over many identities (a publisher holds
// one per active user), with at most maxInFlight refreshes in flight
// (DefaultMaxInFlight when ≤ 0). The results are in the order of ids.
func (c *Client) RefreshMany(ctx context.Context, ids []*IdentityTokens, maxInFlight int) []RefreshResult {
	if maxInFlight <= 0 {
		maxInFlight = DefaultMaxInFlight
	}
	now := time.Now()
	results := make([]RefreshResult, len(ids))
	sem := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	for i, id := range ids {
		// Identities that need no request are settled without waiting for
		// a slot.
		if id == nil || !id.IsRefreshableAt(now) || !id.IsDueForRefreshAt(now) {
			results[i] = c.refreshIfDueAt(ctx, id, now)
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i] = c.refreshIfDueAt(ctx, id, now)
		}()
	}
	wg.Wait()
	return results
}
