// Package publisher is the publisher's side of token generate and token
// refresh (uid2-spec-publisher §1): the generate input, the request
// envelope, the responses, the IdentityTokens a publisher stores in a
// user's session, and a Client that does both calls over HTTP. Names
// follow the official Java SDK (PublisherUid2Client, PublisherUid2Helper,
// TokenGenerateInput, IdentityTokens) and its millisecond semantics.
package publisher

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/libuid2/libuid2/go/normalize"
)

type identityKind int

const (
	kindEmail identityKind = iota
	kindPhone
	kindHashedEmail
	kindHashedPhone
)

// TokenGenerateInput is the identity a token is generated for, and the
// request's options. Build it with FromEmail, FromPhone, FromHashedEmail or
// FromHashedPhone. It is checked when the request is built (JSON), so a bad
// input is an error before anything is sent.
type TokenGenerateInput struct {
	kind      identityKind
	value     string
	doNotHash bool
	tcf       *string
}

// FromEmail: the email is normalised and hashed here (the operator's rule,
// package normalize) and only its hash is sent.
func FromEmail(email string) *TokenGenerateInput {
	return &TokenGenerateInput{kind: kindEmail, value: email}
}

// FromPhone: the phone number must already be normalised (E.164); only
// its hash is sent.
func FromPhone(phone string) *TokenGenerateInput {
	return &TokenGenerateInput{kind: kindPhone, value: phone}
}

// FromHashedEmail takes the base64 SHA-256 of a normalised email. Unlike
// the official SDKs, which send it unchecked, it must be base64 of 32
// bytes (or 64 hex digits, sent as base64), so that a bad hash fails
// before the request.
func FromHashedEmail(hash string) *TokenGenerateInput {
	return &TokenGenerateInput{kind: kindHashedEmail, value: hash}
}

// FromHashedPhone is FromHashedEmail for a phone number's hash.
func FromHashedPhone(hash string) *TokenGenerateInput {
	return &TokenGenerateInput{kind: kindHashedPhone, value: hash}
}

// WithTransparencyAndConsentString adds the TCF consent string (evaluated
// by EUID operators only).
func (in *TokenGenerateInput) WithTransparencyAndConsentString(tcf string) *TokenGenerateInput {
	in.tcf = &tcf
	return in
}

// DoNotHash sends an email or phone number as given (keys "email",
// "phone") for the operator to normalise and hash. It is still checked
// here first. It has no effect on hashed inputs.
func (in *TokenGenerateInput) DoNotHash() *TokenGenerateInput {
	in.doNotHash = true
	return in
}

// ErrNilInput is returned for a nil *TokenGenerateInput.
var ErrNilInput = errors.New("token generate input is nil")

// JSON is the request's compact JSON as the Java SDK writes it: the
// identity key, then tcf_consent_string if set; strings escaped as Gson
// does (no HTML escaping). The errors are normalize's, which never repeat
// the input.
func (in *TokenGenerateInput) JSON() ([]byte, error) {
	if in == nil {
		return nil, ErrNilInput
	}
	key, value, err := in.identity()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(`{"`)
	b.WriteString(key)
	b.WriteString(`":`)
	writeString(&b, value)
	if in.tcf != nil {
		b.WriteString(`,"tcf_consent_string":`)
		writeString(&b, *in.tcf)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (in *TokenGenerateInput) identity() (key, value string, err error) {
	switch in.kind {
	case kindEmail:
		if in.doNotHash {
			_, err = normalize.Email(in.value)
			return "email", in.value, err
		}
		value, err = normalize.EmailHash(in.value)
		return "email_hash", value, err
	case kindPhone:
		if in.doNotHash {
			if !normalize.IsPhoneNormalized(in.value) {
				err = normalize.ErrInvalidPhone
			}
			return "phone", in.value, err
		}
		value, err = normalize.PhoneHash(in.value)
		return "phone_hash", value, err
	case kindHashedEmail:
		value, err = hashOf32Bytes(in.value)
		return "email_hash", value, err
	default:
		value, err = hashOf32Bytes(in.value)
		return "phone_hash", value, err
	}
}

// hashOf32Bytes accepts what the operator accepts as a hash, but only of
// 32 bytes: the operator also takes 44 characters of base64 that decode to
// 31 or 33 bytes, which no SHA-256 is, so a publisher's mistake would go
// unnoticed.
func hashOf32Bytes(h string) (string, error) {
	value, err := normalize.HashInput(h)
	if err != nil {
		return "", err
	}
	if !strings.HasSuffix(value, "=") || strings.HasSuffix(value, "==") {
		return "", normalize.ErrInvalidHash
	}
	return value, nil
}

// writeString writes s as a JSON string without Go's HTML escaping, which
// Gson's JsonObject.toString does not do either.
func writeString(b *bytes.Buffer, s string) {
	e := json.NewEncoder(b)
	e.SetEscapeHTML(false)
	_ = e.Encode(s)         // a string always encodes
	b.Truncate(b.Len() - 1) // Encode's newline
}
