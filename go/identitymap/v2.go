package identitymap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/libuid2/libuid2/go/normalize"
)

// Identity map v2 (POST /v2/identity/map, deprecated) and the salt
// buckets (POST /v2/identity/buckets), for users still on them
// (uid2-spec-publisher §3.4; the official IdentityMapClient). v2 gives no
// previous raw UID and no refresh time; instead each raw UID names its
// opaque salt bucket, and the buckets call lists those rotated since a
// time.

// InputV2 is what to map with v2: identities of one type only, as the
// service requires. Invalid emails and phones are unmapped, as for v3.
type InputV2 struct {
	key     string // email_hash or phone_hash
	in      inputs
	invalid []string
}

// FromEmailsV2 maps emails (normalised and hashed here).
func FromEmailsV2(emails []string) *InputV2 { return newV2("email_hash", emails, normalize.EmailHash) }

// FromPhonesV2 maps phone numbers (E.164; hashed here).
func FromPhonesV2(phones []string) *InputV2 { return newV2("phone_hash", phones, normalize.PhoneHash) }

// FromHashedEmailsV2 maps email hashes, sent as given.
func FromHashedEmailsV2(hashes []string) *InputV2 { return newV2("email_hash", hashes, asIs) }

// FromHashedPhonesV2 maps phone number hashes, sent as given.
func FromHashedPhonesV2(hashes []string) *InputV2 { return newV2("phone_hash", hashes, asIs) }

func asIs(h string) (string, error) { return h, nil }

func newV2(key string, values []string, hash func(string) (string, error)) *InputV2 {
	in := &InputV2{key: key}
	for _, v := range values {
		h, err := hash(v)
		if err != nil {
			in.invalid = append(in.invalid, v)
			continue
		}
		in.in.add(h, v)
	}
	return in
}

// RequestJSON is {"email_hash":[…]} or {"phone_hash":[…]}.
func (in *InputV2) RequestJSON() []byte {
	b := []byte(`{"` + in.key + `":`)
	js, _ := json.Marshal(in.in.hashes) // strings always encode
	if in.in.hashes == nil {
		js = []byte("[]")
	}
	return append(append(b, js...), '}')
}

// MappedIdentityV2 is a v2 result: the raw UID and its bucket's id.
type MappedIdentityV2 struct {
	RawUID   string
	BucketID string
}

// ResponseV2 is every input's v2 result, keyed by the input as given;
// unmapped reasons as for v3.
type ResponseV2 struct {
	Mapped   map[string]MappedIdentityV2
	Unmapped map[string]UnmappedIdentity
}

// ParseResponseV2 reads the decrypted JSON of a v2 response to in's
// request. Every identity sent must be answered exactly once.
func ParseResponseV2(payload []byte, in *InputV2) (*ResponseV2, error) {
	var resp struct {
		Status *string `json:"status"`
		Body   struct {
			Mapped []struct {
				Identifier *string `json:"identifier"`
				RawUID     *string `json:"advertising_id"`
				BucketID   *string `json:"bucket_id"`
			} `json:"mapped"`
			Unmapped []struct {
				Identifier *string `json:"identifier"`
				Reason     *string `json:"reason"`
			} `json:"unmapped"`
		} `json:"body"`
	}
	if err := json.Unmarshal(payload, &resp); err != nil || resp.Status == nil {
		return nil, fmt.Errorf("%w: not the JSON of an identity map response", ErrResponse)
	}
	if *resp.Status != "success" {
		return nil, &UnexpectedStatusError{Status: *resp.Status}
	}
	r := &ResponseV2{Mapped: map[string]MappedIdentityV2{}, Unmapped: map[string]UnmappedIdentity{}}
	answered := make([]bool, len(in.in.hashes))
	answer := func(identifier *string) ([]string, error) {
		if identifier == nil {
			return nil, fmt.Errorf("%w: a result without its identifier", ErrResponse)
		}
		i, ok := in.in.byHash[*identifier]
		if !ok || answered[i] {
			return nil, fmt.Errorf("%w: a result for an identifier not sent, or answered twice", ErrResponse)
		}
		answered[i] = true
		return in.in.original[i], nil
	}
	for _, m := range resp.Body.Mapped {
		originals, err := answer(m.Identifier)
		if err != nil {
			return nil, err
		}
		if m.RawUID == nil || m.BucketID == nil {
			return nil, fmt.Errorf("%w: a mapped identity without advertising_id or bucket_id", ErrResponse)
		}
		for _, o := range originals {
			r.Mapped[o] = MappedIdentityV2{RawUID: *m.RawUID, BucketID: *m.BucketID}
		}
	}
	for _, u := range resp.Body.Unmapped {
		originals, err := answer(u.Identifier)
		if err != nil {
			return nil, err
		}
		reason := ""
		if u.Reason != nil {
			reason = *u.Reason
		}
		for _, o := range originals {
			r.Unmapped[o] = unmapped(reason)
		}
	}
	for i, ok := range answered {
		if !ok {
			return nil, fmt.Errorf("%w: %d identities sent, %s[%d] not answered", ErrResponse, len(answered), in.key, i)
		}
	}
	for _, o := range in.invalid {
		r.Unmapped[o] = unmapped("invalid identifier")
	}
	return r, nil
}

// GenerateIdentityMapV2 maps with POST /v2/identity/map in one request.
func (c *Client) GenerateIdentityMapV2(ctx context.Context, in *InputV2) (*ResponseV2, error) {
	if len(in.in.hashes) == 0 {
		return ParseResponseV2([]byte(`{"status":"success","body":{"mapped":[]}}`), in)
	}
	payload, err := c.call(ctx, "identity map v2", "/v2/identity/map", in.RequestJSON())
	if err != nil {
		return nil, err
	}
	return ParseResponseV2(payload, in)
}

// BucketChange is a salt bucket rotated since the time asked for.
type BucketChange struct {
	BucketID    string
	LastUpdated time.Time // UTC
}

// bucketsTimeLayout is the service's bucket time format, read as UTC.
const bucketsTimeLayout = "2006-01-02T15:04:05.999999999"

// BucketsRequestJSON is the buckets request for since: the UTC time
// without a zone, with microseconds when there are any, as the Python SDK
// writes it ({"since_timestamp":"2024-07-02T14:30:15.123456"}).
func BucketsRequestJSON(since time.Time) []byte {
	u := since.UTC()
	text := u.Format("2006-01-02T15:04:05")
	if us := u.Nanosecond() / 1000; us != 0 {
		text += fmt.Sprintf(".%06d", us)
	}
	return []byte(`{"since_timestamp":"` + text + `"}`)
}

// ParseBucketsResponse reads the decrypted JSON of a buckets response.
func ParseBucketsResponse(payload []byte) ([]BucketChange, error) {
	var resp struct {
		Status *string `json:"status"`
		Body   []struct {
			BucketID    *string `json:"bucket_id"`
			LastUpdated *string `json:"last_updated"`
		} `json:"body"`
	}
	if err := json.Unmarshal(payload, &resp); err != nil || resp.Status == nil {
		return nil, errors.New("identity buckets response is not its JSON")
	}
	if *resp.Status != "success" {
		return nil, &UnexpectedStatusError{Status: *resp.Status}
	}
	out := make([]BucketChange, 0, len(resp.Body))
	for _, b := range resp.Body {
		if b.BucketID == nil || b.LastUpdated == nil {
			return nil, errors.New("identity buckets response: a bucket without bucket_id or last_updated")
		}
		t, err := time.Parse(bucketsTimeLayout, *b.LastUpdated)
		if err != nil {
			return nil, errors.New("identity buckets response: last_updated is not a date-time")
		}
		out = append(out, BucketChange{BucketID: *b.BucketID, LastUpdated: t.UTC()})
	}
	return out, nil
}

// IdentityBuckets lists the salt buckets rotated since a time (POST
// /v2/identity/buckets).
func (c *Client) IdentityBuckets(ctx context.Context, since time.Time) ([]BucketChange, error) {
	payload, err := c.call(ctx, "identity buckets", "/v2/identity/buckets", BucketsRequestJSON(since))
	if err != nil {
		return nil, err
	}
	return ParseBucketsResponse(payload)
}
