package sharing

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"golang.org/x/crypto/argon2"
)

// User is a person who signs in to the Portal for one site. Only a hash of
// the password is kept. A new user gets a one-time password, shown once,
// that only lets them choose their own (MustChange).
type User struct {
	ID         int    `json:"id"`
	SiteID     int    `json:"site_id"`
	Email      string `json:"email"`
	Password   string `json:"password_hash"`
	MustChange bool   `json:"must_change,omitempty"`
	Created    int64  `json:"created"`
}

// Password rules: long enough to resist guessing, short enough that the
// KDF's input stays bounded.
const (
	MinPassword = 12
	maxPassword = 200
)

// Argon2id with the OWASP baseline (19 MiB, 2 passes, 1 lane): memory-hard,
// yet a sign-in costs a few tens of milliseconds on a small machine.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns the PHC-style argon2id encoding of password with a
// fresh salt.
func HashPassword(password string) string {
	return encodeArgon2(password, randomBytes(16), argonTime, argonMemory, argonThreads)
}

func encodeArgon2(password string, salt []byte, t, m uint32, p uint8) string {
	sum := argon2.IDKey([]byte(password), salt, t, m, p, argonKeyLen)
	b64 := base64.RawStdEncoding.EncodeToString
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, m, t, p, b64(salt), b64(sum))
}

// CheckPassword reports whether password matches an encoding made by
// HashPassword (in constant time). A malformed encoding matches nothing.
func CheckPassword(encoded, password string) bool {
	h, ok := parseHash(encoded)
	if !ok {
		return false
	}
	got := argon2.IDKey([]byte(password), h.salt, h.t, h.m, h.p, argonKeyLen)
	return subtle.ConstantTimeCompare(got, h.sum) == 1
}

// argonHash is a decoded password hash.
type argonHash struct {
	m, t      uint32
	p         uint8
	salt, sum []byte
}

// parseHash decodes an encoding made by HashPassword; it refuses a
// malformed one and parameters that argon2 cannot run or that would cost
// too much.
func parseHash(encoded string) (argonHash, bool) {
	var h argonHash
	var version int
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return h, false
	}
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return h, false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &h.m, &h.t, &h.p); err != nil || h.m > 1<<20 || h.t < 1 || h.t > 16 || h.p == 0 {
		return h, false
	}
	var err1, err2 error
	h.salt, err1 = base64.RawStdEncoding.DecodeString(parts[4])
	h.sum, err2 = base64.RawStdEncoding.DecodeString(parts[5])
	return h, err1 == nil && err2 == nil && len(h.sum) == argonKeyLen
}

// dummyHash is checked against when no user has the email given, so that
// a sign-in takes as long whether or not the user exists.
var dummyHash = HashPassword("no user has this password")

// CreateUser adds a Portal user to a site and returns their one-time
// password, which is not kept and so can be shown only now.
func (s *State) CreateUser(siteID int, email string, now int64) (*User, string, error) {
	if s.Site(siteID) == nil {
		return nil, "", errorf(NotFound, "no site %d", siteID)
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if !validEmail(email) {
		return nil, "", errorf(Invalid, "%q is not an email address", email)
	}
	if s.UserByEmail(email) != nil {
		return nil, "", errorf(Conflict, "a user with email %s already exists", email)
	}
	otp := randomText(15) // 20 characters
	if s.NextUserID == 0 {
		s.NextUserID = 1 // a state saved before users existed
	}
	u := User{ID: s.NextUserID, SiteID: siteID, Email: email, Password: HashPassword(otp), MustChange: true, Created: now}
	s.NextUserID++
	s.Users = append(s.Users, u)
	return &s.Users[len(s.Users)-1], otp, nil
}

// validEmail reports whether email is a plain address (no display name or
// angle brackets) of at most 200 bytes, in lower case.
func validEmail(email string) bool {
	a, err := mail.ParseAddress(email)
	return err == nil && a.Address == email && len(email) <= maxName*2 && email == strings.ToLower(email)
}

// UserByEmail returns the user with the given email (any case), or nil.
func (s *State) UserByEmail(email string) *User {
	email = strings.ToLower(strings.TrimSpace(email))
	for i := range s.Users {
		if s.Users[i].Email == email {
			return &s.Users[i]
		}
	}
	return nil
}

// User returns the user with the given id, or nil.
func (s *State) User(id int) *User {
	for i := range s.Users {
		if s.Users[i].ID == id {
			return &s.Users[i]
		}
	}
	return nil
}

// SignIn returns the user whose email and password these are, or nil. It
// costs one password hash whether or not the email is known.
func (s *State) SignIn(email, password string) *User {
	u := s.UserByEmail(email)
	if u == nil || len(password) > maxPassword {
		CheckPassword(dummyHash, password[:min(len(password), maxPassword)])
		return nil
	}
	if !CheckPassword(u.Password, password) {
		return nil
	}
	return u
}

// SetPassword gives a user a password of their choosing (which ends a
// one-time password). The caller has checked the old one.
func (s *State) SetPassword(userID int, password string) error {
	u := s.User(userID)
	if u == nil {
		return errorf(NotFound, "no user %d", userID)
	}
	if n := len([]rune(password)); n < MinPassword || len(password) > maxPassword {
		return errorf(Invalid, "a password needs %d to %d characters", MinPassword, maxPassword)
	}
	if strings.EqualFold(password, u.Email) {
		return errorf(Invalid, "a password must not be the email address")
	}
	u.Password, u.MustChange = HashPassword(password), false
	return nil
}

// DisableAPIKey stops a site's API key from working; it stays listed.
func (s *State) DisableAPIKey(siteID int, keyID string, now int64) (*APIKey, error) {
	if s.Site(siteID) == nil {
		return nil, errorf(NotFound, "no site %d", siteID)
	}
	i := slices.IndexFunc(s.APIKeys, func(k APIKey) bool { return k.ID == keyID && k.SiteID == siteID })
	if i < 0 {
		return nil, errorf(NotFound, "site %d has no API key %q", siteID, keyID)
	}
	k := &s.APIKeys[i]
	if k.Disabled != 0 {
		return nil, errorf(Conflict, "API key %s is already disabled", keyID)
	}
	k.Disabled = now
	return k, nil
}

// CompleteRecommendations records that a site has saved its sharing types
// once, after which the Portal shows its saved types rather than the
// recommended ones (uid2-spec-publisher §5.3).
func (s *State) CompleteRecommendations(siteID int) error {
	site := s.Site(siteID)
	if site == nil {
		return errorf(NotFound, "no site %d", siteID)
	}
	site.RecommendationsDone = true
	return nil
}
