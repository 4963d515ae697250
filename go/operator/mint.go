package operator

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/libuid2/libuid2/go/token"
)

// Key is a key as minting uses it: its id and 32-byte secret.
type Key struct {
	ID     int64
	Secret []byte
}

func (k Key) aead() (cipher.AEAD, error) {
	block, err := aes.NewCipher(k.Secret)
	if err != nil {
		return nil, fmt.Errorf("key %d: %w", k.ID, err)
	}
	return cipher.NewGCM(block)
}

// Keys are the active keys at issue time: the master key (keyset -1), the
// publisher's site key (its default keyset) and the refresh key (keyset
// -2).
type Keys struct {
	Master, Site, Refresh Key
}

// Lifetimes are the operator's token lifetimes in seconds
// (uid2-spec-publisher §1.8).
type Lifetimes struct {
	IdentityS     int64 // identity_token_expires_after_seconds
	RefreshS      int64 // refresh_token_expires_after_seconds
	RefreshAfterS int64 // refresh_identity_token_after_seconds
}

// ErrLifetimes means refresh ≥ identity ≥ refresh-after does not hold
// (the operator refuses to mint then).
var ErrLifetimes = errors.New("token lifetimes must satisfy refresh >= identity >= refresh-after > 0")

func (l Lifetimes) valid() bool {
	return l.RefreshAfterS > 0 && l.IdentityS >= l.RefreshAfterS && l.RefreshS >= l.IdentityS
}

// Identity is what a token is minted for.
type Identity struct {
	Scope, IdentityType int
	SiteID              int64 // the publisher's site
	// PrivacyBits: 1 for server-side token generate, 3 for client-side.
	PrivacyBits    uint32
	EstablishedMs  int64 // the first generate; kept across refreshes
	FirstLevelHash [32]byte
	RawUID         []byte // from the bucket's current salt
}

// Tokens is a minted identity: the fields of the generate/refresh
// response body.
type Tokens struct {
	AdvertisingToken   string
	RefreshToken       string // the 388-character wrapper
	IdentityExpiresMs  int64
	RefreshExpiresMs   int64
	RefreshFromMs      int64
	RefreshResponseKey string
}

// Mint builds the v4 advertising token, the v3 refresh token and its
// wrapper at nowMs (uid2-spec-publisher §1.7 steps 6-8). random supplies,
// in this order, the site layer's IV, the master layer's IV, the inner
// refresh token's IV, the wrapper's IV (12 bytes each) and the 32-byte
// refresh_response_key: crypto/rand.Reader in service, fixed bytes in the
// tests.
func Mint(nowMs int64, id *Identity, keys *Keys, life Lifetimes, random io.Reader) (*Tokens, error) {
	if !life.valid() {
		return nil, ErrLifetimes
	}
	master, err := keys.Master.aead()
	if err != nil {
		return nil, err
	}
	site, err := keys.Site.aead()
	if err != nil {
		return nil, err
	}
	refresh, err := keys.Refresh.aead()
	if err != nil {
		return nil, err
	}
	var r [4*12 + 32]byte
	if _, err := io.ReadFull(random, r[:]); err != nil {
		return nil, fmt.Errorf("reading random bytes: %w", err)
	}
	var nonces [24]byte // master layer, then site layer
	copy(nonces[:12], r[12:24])
	copy(nonces[12:], r[:12])
	var refreshIV, wrapperIV [12]byte
	copy(refreshIV[:], r[24:36])
	copy(wrapperIV[:], r[36:48])
	responseKey := base64.StdEncoding.EncodeToString(r[48:])

	t := &Tokens{
		IdentityExpiresMs:  nowMs + life.IdentityS*1000,
		RefreshExpiresMs:   nowMs + life.RefreshS*1000,
		RefreshFromMs:      nowMs + life.RefreshAfterS*1000,
		RefreshResponseKey: responseKey,
	}
	ad := token.V4Token{
		Scope: id.Scope, IdentityType: id.IdentityType,
		MasterKeyID: keys.Master.ID, SiteKeyID: keys.Site.ID,
		ExpiryMs: t.IdentityExpiresMs, GeneratedMs: nowMs,
		SiteID: id.SiteID, PrivacyBits: id.PrivacyBits,
		EstablishedMs: id.EstablishedMs, RefreshedMs: nowMs,
		UID: id.RawUID,
	}
	t.AdvertisingToken = string(token.AppendV4(nil, nil, &ad, master, site, &nonces))
	rt := token.RefreshToken{
		Scope: id.Scope, IdentityType: id.IdentityType, KeyID: keys.Refresh.ID,
		ExpiresMs: t.RefreshExpiresMs, CreatedMs: nowMs,
		SiteID: id.SiteID, PrivacyBits: id.PrivacyBits,
		EstablishedMs: id.EstablishedMs, FirstLevelHash: id.FirstLevelHash,
	}
	w := token.Wrapper{
		Scope: id.Scope, KeyID: keys.Refresh.ID, ResponseKey: responseKey,
		RefreshToken: string(token.AppendRefreshV3(nil, &rt, refresh, &refreshIV)),
	}
	if t.RefreshToken, err = token.EncodeWrapper(&w, refresh, &wrapperIV); err != nil {
		return nil, err
	}
	return t, nil
}

// BodyJSON is the response body in the operator's key order:
// advertising_token, refresh_token, identity_expires, refresh_expires,
// refresh_from, refresh_response_key.
func (t *Tokens) BodyJSON() []byte {
	b := []byte(`{"advertising_token":`)
	b = appendJSONString(b, t.AdvertisingToken)
	b = append(b, `,"refresh_token":`...)
	b = appendJSONString(b, t.RefreshToken)
	b = append(b, `,"identity_expires":`...)
	b = strconv.AppendInt(b, t.IdentityExpiresMs, 10)
	b = append(b, `,"refresh_expires":`...)
	b = strconv.AppendInt(b, t.RefreshExpiresMs, 10)
	b = append(b, `,"refresh_from":`...)
	b = strconv.AppendInt(b, t.RefreshFromMs, 10)
	b = append(b, `,"refresh_response_key":`...)
	b = appendJSONString(b, t.RefreshResponseKey)
	return append(b, '}')
}

func appendJSONString(b []byte, s string) []byte {
	js, _ := json.Marshal(s) // base64 text: nothing to escape
	return append(b, js...)
}

// Errors of OpenRefresh, in the operator's terms (§1.5).
var (
	// ErrInvalidToken: the wrapper or inner token does not decode, names an
	// unknown key, or is of another identity scope ("invalid_token").
	ErrInvalidToken = errors.New("invalid refresh token")
	// ErrExpiredToken: the refresh token is past its expiry
	// ("expired_token").
	ErrExpiredToken = errors.New("expired refresh token")
	// ErrDeprecatedToken: established before 2021-03-08T17:00Z; the
	// operator answers opt-out.
	ErrDeprecatedToken = errors.New("refresh token of a deprecated identity")
)

// deprecatedBeforeMs is 2021-03-08T17:00:00Z.
const deprecatedBeforeMs = 1615222800000

// Presented is an opened refresh request.
type Presented struct {
	Token token.RefreshToken
	// ResponseKey encrypts the response; empty for a legacy request (not
	// a 388-character wrapper), whose answer the operator sends in plain
	// JSON.
	ResponseKey string
}

// OpenRefresh reads a refresh request body as the operator does (§1.4,
// §1.7 "Refresh"): a 388-character body is a wrapper, anything else the
// inner token itself; the token must be of the operator's scope, not
// deprecated and not expired at nowMs. key looks refresh keys up by id,
// whatever their activation or expiry. Opt-out is the caller's check
// (by Token.FirstLevelHash), then Reissue.
func OpenRefresh(body string, nowMs int64, scope int, key func(id int64) cipher.Block) (*Presented, error) {
	p := &Presented{}
	inner := body
	if len(body) == token.WrapperLen {
		w, err := token.DecodeWrapper(body, key)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
		}
		inner, p.ResponseKey = w.RefreshToken, w.ResponseKey
	}
	rt, err := token.DecodeRefresh(inner, key)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	switch {
	case rt.Scope != scope:
		return nil, ErrInvalidToken
	case rt.EstablishedMs < deprecatedBeforeMs:
		return nil, ErrDeprecatedToken
	case rt.ExpiresMs < nowMs:
		return nil, ErrExpiredToken
	}
	p.Token = rt
	return p, nil
}

// Reissue is the identity a refresh mints for: the presented token's
// publisher, privacy bits, first-level hash and original established
// time, with rawUID recomputed from the bucket's current salt (so it
// follows a rotation).
func (p *Presented) Reissue(rawUID []byte) *Identity {
	t := &p.Token
	return &Identity{
		Scope: t.Scope, IdentityType: t.IdentityType, SiteID: t.SiteID,
		PrivacyBits: t.PrivacyBits, EstablishedMs: t.EstablishedMs,
		FirstLevelHash: t.FirstLevelHash, RawUID: rawUID,
	}
}
