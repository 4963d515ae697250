package operator

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/libuid2/libuid2/go/internal/pubvectors"
	"github.com/libuid2/libuid2/go/token"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const fooHash = "DH5qQFhi5ALrdqcPiib8cy0Hwykx6frpqxWCkR0uijs=" // foo@bar.com

func TestParseGenerateRequest(t *testing.T) {
	for payload, want := range map[string]HashedIdentity{
		`{"email":" Foo@Bar.com "}`:        {token.TypeEmail, fooHash},
		`{"email_hash":"` + fooHash + `"}`: {token.TypeEmail, fooHash},
		`{"email_hash":"0c7e6a405862e402eb76a70f8a26fc732d07c32931e9fae9ab1582911d2e8a3b"}`: {token.TypeEmail, fooHash},
		`{"phone":"+12345678901"}`:                                  {token.TypePhone, "EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4="},
		`{"phone_hash":"` + fooHash + `","email":null,"other":1}`:   {token.TypePhone, fooHash},
		`{"email_hash":"` + fooHash + `","tcf_consent_string":"x"}`: {token.TypeEmail, fooHash},
	} {
		got, err := ParseGenerateRequest([]byte(payload))
		require.NoError(t, err, payload)
		assert.Equal(t, want, got, payload)
	}
	for payload, msg := range map[string]string{
		``:               MsgGenerateMissing,
		`{}`:             MsgGenerateMissing,
		`null`:           MsgGenerateMissing,
		`{"email":null}`: MsgGenerateMissing,
		`{"email":"a@b.c","phone":"+12345678901"}`: MsgGenerateMissing,
		`not json`:                 MsgNotJSON,
		`{"email":"not an email"}`: MsgInvalidIdentifier,
		`{"phone":"555-555-5555"}`: MsgInvalidIdentifier,
		`{"email_hash":"abc"}`:     MsgInvalidIdentifier,
		`{"email":7}`:              MsgInvalidIdentifier,
	} {
		_, err := ParseGenerateRequest([]byte(payload))
		var re *RequestError
		require.ErrorAs(t, err, &re, payload)
		assert.Equal(t, msg, re.Message, payload)
	}
}

func TestParseIdentityMapV3Request(t *testing.T) {
	got, err := ParseIdentityMapV3Request([]byte(`{"email":["Foo@bar.com","bad"],"phone_hash":["` + fooHash + `","x"],"email_hash":null}`))
	require.NoError(t, err)
	assert.Equal(t, [4][]MapInput{
		{{HashedIdentity{token.TypeEmail, fooHash}, true}, {HashedIdentity{token.TypeEmail, ""}, false}},
		nil,
		nil,
		{{HashedIdentity{token.TypePhone, fooHash}, true}, {HashedIdentity{token.TypePhone, ""}, false}},
	}, got)

	got, err = ParseIdentityMapV3Request([]byte(`{"email":[]}`))
	require.NoError(t, err)
	assert.Equal(t, [4][]MapInput{{}}, got)

	for payload, msg := range map[string]string{
		``:                   MsgMapMissing,
		`{}`:                 MsgMapMissing,
		`{"invalid_key":[]}`: MsgMapFormat,
		`{"email":[null]}`:   MsgMapFormat,
		`{"email":"a@b.c"}`:  MsgMapFormat,
		`{"email":[1]}`:      MsgMapFormat,
		`[`:                  MsgNotJSON,
	} {
		_, err := ParseIdentityMapV3Request([]byte(payload))
		var re *RequestError
		require.ErrorAs(t, err, &re, payload)
		assert.Equal(t, msg, re.Message, payload)
	}
}

func TestIdentityMapV3Response(t *testing.T) {
	js := IdentityMapV3Response([4][]MapResult{
		nil,
		{{Current: []byte{1, 2}, Previous: nil, RefreshFromMs: 1735689600999}, {Unmapped: "optout"}},
		nil,
		{{Current: []byte{3}, Previous: []byte{4}, RefreshFromMs: 1000}, {Unmapped: "invalid identifier"}},
	})
	assert.Equal(t, `{"body":{"email":[],"email_hash":[{"u":"AQI=","p":null,"r":1735689600},{"e":"optout"}],"phone":[],`+
		`"phone_hash":[{"u":"Aw==","p":"BA==","r":1},{"e":"invalid identifier"}]},"status":"success"}`, string(js))
	assert.True(t, json.Valid(js))
}

// Salts.Map over the official test salts gives user@example.com the raw
// UID of the official tokens, and the previous one after a rotation.
func TestSaltsMap(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).UnixMilli()
	s := &Salts{FirstLevel: pubvectors.FirstLevelSalt, Buckets: make([]Bucket, pubvectors.SaltBuckets)}
	for i := range s.Buckets {
		s.Buckets[i] = Bucket{CurrentSalt: "s", RefreshFromMs: now + 1000}
	}
	s.Buckets[3] = Bucket{CurrentSalt: "rotated", PreviousSalt: pubvectors.Bucket3Salt, LastUpdatedMs: now - 1000, RefreshFromMs: now - 1}
	id, err := ParseGenerateRequest([]byte(`{"email":"USER@example.com"}`))
	require.NoError(t, err)
	r, err := s.Map(s.FirstLevelHash(id), id.Type, now)
	require.NoError(t, err)
	assert.Equal(t, pubvectors.RawUID, b64(r.Previous))
	assert.NotEqual(t, pubvectors.RawUID, b64(r.Current))
	assert.Equal(t, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).UnixMilli(), r.RefreshFromMs, "refreshFrom passed: next midnight")
}

func TestTestIdentities(t *testing.T) {
	s := &Salts{FirstLevel: pubvectors.FirstLevelSalt}
	for in, want := range map[string]TestIdentity{
		`{"email":"optout@example.com"}`:         OptedOutIdentity,
		`{"phone":"+00000000000"}`:               OptedOutIdentity,
		`{"email":"Refresh-Optout@example.com"}`: RefreshOptedOutIdentity,
		`{"phone":"+00000000002"}`:               RefreshOptedOutIdentity,
		`{"email":"validate@example.com"}`:       ValidateIdentity,
		`{"phone":"+12345678901"}`:               ValidateIdentity,
		`{"email":"user@example.com"}`:           NotATestIdentity,
		`{"phone":"+00000000001"}`:               NotATestIdentity,
	} {
		id, err := ParseGenerateRequest([]byte(in))
		require.NoError(t, err)
		assert.Equal(t, want, s.TestIdentityOf(s.FirstLevelHash(id)), in)
	}
}
