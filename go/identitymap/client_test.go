package identitymap

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libuid2/libuid2/go/envelope"
	"github.com/libuid2/libuid2/go/internal/pubvectors"
	"github.com/libuid2/libuid2/go/normalize"
	"github.com/libuid2/libuid2/go/operator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testAPIKey = "mapper-key-never-in-errors"

// mapService answers /v3/identity/map as the operator does, from the
// spec's 2022 test salts (bucket 3 rotated, the others not): raw UIDs from
// package operator, opt-out for optout@example.com, invalid identifiers
// for hashes it does not accept. failHash makes any request carrying that
// hash fail with a 500.
type mapService struct {
	t          *testing.T
	buckets    []operator.Bucket
	failHash   string
	requests   atomic.Int32
	inFlight   atomic.Int32
	maxFlight  atomic.Int32
	maxPerCall atomic.Int32
	// textAnswers answers in base64 text rather than binary.
	textAnswers bool
}

func newMapService(t *testing.T) *mapService {
	s := &mapService{t: t, buckets: make([]operator.Bucket, pubvectors.SaltBuckets)}
	far := time.Now().Add(400 * 24 * time.Hour).UnixMilli()
	for i := range s.buckets {
		s.buckets[i] = operator.Bucket{CurrentSalt: "bucket-" + strconv.Itoa(i), RefreshFromMs: far}
	}
	s.buckets[3] = operator.Bucket{CurrentSalt: pubvectors.Bucket3Salt, PreviousSalt: "old-salt",
		LastUpdatedMs: time.Now().Add(-24 * time.Hour).UnixMilli(), RefreshFromMs: far}
	return s
}

func (s *mapService) element(hash string, typ int, now int64) any {
	h, err := normalize.HashInput(hash)
	if err != nil {
		return map[string]string{"e": "invalid identifier"}
	}
	if h == normalize.Hash("optout@example.com") {
		return map[string]string{"e": "optout"}
	}
	flh := operator.FirstLevelHash(h, pubvectors.FirstLevelSalt)
	b := &s.buckets[operator.BucketIndex(flh, len(s.buckets))]
	u, err := b.RawUID(flh, typ, operator.RawUIDOptions{})
	require.NoError(s.t, err)
	cur := base64.StdEncoding.EncodeToString(u)
	var prev *string
	if p, ok, _ := b.PreviousRawUID(flh, typ, operator.RawUIDOptions{}, now); ok {
		text := base64.StdEncoding.EncodeToString(p)
		prev = &text
	}
	r := b.RefreshFrom(now) / 1000
	return struct {
		U string  `json:"u"`
		P *string `json:"p"`
		R int64   `json:"r"`
	}{cur, prev, r}
}

func (s *mapService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		m := s.maxFlight.Load()
		if n <= m || s.maxFlight.CompareAndSwap(m, n) {
			break
		}
	}
	// Hold each request until another is in flight (or a while has
	// passed), so that a client's overlap shows.
	for deadline := time.Now().Add(200 * time.Millisecond); s.inFlight.Load() < 2 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	// Long enough for requests beyond a client's bound to arrive.
	time.Sleep(10 * time.Millisecond)
	n = s.inFlight.Load()
	for m := s.maxFlight.Load(); n > m && !s.maxFlight.CompareAndSwap(m, n); m = s.maxFlight.Load() {
	}
	assert.Equal(s.t, "/v3/identity/map", r.URL.Path)
	assert.Equal(s.t, "Bearer "+testAPIKey, r.Header.Get("Authorization"))
	// The binary envelope, as the official clients send it.
	assert.Equal(s.t, "application/octet-stream", r.Header.Get("Content-Type"))
	body, _ := io.ReadAll(r.Body)
	secret, _ := envelope.NewCipher(pubvectors.ClientSecret)
	_, nonce, payload, err := secret.OpenRequestBytes(body)
	require.NoError(s.t, err)
	var req map[string][]string
	require.NoError(s.t, json.Unmarshal(payload, &req))
	count := int32(len(req["email_hash"]) + len(req["phone_hash"]))
	for {
		m := s.maxPerCall.Load()
		if count <= m || s.maxPerCall.CompareAndSwap(m, count) {
			break
		}
	}
	now := time.Now().UnixMilli()
	out := map[string][]any{"email": {}, "phone": {}, "email_hash": {}, "phone_hash": {}}
	for typ, key := range []string{"email_hash", "phone_hash"} {
		for _, h := range req[key] {
			if h == s.failHash {
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = io.WriteString(w, `{"status":"unknown","message":"Unknown State"}`)
				return
			}
			out[key] = append(out[key], s.element(h, typ, now))
		}
	}
	js, _ := json.Marshal(map[string]any{"body": out, "status": "success"})
	if s.textAnswers {
		_, _ = io.WriteString(w, secret.SealResponse(now, nonce, js, [12]byte{}))
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(secret.SealResponseBytes(now, nonce, js, [12]byte{}))
}

func newMapClient(t *testing.T) (*mapService, *Client) {
	s := newMapService(t)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL, testAPIKey, pubvectors.ClientSecret)
	require.NoError(t, err)
	return s, c
}

// The same email maps to the raw UID inside the official tokens
// (uid2-spec-publisher §1.11.3), with the previous one after a rotation.
func TestClientMapsTheOfficialChain(t *testing.T) {
	s, c := newMapClient(t)
	in := FromEmails([]string{"USER@example.com", "user@example.com", "optout@example.com", "not an email"}).
		WithHashedEmails([]string{"not a hash"}).WithPhones([]string{"+12345678901"})
	r, err := c.GenerateIdentityMap(context.Background(), in)
	require.NoError(t, err)
	for _, e := range []string{"USER@example.com", "user@example.com"} {
		m := r.Mapped[e]
		assert.Equal(t, pubvectors.RawUID, m.CurrentRawUID, e)
		assert.NotEmpty(t, m.PreviousRawUID)
		assert.True(t, m.RefreshFrom.After(time.Now()))
	}
	assert.Contains(t, r.Mapped, "+12345678901")

	// A service that answers a binary request in base64 text is read too.
	s.textAnswers = true
	r2, err := c.GenerateIdentityMap(context.Background(), in)
	require.NoError(t, err)
	assert.Equal(t, r, r2)
	assert.Equal(t, map[string]UnmappedIdentity{
		"optout@example.com": {ReasonOptout, "optout"},
		"not an email":       {ReasonInvalidIdentifier, "invalid identifier"},
		"not a hash":         {ReasonInvalidIdentifier, "invalid identifier"},
	}, r.Unmapped)
}

func TestClientChunksAndBoundsInFlight(t *testing.T) {
	s, c := newMapClient(t)
	c.ChunkSize, c.MaxInFlight = 7, 2
	var emails []string
	for i := 0; i < 100; i++ {
		emails = append(emails, fmt.Sprintf("user%d@example.com", i))
	}
	in := FromEmails(emails).WithPhones([]string{"+12345678901", "+12345678902"})
	r, err := c.GenerateIdentityMap(context.Background(), in)
	require.NoError(t, err)
	assert.Len(t, r.Mapped, 102)
	assert.Equal(t, int32(15), s.requests.Load(), "102 identities in requests of 7")
	assert.Equal(t, int32(7), s.maxPerCall.Load())
	assert.LessOrEqual(t, s.maxFlight.Load(), int32(2))
	assert.Equal(t, int32(2), s.maxFlight.Load(), "requests overlap up to the bound")

	// Everything invalid: nothing to send.
	before := s.requests.Load()
	r, err = c.GenerateIdentityMap(context.Background(), FromEmails([]string{"x"}))
	require.NoError(t, err)
	assert.Equal(t, before, s.requests.Load())
	assert.Len(t, r.Unmapped, 1)
}

// A failed request is an error naming its inputs; the others are mapped.
func TestClientFailedChunk(t *testing.T) {
	s, c := newMapClient(t)
	c.ChunkSize = 2
	s.failHash = normalize.Hash("c@example.com")
	in := FromEmails([]string{"a@example.com", "b@example.com", "c@example.com", "C@Example.com", "d@example.com", "e@example.com"})
	r, err := c.GenerateIdentityMap(context.Background(), in)
	var ce *ChunkError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, []string{"c@example.com", "C@Example.com", "d@example.com"}, ce.Inputs)
	var he *HTTPError
	require.True(t, errors.As(err, &he))
	assert.Equal(t, 500, he.StatusCode)
	assert.Equal(t, "identity map: 3 inputs not mapped: identity map: HTTP 500 unknown: Unknown State", err.Error())
	assert.NotContains(t, err.Error(), "example.com")
	assert.Len(t, r.Mapped, 3)
	for _, e := range []string{"a@example.com", "b@example.com", "e@example.com"} {
		assert.Contains(t, r.Mapped, e)
	}
}
