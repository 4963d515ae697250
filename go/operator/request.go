package operator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"

	"github.com/libuid2/libuid2/go/normalize"
	"github.com/libuid2/libuid2/go/token"
)

// RequestError is a request the operator refuses with HTTP 400
// client_error; Message is the operator's own text for it
// (uid2-spec-publisher §1.3, §3.1).
type RequestError struct{ Message string }

func (e *RequestError) Error() string { return e.Message }

// The operator's messages.
const (
	MsgGenerateMissing   = "Required Parameter Missing: exactly one of [email, email_hash, phone, phone_hash] must be specified"
	MsgInvalidIdentifier = "Invalid Identifier"
	MsgNotJSON           = "Invalid payload in body: Data is not valid json string."
	MsgMapMissing        = "Required Parameter Missing: one or more of [email, email_hash, phone, phone_hash] must be specified"
	MsgMapFormat         = "Incorrect request format"
	MsgTooLarge          = "Request payload is too large"
)

// MaxMapItems is the documented limit of identities in one identity map
// request (uid2-spec-publisher §3.1). The operator's code leaves it to
// what stands in front of it; here it bounds the work and memory of one
// request, which 1 MiB of empty strings would otherwise blow up about
// 200-fold.
const MaxMapItems = 5000

// identityKeys are the request keys, in the order of the identity map v3
// response body.
var identityKeys = [4]string{"email", "email_hash", "phone", "phone_hash"}

// HashedIdentity is an identity as the operator works with it: its type
// and the base64 text of its hash (SHA-256 of the normalised email or
// phone, or the hash the caller sent).
type HashedIdentity struct {
	Type int // token.TypeEmail or token.TypePhone
	Hash string
}

// identityOf normalises one value of the request key k (an index into
// identityKeys): emails by the operator's rule, phones only checked,
// hashes accepted as 44-character base64 or 64 hex digits.
func identityOf(k int, value string) (HashedIdentity, bool) {
	id := HashedIdentity{Type: token.TypeEmail}
	if k >= 2 {
		id.Type = token.TypePhone
	}
	var err error
	switch identityKeys[k] {
	case "email":
		id.Hash, err = normalize.EmailHash(value)
	case "phone":
		id.Hash, err = normalize.PhoneHash(value)
	default:
		id.Hash, err = normalize.HashInput(value)
	}
	return id, err == nil
}

// ParseGenerateRequest reads the JSON of a token generate request (§1.2):
// exactly one of email, email_hash, phone, phone_hash (a null value counts
// as absent), valid. Other keys are ignored. Errors are *RequestError.
func ParseGenerateRequest(payload []byte) (HashedIdentity, error) {
	var id HashedIdentity
	if len(bytes.TrimSpace(payload)) == 0 {
		return id, &RequestError{MsgGenerateMissing}
	}
	var req map[string]json.RawMessage
	if json.Unmarshal(payload, &req) != nil {
		return id, &RequestError{MsgNotJSON}
	}
	found, key := 0, -1
	for k, name := range identityKeys {
		if v, ok := req[name]; ok && string(v) != "null" {
			found, key = found+1, k
		}
	}
	if found != 1 {
		return id, &RequestError{MsgGenerateMissing}
	}
	var value string
	if json.Unmarshal(req[identityKeys[key]], &value) != nil {
		return id, &RequestError{MsgInvalidIdentifier}
	}
	id, ok := identityOf(key, value)
	if !ok {
		return id, &RequestError{MsgInvalidIdentifier}
	}
	return id, nil
}

// MapInput is one identity of an identity map v3 request; Valid is false
// for a value the operator answers "invalid identifier" for.
type MapInput struct {
	HashedIdentity
	Valid bool
}

// ParseIdentityMapV3Request reads an identity map v3 request (§3.1): any
// of the four keys, each an array of strings (a null array counts as
// empty); an unknown key, a null element or a value that is not an array
// of strings is MsgMapFormat, no key at all MsgMapMissing. The result is
// index-aligned with the request, per key in identityKeys order (email,
// email_hash, phone, phone_hash). More than MaxMapItems identities in all
// is MsgTooLarge.
func ParseIdentityMapV3Request(payload []byte) ([4][]MapInput, error) {
	var out [4][]MapInput
	if len(bytes.TrimSpace(payload)) == 0 {
		return out, &RequestError{MsgMapMissing}
	}
	var req map[string]json.RawMessage
	if json.Unmarshal(payload, &req) != nil {
		return out, &RequestError{MsgNotJSON}
	}
	if len(req) == 0 {
		return out, &RequestError{MsgMapMissing}
	}
	for name := range req {
		if indexOf(name) < 0 {
			return out, &RequestError{MsgMapFormat}
		}
	}
	total := 0
	for k, name := range identityKeys {
		raw, ok := req[name]
		if !ok || string(raw) == "null" {
			continue
		}
		var values []*string
		if json.Unmarshal(raw, &values) != nil {
			return out, &RequestError{MsgMapFormat}
		}
		if total += len(values); total > MaxMapItems {
			return [4][]MapInput{}, &RequestError{MsgTooLarge}
		}
		out[k] = make([]MapInput, len(values))
		for i, v := range values {
			if v == nil {
				return out, &RequestError{MsgMapFormat}
			}
			id, ok := identityOf(k, *v)
			out[k][i] = MapInput{HashedIdentity: id, Valid: ok}
		}
	}
	return out, nil
}

func indexOf(name string) int {
	for k, n := range identityKeys {
		if n == name {
			return k
		}
	}
	return -1
}

// MapResult is one element of an identity map v3 response: mapped (the
// current raw UID, the previous one or nil, refresh-from) or Unmapped
// with the operator's reason ("optout", "invalid identifier").
type MapResult struct {
	Unmapped      string
	Current       []byte
	Previous      []byte
	RefreshFromMs int64
}

// IdentityMapV3Response writes the response JSON (§3.1): always all four
// arrays, index-aligned with the request; mapped elements always carry
// "p" (null when there is none, as the Python SDK requires it) and "r" in
// whole seconds.
func IdentityMapV3Response(results [4][]MapResult) []byte {
	b := []byte(`{"body":{`)
	for k, name := range identityKeys {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(append(append(b, '"'), name...), `":[`...)
		for i, r := range results[k] {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendMapResult(b, &r)
		}
		b = append(b, ']')
	}
	return append(b, `},"status":"success"}`...)
}

func appendMapResult(b []byte, r *MapResult) []byte {
	if r.Unmapped != "" {
		b = append(b, `{"e":`...)
		return append(appendJSONString(b, r.Unmapped), '}')
	}
	b = append(b, `{"u":"`...)
	b = base64.StdEncoding.AppendEncode(b, r.Current)
	b = append(b, `","p":`...)
	if r.Previous == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '"')
		b = append(base64.StdEncoding.AppendEncode(b, r.Previous), '"')
	}
	b = append(b, `,"r":`...)
	b = strconv.AppendInt(b, r.RefreshFromMs/1000, 10)
	return append(b, '}')
}

// Salts are the first-level salt and the buckets.
type Salts struct {
	FirstLevel string
	Buckets    []Bucket
	Options    RawUIDOptions
}

// FirstLevelHash is the first-level hash of an identity under these salts.
func (s *Salts) FirstLevelHash(id HashedIdentity) [32]byte {
	return FirstLevelHash(id.Hash, s.FirstLevel)
}

// Bucket is the bucket of a first-level hash.
func (s *Salts) Bucket(firstLevelHash [32]byte) *Bucket {
	return &s.Buckets[BucketIndex(firstLevelHash, len(s.Buckets))]
}

// Map is identity map's answer for an identity that is not opted out
// (the opt-out check, by first-level hash, is the caller's): the current
// raw UID, the previous one within 90 days of a rotation, refresh-from.
func (s *Salts) Map(firstLevelHash [32]byte, identityType int, nowMs int64) (MapResult, error) {
	b := s.Bucket(firstLevelHash)
	cur, err := b.RawUID(firstLevelHash, identityType, s.Options)
	if err != nil {
		return MapResult{}, err
	}
	prev, _, err := b.PreviousRawUID(firstLevelHash, identityType, s.Options, nowMs)
	if err != nil {
		return MapResult{}, err
	}
	return MapResult{Current: cur, Previous: prev, RefreshFromMs: b.RefreshFrom(nowMs)}, nil
}

// TestIdentity is how the operator treats its test identities (§1.9).
type TestIdentity int

// The test identities' kinds.
const (
	NotATestIdentity TestIdentity = iota
	// OptedOutIdentity (optout@example.com, +00000000000): generate and
	// identity map answer opt-out.
	OptedOutIdentity
	// RefreshOptedOutIdentity (refresh-optout@example.com, +00000000002):
	// generate and map succeed whatever the opt-out list says; refresh
	// answers opt-out.
	RefreshOptedOutIdentity
	// ValidateIdentity (validate@example.com, +12345678901): never opted
	// out.
	ValidateIdentity
)

var testIdentities = []struct {
	email, phone string
	kind         TestIdentity
}{
	{"optout@example.com", "+00000000000", OptedOutIdentity},
	{"refresh-optout@example.com", "+00000000002", RefreshOptedOutIdentity},
	{"validate@example.com", "+12345678901", ValidateIdentity},
}

// TestIdentityOf says whether a first-level hash (under these salts) is
// one of the operator's test identities. Refresh tokens carry only the
// first-level hash, hence the comparison there.
func (s *Salts) TestIdentityOf(firstLevelHash [32]byte) TestIdentity {
	for _, t := range testIdentities {
		for _, id := range []HashedIdentity{
			{token.TypeEmail, normalize.Hash(t.email)}, {token.TypePhone, normalize.Hash(t.phone)},
		} {
			if s.FirstLevelHash(id) == firstLevelHash {
				return t.kind
			}
		}
	}
	return NotATestIdentity
}
