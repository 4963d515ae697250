package publisher

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"time"
)

// IdentityTokens is what token generate and refresh return and what a
// publisher keeps in a user's session: the advertising token, the refresh
// token and their times (epoch milliseconds).
type IdentityTokens struct {
	AdvertisingToken string
	RefreshToken     string
	// RefreshResponseKey decrypts the response to refreshing RefreshToken;
	// empty for identities of the legacy v1 sessions, whose refresh answers
	// are not encrypted.
	RefreshResponseKey string
	IdentityExpiresMs  int64 // the advertising token's expiry
	RefreshExpiresMs   int64 // the refresh token's expiry
	RefreshFromMs      int64 // when a refresh is due
	json               string
}

// Errors of IdentityTokensFromJSON, worded as the Java SDK's.
var (
	ErrInvalidJSON  = errors.New("invalid json string")
	ErrMissingField = errors.New("missing field in json string")
)

// identityJSON reads the fields the Java SDK requires; a field that is
// absent or null stays nil.
type identityJSON struct {
	AdvertisingToken   json.RawMessage `json:"advertising_token"`
	RefreshToken       json.RawMessage `json:"refresh_token"`
	RefreshResponseKey json.RawMessage `json:"refresh_response_key"`
	IdentityExpires    json.RawMessage `json:"identity_expires"`
	RefreshExpires     json.RawMessage `json:"refresh_expires"`
	RefreshFrom        json.RawMessage `json:"refresh_from"`
}

// IdentityTokensFromJSON reads a stored identity (or a response's body):
// a JSON object with advertising_token, refresh_token, identity_expires,
// refresh_expires and refresh_from (ErrMissingField if one is absent or
// null, as Java), and optionally refresh_response_key (absent in saved v1
// sessions; null is taken as absent, where Java would fail). Times may be JSON integers or strings of digits (Gson's
// getAsLong reads both). JSONString gives the object back compact, with
// its key order and unknown keys, as Java's getJsonString does; the only
// difference from Java is that string escapes are kept as they were
// written rather than re-escaped.
func IdentityTokensFromJSON(s string) (*IdentityTokens, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(s)); err != nil {
		return nil, ErrInvalidJSON
	}
	compact := buf.Bytes()
	if len(compact) == 0 || compact[0] != '{' {
		return nil, ErrInvalidJSON
	}
	var raw identityJSON
	if err := json.Unmarshal(compact, &raw); err != nil {
		return nil, ErrInvalidJSON
	}
	t := &IdentityTokens{json: string(compact)}
	var err error
	for _, f := range []struct {
		raw []byte
		dst *string
	}{{raw.AdvertisingToken, &t.AdvertisingToken}, {raw.RefreshToken, &t.RefreshToken}} {
		if *f.dst, err = stringField(f.raw); err != nil {
			return nil, err
		}
	}
	if !isNull(raw.RefreshResponseKey) {
		if t.RefreshResponseKey, err = stringField(raw.RefreshResponseKey); err != nil {
			return nil, err
		}
	}
	for _, f := range []struct {
		raw []byte
		dst *int64
	}{{raw.IdentityExpires, &t.IdentityExpiresMs}, {raw.RefreshExpires, &t.RefreshExpiresMs}, {raw.RefreshFrom, &t.RefreshFromMs}} {
		if *f.dst, err = msField(f.raw); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func isNull(raw []byte) bool { return raw == nil || string(raw) == "null" }

func stringField(raw []byte) (string, error) {
	if isNull(raw) {
		return "", ErrMissingField
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", ErrInvalidJSON
	}
	return s, nil
}

func msField(raw []byte) (int64, error) {
	if isNull(raw) {
		return 0, ErrMissingField
	}
	text := string(raw)
	if raw[0] == '"' {
		if json.Unmarshal(raw, &text) != nil {
			return 0, ErrInvalidJSON
		}
	}
	ms, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return 0, ErrInvalidJSON
	}
	return ms, nil
}

// JSONString is the identity as it arrived, compact: what to store.
func (t *IdentityTokens) JSONString() string { return t.json }

// IsRefreshable reports whether the refresh token may still be used:
// now is not after refresh_expires. An identity that is not refreshable
// should be dropped.
func (t *IdentityTokens) IsRefreshable() bool { return t.IsRefreshableAt(time.Now()) }

// IsRefreshableAt is IsRefreshable at a given time. As Java's Instant
// comparisons, it is exact to below the millisecond: refresh_expires
// itself, and any instant within its millisecond, is still refreshable.
func (t *IdentityTokens) IsRefreshableAt(now time.Time) bool {
	return t.RefreshToken != "" && !now.After(time.UnixMilli(t.RefreshExpiresMs))
}

// IsDueForRefresh reports whether now is after refresh_from or after
// identity_expires.
func (t *IdentityTokens) IsDueForRefresh() bool { return t.IsDueForRefreshAt(time.Now()) }

// IsDueForRefreshAt is IsDueForRefresh at a given time.
func (t *IdentityTokens) IsDueForRefreshAt(now time.Time) bool {
	return now.After(time.UnixMilli(t.RefreshFromMs)) || t.hasExpiredAt(now)
}

func (t *IdentityTokens) hasExpiredAt(now time.Time) bool {
	return now.After(time.UnixMilli(t.IdentityExpiresMs))
}
