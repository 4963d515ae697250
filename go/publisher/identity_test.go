package publisher

import (
	"strings"
	"testing"
	"time"

	"github.com/libuid2/libuid2/go/internal/pubvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIdentityJSONRoundTrip(t *testing.T) {
	id, err := IdentityTokensFromJSON(pubvectors.GenerateBody)
	require.NoError(t, err)
	assert.Equal(t, pubvectors.GenerateBody, id.JSONString(), "key order and the unknown user_token kept")

	// Python stores the spaced json.dumps form; it is read and written back
	// compact, in the same order.
	spaced := `{"advertising_token": "a", "zz_unknown": {"x": [1, 2]}, "refresh_token": "r", "identity_expires": 3, "refresh_expires": 5, "refresh_from": 2}`
	id, err = IdentityTokensFromJSON(spaced)
	require.NoError(t, err)
	assert.Equal(t, `{"advertising_token":"a","zz_unknown":{"x":[1,2]},"refresh_token":"r","identity_expires":3,"refresh_expires":5,"refresh_from":2}`, id.JSONString())
	assert.Equal(t, IdentityTokens{AdvertisingToken: "a", RefreshToken: "r", IdentityExpiresMs: 3, RefreshExpiresMs: 5, RefreshFromMs: 2, json: id.JSONString()}, *id)

	// Times as strings of digits, as Gson's getAsLong reads them.
	id, err = IdentityTokensFromJSON(`{"advertising_token":"a","refresh_token":"r","identity_expires":"3","refresh_expires":5,"refresh_from":2}`)
	require.NoError(t, err)
	assert.Equal(t, int64(3), id.IdentityExpiresMs)
}

func TestIdentityJSONErrors(t *testing.T) {
	for _, s := range []string{"this is not a json string", "", "[]", `"s"`, "{", `{"advertising_token":1,"refresh_token":"r","identity_expires":3,"refresh_expires":5,"refresh_from":2}`,
		`{"advertising_token":"a","refresh_token":"r","identity_expires":3.5,"refresh_expires":5,"refresh_from":2}`,
		`{"advertising_token":"a","refresh_token":"r","identity_expires":"x","refresh_expires":5,"refresh_from":2}`} {
		_, err := IdentityTokensFromJSON(s)
		assert.ErrorIs(t, err, ErrInvalidJSON, s)
	}
	// Java's handleMissingIdentityFields: each required field removed, or
	// null.
	for _, field := range []string{"advertising_token", "refresh_token", "identity_expires", "refresh_expires", "refresh_from"} {
		for _, replacement := range []string{`"zz_` + field + `"`, `"` + field + `":null,"x"`} {
			s := strings.Replace(pubvectors.GenerateBody, `"`+field+`"`, replacement, 1)
			_, err := IdentityTokensFromJSON(s)
			assert.ErrorIs(t, err, ErrMissingField, s)
		}
	}
}

// Java's identityTimeRelated, and the edges to the millisecond.
func TestIdentityTimes(t *testing.T) {
	id, err := IdentityTokensFromJSON(pubvectors.GenerateBody)
	require.NoError(t, err)
	ms := func(v int64) time.Time { return time.UnixMilli(v) }
	assert.True(t, id.IsRefreshableAt(ms(id.RefreshExpiresMs-1000)))
	assert.False(t, id.IsRefreshableAt(ms(id.RefreshExpiresMs+1000)))
	assert.False(t, id.IsDueForRefreshAt(ms(id.RefreshFromMs-1000)))
	assert.True(t, id.IsDueForRefreshAt(ms(id.RefreshFromMs+1000)))
	assert.True(t, id.IsDueForRefreshAt(ms(id.IdentityExpiresMs+1000)))

	// The instant itself is neither past refresh_expires nor due; one
	// nanosecond later is (Java's Instant.isAfter).
	assert.True(t, id.IsRefreshableAt(ms(id.RefreshExpiresMs)))
	assert.False(t, id.IsRefreshableAt(ms(id.RefreshExpiresMs).Add(time.Nanosecond)))
	assert.False(t, id.IsDueForRefreshAt(ms(id.RefreshFromMs)))
	assert.True(t, id.IsDueForRefreshAt(ms(id.RefreshFromMs).Add(time.Nanosecond)))

	// Due once the advertising token expired even if refresh_from is later.
	late := *id
	late.RefreshFromMs = id.IdentityExpiresMs + 10000
	assert.False(t, late.IsDueForRefreshAt(ms(id.IdentityExpiresMs)))
	assert.True(t, late.IsDueForRefreshAt(ms(id.IdentityExpiresMs+1)))
}
