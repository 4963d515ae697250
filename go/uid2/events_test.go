package uid2_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/libuid2/libuid2/go/internal/syncbuf"
	"github.com/libuid2/libuid2/go/uid2"
)

func TestWaitForKeys(t *testing.T) {
	keys, _ := vectorKeys(t, "sharing.json")
	client, err := uid2.NewSharingClient("", "", "")
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err = client.WaitForKeys(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, "no keys: context deadline exceeded", err.Error())

	require.Error(t, client.RefreshJSON([]byte(`{}`)))
	ctx, cancel = context.WithTimeout(context.Background(), 0)
	defer cancel()
	err = client.WaitForKeys(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, `no keys: context deadline exceeded; last refresh failed: key JSON has no "keys" array`, err.Error())

	done := make(chan error, 1)
	go func() { done <- client.WaitForKeys(context.Background()) }()
	time.Sleep(20 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("returned before keys: %v", err)
	default:
	}
	require.NoError(t, client.RefreshJSON(keys))
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("not woken by the keys")
	}
	// Keys in place: at once, even with a context already done.
	assert.NoError(t, client.WaitForKeys(ctx))
	client.Close()
	assert.NoError(t, client.WaitForKeys(ctx), "closed with keys: they are still there")
}

func TestRefreshEvents(t *testing.T) {
	keys, _ := vectorKeys(t, "sharing.json")
	client, err := uid2.NewSharingClient("", "", "")
	require.NoError(t, err)
	done, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = client.WaitRefreshEvent(done, 0)
	require.ErrorIs(t, err, context.Canceled)

	before := time.Now()
	require.NoError(t, client.RefreshJSON(keys))
	ev, err := client.WaitRefreshEvent(done, 0)
	require.NoError(t, err)
	assert.Equal(t, uint64(1), ev.Seq)
	assert.True(t, ev.Success)
	assert.False(t, ev.Automatic)
	assert.Equal(t, 7, ev.KeyCount)
	assert.Zero(t, ev.ConsecutiveFailures)
	assert.Empty(t, ev.Message)
	assert.False(t, ev.Time.Before(before))

	for range 2 {
		require.Error(t, client.RefreshJSON([]byte(`[`)))
	}
	ev, err = client.WaitRefreshEvent(done, 1)
	require.NoError(t, err)
	assert.Equal(t, uint64(3), ev.Seq, "the newest, not the next")
	assert.False(t, ev.Success)
	assert.Equal(t, 2, ev.ConsecutiveFailures)
	assert.Equal(t, 7, ev.KeyCount, "the keys stay")
	assert.Contains(t, ev.Message, "key JSON")

	got := make(chan uid2.RefreshEvent, 1)
	go func() {
		ev, err := client.WaitRefreshEvent(context.Background(), 3)
		assert.NoError(t, err)
		got <- ev
	}()
	time.Sleep(20 * time.Millisecond)
	require.NoError(t, client.RefreshJSON(keys))
	select {
	case ev := <-got:
		assert.Equal(t, uint64(4), ev.Seq)
		assert.True(t, ev.Success)
		assert.Zero(t, ev.ConsecutiveFailures)
	case <-time.After(10 * time.Second):
		t.Fatal("listener not woken")
	}
}

// Close wakes every waiter, which returns ErrClosed.
func TestCloseWakesWaiters(t *testing.T) {
	client, err := uid2.NewSharingClient("", "", "")
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	wg.Add(2)
	go func() { defer wg.Done(); errs <- client.WaitForKeys(context.Background()) }()
	go func() {
		defer wg.Done()
		_, err := client.WaitRefreshEvent(context.Background(), 0)
		errs <- err
	}()
	time.Sleep(20 * time.Millisecond)
	client.Close()
	woken := make(chan struct{})
	go func() { wg.Wait(); close(woken) }()
	select {
	case <-woken:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not wake the waiters")
	}
	close(errs)
	for err := range errs {
		assert.ErrorIs(t, err, uid2.ErrClosed)
	}
	_, err = client.WaitRefreshEvent(context.Background(), 0)
	assert.ErrorIs(t, err, uid2.ErrClosed, "after Close too")
}

// serviceError answers every request as a UID2 service answers a bad one.
func serviceError(t *testing.T, status int, body string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// A failed refresh says what the service said, never the API key; a body
// that is not the service's JSON error is not quoted.
func TestRefreshFailureCarriesTheServiceMessage(t *testing.T) {
	for body, want := range map[string]string{
		`{"status":"unauthorized","message":"unknown API key"}`:        ": HTTP 401: unknown API key",
		`{"status":"unauthorized"}`:                                    ": HTTP 401: unauthorized",
		`{"status":"unauthorized","message":"bad key ` + apiKey + `"}`: ": HTTP 401: bad key [API key]",
		`{"message":"line\nbreak"}`:                                    ": HTTP 401: line break",
		`<html>Unauthorized</html>`:                                    ": HTTP 401",
		``:                                                             ": HTTP 401",
		`{"message":"` + strings.Repeat("é", 150) + `"}`:               ": HTTP 401: " + strings.Repeat("é", 100) + "…",
	} {
		srv := serviceError(t, http.StatusUnauthorized, body)
		client, err := uid2.NewSharingClient(srv.URL, apiKey, secret)
		require.NoError(t, err)
		err = client.Refresh(context.Background())
		require.Error(t, err)
		assert.True(t, strings.HasSuffix(err.Error(), want), "%q: got %q", body, err.Error())
		assert.NotContains(t, err.Error(), apiKey)
		assert.NotContains(t, err.Error(), secret)
		assert.Equal(t, err.Error(), client.RefreshState().LastError)
	}
}

// A failed automatic refresh is an event and a Warn record of the logger
// given, with the service's message and no secret.
func TestAutoRefreshFailuresAreLoggedAndReported(t *testing.T) {
	keys, _ := vectorKeys(t, "sharing.json")
	ks, _, srv := newServer(t, keys)
	var logs syncbuf.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))

	bad, err := uid2.NewSharingClient(srv.URL, "not-"+apiKey, secret)
	require.NoError(t, err)
	require.NoError(t, bad.StartAutoRefresh(uid2.AutoRefreshOptions{Interval: time.Hour, Logger: logger}))
	defer bad.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ev, err := bad.WaitRefreshEvent(ctx, 0)
	require.NoError(t, err)
	assert.False(t, ev.Success)
	assert.True(t, ev.Automatic)
	assert.Equal(t, 1, ev.ConsecutiveFailures)
	assert.Contains(t, ev.Message, "HTTP 401: unauthorized")
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "automatic key refresh failed") }, 10*time.Second, 5*time.Millisecond)
	assert.Contains(t, logs.String(), "level=WARN")
	assert.Contains(t, logs.String(), "HTTP 401: unauthorized")
	assert.Contains(t, logs.String(), "consecutive_failures=1")
	assert.NotContains(t, logs.String(), apiKey)
	assert.NotContains(t, logs.String(), secret)

	// A failure, then a success: both are events.
	require.NoError(t, ks.SetFailure("500"))
	good, err := uid2.NewSharingClient(srv.URL, apiKey, secret)
	require.NoError(t, err)
	defer good.Close()
	require.NoError(t, good.StartAutoRefresh(uid2.AutoRefreshOptions{Interval: time.Hour,
		Logger: slog.New(slog.DiscardHandler)}))
	ev, err = good.WaitRefreshEvent(ctx, 0)
	require.NoError(t, err)
	assert.False(t, ev.Success)
	assert.Contains(t, ev.Message, "HTTP 500")
	waitCtx, waitCancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer waitCancel()
	require.True(t, errors.Is(good.WaitForKeys(waitCtx), context.DeadlineExceeded))
	require.NoError(t, ks.SetFailure("none"))
	// The retry comes after 10 s ± 10%: refresh now instead, by hand.
	require.NoError(t, good.Refresh(ctx))
	require.NoError(t, good.WaitForKeys(ctx))
	ev, err = good.WaitRefreshEvent(ctx, 1)
	require.NoError(t, err)
	assert.True(t, ev.Success)
	assert.False(t, ev.Automatic, "made by Refresh")
}
