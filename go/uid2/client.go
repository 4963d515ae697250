// Package uid2 is libuid2's public Go API: the sharing and bidstream
// clients of the official UID2 server-side SDKs, with the same names and
// results, byte-compatible tokens, key refresh over HTTP, and loading keys
// from JSON.
//
// Decrypt and encrypt are safe from any number of goroutines and never wait
// for a refresh: they read an immutable key snapshot that a refresh swaps
// in atomically. A failed refresh keeps the last good keys.
package uid2

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/libuid2/libuid2/go/envelope"
	"github.com/libuid2/libuid2/go/keys"
	"github.com/libuid2/libuid2/go/token"
)

// Version is the library's release version.
const Version = "0.1.0"

// ErrNotConfigured is returned by Refresh on a client made without a base
// URL, API key and secret (one that only loads keys from JSON).
var ErrNotConfigured = errors.New("client has no base URL, API key and secret: it can only load keys from JSON")

// ErrNoKeys is returned for a key response without a single key. No UID2
// service sends one (every caller gets at least the master keys), and
// taking it would leave the client unable to decrypt anything, so it is
// refused like any other bad response and the current keys are kept.
var ErrNoKeys = errors.New("the key response has no keys; the current keys are kept")

// ErrClosed is returned by StartAutoRefresh after Close, and by the waits
// (WaitForKeys, WaitRefreshEvent) when the client is closed.
var ErrClosed = errors.New("client is closed")

// Client is what both clients share. The C ABI drives clients through it.
type Client interface {
	// Refresh fetches keys over HTTP and swaps them in.
	Refresh(ctx context.Context) error
	// RefreshJSON loads keys from a whole key response or its body.
	RefreshJSON(data []byte) error
	// DecryptAppend decrypts token at nowMs (Unix ms; 0 means now) and
	// appends the raw UID to uidBuf[:0]. A sharing client ignores
	// domainOrAppName.
	DecryptAppend(uidBuf []byte, token, domainOrAppName string, nowMs int64) Decrypted
	// SetDefaultIdentityScope sets the scope of keys whose response names
	// none.
	SetDefaultIdentityScope(scope int) error
	StartAutoRefresh(opts AutoRefreshOptions) error
	StopAutoRefresh()
	RefreshState() RefreshState
	WaitForKeys(ctx context.Context) error
	WaitRefreshEvent(ctx context.Context, afterSeq uint64) (RefreshEvent, error)
	EncryptDataAppend(dst []byte, req *EncryptionDataRequest, nowMs int64) ([]byte, Status, error)
	DecryptDataAppend(dst []byte, encrypted string, nowMs int64) DecryptedData
	Close()
}

// core is the state both clients share.
type core struct {
	kind clientKind
	keys atomic.Pointer[keys.Set]
	// defaultScope is the identity scope of keys whose response names none.
	defaultScope atomic.Int32
	baseURL      string
	apiKey       string
	secret       *envelope.Cipher // nil for a JSON-only client
	http         *http.Client

	mu    sync.Mutex // guards state, auto, installed, event, changed, waitClosed
	state RefreshState
	auto  *autoRefresher
	// event is the newest completed refresh attempt; changed is closed
	// when it is replaced or the client closes (events.go).
	event      RefreshEvent
	changed    chan struct{}
	waitClosed bool // Close has woken the waiters for good
	// started numbers refreshes (HTTP and JSON) in the order they start;
	// installed is the number of the one whose keys are in place. A refresh
	// that ends after a later-started one succeeded does not replace its keys.
	started   atomic.Uint64
	installed uint64
	// autoMu serialises starting and stopping automatic refresh.
	autoMu sync.Mutex
	closed bool // guarded by autoMu: no automatic refresh starts after Close
}

func newCore(kind clientKind, baseURL, apiKey, secretKey string) (*core, error) {
	c := &core{kind: kind, baseURL: baseURL, apiKey: apiKey, http: &http.Client{}, changed: make(chan struct{})}
	if secretKey != "" {
		secret, err := envelope.NewCipher(secretKey)
		if err != nil {
			return nil, err
		}
		c.secret = secret
	}
	return c, nil
}

// now resolves the "0 means the system clock" convention.
func now(nowMs int64) int64 {
	if nowMs == 0 {
		return time.Now().UnixMilli()
	}
	return nowMs
}

func (c *core) DecryptAppend(uidBuf []byte, token, domainOrAppName string, nowMs int64) Decrypted {
	var d Decrypted
	d.UID = decrypt(&d, c.keys.Load(), c.kind, token, domainOrAppName, true, now(nowMs), uidBuf)
	return d
}

func (c *core) decryptAt(token, domainOrAppName string, nowMs int64) DecryptionResponse {
	var buf [128]byte
	d := c.DecryptAppend(buf[:0], token, domainOrAppName, nowMs)
	return d.response()
}

// RefreshJSON loads keys from a whole key response ({"body": …}) or its
// body, without HTTP. On error the current keys are kept.
func (c *core) RefreshJSON(data []byte) error {
	n := c.started.Add(1)
	set, err := c.parseKeys(data)
	c.record(n, set, err, false)
	return err
}

// parseKeys reads key JSON with the client's default identity scope, for
// refreshes over HTTP and from JSON alike.
func (c *core) parseKeys(data []byte) (*keys.Set, error) {
	set, err := keys.Parse(data, int(c.defaultScope.Load()))
	if err == nil && set.Len() == 0 {
		return nil, ErrNoKeys
	}
	return set, err
}

// ErrInvalidScope is returned for an identity scope that is neither
// keys.ScopeUID2 nor keys.ScopeEUID.
var ErrInvalidScope = errors.New("identity scope must be UID2 (0) or EUID (1)")

// SetDefaultIdentityScope sets the identity scope (keys.ScopeUID2 or
// keys.ScopeEUID) the client assumes for key responses that name none: the
// legacy array of keys, or a body without "identity_scope". It is UID2
// unless set, as in the official sharing and bidstream clients; an EUID
// participant whose keys come that way sets EUID (the official C++ SDK's
// EUIDClientFactory clients are always EUID). It applies to keys loaded
// after the call: set it before the first refresh.
func (c *core) SetDefaultIdentityScope(scope int) error {
	if scope != keys.ScopeUID2 && scope != keys.ScopeEUID {
		return ErrInvalidScope
	}
	c.defaultScope.Store(int32(scope))
	return nil
}

// record updates the refresh state with the outcome of refresh number n,
// on success swaps in its key set, and publishes the attempt as the newest
// RefreshEvent. The outcome of a refresh that ends after a later-started
// one succeeded is dropped from the state: a slow HTTP refresh must
// neither undo newer keys nor report a failure they made moot (its event
// says what it did, with the state it left unchanged).
func (c *core) record(n uint64, set *keys.Set, err error, automatic bool) RefreshEvent {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := time.Now()
	switch {
	case n < c.installed:
	case err != nil:
		c.state.LastFailure = t
		c.state.LastError = err.Error()
		c.state.ConsecutiveFailures++
	default:
		c.keys.Store(set)
		c.installed = n
		c.state.LastSuccess = t
		c.state.LastError = ""
		c.state.ConsecutiveFailures = 0
	}
	c.event = RefreshEvent{
		Seq:                 c.event.Seq + 1,
		Time:                t,
		Success:             err == nil,
		Automatic:           automatic,
		ConsecutiveFailures: c.state.ConsecutiveFailures,
	}
	if ks := c.keys.Load(); ks != nil {
		c.event.KeyCount = ks.Len()
	}
	if err != nil {
		c.event.Message = err.Error()
	}
	c.notifyLocked()
	return c.event
}

// RefreshState is what a client knows about its keys and refreshes.
type RefreshState struct {
	LastSuccess         time.Time // zero if none
	LastFailure         time.Time // zero if none
	LastError           string    // of the last refresh; "" if it succeeded
	ConsecutiveFailures int
	AutoRefreshRunning  bool
	HasKeys             bool
	KeyCount            int
}

func (c *core) RefreshState() RefreshState {
	c.mu.Lock()
	s := c.state
	s.AutoRefreshRunning = c.auto != nil
	c.mu.Unlock()
	if ks := c.keys.Load(); ks != nil {
		s.HasKeys, s.KeyCount = true, ks.Len()
	}
	return s
}

// Close stops automatic refresh for good: StartAutoRefresh fails with
// ErrClosed after it, also when the two race (the C ABI frees a handle
// while another thread starts its refresh, which would otherwise leave a
// refresher running that nothing can stop). It wakes every waiter
// (WaitForKeys, WaitRefreshEvent), which then return ErrClosed unless what
// they wait for has happened. The client stays usable with its keys.
func (c *core) Close() {
	c.autoMu.Lock()
	defer c.autoMu.Unlock()
	c.closed = true
	c.mu.Lock()
	c.waitClosed = true
	c.notifyLocked()
	c.mu.Unlock()
	c.stopAutoRefresh()
}

// SharingClient encrypts raw UIDs into sharing tokens and decrypts sharing
// tokens, with keys from /v2/key/sharing.
type SharingClient struct{ *core }

// NewSharingClient makes a client for the UID2 service at baseURL (e.g.
// "https://prod.uidapi.com") with the API key and the base64 client secret
// of a participant with the SHARER role. All three may be empty for a
// client that only loads keys with RefreshJSON. The client has no keys
// until a refresh succeeds.
func NewSharingClient(baseURL, apiKey, secretKey string) (*SharingClient, error) {
	c, err := newCore(sharingKind, baseURL, apiKey, secretKey)
	if err != nil {
		return nil, err
	}
	return &SharingClient{c}, nil
}

// DecryptTokenIntoRawUID decrypts a sharing token at the current time.
func (c *SharingClient) DecryptTokenIntoRawUID(token string) DecryptionResponse {
	return c.decryptAt(token, "", 0)
}

// DecryptTokenIntoRawUIDAt decrypts a sharing token as of now.
func (c *SharingClient) DecryptTokenIntoRawUIDAt(token string, now time.Time) DecryptionResponse {
	return c.decryptAt(token, "", now.UnixMilli())
}

// EncryptOptions are the optional inputs of an encrypt.
type EncryptOptions struct {
	Now      time.Time // zero means the current time
	KeysetID int64     // 0 means the caller's default keyset
}

func (o EncryptOptions) nowMs() int64 {
	if o.Now.IsZero() {
		return 0
	}
	return o.Now.UnixMilli()
}

// EncryptRawUIDIntoToken encrypts a raw UID into a v4 sharing token with
// the active key of the caller's default keyset.
func (c *SharingClient) EncryptRawUIDIntoToken(rawUID string) EncryptionDataResponse {
	return c.EncryptRawUIDIntoTokenWith(rawUID, EncryptOptions{})
}

// EncryptRawUIDIntoTokenWith encrypts with a given time or keyset.
func (c *SharingClient) EncryptRawUIDIntoTokenWith(rawUID string, opts EncryptOptions) EncryptionDataResponse {
	// The token is written straight into the string's bytes (a buffer on
	// the stack, then a copy into a new string, cost a tenth of the call).
	// A raw UID's text is at least 4/3 of its bytes, so the capacity always
	// suffices; out is not touched again once it is the string.
	out := make([]byte, 0, token.V4TextLen(len(rawUID)*3/4))
	out, status := c.EncryptAppend(out, rawUID, opts.nowMs(), opts.KeysetID)
	if status != Success {
		return EncryptionDataResponse{Status: status}
	}
	return EncryptionDataResponse{Status: status, EncryptedData: unsafe.String(unsafe.SliceData(out), len(out))}
}

// EncryptAppend encrypts at nowMs (0 means now) with keysetID (0 means the
// default keyset) and appends the token to dst: the allocation-free form
// the C ABI uses.
func (c *SharingClient) EncryptAppend(dst []byte, rawUID string, nowMs, keysetID int64) ([]byte, Status) {
	var nonces [NonceSize]byte
	randomNonces(&nonces)
	return encrypt(c.keys.Load(), dst, rawUID, now(nowMs), keysetID, &nonces)
}

// EncryptAppendWithNoncesInsecureForTests is EncryptAppend with the two GCM
// nonces given instead of drawn from the system's random source.
//
// INSECURE — FOR TESTS ONLY: it exists so that test vectors are
// byte-exact. A GCM nonce used twice with one key reveals the plaintexts
// and lets anyone forge tokens under that key.
func (c *SharingClient) EncryptAppendWithNoncesInsecureForTests(dst []byte, rawUID string, nowMs, keysetID int64, nonces [NonceSize]byte) ([]byte, Status) {
	return encrypt(c.keys.Load(), dst, rawUID, now(nowMs), keysetID, &nonces)
}

// BidstreamClient decrypts bidstream tokens with keys from
// /v2/key/bidstream, checking the domain or app name of client-side
// generated tokens.
type BidstreamClient struct{ *core }

// NewBidstreamClient makes a client for a participant with the ID_READER
// role; see NewSharingClient.
func NewBidstreamClient(baseURL, apiKey, secretKey string) (*BidstreamClient, error) {
	c, err := newCore(bidstreamKind, baseURL, apiKey, secretKey)
	if err != nil {
		return nil, err
	}
	return &BidstreamClient{c}, nil
}

// DecryptTokenIntoRawUID decrypts a bidstream token at the current time.
// domainOrAppName is the site's registrable domain or app id where the ad
// will show, or "" if unknown (then client-side generated tokens fail the
// check).
func (c *BidstreamClient) DecryptTokenIntoRawUID(token, domainOrAppName string) DecryptionResponse {
	return c.decryptAt(token, domainOrAppName, 0)
}

// DecryptTokenIntoRawUIDAt decrypts a bidstream token as of now.
func (c *BidstreamClient) DecryptTokenIntoRawUIDAt(token, domainOrAppName string, now time.Time) DecryptionResponse {
	return c.decryptAt(token, domainOrAppName, now.UnixMilli())
}
