package identitymap

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/libuid2/libuid2/go/normalize"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func entry(u, p string, r time.Time) string {
	// Whole seconds written as a float, as the Python SDK's tests do.
	return fmt.Sprintf(`{"u":%q,"p":%q,"r":%d.0}`, u, p, r.Unix())
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// The official SDKs' parse vector (IdentityMapV3ResponseTest): results
// keyed back to raw emails, hashed emails, phones and hashed phones.
func TestMappedIdentities(t *testing.T) {
	in := new(Input).
		WithEmails([]string{"email1@example.com", "email2@example.com"}).
		WithHashedEmails([]string{"email 1 hash", "email 2 hash"}).
		WithPhones([]string{"+1234567890", "+0987654321"}).
		WithHashedPhones([]string{"phone 1 hash", "phone 2 hash"})
	want := map[string]MappedIdentity{
		"email1@example.com": {"email 1 current uid", "email 1 previous uid", utc("2025-01-01T00:00:01Z")},
		"email2@example.com": {"email 2 current uid", "email 2 previous uid", utc("2025-06-30T00:00:20Z")},
		"email 1 hash":       {"hashed email 1 current uid", "hashed email 1 previous uid", utc("2025-01-01T00:00:33Z")},
		"email 2 hash":       {"hashed email 2 current uid", "hashed email 2 previous uid", utc("2025-06-30T00:00:00Z")},
		"+1234567890":        {"phone 1 current uid", "phone 1 previous uid", utc("2025-01-01T00:05:00Z")},
		"+0987654321":        {"phone 2 current uid", "phone 2 previous uid", utc("2025-06-30T00:00:22Z")},
		"phone 1 hash":       {"hashed phone 1 current uid", "hashed phone 1 previous uid", utc("2025-01-01T00:00:11Z")},
		"phone 2 hash":       {"hashed phone 2 current uid", "hashed phone 2 previous uid", utc("2025-06-30T00:00:01Z")},
	}
	list := func(keys ...string) string {
		var parts []string
		for _, k := range keys {
			m := want[k]
			parts = append(parts, entry(m.CurrentRawUID, m.PreviousRawUID, m.RefreshFrom))
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	payload := `{"status":"success","body":{"email_hash":` + list("email1@example.com", "email2@example.com", "email 1 hash", "email 2 hash") +
		`,"phone_hash":` + list("+1234567890", "+0987654321", "phone 1 hash", "phone 2 hash") + `}}`
	r, err := ParseResponse([]byte(payload), in)
	require.NoError(t, err)
	assert.Equal(t, want, r.Mapped)
	assert.Empty(t, r.Unmapped)
}

func unmappedPayload(reason string) string {
	return `{"status":"success","body":{"email_hash":[{"e":"` + reason + `"}]}}`
}

func TestUnmappedReasons(t *testing.T) {
	const email = "email1@example.com"
	for raw, reason := range map[string]UnmappedReason{
		"optout": ReasonOptout, "invalid identifier": ReasonInvalidIdentifier, "some new unmapped reason": ReasonUnknown,
	} {
		r, err := ParseResponse([]byte(unmappedPayload(raw)), FromEmails([]string{email}))
		require.NoError(t, err)
		assert.Equal(t, map[string]UnmappedIdentity{email: {reason, raw}}, r.Unmapped)
		assert.Empty(t, r.Mapped)
	}
	assert.Equal(t, "invalid identifier", ReasonInvalidIdentifier.String())
	assert.Equal(t, "unknown", ReasonUnknown.String())
}

func TestStatusNotSuccess(t *testing.T) {
	_, err := ParseResponse([]byte(`{"status":"error","body":{}}`), FromEmails([]string{"a@b.c"}))
	assert.EqualError(t, err, "got unexpected identity map status: error")
	var se *UnexpectedStatusError
	assert.ErrorAs(t, err, &se)
}

// Inputs that hash alike are sent once and all get the result (the
// official test_identity_map_duplicate_emails); hashes repeated too.
func TestDuplicates(t *testing.T) {
	emails := []string{"JANE.SAOIRSE@gmail.com", "Jane.Saoirse@gmail.com", "JaneSaoirse+UID2@gmail.com", "janesaoirse@gmail.com", "JANE.SAOIRSE@gmail.com"}
	optout := normalize.Hash("optout@example.com")
	in := FromEmails(emails).WithHashedEmails([]string{optout, optout})
	assert.Equal(t, 2, in.Len())
	hash := normalize.Hash("janesaoirse@gmail.com")
	assert.Equal(t, `{"email_hash":["`+hash+`","`+optout+`"],"phone_hash":[],"email":[],"phone":[]}`, string(in.RequestJSON()))

	r, err := ParseResponse([]byte(`{"body":{"email_hash":[{"u":"UID","p":null,"r":1735689600},{"e":"optout"}],"phone_hash":[],"email":[],"phone":[]},"status":"success"}`), in)
	require.NoError(t, err)
	assert.Len(t, r.Mapped, 4)
	for _, e := range emails {
		assert.Equal(t, MappedIdentity{"UID", "", time.Unix(1735689600, 0).UTC()}, r.Mapped[e], e)
	}
	assert.Equal(t, map[string]UnmappedIdentity{optout: {ReasonOptout, "optout"}}, r.Unmapped)
}

// Emails and phones that cannot be normalised are not sent and come back
// as invalid identifiers, without failing the batch.
func TestInvalidInputsAreUnmapped(t *testing.T) {
	in := FromEmails([]string{"user@example.com", "not an email"}).WithPhones([]string{"555-555-5555", "+12345678901"})
	assert.Equal(t, `{"email_hash":["`+normalize.Hash("user@example.com")+`"],"phone_hash":["`+normalize.Hash("+12345678901")+`"],"email":[],"phone":[]}`, string(in.RequestJSON()))
	r, err := ParseResponse([]byte(`{"body":{"email_hash":[{"u":"A","p":null,"r":1}],"phone_hash":[{"u":"B","p":"C","r":2}]},"status":"success"}`), in)
	require.NoError(t, err)
	assert.Equal(t, map[string]MappedIdentity{
		"user@example.com": {"A", "", time.Unix(1, 0).UTC()},
		"+12345678901":     {"B", "C", time.Unix(2, 0).UTC()},
	}, r.Mapped)
	assert.Equal(t, map[string]UnmappedIdentity{
		"not an email": {ReasonInvalidIdentifier, "invalid identifier"},
		"555-555-5555": {ReasonInvalidIdentifier, "invalid identifier"},
	}, r.Unmapped)
}

func TestEmptyInput(t *testing.T) {
	in := FromEmails(nil)
	assert.Equal(t, `{"email_hash":[],"phone_hash":[],"email":[],"phone":[]}`, string(in.RequestJSON()))
	r, err := ParseResponse([]byte(`{"body":{"email":[],"email_hash":[],"phone":[],"phone_hash":[]},"status":"success"}`), in)
	require.NoError(t, err)
	assert.Empty(t, r.Mapped)
	assert.Empty(t, r.Unmapped)
}

func TestResponseErrors(t *testing.T) {
	in := FromEmails([]string{"a@b.c"})
	for _, payload := range []string{
		`not json`, `{}`, `{"status":7}`,
		`{"status":"success","body":{"email_hash":[]}}`,                              // a result missing
		`{"status":"success","body":{"email_hash":[{"e":"optout"},{"e":"optout"}]}}`, // one too many
		`{"status":"success","body":{"email_hash":[{"e":"optout"}],"email":[{"e":"optout"}]}}`,
		`{"status":"success","body":{"email_hash":[{}]}}`,
		`{"status":"success","body":{"email_hash":[{"u":"A","p":null}]}}`,
		`{"status":"success","body":{"email_hash":[{"u":"A","p":null,"r":1.5}]}}`,
		`{"status":"success","body":{"email_hash":[{"u":"A","p":null,"r":"soon"}]}}`,
		`{"status":"success","body":{"email_hash":[{"u":"","p":null,"r":1}]}}`,
		`{"status":"success","body":{"email_hash":["x"]}}`,
		`{"status":"success","body":{"email_hash":{"u":"A"}}}`,
	} {
		_, err := ParseResponse([]byte(payload), in)
		assert.ErrorIs(t, err, ErrResponse, payload)
	}
}
