package keys

import (
	"encoding/base64"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var secret = base64.StdEncoding.EncodeToString(make([]byte, 32))

func key(id, keyset, activates, expires int64) string {
	return fmt.Sprintf(`{"id":%d,"keyset_id":%d,"created":%d,"activates":%d,"expires":%d,"secret":%q}`,
		id, keyset, activates, activates, expires, secret)
}

func TestParseShapes(t *testing.T) {
	body := `{"caller_site_id":5,"master_keyset_id":9999999,"default_keyset_id":7,"token_expiry_seconds":"86400",
		"max_sharing_lifetime_seconds":100,"max_bidstream_lifetime_seconds":200,"allow_clock_skew_seconds":30,
		"identity_scope":"EUID","keys":[` + key(1, 7, 10, 20) + `],"site_data":[{"id":5,"domain_names":["a.com"]}],"new_field":{"x":1}}`
	for name, doc := range map[string]string{
		"body":             body,
		"whole":            `{"status":"success","body":` + body + `}`,
		"whole, no status": `{"body":` + body + `}`,
	} {
		s, err := Parse([]byte(doc), ScopeUID2)
		require.NoError(t, err, name)
		assert.Equal(t, int64(5), s.CallerSiteID, name)
		assert.Equal(t, int64(9999999), s.MasterKeysetID, name)
		assert.Equal(t, int64(7), s.DefaultKeysetID, name)
		assert.Equal(t, int64(86400), s.TokenExpirySeconds, name)
		assert.Equal(t, int64(100), s.MaxSharingLifetimeSeconds, name)
		assert.Equal(t, int64(200), s.MaxBidstreamLifetimeSeconds, name)
		assert.Equal(t, int64(30), s.AllowClockSkewSeconds, name)
		assert.Equal(t, ScopeEUID, s.IdentityScope, name)
		assert.Equal(t, 1, s.Len(), name)
		assert.True(t, s.DomainOrAppNameAllowed(5, "A.COM"), name)
	}
}

func TestParseDefaults(t *testing.T) {
	s, err := Parse([]byte(`{"keys":[]}`), ScopeUID2)
	require.NoError(t, err)
	assert.Equal(t, int64(DefaultTokenExpirySeconds), s.TokenExpirySeconds)
	assert.Equal(t, int64(math.MaxInt64), s.MaxSharingLifetimeSeconds)
	assert.Equal(t, int64(math.MaxInt64), s.MaxBidstreamLifetimeSeconds)
	assert.Equal(t, int64(1800), s.AllowClockSkewSeconds)
	assert.Equal(t, ScopeUID2, s.IdentityScope)
	assert.Equal(t, int64(0), s.DefaultKeysetID)
	assert.False(t, s.Valid(0), "no keys: never valid")

	for raw, want := range map[string]int64{`"2"`: 2, `2`: 2, `null`: DefaultTokenExpirySeconds, `0`: DefaultTokenExpirySeconds, `"0"`: DefaultTokenExpirySeconds} {
		s, err := Parse([]byte(`{"token_expiry_seconds":`+raw+`,"keys":[]}`), ScopeUID2)
		require.NoError(t, err, raw)
		assert.Equal(t, want, s.TokenExpirySeconds, raw)
	}
	for _, raw := range []string{`"abc"`, `-5`, `"1.5"`, `true`} {
		_, err := Parse([]byte(`{"token_expiry_seconds":`+raw+`,"keys":[]}`), ScopeUID2)
		assert.Error(t, err, raw)
	}
	s, err = Parse([]byte(`{"identity_scope":"euid","keys":[]}`), ScopeUID2)
	require.NoError(t, err)
	assert.Equal(t, ScopeUID2, s.IdentityScope, "only the exact string EUID selects EUID, as Python and .NET")
}

// A response that names no scope (the legacy array, or a body without
// identity_scope) gets the client's default; one that names it, its own.
func TestParseDefaultScope(t *testing.T) {
	legacy := `[{"id":3,"created":1,"activates":1,"expires":99,"secret":"` + secret + `"}]`
	for doc, want := range map[string]int{
		legacy:                                 ScopeEUID,
		`{"body":` + legacy + `}`:              ScopeEUID,
		`{"keys":[]}`:                          ScopeEUID,
		`{"identity_scope":"UID2","keys":[]}`:  ScopeUID2,
		`{"identity_scope":"other","keys":[]}`: ScopeUID2,
		`{"identity_scope":"EUID","keys":[]}`:  ScopeEUID,
	} {
		s, err := Parse([]byte(doc), ScopeEUID)
		require.NoError(t, err, doc)
		assert.Equal(t, want, s.IdentityScope, doc)
	}
	s, err := Parse([]byte(legacy), ScopeUID2)
	require.NoError(t, err)
	assert.Equal(t, ScopeUID2, s.IdentityScope)
}

func TestParseLegacyArray(t *testing.T) {
	doc := `[{"id":3,"site_id":-1,"created":1,"activates":1,"expires":99,"secret":"` + secret + `"},` +
		`{"id":4,"site_id":9000,"created":1,"activates":1,"expires":50,"secret":"` + secret + `"}]`
	for _, d := range []string{doc, `{"body":` + doc + `}`} {
		s, err := Parse([]byte(d), ScopeUID2)
		require.NoError(t, err)
		assert.Equal(t, int64(9000), s.Key(4).SiteID)
		assert.Equal(t, int64(-1), s.Key(3).SiteID)
		assert.True(t, s.Valid(98_999))
		assert.False(t, s.Valid(99_000))
	}
}

func TestParseErrors(t *testing.T) {
	leaky := base64.StdEncoding.EncodeToString([]byte("sixteen byte key"))
	for name, doc := range map[string]string{
		"not JSON":         `{"keys":`,
		"no keys":          `{"caller_site_id":1}`,
		"keys not array":   `{"keys":{}}`,
		"status":           `{"status":"error","body":{"keys":[]}}`,
		"missing secret":   `{"keys":[{"id":1,"activates":1,"expires":2}]}`,
		"missing expires":  `{"keys":[{"id":1,"activates":1,"secret":"` + secret + `"}]}`,
		"secret length":    `{"keys":[{"id":1,"activates":1,"expires":2,"secret":"` + leaky + `"}]}`,
		"secret base64":    `{"keys":[{"id":1,"activates":1,"expires":2,"secret":"!!notbase64!!"}]}`,
		"id type":          `{"keys":[{"id":"1","activates":1,"expires":2,"secret":"` + secret + `"}]}`,
		"fraction":         `{"keys":[{"id":1,"activates":1.5,"expires":2,"secret":"` + secret + `"}]}`,
		"expiry fraction":  `{"token_expiry_seconds":259200.5,"keys":[]}`,
		"expiry float str": `{"token_expiry_seconds":"259200.0","keys":[]}`,
		"id beyond int64":  `{"keys":[{"id":1e19,"activates":1,"expires":2,"secret":"` + secret + `"}]}`,
		"site id fraction": `{"keys":[],"site_data":[{"id":1.25,"domain_names":[]}]}`,
		"empty":            ``,
		"body not JSON":    `{"body":"x"}`,
	} {
		_, err := Parse([]byte(doc), ScopeUID2)
		require.Error(t, err, name)
		assert.NotContains(t, err.Error(), leaky, name)
		assert.NotContains(t, err.Error(), "!!notbase64!!", name)
		assert.NotContains(t, err.Error(), secret, name)
	}
}

// Active-key selection (uid2-spec §4.4): the most recently activated key
// that is active now, whatever the response order.
func TestActiveKey(t *testing.T) {
	keys := strings.Join([]string{
		key(3, 7, 300, 1000), key(1, 7, 100, 1000), key(2, 7, 200, 250), key(4, 7, 400, 1000), key(5, 8, 0, 1000),
	}, ",")
	// Keyset 7 as an ordinary keyset, as the master keyset and as the
	// default one (those two are selected from lists of their own).
	for _, head := range []string{``, `"master_keyset_id":7,"default_keyset_id":8,`, `"master_keyset_id":8,"default_keyset_id":7,`} {
		s, err := Parse([]byte(`{`+head+`"keys":[`+keys+`]}`), ScopeUID2)
		require.NoError(t, err)
		for nowS, want := range map[int64]int64{99: 0, 100: 1, 199: 1, 200: 2, 249: 2, 250: 1, 300: 3, 399: 3, 400: 4, 999: 4, 1000: 0} {
			k := s.ActiveKey(7, nowS*1000)
			if want == 0 {
				assert.Nil(t, k, "%s now=%d", head, nowS)
				continue
			}
			require.NotNil(t, k, "%s now=%d", head, nowS)
			assert.Equal(t, want, k.ID, "%s now=%d", head, nowS)
		}
		// Millisecond edges: activates <= now < expires.
		assert.Nil(t, s.ActiveKey(7, 100*1000-1), head)
		assert.Equal(t, int64(2), s.ActiveKey(7, 250*1000-1).ID, head)
		assert.Equal(t, int64(5), s.ActiveKey(8, 500*1000).ID, head)
		assert.Nil(t, s.ActiveKey(9, 500*1000), "unknown keyset")
		assert.Nil(t, s.ActiveKey(0, 500*1000), "keyset 0 is never indexed")
	}
}

// The key table against a map, with ids that crowd the table's slots
// (consecutive, negative, extreme, multiples of its size) and ids put twice.
func TestKeyTableFindsWhatAMapFinds(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 7, 64, 1000} {
		var ids []int64
		for i := 0; i < n; i++ {
			switch i % 5 {
			case 0:
				ids = append(ids, int64(i))
			case 1:
				ids = append(ids, -int64(i))
			case 2:
				ids = append(ids, int64(i)<<40)
			case 3:
				ids = append(ids, math.MaxInt64-int64(i))
			case 4:
				ids = append(ids, ids[i/2]) // again: replaces
			}
		}
		tab, want := newKeyTable(len(ids)), map[int64]*Key{}
		for _, id := range ids {
			k := &Key{ID: id}
			tab.put(k)
			want[id] = k
		}
		assert.Equal(t, len(want), tab.n, "n=%d", n)
		for id, k := range want {
			assert.Same(t, k, tab.get(id), "n=%d id=%d", n, id)
		}
		for _, id := range []int64{math.MinInt64, -999999, 1 << 50, 12345678901} {
			if want[id] == nil {
				assert.Nil(t, tab.get(id), "n=%d id=%d", n, id)
			}
		}
	}
}

func TestKeysetlessKeysAreDecryptOnly(t *testing.T) {
	s, err := Parse([]byte(`{"keys":[{"id":9,"created":1,"activates":1,"expires":99,"secret":"`+secret+`"}]}`), ScopeUID2)
	require.NoError(t, err)
	assert.NotNil(t, s.Key(9))
	assert.Nil(t, s.ActiveKey(0, 2000))
}

func TestSiteData(t *testing.T) {
	s, err := Parse([]byte(`{"keys":[],"site_data":[{"id":0,"domain_names":["zero.com"]},{"id":5,"domain_names":["a.com","App.Id"]},{"id":6}]}`), ScopeUID2)
	require.NoError(t, err)
	assert.False(t, s.DomainOrAppNameAllowed(0, "zero.com"), "site 0 is skipped, as Java does")
	assert.True(t, s.DomainOrAppNameAllowed(5, "app.id"))
	assert.True(t, s.DomainOrAppNameAllowed(5, "A.com"))
	assert.False(t, s.DomainOrAppNameAllowed(5, ""))
	assert.False(t, s.DomainOrAppNameAllowed(5, "b.com"))
	assert.False(t, s.DomainOrAppNameAllowed(6, "a.com"))
	assert.False(t, s.DomainOrAppNameAllowed(7, "a.com"))
}

func TestAbsurdTimesSaturate(t *testing.T) {
	s, err := Parse([]byte(`{"keys":[`+key(1, 7, math.MinInt64, math.MaxInt64)+`]}`), ScopeUID2)
	require.NoError(t, err)
	assert.True(t, s.Valid(math.MaxInt64-1))
	assert.NotNil(t, s.ActiveKey(7, 0))
}

// Integer fields written as whole-number floats are taken, as the official
// SDKs take them; fractions are refused, naming the field.
func TestWholeNumberFloats(t *testing.T) {
	doc := `{"caller_site_id":5.0,"master_keyset_id":9.999999e6,"default_keyset_id":7.00,
		"token_expiry_seconds":259200.0,"max_sharing_lifetime_seconds":1E2,"allow_clock_skew_seconds":30.0,
		"keys":[{"id":1.0,"keyset_id":7.0,"site_id":-1.0,"created":10.0,"activates":10.0,"expires":2e1,"secret":"` + secret + `"}],
		"site_data":[{"id":5.0,"domain_names":["a.com"]}]}`
	s, err := Parse([]byte(doc), ScopeUID2)
	require.NoError(t, err)
	assert.Equal(t, int64(5), s.CallerSiteID)
	assert.Equal(t, int64(9999999), s.MasterKeysetID)
	assert.Equal(t, int64(7), s.DefaultKeysetID)
	assert.Equal(t, int64(259200), s.TokenExpirySeconds)
	assert.Equal(t, int64(100), s.MaxSharingLifetimeSeconds)
	assert.Equal(t, int64(30), s.AllowClockSkewSeconds)
	k := s.Key(1)
	require.NotNil(t, k)
	assert.Equal(t, Key{ID: 1, KeysetID: 7, SiteID: -1, Created: 10, Activates: 10, Expires: 20},
		Key{ID: k.ID, KeysetID: k.KeysetID, SiteID: k.SiteID, Created: k.Created, Activates: k.Activates, Expires: k.Expires})
	assert.Same(t, k, s.ActiveKey(7, 15_000))
	assert.True(t, s.DomainOrAppNameAllowed(5, "a.com"))

	// Exact: a float that only rounds to a whole number is not one.
	for _, v := range []string{"259200.5", "9007199254740993.5", "1e-1", "0.5"} {
		_, err := Parse([]byte(`{"keys":[],"caller_site_id":`+v+`}`), ScopeUID2)
		require.Error(t, err, v)
		assert.Contains(t, err.Error(), `"caller_site_id"`, v)
	}
	s, err = Parse([]byte(`{"keys":[],"caller_site_id":9007199254740993.0}`), ScopeUID2)
	require.NoError(t, err)
	assert.Equal(t, int64(9007199254740993), s.CallerSiteID, "beyond float64's precision")
}

// A key id listed twice: the last entry is the key, everywhere (by id, in
// its keyset, for its site).
func TestDuplicateKeyIDKeepsLastEntry(t *testing.T) {
	other := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	doc := `{"keys":[
		{"id":1,"keyset_id":7,"activates":10,"expires":100,"secret":"` + secret + `"},
		{"id":2,"keyset_id":7,"activates":5,"expires":50,"secret":"` + secret + `"},
		{"id":1,"keyset_id":8,"activates":20,"expires":50,"secret":"` + other + `"}]}`
	s, err := Parse([]byte(doc), ScopeUID2)
	require.NoError(t, err)
	assert.Equal(t, 2, s.Len())
	k := s.Key(1)
	require.NotNil(t, k)
	assert.Equal(t, int64(8), k.KeysetID)
	assert.Equal(t, int64(20), k.Activates)
	assert.Same(t, k, s.ActiveKey(8, 30_000))
	assert.Same(t, s.Key(2), s.ActiveKey(7, 30_000), "the first entry of id 1 left keyset 7")
	assert.False(t, s.Valid(60_000), "the first entry's later expiry is gone too")

	legacy := `[{"id":3,"site_id":9,"activates":1,"expires":100,"secret":"` + secret + `"},
		{"id":3,"site_id":10,"activates":1,"expires":100,"secret":"` + other + `"}]`
	s, err = Parse([]byte(legacy), ScopeUID2)
	require.NoError(t, err)
	assert.Nil(t, s.ActiveSiteKey(9, 50_000))
	assert.Same(t, s.Key(3), s.ActiveSiteKey(10, 50_000))
}
