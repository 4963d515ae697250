package uid2_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/libuid2/libuid2/go/internal/testserver"
	"github.com/libuid2/libuid2/go/keys"
	"github.com/libuid2/libuid2/go/uid2"
)

const (
	apiKey = "test-api-key"
	secret = "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo="
)

// vectorKeys returns the keys and one decrypt case's token of a vector
// file, for tests that need real keys and a token they open.
func vectorKeys(t *testing.T, file string) ([]byte, vectorCase) {
	t.Helper()
	f := loadVectors(t)[file]
	for _, c := range f.Cases {
		if c.Op == "decrypt" && strings.Contains(string(c.Expect), `"SUCCESS"`) {
			return f.Keys, c
		}
	}
	t.Fatalf("%s has no successful decrypt case", file)
	return nil, vectorCase{}
}

// headerCheck records what the key service received.
type headerCheck struct {
	next          http.Handler
	mu            sync.Mutex
	auth, version string
	path          string
}

func (h *headerCheck) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.auth, h.version, h.path = r.Header.Get("Authorization"), r.Header.Get(uid2.ClientVersionHeader), r.URL.Path
	h.mu.Unlock()
	h.next.ServeHTTP(w, r)
}

func newServer(t *testing.T, keys []byte) (*testserver.Server, *headerCheck, *httptest.Server) {
	t.Helper()
	ks, err := testserver.New(apiKey, secret, keys)
	require.NoError(t, err)
	hc := &headerCheck{next: ks}
	srv := httptest.NewServer(hc)
	t.Cleanup(srv.Close)
	return ks, hc, srv
}

func TestRefreshOverHTTP(t *testing.T) {
	keys, c := vectorKeys(t, "sharing.json")
	_, hc, srv := newServer(t, keys)
	client, err := uid2.NewSharingClient(srv.URL+"/", apiKey, secret)
	require.NoError(t, err)

	assert.Equal(t, uid2.NotInitialized, client.DecryptTokenIntoRawUIDAt(c.Token, time.UnixMilli(c.NowMs)).Status)
	require.NoError(t, client.Refresh(context.Background()))
	assert.Equal(t, uid2.Success, client.DecryptTokenIntoRawUIDAt(c.Token, time.UnixMilli(c.NowMs)).Status)
	assert.Equal(t, "Bearer "+apiKey, hc.auth)
	assert.Equal(t, "libuid2-go-"+uid2.Version, hc.version)
	assert.Equal(t, "/v2/key/sharing", hc.path)

	st := client.RefreshState()
	assert.True(t, st.HasKeys)
	assert.Equal(t, 7, st.KeyCount)
	assert.False(t, st.LastSuccess.IsZero())
	assert.Empty(t, st.LastError)

	bkeys, bc := vectorKeys(t, "bidstream.json")
	_, hc2, srv2 := newServer(t, bkeys)
	bid, err := uid2.NewBidstreamClient(srv2.URL, apiKey, secret)
	require.NoError(t, err)
	require.NoError(t, bid.Refresh(context.Background()))
	assert.Equal(t, "/v2/key/bidstream", hc2.path)
	assert.Equal(t, uid2.Success, bid.DecryptTokenIntoRawUIDAt(bc.Token, "", time.UnixMilli(bc.NowMs)).Status)
}

// A refresh over HTTP applies the client's default identity scope to keys
// that name none, as RefreshJSON does.
func TestRefreshOverHTTPDefaultScope(t *testing.T) {
	f, unnamed := euidVectorsUnnamed(t)
	_, _, srv := newServer(t, unnamed)
	var euid vectorCase
	for _, c := range f.Cases {
		if c.Name == "EUID v4 email" {
			euid = c
		}
	}
	require.NotEmpty(t, euid.Token)
	for scope, want := range map[int]uid2.Status{keys.ScopeUID2: uid2.InvalidIdentityScope, keys.ScopeEUID: uid2.Success} {
		client, err := uid2.NewSharingClient(srv.URL, apiKey, secret)
		require.NoError(t, err)
		require.NoError(t, client.SetDefaultIdentityScope(scope))
		require.NoError(t, client.Refresh(context.Background()))
		assert.Equal(t, want, client.DecryptTokenIntoRawUIDAt(euid.Token, time.UnixMilli(euid.NowMs)).Status, "default scope %d", scope)
	}
}

// Every failure keeps the keys of the last good refresh, reports an error
// that names no secret, and counts in the refresh state.
func TestFailedRefreshKeepsKeys(t *testing.T) {
	keys, c := vectorKeys(t, "sharing.json")
	ks, _, srv := newServer(t, keys)
	client, err := uid2.NewSharingClient(srv.URL, apiKey, secret)
	require.NoError(t, err)
	require.NoError(t, client.Refresh(context.Background()))

	wrongKey, err := uid2.NewSharingClient(srv.URL, "wrong-key", secret)
	require.NoError(t, err)
	require.NoError(t, wrongKey.RefreshJSON(keys))
	wrongSecret, err := uid2.NewSharingClient(srv.URL, apiKey, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	require.NoError(t, err)
	require.NoError(t, wrongSecret.RefreshJSON(keys))

	cases := []struct {
		name   string
		mode   string
		client *uid2.SharingClient
		want   string
	}{
		{"HTTP 500", testserver.Fail500, client, "HTTP 500"},
		{"garbage body", testserver.FailGarbage, client, "malformed"},
		{"wrong nonce", testserver.FailWrongNonce, client, "nonce"},
		{"response under another secret", testserver.FailWrongSecret, client, "secret"},
		{"timeout", testserver.FailSlow, client, "timed out"},
		{"wrong API key", testserver.FailNone, wrongKey, "HTTP 401"},
		{"client with the wrong secret", testserver.FailNone, wrongSecret, "HTTP 400"},
	}
	for i, tc := range cases {
		require.NoError(t, ks.SetFailure(tc.mode))
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		err := tc.client.Refresh(ctx)
		cancel()
		require.Error(t, err, tc.name)
		assert.Contains(t, err.Error(), tc.want, tc.name)
		for _, s := range []string{apiKey, secret, "wrong-key"} {
			assert.NotContains(t, err.Error(), s, tc.name)
		}
		assert.Equal(t, uid2.Success, tc.client.DecryptTokenIntoRawUIDAt(c.Token, time.UnixMilli(c.NowMs)).Status, tc.name)
		st := tc.client.RefreshState()
		assert.Equal(t, err.Error(), st.LastError, tc.name)
		assert.True(t, st.HasKeys, tc.name)
		if tc.client == client {
			assert.Equal(t, i+1, st.ConsecutiveFailures, tc.name)
		}
	}
	require.NoError(t, ks.SetFailure(testserver.FailNone))
	require.NoError(t, client.Refresh(context.Background()))
	assert.Equal(t, 0, client.RefreshState().ConsecutiveFailures)
	assert.Empty(t, client.RefreshState().LastError)

	// Bad key JSON from a well-behaved server, and bad JSON given directly.
	require.NoError(t, ks.SetKeys([]byte(`{"keys":[{"id":1}]}`)))
	assert.Error(t, client.Refresh(context.Background()))
	assert.Error(t, client.RefreshJSON([]byte(`{"keys":`)))
	assert.Equal(t, uid2.Success, client.DecryptTokenIntoRawUIDAt(c.Token, time.UnixMilli(c.NowMs)).Status)

	// A response without a single key, over HTTP and as JSON, in every shape.
	require.NoError(t, ks.SetKeys([]byte(`{"keys":[]}`)))
	assert.ErrorIs(t, client.Refresh(context.Background()), uid2.ErrNoKeys)
	for _, empty := range []string{`[]`, `{"keys":[]}`, `{"body":{"keys":[]}}`, `{"body":[],"status":"success"}`} {
		assert.ErrorIs(t, client.RefreshJSON([]byte(empty)), uid2.ErrNoKeys, empty)
		assert.Equal(t, uid2.Success, client.DecryptTokenIntoRawUIDAt(c.Token, time.UnixMilli(c.NowMs)).Status, empty)
	}
	assert.Positive(t, client.RefreshState().KeyCount)
}

func TestRefreshNeedsConfiguration(t *testing.T) {
	c, err := uid2.NewSharingClient("", "", "")
	require.NoError(t, err)
	assert.ErrorIs(t, c.Refresh(context.Background()), uid2.ErrNotConfigured)
	assert.ErrorIs(t, c.StartAutoRefresh(uid2.AutoRefreshOptions{}), uid2.ErrNotConfigured)

	_, err = uid2.NewSharingClient("http://x", "k", "not a secret")
	assert.Error(t, err)
	c, err = uid2.NewSharingClient("ftp://x", "k", secret)
	require.NoError(t, err)
	assert.ErrorContains(t, c.Refresh(context.Background()), "http(s)")
	c, err = uid2.NewSharingClient("http://user:password@127.0.0.1:1/?token=abc", "k", secret)
	require.NoError(t, err)
	err = c.Refresh(context.Background())
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "password")
	assert.NotContains(t, err.Error(), "abc")
}

func TestAutoRefresh(t *testing.T) {
	keys, c := vectorKeys(t, "sharing.json")
	ks, _, srv := newServer(t, keys)
	client, err := uid2.NewSharingClient(srv.URL, apiKey, secret)
	require.NoError(t, err)
	require.NoError(t, client.StartAutoRefresh(uid2.AutoRefreshOptions{Interval: 20 * time.Millisecond, Timeout: time.Second}))
	defer client.StopAutoRefresh()
	require.Eventually(t, func() bool { return ks.KeyRequests.Load() >= 3 }, 5*time.Second, 5*time.Millisecond)
	assert.Equal(t, uid2.Success, client.DecryptTokenIntoRawUIDAt(c.Token, time.UnixMilli(c.NowMs)).Status)
	assert.True(t, client.RefreshState().AutoRefreshRunning)

	// After a failure it retries (with backoff, 10 s at first) and records
	// the error; the keys stay.
	require.NoError(t, ks.SetFailure(testserver.Fail500))
	require.Eventually(t, func() bool { return client.RefreshState().ConsecutiveFailures >= 1 }, 5*time.Second, 5*time.Millisecond)
	assert.Contains(t, client.RefreshState().LastError, "HTTP 500")
	assert.Equal(t, uid2.Success, client.DecryptTokenIntoRawUIDAt(c.Token, time.UnixMilli(c.NowMs)).Status)

	client.StopAutoRefresh()
	assert.False(t, client.RefreshState().AutoRefreshRunning)
	n := ks.KeyRequests.Load()
	time.Sleep(60 * time.Millisecond)
	assert.Equal(t, n, ks.KeyRequests.Load(), "no refresh after stop")
}

// gate holds each request until released, so that a refresh can be made to
// end after another.
type gate struct {
	next     http.Handler
	arrived  chan struct{}
	released chan struct{}
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.arrived <- struct{}{}
	<-g.released
	g.next.ServeHTTP(w, r)
}

// A refresh over HTTP that ends after a later-started JSON refresh leaves
// the later keys in place, and its outcome is dropped (a late failure would
// otherwise be reported while the newest keys are fine).
func TestSlowRefreshDoesNotUndoANewerOne(t *testing.T) {
	keysA, _ := vectorKeys(t, "sharing.json")                   // 7 keys, from the service
	keysB, c := vectorKeys(t, "sharing-no-default-keyset.json") // 3 keys, loaded later
	ks, err := testserver.New(apiKey, secret, keysA)
	require.NoError(t, err)
	g := &gate{next: ks, arrived: make(chan struct{}), released: make(chan struct{})}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	client, err := uid2.NewSharingClient(srv.URL, apiKey, secret)
	require.NoError(t, err)

	slow := make(chan error, 1)
	go func() { slow <- client.Refresh(context.Background()) }()
	<-g.arrived // the HTTP refresh has started and waits for its answer
	require.NoError(t, client.RefreshJSON(keysB))
	close(g.released)
	require.NoError(t, <-slow)

	st := client.RefreshState()
	assert.Equal(t, 3, st.KeyCount, "the later refresh's keys stay")
	assert.Zero(t, st.ConsecutiveFailures)
	assert.Equal(t, uid2.Success, client.DecryptTokenIntoRawUIDAt(c.Token, time.UnixMilli(c.NowMs)).Status)

	// The next refresh, started after both, puts its keys in place.
	require.NoError(t, func() error {
		go func() { <-g.arrived }()
		return client.Refresh(context.Background())
	}())
	assert.Equal(t, 7, client.RefreshState().KeyCount)

	// A late failure is dropped too: the newer keys are fine.
	g.released = make(chan struct{})
	require.NoError(t, ks.SetFailure(testserver.Fail500))
	go func() { slow <- client.Refresh(context.Background()) }()
	<-g.arrived
	require.NoError(t, client.RefreshJSON(keysB))
	close(g.released)
	require.Error(t, <-slow, "the caller still learns its refresh failed")
	st = client.RefreshState()
	assert.Zero(t, st.ConsecutiveFailures)
	assert.Empty(t, st.LastError)
	assert.Equal(t, 3, st.KeyCount)
}

// Close stops automatic refresh for good, also when it races a start: once
// both have returned, no refresher runs (one left running would call the
// service for ever with nothing to stop it).
func TestCloseEndsAutoRefreshForGood(t *testing.T) {
	keys, _ := vectorKeys(t, "sharing.json")
	_, _, srv := newServer(t, keys)
	opts := uid2.AutoRefreshOptions{Interval: time.Hour, Timeout: time.Second}

	client, err := uid2.NewSharingClient(srv.URL, apiKey, secret)
	require.NoError(t, err)
	client.Close()
	assert.ErrorIs(t, client.StartAutoRefresh(opts), uid2.ErrClosed)
	assert.False(t, client.RefreshState().AutoRefreshRunning)

	for i := 0; i < 200; i++ {
		client, err := uid2.NewSharingClient(srv.URL, apiKey, secret)
		require.NoError(t, err)
		started := make(chan error, 1)
		go func() { started <- client.StartAutoRefresh(opts) }()
		client.Close()
		if err := <-started; err != nil {
			require.ErrorIs(t, err, uid2.ErrClosed)
		}
		require.False(t, client.RefreshState().AutoRefreshRunning, "round %d: a refresher outlived Close", i)
	}
}

// Decrypts and encrypts run while refreshes swap key sets; run with -race.
func TestConcurrentDecryptDuringRefresh(t *testing.T) {
	keys, c := vectorKeys(t, "sharing.json")
	_, _, srv := newServer(t, keys)
	client, err := uid2.NewSharingClient(srv.URL, apiKey, secret)
	require.NoError(t, err)
	require.NoError(t, client.RefreshJSON(keys))
	want := client.DecryptTokenIntoRawUIDAt(c.Token, time.UnixMilli(c.NowMs))
	require.Equal(t, uid2.Success, want.Status)

	var stop atomic.Bool
	var wg sync.WaitGroup
	var bad atomic.Int64
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if got := client.DecryptTokenIntoRawUIDAt(c.Token, time.UnixMilli(c.NowMs)); got != want {
					bad.Add(1)
				}
				e := client.EncryptRawUIDIntoTokenWith(want.UID, uid2.EncryptOptions{Now: time.UnixMilli(c.NowMs)})
				if !e.Success() || client.DecryptTokenIntoRawUIDAt(e.EncryptedData, time.UnixMilli(c.NowMs)).UID != want.UID {
					bad.Add(1)
				}
			}
		}()
	}
	for i := 0; i < 20; i++ {
		require.NoError(t, client.RefreshJSON(keys))
		require.NoError(t, client.Refresh(context.Background()))
	}
	stop.Store(true)
	wg.Wait()
	assert.Zero(t, bad.Load())
}
