package publisher

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/libuid2/libuid2/go/internal/pubvectors"
	"github.com/libuid2/libuid2/go/normalize"
	"github.com/libuid2/libuid2/go/operator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func keepFreshSetup(t *testing.T) (*mintingService, *Client) {
	svc := newMintingService(t)
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL, testAPIKey, pubvectors.ClientSecret)
	require.NoError(t, err)
	return svc, c
}

// generated returns an identity generated with the service's clock moved
// by shiftS seconds.
func generated(t *testing.T, svc *mintingService, c *Client, email string, shiftS int64) *IdentityTokens {
	svc.nowShift.Store(shiftS * 1000)
	defer svc.nowShift.Store(0)
	r, err := c.GenerateToken(context.Background(), FromEmail(email))
	require.NoError(t, err)
	require.True(t, r.IsSuccess())
	return r.Identity
}

func TestRefreshIfDue(t *testing.T) {
	svc, c := keepFreshSetup(t)
	ctx := context.Background()

	fresh := generated(t, svc, c, "fresh@example.com", 0)
	r := c.RefreshIfDue(ctx, fresh)
	assert.Equal(t, RefreshResult{Outcome: Kept, Identity: fresh}, r)
	assert.Zero(t, svc.refreshes.Load(), "nothing to send")

	due := generated(t, svc, c, "due@example.com", -1000) // refresh_from 100 s ago
	r = c.RefreshIfDue(ctx, due)
	require.Equal(t, Refreshed, r.Outcome, r.Err)
	assert.NotEqual(t, due.RefreshToken, r.Identity.RefreshToken)
	assert.False(t, r.Identity.IsDueForRefresh())

	gone := generated(t, svc, c, "gone@example.com", -1000)
	hash, _ := normalize.EmailHash("gone@example.com")
	svc.optout[operator.FirstLevelHash(hash, pubvectors.FirstLevelSalt)] = true
	assert.Equal(t, RefreshResult{Outcome: OptedOut}, c.RefreshIfDue(ctx, gone))

	expired := generated(t, svc, c, "old@example.com", -86500) // refresh token expired 100 s ago
	before := svc.refreshes.Load()
	assert.Equal(t, RefreshResult{Outcome: Expired}, c.RefreshIfDue(ctx, expired))
	assert.Equal(t, RefreshResult{Outcome: Expired}, c.RefreshIfDue(ctx, nil))
	assert.Equal(t, before, svc.refreshes.Load())

	broken := *due
	broken.RefreshToken = "not a refresh token"
	r = c.RefreshIfDue(ctx, &broken)
	assert.Equal(t, Failed, r.Outcome)
	assert.Same(t, &broken, r.Identity, "kept for a later try")
	var he *HTTPError
	require.ErrorAs(t, r.Err, &he)
	assert.Equal(t, "invalid_token", he.Status)
	assert.Equal(t, "failed", Failed.String())
}

func TestRefreshMany(t *testing.T) {
	svc, c := keepFreshSetup(t)
	svc.overlap = 3
	var ids []*IdentityTokens
	for i := 0; i < 12; i++ {
		ids = append(ids, generated(t, svc, c, fmt.Sprintf("user%d@example.com", i), -1000))
	}
	fresh := generated(t, svc, c, "fresh@example.com", 0)
	ids = append(ids, nil, fresh)

	results := c.RefreshMany(context.Background(), ids, 3)
	require.Len(t, results, len(ids))
	for i := 0; i < 12; i++ {
		assert.Equal(t, Refreshed, results[i].Outcome, i)
	}
	assert.Equal(t, Expired, results[12].Outcome)
	assert.Equal(t, RefreshResult{Outcome: Kept, Identity: fresh}, results[13])
	assert.Equal(t, int32(12), svc.refreshes.Load())
	assert.Equal(t, int32(3), svc.maxFlight.Load(), "up to the bound in flight, never more")
}
