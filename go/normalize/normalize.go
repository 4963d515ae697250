// Package normalize holds the one email and phone normalisation and the one
// SHA-256 + base64 hashing of libuid2 (uid2-spec-publisher §2), used by the
// publisher client (token generate), identity map and the key service, so
// that an email gets the same hash, and therefore the same raw UID,
// whichever path it takes.
//
// Where the official implementations differ, this package follows the
// operator (and the Java SDK, which carries the operator's code):
//   - spaces anywhere in an email's local part are dropped (the Python SDK
//     keeps spaces after the first non-space character), since the operator
//     applies this rule to the raw emails it is sent;
//   - a phone number's digits must be ASCII 0-9 (Python's str.isdigit also
//     accepts other Unicode digits; the operator and Java do not).
package normalize

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
)

// Errors of the string functions. They never repeat the input: emails and
// phone numbers are personal data and must not reach a log.
var (
	ErrInvalidEmail = errors.New("invalid email address")
	ErrInvalidPhone = errors.New("phone number is not normalized")
	ErrInvalidHash  = errors.New("hash is neither 44 characters of standard base64 nor 64 hex digits")
)

// HashLen is the length of a hash's text: standard base64 of 32 bytes.
const HashLen = 44

// AppendEmail appends the normalised form of email to dst, by the operator's
// rule (uid2-spec-publisher §2.1): ASCII A-Z become lower case (nothing
// else changes case); spaces (U+0020 only) are dropped anywhere before the
// first '@' and at the end of the domain; for the domain gmail.com the
// local part also loses its dots and everything from the first '+'. It is
// invalid (ok false, dst unchanged) without an '@', with a second '@', or
// with an empty local part or domain. Nothing else is checked.
//
// The operator scans UTF-16 code units and this scans bytes; since only
// ASCII characters are acted on, both give the same UTF-8 result.
func AppendEmail(dst []byte, email string) (_ []byte, ok bool) {
	at := strings.IndexByte(email, '@')
	if at < 0 {
		return dst, false
	}
	domain := email[at+1:]
	if strings.IndexByte(domain, '@') >= 0 {
		return dst, false
	}
	// Spaces inside or before the domain's text are kept, trailing ones
	// dropped.
	domain = strings.TrimRight(domain, " ")
	if domain == "" {
		return dst, false
	}
	gmail := isGmail(domain)
	start := len(dst)
	extension := false
	for i := 0; i < at; i++ {
		c := lower(email[i])
		switch {
		case c == ' ':
		case !gmail:
			dst = append(dst, c)
		case c == '+':
			extension = true
		case c != '.' && !extension:
			dst = append(dst, c)
		}
	}
	if len(dst) == start {
		return dst, false
	}
	dst = append(dst, '@')
	for i := 0; i < len(domain); i++ {
		dst = append(dst, lower(domain[i]))
	}
	return dst, true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// isGmail compares with ASCII case folding only: strings.EqualFold would
// also fold e.g. the Kelvin sign to k, which the operator does not.
func isGmail(domain string) bool {
	const gmail = "gmail.com"
	if len(domain) != len(gmail) {
		return false
	}
	for i := 0; i < len(gmail); i++ {
		if lower(domain[i]) != gmail[i] {
			return false
		}
	}
	return true
}

// Email returns the normalised form of email (see AppendEmail).
func Email(email string) (string, error) {
	b, ok := AppendEmail(nil, email)
	if !ok {
		return "", ErrInvalidEmail
	}
	return string(b), nil
}

// IsPhoneNormalized reports whether phone is in the E.164 form the service
// requires (uid2-spec-publisher §2.2): '+' then 10 to 15 ASCII digits and
// nothing else. Phone numbers are never normalised, by anyone.
func IsPhoneNormalized(phone string) bool {
	if len(phone) < 11 || len(phone) > 16 || phone[0] != '+' {
		return false
	}
	for i := 1; i < len(phone); i++ {
		if phone[i] < '0' || phone[i] > '9' {
			return false
		}
	}
	return true
}

// AppendHash appends the standard base64 (with padding) of SHA-256 over
// the bytes of s: the text the service calls a hash (§2.3).
func AppendHash(dst []byte, s []byte) []byte {
	sum := sha256.Sum256(s)
	return base64.StdEncoding.AppendEncode(dst, sum[:])
}

// Hash is AppendHash for a string.
func Hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// AppendEmailHash normalises email and appends its hash to dst. It uses
// dst's spare capacity as scratch for the normalised form, so with room
// for the email and the hash it allocates nothing.
func AppendEmailHash(dst []byte, email string) (_ []byte, ok bool) {
	n := len(dst)
	buf, ok := AppendEmail(dst, email)
	if !ok {
		return dst, false
	}
	sum := sha256.Sum256(buf[n:])
	return base64.StdEncoding.AppendEncode(buf[:n], sum[:]), true
}

// EmailHash normalises email and returns its hash.
func EmailHash(email string) (string, error) {
	var buf [256]byte
	b, ok := AppendEmailHash(buf[:0], email)
	if !ok {
		return "", ErrInvalidEmail
	}
	return string(b), nil
}

// PhoneHash checks that phone is normalised and returns its hash.
func PhoneHash(phone string) (string, error) {
	if !IsPhoneNormalized(phone) {
		return "", ErrInvalidPhone
	}
	return Hash(phone), nil
}

// HashInput accepts an email or phone hash as the operator does for
// email_hash and phone_hash (§1.2, §2.4): 44 characters of standard base64,
// returned as given, or 64 hex digits of either case, returned as the
// base64 of their 32 bytes. Anything else is ErrInvalidHash.
//
// A 44-character text with "==" decodes to 31 bytes, and the operator still
// accepts it (it checks only that the text decodes); so does this.
func HashInput(h string) (string, error) {
	switch len(h) {
	case HashLen:
		// Go's decoder skips CR and LF; the operator's (Java's) does not.
		if strings.ContainsAny(h, "\r\n") {
			return "", ErrInvalidHash
		}
		var buf [33]byte
		if _, err := base64.StdEncoding.Decode(buf[:], []byte(h)); err != nil {
			return "", ErrInvalidHash
		}
		return h, nil
	case 2 * sha256.Size:
		var sum [sha256.Size]byte
		if _, err := hex.Decode(sum[:], []byte(h)); err != nil {
			return "", ErrInvalidHash
		}
		return base64.StdEncoding.EncodeToString(sum[:]), nil
	}
	return "", ErrInvalidHash
}
