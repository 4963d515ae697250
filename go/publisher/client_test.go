package publisher

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libuid2/libuid2/go/envelope"
	"github.com/libuid2/libuid2/go/internal/pubvectors"
	"github.com/libuid2/libuid2/go/normalize"
	"github.com/libuid2/libuid2/go/uid2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testAPIKey      = "api-key-never-in-errors"
	testResponseKey = "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8="
)

// fakeService answers generate and refresh as the operator does
// (uid2-spec-publisher §1.3, §1.5): identities with fresh times, opt-out
// for optout@example.com, the service's JSON errors on demand.
type fakeService struct {
	t        *testing.T
	requests atomic.Int32
	fail     atomic.Int32 // HTTP status to answer with, 0: none
	slow     atomic.Bool
}

func (f *fakeService) identity(refreshToken string) string {
	now := time.Now().UnixMilli()
	return fmt.Sprintf(`{"advertising_token":"AT-%s","refresh_token":%q,"identity_expires":%d,"refresh_expires":%d,"refresh_from":%d,"refresh_response_key":%q}`,
		refreshToken, refreshToken, now+3600e3, now+86400e3, now+900e3, testResponseKey)
}

func (f *fakeService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	t := f.t
	body, _ := io.ReadAll(r.Body)
	if f.slow.Load() {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
		return
	}
	assert.Equal(t, "Bearer "+testAPIKey, r.Header.Get("Authorization"))
	assert.Equal(t, VersionHTTPHeader(), r.Header.Get(uid2.ClientVersionHeader))
	assert.Equal(t, "libuid2-go-"+uid2.Version, VersionHTTPHeader())
	if code := int(f.fail.Load()); code != 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		switch code {
		case 401:
			_, _ = io.WriteString(w, `{"status":"unauthorized"}`)
		case 502:
			_, _ = io.WriteString(w, "<html>bad gateway</html>")
		default:
			_, _ = io.WriteString(w, `{"status":"client_error","message":"Invalid Identifier\n"}`)
		}
		return
	}
	switch r.URL.Path {
	case "/v2/token/generate":
		secret, _ := envelope.NewCipher(pubvectors.ClientSecret)
		_, nonce, payload, err := secret.OpenRequest(body)
		require.NoError(t, err)
		var in map[string]string
		require.NoError(t, json.Unmarshal(payload, &in))
		resp := `{"status":"optout"}`
		if in["email_hash"] != normalize.Hash("optout@example.com") {
			resp = `{"body":` + f.identity("refresh-1") + `,"status":"success"}`
		}
		_, _ = io.WriteString(w, secret.SealResponse(time.Now().UnixMilli(), nonce, []byte(resp), [12]byte{1}))
	case "/v2/token/refresh":
		if string(body) != "refresh-1" {
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"status":"invalid_token","message":"Invalid Token presented"}`)
			return
		}
		key, _ := envelope.NewCipher(testResponseKey)
		resp := `{"body":` + f.identity("refresh-1") + `,"status":"success"}`
		_, _ = io.WriteString(w, key.SealRefreshResponse([]byte(resp), [12]byte{2}))
	default:
		w.WriteHeader(404)
	}
}

func newFake(t *testing.T) (*fakeService, *Client) {
	f := &fakeService{t: t}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL+"/", testAPIKey, pubvectors.ClientSecret)
	require.NoError(t, err)
	return f, c
}

func TestClientGenerateAndRefresh(t *testing.T) {
	_, c := newFake(t)
	ctx := context.Background()
	r, err := c.GenerateToken(ctx, FromEmail(" User@Example.com"))
	require.NoError(t, err)
	require.True(t, r.IsSuccess())
	assert.Equal(t, "AT-refresh-1", r.Identity.AdvertisingToken)
	assert.True(t, r.Identity.IsRefreshable())
	assert.False(t, r.Identity.IsDueForRefresh())

	stored, err := IdentityTokensFromJSON(r.IdentityJSONString())
	require.NoError(t, err)
	r2, err := c.RefreshToken(ctx, stored)
	require.NoError(t, err)
	assert.True(t, r2.IsSuccess())

	r3, err := c.GenerateToken(ctx, FromEmail("optout@example.com"))
	require.NoError(t, err)
	assert.True(t, r3.IsOptout())
	assert.Nil(t, r3.Identity)

	// A refresh token the service does not know: its error and message.
	stored.RefreshToken = "other"
	_, err = c.RefreshToken(ctx, stored)
	var he *HTTPError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, HTTPError{Call: "token refresh", StatusCode: 400, Status: "invalid_token", Message: "Invalid Token presented"}, *he)
}

func TestClientInvalidInputSendsNothing(t *testing.T) {
	f, c := newFake(t)
	_, err := c.GenerateToken(context.Background(), FromEmail("not an email"))
	assert.ErrorIs(t, err, normalize.ErrInvalidEmail)
	_, err = c.GenerateToken(context.Background(), FromPhone("555-555-5555"))
	assert.ErrorIs(t, err, normalize.ErrInvalidPhone)
	_, err = c.RefreshToken(context.Background(), nil)
	assert.Error(t, err)
	assert.Zero(t, f.requests.Load())
}

func TestClientHTTPErrors(t *testing.T) {
	f, c := newFake(t)
	for code, want := range map[int]string{
		400: "token generate: HTTP 400 client_error: Invalid Identifier",
		401: "token generate: HTTP 401 unauthorized",
		429: "token generate: HTTP 429 client_error: Invalid Identifier",
		502: "token generate: HTTP 502",
	} {
		f.fail.Store(int32(code))
		_, err := c.GenerateToken(context.Background(), FromEmail("user@example.com"))
		var he *HTTPError
		require.ErrorAs(t, err, &he)
		assert.Equal(t, code, he.StatusCode)
		assert.EqualError(t, err, want)
		assert.NotContains(t, err.Error(), testAPIKey)
		assert.NotContains(t, err.Error(), pubvectors.ClientSecret)
	}
}

func TestClientTimeout(t *testing.T) {
	f, c := newFake(t)
	f.slow.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.GenerateToken(ctx, FromEmail("user@example.com"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "timed out or cancelled")
	assert.NotContains(t, err.Error(), "127.0.0.1", "no URL in transport errors")
}

func TestNewClientErrors(t *testing.T) {
	for _, c := range []struct{ url, key, secret string }{
		{"ftp://x", "k", pubvectors.ClientSecret},
		{"http://", "k", pubvectors.ClientSecret},
		{"http://x", "", pubvectors.ClientSecret},
		{"http://x", "k", "bad secret key"},
		{"http://x", "k", "c2VjcmV0"},
	} {
		_, err := NewClient(c.url, c.key, c.secret)
		require.Error(t, err, c)
		assert.False(t, strings.Contains(err.Error(), c.secret) && c.secret != "", err.Error())
	}
}
