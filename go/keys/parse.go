package keys

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// wholeInt is an integer field of key JSON. Like the official SDKs
// (Gson's getAsLong, Json.NET's Value<long>), it also takes a number
// written as a float when its value is whole (259200.0, 2.592e5); unlike
// them, it refuses a fraction (259200.5), which they round or truncate.
type wholeInt int64

func (w *wholeInt) UnmarshalJSON(b []byte) error {
	text := string(b)
	if v, err := strconv.ParseInt(text, 10, 64); err == nil {
		*w = wholeInt(v)
		return nil
	}
	// A JSON number here (a string or other value is a type error): exact
	// rational arithmetic, so that no float rounding makes it whole.
	r, ok := new(big.Rat).SetString(text)
	if !ok || text[0] == '"' {
		return &json.UnmarshalTypeError{Value: jsonKind(text), Type: reflect.TypeFor[int64]()}
	}
	if !r.IsInt() || !r.Num().IsInt64() {
		return &json.UnmarshalTypeError{Value: "number that is not a whole int64", Type: reflect.TypeFor[int64]()}
	}
	*w = wholeInt(r.Num().Int64())
	return nil
}

// jsonKind names the kind of a JSON value by its first byte.
func jsonKind(text string) string {
	switch text[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	}
	return "value"
}

type keyJSON struct {
	ID        *wholeInt `json:"id"`
	KeysetID  *wholeInt `json:"keyset_id"`
	SiteID    *wholeInt `json:"site_id"`
	Created   *wholeInt `json:"created"`
	Activates *wholeInt `json:"activates"`
	Expires   *wholeInt `json:"expires"`
	Secret    *string   `json:"secret"`
}

type siteJSON struct {
	ID          wholeInt `json:"id"`
	DomainNames []string `json:"domain_names"`
}

// bodyJSON is the body of /v2/key/sharing and /v2/key/bidstream.
type bodyJSON struct {
	CallerSiteID                *wholeInt       `json:"caller_site_id"`
	MasterKeysetID              *wholeInt       `json:"master_keyset_id"`
	DefaultKeysetID             *wholeInt       `json:"default_keyset_id"`
	TokenExpirySeconds          json.RawMessage `json:"token_expiry_seconds"`
	MaxSharingLifetimeSeconds   *wholeInt       `json:"max_sharing_lifetime_seconds"`
	MaxBidstreamLifetimeSeconds *wholeInt       `json:"max_bidstream_lifetime_seconds"`
	AllowClockSkewSeconds       *wholeInt       `json:"allow_clock_skew_seconds"`
	IdentityScope               *string         `json:"identity_scope"`
	Keys                        *[]keyJSON      `json:"keys"`
	SiteData                    []siteJSON      `json:"site_data"`
}

// responseJSON is a whole key response, {"status": "success", "body": …};
// when Body is absent the same bytes are taken to be a body.
type responseJSON struct {
	Status *string         `json:"status"`
	Body   json.RawMessage `json:"body"`
	bodyJSON
}

// Parse reads key JSON: a whole key response ({"body": …}), or its body —
// the object of /v2/key/sharing and /v2/key/bidstream, or the legacy
// /v2/key/latest array of keys. Errors name the offending field and never
// contain key material. defaultScope is the identity scope of keys whose
// response names none (ScopeUID2 in the official sharing and bidstream
// clients; an EUID participant with such keys passes ScopeEUID).
func Parse(data []byte, defaultScope int) (*Set, error) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		return parseArray(data, defaultScope)
	}
	var r responseJSON
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("key JSON: %v", jsonError(err))
	}
	if r.Status != nil && *r.Status != "success" {
		return nil, fmt.Errorf("key response status is %q", *r.Status)
	}
	if r.Body == nil {
		return parseBody(&r.bodyJSON, defaultScope)
	}
	body := bytes.TrimSpace(r.Body)
	if len(body) > 0 && body[0] == '[' {
		return parseArray(body, defaultScope)
	}
	var b bodyJSON
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, fmt.Errorf("key JSON body: %v", jsonError(err))
	}
	return parseBody(&b, defaultScope)
}

// jsonError drops the offending value from json's errors: it may be a
// secret.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return fmt.Errorf("invalid JSON at offset %d", syntax.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		field := typ.Field[strings.LastIndexByte(typ.Field, '.')+1:]
		return fmt.Errorf("field %q is a JSON %s, which it cannot be", field, typ.Value)
	}
	return errors.New("invalid JSON")
}

func parseArray(data []byte, defaultScope int) (*Set, error) {
	var list []keyJSON
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("key JSON array: %v", jsonError(err))
	}
	s := newSet(defaultScope)
	return s, s.addKeys(list)
}

func newSet(scope int) *Set {
	return &Set{
		TokenExpirySeconds:          DefaultTokenExpirySeconds,
		MaxSharingLifetimeSeconds:   NoLifetimeLimit,
		MaxBidstreamLifetimeSeconds: NoLifetimeLimit,
		AllowClockSkewSeconds:       DefaultAllowClockSkewSeconds,
		IdentityScope:               scope,
	}
}

func parseBody(b *bodyJSON, defaultScope int) (*Set, error) {
	if b.Keys == nil {
		return nil, errors.New("key JSON has no \"keys\" array")
	}
	s := newSet(defaultScope)
	setIf(&s.CallerSiteID, b.CallerSiteID)
	setIf(&s.MasterKeysetID, b.MasterKeysetID)
	setIf(&s.DefaultKeysetID, b.DefaultKeysetID)
	setIf(&s.MaxSharingLifetimeSeconds, b.MaxSharingLifetimeSeconds)
	setIf(&s.MaxBidstreamLifetimeSeconds, b.MaxBidstreamLifetimeSeconds)
	setIf(&s.AllowClockSkewSeconds, b.AllowClockSkewSeconds)
	expiry, err := parseTokenExpiry(b.TokenExpirySeconds)
	if err != nil {
		return nil, err
	}
	s.TokenExpirySeconds = expiry
	// Java and .NET: "EUID" is EUID, any other value UID2.
	if b.IdentityScope != nil {
		s.IdentityScope = ScopeUID2
		if *b.IdentityScope == "EUID" {
			s.IdentityScope = ScopeEUID
		}
	}
	if err := s.addKeys(*b.Keys); err != nil {
		return nil, err
	}
	s.sites = make(map[int64][]string, len(b.SiteData))
	for _, site := range b.SiteData {
		// Java skips site 0 (KeyParser); no token is made for site 0.
		if id := int64(site.ID); id != 0 {
			s.sites[id] = append(s.sites[id], site.DomainNames...)
		}
	}
	return s, nil
}

func setIf(dst *int64, v *wholeInt) {
	if v != nil {
		*dst = int64(*v)
	}
}

// parseTokenExpiry reads token_expiry_seconds, which the operator writes as
// a string and older operators as a number (a whole-number float too, as
// any integer field); absent, null or 0 means the 30-day default (Java and
// .NET).
func parseTokenExpiry(raw json.RawMessage) (int64, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return DefaultTokenExpirySeconds, nil
	}
	text := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &text); err != nil {
			return 0, errors.New("token_expiry_seconds is not a valid string")
		}
		raw = []byte(text) // a string holds an integer: Java's Long.parseLong
		if _, err := strconv.ParseInt(text, 10, 64); err != nil {
			raw = nil
		}
	}
	var w wholeInt
	if raw == nil || w.UnmarshalJSON(raw) != nil || w < 0 {
		return 0, fmt.Errorf("token_expiry_seconds %q is not a non-negative integer", text)
	}
	v := int64(w)
	if v == 0 {
		return DefaultTokenExpirySeconds, nil
	}
	return v, nil
}

func (s *Set) addKeys(list []keyJSON) error {
	s.byID = newKeyTable(len(list))
	s.byKeyset = make(map[int64][]*Key)
	s.bySite = make(map[int64][]*Key)
	entries := make([]*Key, 0, len(list))
	for i, kj := range list {
		if kj.ID == nil || kj.Secret == nil || kj.Activates == nil || kj.Expires == nil {
			return fmt.Errorf("key %d of %d lacks one of id, secret, activates, expires", i+1, len(list))
		}
		secret, err := base64.StdEncoding.DecodeString(*kj.Secret)
		if err != nil {
			return fmt.Errorf("key %d: secret is not base64", *kj.ID)
		}
		k, err := newKey(int64(*kj.ID), secret)
		if err != nil {
			return err
		}
		setIf(&k.KeysetID, kj.KeysetID)
		setIf(&k.SiteID, kj.SiteID)
		setIf(&k.Created, kj.Created)
		k.Activates, k.Expires = int64(*kj.Activates), int64(*kj.Expires)
		k.activatesMs, k.expiresMs = SecondsToMs(k.Activates), SecondsToMs(k.Expires)
		// A key id listed twice: the last entry is the key, as Java's
		// KeyContainer map (put) keeps it for lookups by id (.NET's
		// Dictionary.Add throws, refusing the response). Unlike Java, whose
		// keyset lists keep both entries, the earlier entry is gone for
		// good, so that encrypt and decrypt agree on the key.
		s.byID.put(k)
		entries = append(entries, k)
	}
	// In response order, so that keys activated at the same time keep it.
	for _, k := range entries {
		if s.byID.get(k.ID) != k {
			continue // listed again later
		}
		if k.expiresMs > s.latestExpiresMs {
			s.latestExpiresMs = k.expiresMs
		}
		// Like Java and .NET, only positive keyset ids are indexed: other
		// sites' keys come without one and serve decryption only.
		if k.KeysetID > 0 {
			s.byKeyset[k.KeysetID] = append(s.byKeyset[k.KeysetID], k)
		}
		// Java and .NET likewise index only positive site ids (the legacy
		// array gives master keys -1 and publisher keys -2).
		if k.SiteID > 0 {
			s.bySite[k.SiteID] = append(s.bySite[k.SiteID], k)
		}
	}
	// Java and .NET sort each keyset by activation; PY and CPP trust the
	// response order (uid2-spec §4.4). Sorting makes the order irrelevant.
	for _, l := range s.byKeyset {
		sortByActivation(l)
	}
	for _, l := range s.bySite {
		sortByActivation(l)
	}
	// parseBody sets the keyset ids before it adds the keys; the legacy
	// array names neither (0: no list).
	s.masterKeys, s.defaultKeys = s.byKeyset[s.MasterKeysetID], s.byKeyset[s.DefaultKeysetID]
	return nil
}

func sortByActivation(l []*Key) {
	sort.SliceStable(l, func(i, j int) bool { return l[i].Activates < l[j].Activates })
}
