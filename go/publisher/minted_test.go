package publisher

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
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
	"github.com/libuid2/libuid2/go/operator"
	"github.com/libuid2/libuid2/go/token"
	"github.com/libuid2/libuid2/go/uid2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mintingService answers generate and refresh with tokens minted by
// package operator, from the spec's 2022 test keys and salts: what the key
// service will do, without its state.
type mintingService struct {
	t        *testing.T
	keys     operator.Keys
	refresh  cipher.Block
	buckets  []operator.Bucket
	nowShift atomic.Int64 // ms added to the clock, to age tokens
	// optout holds the first-level hashes of users who opted out since
	// their token was generated.
	optout    map[[32]byte]bool
	refreshes atomic.Int32
	overlap   int32 // refreshes wait (a while) until this many are in flight
	inFlight  atomic.Int32
	maxFlight atomic.Int32
}

func mustB64(t *testing.T, s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	require.NoError(t, err)
	return b
}

func newMintingService(t *testing.T) *mintingService {
	s := &mintingService{t: t, buckets: make([]operator.Bucket, pubvectors.SaltBuckets), optout: map[[32]byte]bool{}}
	s.keys = operator.Keys{
		Master:  operator.Key{ID: pubvectors.MasterKeyID, Secret: mustB64(t, pubvectors.MasterKeySecret)},
		Site:    operator.Key{ID: pubvectors.SiteKeyID, Secret: mustB64(t, pubvectors.SiteKeySecret)},
		Refresh: operator.Key{ID: pubvectors.RefreshKeyID, Secret: mustB64(t, pubvectors.RefreshKeySecret)},
	}
	var err error
	s.refresh, err = token.NewKey(s.keys.Refresh.Secret)
	require.NoError(t, err)
	for i := range s.buckets {
		s.buckets[i].CurrentSalt = "salt-of-bucket-" + strconv.Itoa(i)
	}
	s.buckets[3].CurrentSalt = pubvectors.Bucket3Salt
	return s
}

func (s *mintingService) now() int64 { return time.Now().UnixMilli() + s.nowShift.Load() }

func (s *mintingService) mint(id *operator.Identity) []byte {
	life := operator.Lifetimes{IdentityS: 3600, RefreshS: 86400, RefreshAfterS: 900}
	tokens, err := operator.Mint(s.now(), id, &s.keys, life, rand.Reader)
	require.NoError(s.t, err)
	return []byte(`{"body":` + string(tokens.BodyJSON()) + `,"status":"success"}`)
}

func (s *mintingService) rawUID(flh [32]byte) []byte {
	uid, err := s.buckets[operator.BucketIndex(flh, len(s.buckets))].RawUID(flh, token.TypeEmail, operator.RawUIDOptions{})
	require.NoError(s.t, err)
	return uid
}

func (s *mintingService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	switch r.URL.Path {
	case "/v2/token/generate":
		secret, _ := envelope.NewCipher(pubvectors.ClientSecret)
		_, nonce, payload, err := secret.OpenRequest(body)
		require.NoError(s.t, err)
		var in struct {
			EmailHash string `json:"email_hash"`
		}
		require.NoError(s.t, json.Unmarshal(payload, &in))
		flh := operator.FirstLevelHash(in.EmailHash, pubvectors.FirstLevelSalt)
		resp := s.mint(&operator.Identity{
			SiteID: pubvectors.SiteID, PrivacyBits: 1, EstablishedMs: s.now(),
			FirstLevelHash: flh, RawUID: s.rawUID(flh),
		})
		_, _ = io.WriteString(w, secret.SealResponse(s.now(), nonce, resp, [12]byte{}))
	case "/v2/token/refresh":
		s.refreshes.Add(1)
		s.holdForOverlap()
		p, err := operator.OpenRefresh(string(body), s.now(), 0, func(id int64) cipher.Block {
			if id == s.keys.Refresh.ID {
				return s.refresh
			}
			return nil
		})
		if err != nil {
			status := "invalid_token"
			if errors.Is(err, operator.ErrExpiredToken) {
				status = "expired_token"
			}
			w.WriteHeader(http.StatusBadRequest)
			_, _ = fmt.Fprintf(w, `{"status":%q,"message":"refused"}`, status)
			return
		}
		key, _ := envelope.NewCipher(p.ResponseKey)
		resp := []byte(`{"status":"optout"}`)
		if !s.optout[p.Token.FirstLevelHash] {
			resp = s.mint(p.Reissue(s.rawUID(p.Token.FirstLevelHash)))
		}
		_, _ = io.WriteString(w, key.SealRefreshResponse(resp, [12]byte{}))
	}
}

// holdForOverlap keeps a request until s.overlap are in flight (or a
// while has passed) and records the most in flight at once.
func (s *mintingService) holdForOverlap() {
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for m := s.maxFlight.Load(); n > m && !s.maxFlight.CompareAndSwap(m, n); m = s.maxFlight.Load() {
	}
	if s.overlap == 0 {
		return
	}
	for deadline := time.Now().Add(200 * time.Millisecond); s.inFlight.Load() < s.overlap && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	// Long enough for requests beyond the bound to arrive, if a client
	// sent them.
	time.Sleep(20 * time.Millisecond)
	n = s.inFlight.Load()
	for m := s.maxFlight.Load(); n > m && !s.maxFlight.CompareAndSwap(m, n); m = s.maxFlight.Load() {
	}
}

// bidder is a DSP's BidstreamClient with the master and site keys.
func bidder(t *testing.T) *uid2.BidstreamClient {
	c, err := uid2.NewBidstreamClient("http://127.0.0.1:1", "k", pubvectors.ClientSecret)
	require.NoError(t, err)
	key := func(id, keyset int, secret string) string {
		return fmt.Sprintf(`{"id":%d,"keyset_id":%d,"created":0,"activates":0,"expires":9999999999999,"secret":%q}`, id, keyset, secret)
	}
	require.NoError(t, c.RefreshJSON([]byte(`{"body":{"caller_site_id":99,"master_keyset_id":1,"token_expiry_seconds":2592000,`+
		`"max_bidstream_lifetime_seconds":3610,"identity_scope":"UID2","keys":[`+
		key(pubvectors.MasterKeyID, 1, pubvectors.MasterKeySecret)+","+key(pubvectors.SiteKeyID, 2, pubvectors.SiteKeySecret)+
		`]},"status":"success"}`)))
	return c
}

// A publisher generates and refreshes against minted tokens; a DSP
// decrypts both advertising tokens to the raw UID of the official chain,
// with the first generate's established time.
func TestClientAgainstMintedTokens(t *testing.T) {
	svc := newMintingService(t)
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL, testAPIKey, pubvectors.ClientSecret)
	require.NoError(t, err)
	dsp := bidder(t)
	ctx := context.Background()

	gen, err := c.GenerateToken(ctx, FromEmail("USER@example.com"))
	require.NoError(t, err)
	require.True(t, gen.IsSuccess())
	first := dsp.DecryptTokenIntoRawUID(gen.Identity.AdvertisingToken, "")
	require.True(t, first.Success(), first.Status.String())
	assert.Equal(t, pubvectors.RawUID, first.UID)
	assert.Equal(t, int32(pubvectors.SiteID), first.SiteID)
	assert.Equal(t, int32(4), first.AdvertisingTokenVersion)

	stored, err := IdentityTokensFromJSON(gen.IdentityJSONString())
	require.NoError(t, err)
	svc.nowShift.Store(1000)
	ref, err := c.RefreshToken(ctx, stored)
	require.NoError(t, err)
	require.True(t, ref.IsSuccess())
	assert.NotEqual(t, stored.RefreshResponseKey, ref.Identity.RefreshResponseKey)
	second := dsp.DecryptTokenIntoRawUIDAt(ref.Identity.AdvertisingToken, "", time.Now().Add(time.Second))
	require.True(t, second.Success(), second.Status.String())
	assert.Equal(t, pubvectors.RawUID, second.UID)
	assert.Equal(t, first.Established, second.Established)

	// A second refresh still carries the first generate's established
	// time, not the previous refresh's.
	svc.nowShift.Store(2000)
	ref, err = c.RefreshToken(ctx, ref.Identity)
	require.NoError(t, err)
	third := dsp.DecryptTokenIntoRawUIDAt(ref.Identity.AdvertisingToken, "", time.Now().Add(2*time.Second))
	require.True(t, third.Success(), third.Status.String())
	assert.Equal(t, first.Established, third.Established)

	// Once the refresh token has expired the service refuses it.
	svc.nowShift.Store(86403e3)
	_, err = c.RefreshToken(ctx, ref.Identity)
	var he *HTTPError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, "expired_token", he.Status)
}
