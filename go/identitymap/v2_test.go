package identitymap

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/libuid2/libuid2/go/envelope"
	"github.com/libuid2/libuid2/go/internal/pubvectors"
	"github.com/libuid2/libuid2/go/normalize"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestV2RequestAndResponse(t *testing.T) {
	in := FromEmailsV2([]string{"Jane.Saoirse@gmail.com", "janesaoirse@gmail.com", "optout@example.com", "not an email"})
	jane, optout := normalize.Hash("janesaoirse@gmail.com"), normalize.Hash("optout@example.com")
	assert.Equal(t, `{"email_hash":["`+jane+`","`+optout+`"]}`, string(in.RequestJSON()))
	r, err := ParseResponseV2([]byte(`{"body":{"mapped":[{"identifier":"`+jane+`","advertising_id":"UID","bucket_id":"b1"}],`+
		`"unmapped":[{"identifier":"`+optout+`","reason":"optout"}]},"status":"success"}`), in)
	require.NoError(t, err)
	assert.Equal(t, map[string]MappedIdentityV2{
		"Jane.Saoirse@gmail.com": {"UID", "b1"}, "janesaoirse@gmail.com": {"UID", "b1"},
	}, r.Mapped)
	assert.Equal(t, map[string]UnmappedIdentity{
		"optout@example.com": {ReasonOptout, "optout"},
		"not an email":       {ReasonInvalidIdentifier, "invalid identifier"},
	}, r.Unmapped)

	assert.Equal(t, `{"phone_hash":["x"]}`, string(FromHashedPhonesV2([]string{"x"}).RequestJSON()))
	assert.Equal(t, `{"phone_hash":[]}`, string(FromPhonesV2([]string{"555"}).RequestJSON()))
	assert.Equal(t, `{"email_hash":["h"]}`, string(FromHashedEmailsV2([]string{"h"}).RequestJSON()))

	for _, payload := range []string{
		`{"status":"success","body":{"mapped":[]}}`, // unanswered
		`{"status":"success","body":{"mapped":[{"identifier":"other","advertising_id":"U","bucket_id":"b"}]}}`,
		`{"status":"success","body":{"mapped":[{"identifier":"x","advertising_id":"U","bucket_id":"b"}],"unmapped":[{"identifier":"x","reason":"optout"}]}}`,
		`{"status":"success","body":{"mapped":[{"identifier":"x","bucket_id":"b"}]}}`,
		`{"status":"success","body":{"unmapped":[{"reason":"optout"}]}}`,
		`nope`,
	} {
		_, err := ParseResponseV2([]byte(payload), FromHashedPhonesV2([]string{"x"}))
		assert.ErrorIs(t, err, ErrResponse, payload)
	}
	_, err = ParseResponseV2([]byte(`{"status":"error"}`), in)
	assert.EqualError(t, err, "got unexpected identity map status: error")
}

// The Python SDK's buckets request vectors: the same instant in eight
// zones.
func TestBucketsRequest(t *testing.T) {
	for _, s := range []string{"2024-07-02T14:30:15.123456+00:00", "2024-07-02T09:30:15.123456-05:00",
		"2024-07-02T08:30:15.123456-06:00", "2024-07-02T10:30:15.123456-04:00",
		"2024-07-02T06:30:15.123456-08:00", "2024-07-02T23:30:15.123456+09:00",
		"2024-07-03T00:30:15.123456+10:00", "2024-07-02T20:00:15.123456+05:30"} {
		at, err := time.Parse(time.RFC3339Nano, s)
		require.NoError(t, err)
		assert.Equal(t, `{"since_timestamp":"2024-07-02T14:30:15.123456"}`, string(BucketsRequestJSON(at)), s)
	}
	assert.Equal(t, `{"since_timestamp":"2024-07-02T14:30:15"}`, string(BucketsRequestJSON(time.Date(2024, 7, 2, 14, 30, 15, 0, time.UTC))))
	assert.Equal(t, `{"since_timestamp":"2024-07-02T14:30:15.120000"}`, string(BucketsRequestJSON(time.Date(2024, 7, 2, 14, 30, 15, 120e6, time.UTC))))

	got, err := ParseBucketsResponse([]byte(`{"body":[{"bucket_id":"a","last_updated":"2024-07-02T14:30:15.123"},{"bucket_id":"b","last_updated":"2024-07-03T00:00:00"}],"status":"success"}`))
	require.NoError(t, err)
	assert.Equal(t, []BucketChange{
		{"a", time.Date(2024, 7, 2, 14, 30, 15, 123e6, time.UTC)},
		{"b", time.Date(2024, 7, 3, 0, 0, 0, 0, time.UTC)},
	}, got)
	for _, payload := range []string{`x`, `{"status":"success","body":[{"bucket_id":"a"}]}`,
		`{"status":"success","body":[{"bucket_id":"a","last_updated":"yesterday"}]}`, `{"status":"unauthorized"}`} {
		_, err := ParseBucketsResponse([]byte(payload))
		assert.Error(t, err, payload)
	}
}

// The v2 calls over HTTP, through the same envelope as v3.
func TestV2Client(t *testing.T) {
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.Path)
		body, _ := io.ReadAll(r.Body)
		secret, _ := envelope.NewCipher(pubvectors.ClientSecret)
		_, nonce, payload, err := secret.OpenRequest(body)
		require.NoError(t, err)
		var resp string
		switch r.URL.Path {
		case "/v2/identity/map":
			var req map[string][]string
			require.NoError(t, json.Unmarshal(payload, &req))
			resp = `{"body":{"mapped":[{"identifier":"` + req["email_hash"][0] + `","advertising_id":"UID","bucket_id":"b"}]},"status":"success"}`
		case "/v2/identity/buckets":
			assert.Equal(t, `{"since_timestamp":"2024-07-02T14:30:15"}`, string(payload))
			resp = `{"body":[],"status":"success"}`
		}
		_, _ = io.WriteString(w, secret.SealResponse(0, nonce, []byte(resp), [12]byte{}))
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL, testAPIKey, pubvectors.ClientSecret)
	require.NoError(t, err)
	r, err := c.GenerateIdentityMapV2(context.Background(), FromEmailsV2([]string{"a@b.c"}))
	require.NoError(t, err)
	assert.Equal(t, MappedIdentityV2{"UID", "b"}, r.Mapped["a@b.c"])
	r, err = c.GenerateIdentityMapV2(context.Background(), FromEmailsV2([]string{"bad"}))
	require.NoError(t, err)
	assert.Len(t, r.Unmapped, 1)
	buckets, err := c.IdentityBuckets(context.Background(), time.Date(2024, 7, 2, 14, 30, 15, 0, time.UTC))
	require.NoError(t, err)
	assert.Empty(t, buckets)
	assert.Equal(t, []string{"/v2/identity/map", "/v2/identity/buckets"}, paths, "nothing sent for an all-invalid input")
}
