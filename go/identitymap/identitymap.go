// Package identitymap is the client side of identity map v3
// (uid2-spec-publisher §3.1, §3.2): the request built from emails, phones
// and their hashes, and the response keyed back to the caller's inputs
// (the current raw UID, the previous one for 90 days after a salt
// rotation, and when to map again; or why an input was not mapped). Names
// follow the official SDKs' IdentityMapV3Input and IdentityMapV3Response.
package identitymap

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/libuid2/libuid2/go/normalize"
)

// Input is what to map. Emails and phone numbers are normalised and
// hashed here (package normalize, the operator's rule) and only hashes are
// sent. Hashes are sent as given, unchecked, as the official SDKs do: the
// service reports a bad one as an invalid identifier.
//
// Unlike the official SDKs, which throw for the whole batch, an email or
// phone that cannot be normalised becomes an unmapped identity with reason
// InvalidIdentifier and is not sent. Inputs that hash alike (the same
// email written differently, or a repeated input) are sent once and all
// get its result.
type Input struct {
	types [2]inputs // email, phone
	// invalid are the emails and phones that failed normalisation.
	invalid []string
}

// inputs of one identity type: the hashes in request order, and the
// caller's inputs of each.
type inputs struct {
	hashes   []string
	byHash   map[string]int // index into hashes
	original [][]string
}

const (
	emailType = 0
	phoneType = 1
)

// requestKeys are the response keys of each type, as in the request.
var requestKeys = [2]string{"email_hash", "phone_hash"}

// FromEmails, FromPhones, FromHashedEmails and FromHashedPhones start an
// Input; the With methods add to it.
func FromEmails(emails []string) *Input { return new(Input).WithEmails(emails) }

// FromPhones starts an Input with phone numbers (E.164).
func FromPhones(phones []string) *Input { return new(Input).WithPhones(phones) }

// FromHashedEmails starts an Input with email hashes.
func FromHashedEmails(hashes []string) *Input { return new(Input).WithHashedEmails(hashes) }

// FromHashedPhones starts an Input with phone number hashes.
func FromHashedPhones(hashes []string) *Input { return new(Input).WithHashedPhones(hashes) }

// WithEmail adds an email.
func (in *Input) WithEmail(email string) *Input {
	hash, err := normalize.EmailHash(email)
	if err != nil {
		in.invalid = append(in.invalid, email)
		return in
	}
	return in.add(emailType, hash, email)
}

// WithPhone adds a phone number, which must be in E.164 form.
func (in *Input) WithPhone(phone string) *Input {
	hash, err := normalize.PhoneHash(phone)
	if err != nil {
		in.invalid = append(in.invalid, phone)
		return in
	}
	return in.add(phoneType, hash, phone)
}

// WithHashedEmail adds an email hash.
func (in *Input) WithHashedEmail(hash string) *Input { return in.add(emailType, hash, hash) }

// WithHashedPhone adds a phone number hash.
func (in *Input) WithHashedPhone(hash string) *Input { return in.add(phoneType, hash, hash) }

// WithEmails adds emails.
func (in *Input) WithEmails(emails []string) *Input { return in.each(emails, in.WithEmail) }

// WithPhones adds phone numbers.
func (in *Input) WithPhones(phones []string) *Input { return in.each(phones, in.WithPhone) }

// WithHashedEmails adds email hashes.
func (in *Input) WithHashedEmails(hashes []string) *Input { return in.each(hashes, in.WithHashedEmail) }

// WithHashedPhones adds phone number hashes.
func (in *Input) WithHashedPhones(hashes []string) *Input { return in.each(hashes, in.WithHashedPhone) }

func (in *Input) each(values []string, add func(string) *Input) *Input {
	for _, v := range values {
		add(v)
	}
	return in
}

func (in *Input) add(typ int, hash, original string) *Input {
	in.types[typ].add(hash, original)
	return in
}

func (t *inputs) add(hash, original string) {
	if t.byHash == nil {
		t.byHash = map[string]int{}
	}
	i, ok := t.byHash[hash]
	if !ok {
		i = len(t.hashes)
		t.byHash[hash] = i
		t.hashes = append(t.hashes, hash)
		t.original = append(t.original, nil)
	}
	t.original[i] = append(t.original[i], original)
}

// Len is the number of identities the request carries (distinct hashes).
func (in *Input) Len() int { return len(in.types[emailType].hashes) + len(in.types[phoneType].hashes) }

// RequestJSON is the request's compact JSON as the Java SDK writes it:
// {"email_hash":[…],"phone_hash":[…],"email":[],"phone":[]}.
func (in *Input) RequestJSON() []byte {
	var b bytes.Buffer
	b.WriteString(`{"email_hash":`)
	writeStrings(&b, in.types[emailType].hashes)
	b.WriteString(`,"phone_hash":`)
	writeStrings(&b, in.types[phoneType].hashes)
	b.WriteString(`,"email":[],"phone":[]}`)
	return b.Bytes()
}

func writeStrings(b *bytes.Buffer, s []string) {
	if s == nil {
		s = []string{}
	}
	e := json.NewEncoder(b)
	e.SetEscapeHTML(false)
	_ = e.Encode(s)         // strings always encode
	b.Truncate(b.Len() - 1) // Encode's newline
}

// MappedIdentity is a mapped input's result.
type MappedIdentity struct {
	CurrentRawUID string
	// PreviousRawUID is the raw UID before the last salt rotation, for 90
	// days after it; "" when there is none (JSON null).
	PreviousRawUID string
	// RefreshFrom is when to map the input again (the service sends whole
	// seconds).
	RefreshFrom time.Time
}

// UnmappedReason says why an input was not mapped.
type UnmappedReason int

// The reasons, as the official SDKs' UnmappedIdentityReason.
const (
	ReasonUnknown UnmappedReason = iota
	ReasonOptout
	ReasonInvalidIdentifier
)

// String is the reason as the service writes it ("unknown" for others).
func (r UnmappedReason) String() string {
	switch r {
	case ReasonOptout:
		return "optout"
	case ReasonInvalidIdentifier:
		return "invalid identifier"
	}
	return "unknown"
}

// UnmappedIdentity is an input that was not mapped: the reason, and the
// service's text of it (kept for reasons this version does not know).
type UnmappedIdentity struct {
	Reason    UnmappedReason
	RawReason string
}

func unmapped(raw string) UnmappedIdentity {
	r := ReasonUnknown
	switch raw {
	case "optout":
		r = ReasonOptout
	case "invalid identifier":
		r = ReasonInvalidIdentifier
	}
	return UnmappedIdentity{Reason: r, RawReason: raw}
}

// Response is the result of every input, keyed by the input as given.
type Response struct {
	Mapped   map[string]MappedIdentity
	Unmapped map[string]UnmappedIdentity
}

// ErrResponse means the response does not fit the request: not the JSON
// of an identity map response, an element that is neither mapped nor
// unmapped, or arrays whose lengths differ from the request's (the
// official SDKs would leave inputs silently without a result).
var ErrResponse = errors.New("identity map response does not match the request")

// UnexpectedStatusError is a response whose status is not success.
type UnexpectedStatusError struct{ Status string }

func (e *UnexpectedStatusError) Error() string {
	return "got unexpected identity map status: " + e.Status
}

type apiIdentity struct {
	U *string      `json:"u"`
	P *string      `json:"p"`
	R *json.Number `json:"r"`
	E *string      `json:"e"`
}

// ParseResponse reads the decrypted JSON of a response to in's request.
// Only the email_hash and phone_hash arrays carry results; the operator's
// other arrays (email, phone) must be empty, as Java requires.
func ParseResponse(payload []byte, in *Input) (*Response, error) {
	var resp struct {
		Status *string                  `json:"status"`
		Body   map[string][]apiIdentity `json:"body"`
	}
	if err := json.Unmarshal(payload, &resp); err != nil || resp.Status == nil {
		return nil, fmt.Errorf("%w: not the JSON of an identity map response", ErrResponse)
	}
	if *resp.Status != "success" {
		return nil, &UnexpectedStatusError{Status: *resp.Status}
	}
	for key, list := range resp.Body {
		if key != requestKeys[emailType] && key != requestKeys[phoneType] && len(list) > 0 {
			return nil, fmt.Errorf("%w: results for %q, which the request does not use", ErrResponse, key)
		}
	}
	r := &Response{Mapped: make(map[string]MappedIdentity, in.Len()), Unmapped: map[string]UnmappedIdentity{}}
	for typ, key := range requestKeys {
		t := &in.types[typ]
		list := resp.Body[key]
		if len(list) != len(t.hashes) {
			return nil, fmt.Errorf("%w: %d %s results for %d requested", ErrResponse, len(list), key, len(t.hashes))
		}
		for i := range list {
			if err := r.add(&list[i], t.original[i]); err != nil {
				return nil, fmt.Errorf("%w: %s[%d]: %s", ErrResponse, key, i, err)
			}
		}
	}
	for _, original := range in.invalid {
		r.Unmapped[original] = unmapped("invalid identifier")
	}
	return r, nil
}

func (r *Response) add(a *apiIdentity, originals []string) error {
	if a.E != nil {
		for _, o := range originals {
			r.Unmapped[o] = unmapped(*a.E)
		}
		return nil
	}
	if a.U == nil || *a.U == "" || a.R == nil {
		return errors.New("neither e nor u and r")
	}
	seconds, err := wholeSeconds(*a.R)
	if err != nil {
		return err
	}
	m := MappedIdentity{CurrentRawUID: *a.U, RefreshFrom: time.Unix(seconds, 0).UTC()}
	if a.P != nil {
		m.PreviousRawUID = *a.P
	}
	for _, o := range originals {
		r.Mapped[o] = m
	}
	return nil
}

// wholeSeconds reads r: epoch seconds, an integer; an integral float
// (1735689601.0, what the Python SDK's tests write) is accepted too, as
// Java's reader accepts it.
func wholeSeconds(n json.Number) (int64, error) {
	if i, err := n.Int64(); err == nil {
		return i, nil
	}
	f, err := n.Float64()
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, errors.New("r is not whole seconds")
	}
	return int64(f), nil
}
