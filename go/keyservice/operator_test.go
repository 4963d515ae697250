package keyservice

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/libuid2/libuid2/go/envelope"
	"github.com/libuid2/libuid2/go/identitymap"
	"github.com/libuid2/libuid2/go/operator"
	"github.com/libuid2/libuid2/go/publisher"
	"github.com/libuid2/libuid2/go/sharing"
	"github.com/libuid2/libuid2/go/uid2"
)

// operatorHarness is a service with a publisher (generator), a DSP
// (bidder) and an advertiser (mapper), and a clock that can move ahead.
type operatorHarness struct {
	*harness
	skew      atomic.Int64 // ms the service's clock is ahead
	pubSite   int
	pub, dsp  credentials
	mapper    credentials
	pubClient *publisher.Client
	mapClient *identitymap.Client
	bidder    *uid2.BidstreamClient
}

func startOperator(t *testing.T) *operatorHarness {
	o := &operatorHarness{}
	o.harness = start(t, Options{SaltBuckets: 64, Now: func() time.Time {
		return time.Now().Add(time.Duration(o.skew.Load()) * time.Millisecond)
	}})
	o.pubSite = o.site("publisher", "publisher")
	o.pub = o.apiKey(o.pubSite, "generator")
	o.dsp = o.apiKey(o.site("dsp", "dsp"), "bidder")
	o.mapper = o.apiKey(o.site("advertiser", "advertiser"), "mapper")
	var err error
	o.pubClient, err = publisher.NewClient(o.srv.URL, o.pub.APIKey, o.pub.Secret)
	require.NoError(t, err)
	o.mapClient, err = identitymap.NewClient(o.srv.URL, o.mapper.APIKey, o.mapper.Secret)
	require.NoError(t, err)
	o.bidder, err = uid2.NewBidstreamClient(o.srv.URL, o.dsp.APIKey, o.dsp.Secret)
	require.NoError(t, err)
	require.NoError(t, o.bidder.Refresh(context.Background()))
	return o
}

func (o *operatorHarness) generate(email string) *publisher.Response {
	o.t.Helper()
	r, err := o.pubClient.GenerateToken(context.Background(), publisher.FromEmail(email))
	require.NoError(o.t, err)
	return r
}

func (o *operatorHarness) refresh(id *publisher.IdentityTokens) *publisher.Response {
	o.t.Helper()
	r, err := o.pubClient.RefreshToken(context.Background(), id)
	require.NoError(o.t, err)
	return r
}

func (o *operatorHarness) mapEmail(email string) identitymap.MappedIdentity {
	o.t.Helper()
	r, err := o.mapClient.GenerateIdentityMap(context.Background(), identitymap.FromEmails([]string{email}))
	require.NoError(o.t, err)
	m, ok := r.Mapped[email]
	require.True(o.t, ok, "%s is not mapped: %+v", email, r.Unmapped)
	return m
}

// decrypt is a DSP reading the advertising token from a bid request.
func (o *operatorHarness) decrypt(adToken string) uid2.DecryptionResponse {
	o.t.Helper()
	d := o.bidder.DecryptTokenIntoRawUID(adToken, "")
	require.Equal(o.t, uid2.Success, d.Status)
	assert.Equal(o.t, int32(o.pubSite), d.SiteID)
	return d
}

// A publisher's token decrypts in a bidder's client to the raw UID that
// identity map gives for the same email; refresh keeps it.
func TestGenerateRefreshDecryptAndMap(t *testing.T) {
	o := startOperator(t)
	const email = "Jane.Doe+news@gmail.com"
	gen := o.generate(email)
	require.True(t, gen.IsSuccess())
	mapped := o.mapEmail(email)
	assert.Equal(t, mapped.CurrentRawUID, o.decrypt(gen.Identity.AdvertisingToken).UID)
	assert.Empty(t, mapped.PreviousRawUID, "no rotation yet")
	assert.Len(t, gen.Identity.RefreshToken, 388)
	assert.Equal(t, DefaultLifetimes.RefreshAfterS*1000, gen.Identity.RefreshFromMs-gen.Identity.IdentityExpiresMs+DefaultLifetimes.IdentityS*1000)

	o.skew.Store(2000) // a refresh later: established stays the first generate's
	ref := o.refresh(gen.Identity)
	o.skew.Store(0)
	require.True(t, ref.IsSuccess())
	assert.NotEqual(t, gen.Identity.RefreshToken, ref.Identity.RefreshToken)
	assert.NotEqual(t, gen.Identity.RefreshResponseKey, ref.Identity.RefreshResponseKey)
	d := o.decrypt(ref.Identity.AdvertisingToken)
	assert.Equal(t, mapped.CurrentRawUID, d.UID)
	assert.Equal(t, o.decrypt(gen.Identity.AdvertisingToken).Established, d.Established, "refresh keeps the established time")
	// The refreshed identity refreshes again (its own response key).
	require.True(t, o.refresh(ref.Identity).IsSuccess())

	// The normalised email, its hash and the raw email sent for the
	// operator to normalise are one identity.
	byHash, err := o.pubClient.GenerateToken(context.Background(), publisher.FromEmail("janedoe@gmail.com").DoNotHash())
	require.NoError(t, err)
	assert.Equal(t, mapped.CurrentRawUID, o.decrypt(byHash.Identity.AdvertisingToken).UID)
}

func TestOptOut(t *testing.T) {
	o := startOperator(t)
	const email = "leaver@example.org"
	gen := o.generate(email)
	require.True(t, gen.IsSuccess())
	raw := o.mapEmail(email).CurrentRawUID

	var out struct {
		RawUID string `json:"raw_uid"`
		Since  int64  `json:"since"`
	}
	require.Equal(t, 200, o.admin("POST", "/admin/v1/optouts", map[string]any{"email": "Leaver@Example.org"}, &out))
	assert.Equal(t, raw, out.RawUID)

	assert.True(t, o.generate(email).IsOptout(), "generate after opting out")
	assert.True(t, o.refresh(gen.Identity).IsOptout(), "refresh after opting out")
	r, err := o.mapClient.GenerateIdentityMap(context.Background(), identitymap.FromEmails([]string{email, "stayer@example.org"}))
	require.NoError(t, err)
	assert.Equal(t, identitymap.ReasonOptout, r.Unmapped[email].Reason)
	assert.Contains(t, r.Mapped, "stayer@example.org")

	// /v2/optout/status lists the raw UID it had, with the time in ms.
	status, body := o.call(o.mapper, "/v2/optout/status", fmt.Sprintf(`{"advertising_ids":[%q,%q]}`, raw, "AAAA"), false)
	require.Equal(t, 200, status)
	assert.JSONEq(t, fmt.Sprintf(`{"body":{"opted_out":[{"advertising_id":%q,"opted_out_since":%d}]},"status":"success"}`, raw, out.Since*1000), body)

	// Refused admin requests change nothing.
	assert.Equal(t, 400, o.admin("POST", "/admin/v1/optouts", map[string]any{"email": "not an email"}, nil))
	assert.Equal(t, 400, o.admin("POST", "/admin/v1/optouts", map[string]any{"email": "a@b.org", "phone": "+12345678901"}, nil))
	assert.Equal(t, 400, o.admin("POST", "/admin/v1/optouts", map[string]any{"mail": "a@b.org"}, nil))
}

// The operator's test identities (publisher spec §1.9).
func TestTestIdentities(t *testing.T) {
	o := startOperator(t)
	assert.True(t, o.generate("optout@example.com").IsOptout())
	gen := o.generate("refresh-optout@example.com")
	require.True(t, gen.IsSuccess())
	assert.True(t, o.refresh(gen.Identity).IsOptout())
	o.mapEmail("refresh-optout@example.com")
	// validate@example.com is never opted out, even when listed.
	require.Equal(t, 200, o.admin("POST", "/admin/v1/optouts", map[string]any{"email": "validate@example.com"}, nil))
	gen = o.generate("validate@example.com")
	require.True(t, gen.IsSuccess())
	assert.True(t, o.refresh(gen.Identity).IsSuccess())
	r, err := o.mapClient.GenerateIdentityMap(context.Background(), identitymap.FromPhones([]string{"+00000000000", "+00000000002"}))
	require.NoError(t, err)
	assert.Equal(t, identitymap.ReasonOptout, r.Unmapped["+00000000000"].Reason)
	assert.Contains(t, r.Mapped, "+00000000002")
}

func TestSaltRotation(t *testing.T) {
	o := startOperator(t)
	const email = "rotating@example.org"
	gen := o.generate(email)
	before := o.mapEmail(email)

	var res map[string]int
	require.Equal(t, 200, o.admin("POST", "/admin/v1/salts/rotate", map[string]any{"fraction": 0.01}, &res))
	assert.Equal(t, map[string]int{"rotated": 1, "buckets": 64}, res, "ceil(64 × 0.01) buckets")
	require.Equal(t, 200, o.admin("POST", "/admin/v1/salts/rotate", map[string]any{"all": true}, &res))
	assert.Equal(t, 64, res["rotated"])

	after := o.mapEmail(email)
	assert.NotEqual(t, before.CurrentRawUID, after.CurrentRawUID)
	assert.Equal(t, before.CurrentRawUID, after.PreviousRawUID, "the previous raw UID is served after a rotation")
	assert.True(t, after.RefreshFrom.After(time.Now().Add(29*24*time.Hour)), "refresh-from moves 30 days on: %v", after.RefreshFrom)

	// Refresh recomputes the raw UID from the current salt.
	ref := o.refresh(gen.Identity)
	require.True(t, ref.IsSuccess())
	assert.Equal(t, after.CurrentRawUID, o.decrypt(ref.Identity.AdvertisingToken).UID)

	for _, bad := range []map[string]any{{}, {"fraction": 0}, {"fraction": 1.5}, {"fraction": 0.5, "all": true}, {"all": false}} {
		assert.Equal(t, 400, o.admin("POST", "/admin/v1/salts/rotate", bad, nil), "%v", bad)
	}
}

// post sends a raw request and returns the status and body.
func (o *operatorHarness) post(path, contentType, apiKey string, body []byte) (int, string) {
	o.t.Helper()
	req, err := http.NewRequest("POST", o.srv.URL+path, strings.NewReader(string(body)))
	require.NoError(o.t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+apiKey)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(o.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(o.t, err)
	return resp.StatusCode, string(data)
}

// call sends payload in a v2 envelope (binary or base64) and opens a 200
// answer.
func (o *operatorHarness) call(c credentials, path, payload string, binary bool) (int, string) {
	o.t.Helper()
	ciph, err := envelope.NewCipher(c.Secret)
	require.NoError(o.t, err)
	nonce := [envelope.NonceSize]byte{1, 2, 3, 4, 5, 6, 7, 8}
	var status int
	var body string
	if binary {
		status, body = o.post(path, "application/octet-stream", c.APIKey, ciph.SealRequestBytes(time.Now().UnixMilli(), nonce, []byte(payload), [12]byte{9}))
	} else {
		status, body = o.post(path, "", c.APIKey, []byte(ciph.SealRequest(time.Now().UnixMilli(), nonce, []byte(payload), [12]byte{9})))
	}
	if status != 200 {
		return status, body
	}
	var plain []byte
	if binary {
		plain, err = ciph.OpenResponseBytes([]byte(body), nonce)
	} else {
		plain, err = ciph.OpenResponse([]byte(body), nonce)
	}
	require.NoError(o.t, err)
	return status, string(plain)
}

func errorBody(status, message string) string {
	js, _ := json.Marshal(map[string]string{"status": status, "message": message})
	return string(js)
}

const hint = " See https://unifiedid.com/docs/getting-started/gs-encryption-decryption for details on the request envelope format."

// Every error of the spec's tables that the service answers.
func TestOperatorErrors(t *testing.T) {
	o := startOperator(t)
	unauthorized := `{"status":"unauthorized"}`
	for _, c := range []struct {
		path string
		key  credentials
	}{
		{"/v2/token/generate", o.mapper}, {"/v2/token/generate", o.dsp}, {"/v3/identity/map", o.pub},
		{"/v3/identity/map", o.dsp}, {"/v2/optout/status", o.pub}, {"/v2/token/generate", credentials{APIKey: "nope", Secret: o.pub.Secret}},
	} {
		status, body := o.call(c.key, c.path, `{"email":"a@b.org"}`, false)
		assert.Equal(t, 401, status, c.path)
		assert.Equal(t, unauthorized, body, c.path)
	}
	status, body := o.post("/v2/token/generate", "", "", []byte("x"))
	assert.Equal(t, 401, status)
	assert.Equal(t, unauthorized, body)

	ciph, _ := envelope.NewCipher(o.pub.Secret)
	nonce := [envelope.NonceSize]byte{}
	now := time.Now().UnixMilli()
	other, _ := envelope.NewCipher(o.mapper.Secret)
	badVersion, _ := base64.StdEncoding.DecodeString(ciph.SealRequest(now, nonce, []byte("{}"), [12]byte{}))
	badVersion[0] = 2
	for name, c := range map[string]struct{ body, message string }{
		"missing":        {"", "Invalid body: Body is missing."},
		"not base64":     {"%%%%", "Invalid body: Body is not valid base64." + hint},
		"plain JSON":     {`{"email":"a@b.org"}`, "Invalid body: The request body is unencrypted JSON. It must be an encrypted request envelope. See https://unifiedid.com/docs/getting-started/gs-encryption-decryption#encryption-and-decryption-code-examples for encryption and decryption code examples."},
		"base64 JSON":    {base64.StdEncoding.EncodeToString([]byte(`{"email":"a@b.org"}`)), "Invalid body: The request body is unencrypted JSON. It must be an encrypted request envelope. See https://unifiedid.com/docs/getting-started/gs-encryption-decryption#encryption-and-decryption-code-examples for encryption and decryption code examples."},
		"too short":      {base64.StdEncoding.EncodeToString(make([]byte, 44)), "Invalid body: Body too short. Check encryption method." + hint},
		"version":        {base64.StdEncoding.EncodeToString(badVersion), "Invalid body: Invalid request envelope format version: received 2, must be 1." + hint},
		"wrong secret":   {other.SealRequest(now, nonce, []byte(`{}`), [12]byte{}), "Invalid body: Check encryption key (ClientSecret)." + hint},
		"old":            {ciph.SealRequest(now-3*60000, nonce, []byte(`{}`), [12]byte{}), "Invalid timestamp: Request too old or client time drift."},
		"future":         {ciph.SealRequest(now+3*60000, nonce, []byte(`{}`), [12]byte{}), "Invalid timestamp: Request too old or client time drift."},
		"payload":        {ciph.SealRequest(now, nonce, []byte(`{"email":`), [12]byte{}), "Invalid payload in body: Data is not valid json string."},
		"no identity":    {ciph.SealRequest(now, nonce, nil, [12]byte{}), "Required Parameter Missing: exactly one of [email, email_hash, phone, phone_hash] must be specified"},
		"two identities": {ciph.SealRequest(now, nonce, []byte(`{"email":"a@b.org","phone":"+12345678901"}`), [12]byte{}), "Required Parameter Missing: exactly one of [email, email_hash, phone, phone_hash] must be specified"},
		"invalid email":  {ciph.SealRequest(now, nonce, []byte(`{"email":"nope"}`), [12]byte{}), "Invalid Identifier"},
		"invalid hash":   {ciph.SealRequest(now, nonce, []byte(`{"email_hash":"abc"}`), [12]byte{}), "Invalid Identifier"},
	} {
		status, body := o.post("/v2/token/generate", "", o.pub.APIKey, []byte(c.body))
		assert.Equal(t, 400, status, name)
		assert.JSONEq(t, errorBody("client_error", c.message), body, name)
	}

	for payload, message := range map[string]string{
		`{}`:                  "Required Parameter Missing: one or more of [email, email_hash, phone, phone_hash] must be specified",
		`{"invalid_key":[]}`:  "Incorrect request format",
		`{"email":[null]}`:    "Incorrect request format",
		`{"email":"a@b.org"}`: "Incorrect request format",
	} {
		status, body := o.call(o.mapper, "/v3/identity/map", payload, true)
		assert.Equal(t, 400, status, payload)
		assert.JSONEq(t, errorBody("client_error", message), body, payload)
	}
	for payload, message := range map[string]string{
		`[]`:                      "Invalid request body",
		`{}`:                      "Required Parameter Missing: advertising_ids",
		`{"advertising_ids":"x"}`: "Invalid request body",
		`{"advertising_ids":[` + strings.Repeat(`"x",`, 5000) + `"x"]}`: "Request payload is too large",
	} {
		status, body := o.call(o.mapper, "/v2/optout/status", payload, false)
		assert.Equal(t, 400, status)
		assert.JSONEq(t, errorBody("client_error", message), body, message)
	}
}

func TestRefreshErrors(t *testing.T) {
	o := startOperator(t)
	gen := o.generate("someone@example.org")
	wrapper := gen.Identity.RefreshToken
	raw, _ := base64.StdEncoding.DecodeString(wrapper)
	unknownKey := append([]byte{}, raw...)
	unknownKey[1], unknownKey[2], unknownKey[3], unknownKey[4] = 0, 0, 0x30, 0x39
	tampered := append([]byte{}, raw...)
	tampered[len(tampered)-1] ^= 1
	for name, c := range map[string]struct{ body, want string }{
		"not base64":  {strings.Repeat("%", 388), errorBody("client_error", "Invalid body: Body is not valid base64.")},
		"unknown key": {base64.StdEncoding.EncodeToString(unknownKey), errorBody("client_error", "Invalid key: Generator of this token (Key ID: 12345) does not exist.")},
		"tampered":    {base64.StdEncoding.EncodeToString(tampered), errorBody("client_error", "Invalid data: Check encryption method and encryption key.")},
		"empty":       {"", errorBody("invalid_token", "Invalid Token presented")},
		"asdf":        {"asdf", errorBody("invalid_token", "Invalid Token presented")},
		"bad base64":  {"invalidBase64%%%%", errorBody("invalid_token", "Invalid Token presented")},
	} {
		status, body := o.post("/v2/token/refresh", "application/x-www-form-urlencoded", o.pub.APIKey, []byte(c.body))
		assert.Equal(t, 400, status, name)
		assert.JSONEq(t, c.want, body, name)
	}
	// Without an API key (or with an unknown one) the detail is hidden.
	for _, key := range []string{"", "unknown"} {
		status, body := o.post("/v2/token/refresh", "", key, []byte("asdf"))
		assert.Equal(t, 400, status)
		assert.JSONEq(t, errorBody("error", "Error refreshing token"), body)
	}
	// Any role authenticates a refresh; without a key a valid one works.
	status, _ := o.post("/v2/token/refresh", "", o.mapper.APIKey, []byte(wrapper))
	assert.Equal(t, 200, status)

	// Past the refresh token's expiry.
	o.skew.Store(DefaultLifetimes.RefreshS*1000 + 1000)
	status, body := o.post("/v2/token/refresh", "", o.pub.APIKey, []byte(wrapper))
	assert.Equal(t, 400, status)
	assert.JSONEq(t, errorBody("expired_token", "Expired Token presented"), body)
	status, body = o.post("/v2/token/refresh", "", "", []byte(wrapper))
	assert.Equal(t, 400, status)
	assert.JSONEq(t, errorBody("error", "Error refreshing token"), body)
}

// Identity map v3 answers in the request's form: binary or base64 text.
func TestIdentityMapV3Forms(t *testing.T) {
	o := startOperator(t)
	want := o.mapEmail("someone@example.org")
	for _, binary := range []bool{true, false} {
		status, body := o.call(o.mapper, "/v3/identity/map", `{"email":["someone@example.org","bad"],"phone_hash":[]}`, binary)
		require.Equal(t, 200, status)
		assert.JSONEq(t, fmt.Sprintf(`{"body":{"email":[{"u":%q,"p":null,"r":%d},{"e":"invalid identifier"}],"email_hash":[],"phone":[],"phone_hash":[]},"status":"success"}`,
			want.CurrentRawUID, want.RefreshFrom.Unix()), body)
	}
}

// Identity map answers at most the documented 5,000 identities a request
// (counted over all four arrays, v3 and v2 alike): 1 MiB of empty strings
// would otherwise cost about 200 times its size in memory.
func TestIdentityMapItemLimit(t *testing.T) {
	o := startOperator(t)
	items := func(n int) string { return strings.TrimSuffix(strings.Repeat(`"",`, n), ",") }
	for _, path := range []string{"/v3/identity/map", "/v2/identity/map"} {
		status, _ := o.call(o.mapper, path, `{"email":[`+items(5000)+`]}`, true)
		assert.Equal(t, 200, status, path)
		status, body := o.call(o.mapper, path, `{"email":[`+items(5001)+`]}`, true)
		assert.Equal(t, 400, status, path)
		assert.JSONEq(t, errorBody("client_error", "Request payload is too large"), body, path)
	}
	for path, payload := range map[string]string{
		"/v3/identity/map": `{"email":[` + items(2500) + `],"phone":[` + items(2501) + `]}`,
		"/v2/identity/map": `{"email":[` + items(5000) + `,null]}`, // v2 answers null elements too
	} {
		status, body := o.call(o.mapper, path, payload, true)
		assert.Equal(t, 400, status, path)
		assert.JSONEq(t, errorBody("client_error", "Request payload is too large"), body, path)
	}
}

func TestLifetimes(t *testing.T) {
	_, err := New(Options{AdminToken: adminToken, Config: defaultConfig(), Lifetimes: operatorLifetimes(100, 50, 10)})
	assert.Error(t, err, "identity longer than refresh")
	_, err = New(Options{AdminToken: adminToken, Config: defaultConfig(), Lifetimes: operatorLifetimes(100, 200, 3000000)})
	assert.Error(t, err, "refresh tokens outliving their keys")
	cfg := defaultConfig()
	cfg.TokenExpiry = 72 * 3600
	svc, err := New(Options{AdminToken: adminToken, Config: cfg})
	require.NoError(t, err, "the defaults fit a shorter token expiry")
	assert.Equal(t, int64(72*3600), svc.lifetimes.RefreshS)
	assert.Equal(t, int64(72*3600), svc.lifetimes.IdentityS)
}

func defaultConfig() sharing.Config { return sharing.DefaultConfig() }

func operatorLifetimes(after, identity, refresh int64) operator.Lifetimes {
	return operator.Lifetimes{IdentityS: identity, RefreshS: refresh, RefreshAfterS: after}
}

// The deprecated identity map v2 and buckets calls through package
// identitymap's client, and token validate.
func TestIdentityMapV2BucketsAndValidate(t *testing.T) {
	o := startOperator(t)
	ctx := context.Background()
	v3 := o.mapEmail("someone@example.org")
	r, err := o.mapClient.GenerateIdentityMapV2(ctx, identitymap.FromEmailsV2([]string{"someone@example.org", "optout@example.com"}))
	require.NoError(t, err)
	assert.Equal(t, v3.CurrentRawUID, r.Mapped["someone@example.org"].RawUID)
	assert.Equal(t, identitymap.ReasonOptout, r.Unmapped["optout@example.com"].Reason)

	status, body := o.call(o.mapper, "/v2/identity/map", `{"email":["a@b.org",null,"bad"]}`, false)
	require.Equal(t, 200, status)
	assert.Contains(t, body, `"unmapped":[{"identifier":"null","reason":"invalid identifier"},{"identifier":"bad","reason":"invalid identifier"}]`)
	for payload, message := range map[string]string{
		`{}`: operator.MsgGenerateMissing, `{"email":["a@b.org"],"phone":["+12345678901"]}`: operator.MsgGenerateMissing,
		`{"email":"a@b.org"}`: "email must be an array",
	} {
		status, body := o.call(o.mapper, "/v2/identity/map", payload, false)
		assert.Equal(t, 400, status)
		assert.JSONEq(t, errorBody("client_error", message), body, payload)
	}
	status, body = o.call(o.mapper, "/v2/identity/map", `{"email":[],"phone":[]}`, false)
	assert.Equal(t, 200, status)
	assert.JSONEq(t, `{"body":{"mapped":[]},"status":"success"}`, body)

	changes, err := o.mapClient.IdentityBuckets(ctx, time.Now().Add(-48*time.Hour))
	require.NoError(t, err)
	assert.Len(t, changes, 64, "every bucket was made today")
	changes, err = o.mapClient.IdentityBuckets(ctx, time.Now().Add(48*time.Hour))
	require.NoError(t, err)
	assert.Empty(t, changes)
	for payload, message := range map[string]string{`{}`: "missing parameter since_timestamp", `{"since_timestamp":"yesterday"}`: "invalid date, must conform to ISO 8601"} {
		status, body := o.call(o.mapper, "/v2/identity/buckets", payload, false)
		assert.Equal(t, 400, status)
		assert.JSONEq(t, errorBody("client_error", message), body)
	}

	gen := o.generate("validate@example.com")
	validate := func(c credentials, email string) (int, string) {
		return o.call(c, "/v2/token/validate", fmt.Sprintf(`{"token":%q,"email":%q}`, gen.Identity.AdvertisingToken, email), false)
	}
	status, body = validate(o.pub, "validate@example.com")
	assert.Equal(t, 200, status)
	assert.JSONEq(t, `{"body":true,"status":"success"}`, body)
	_, body = validate(o.pub, "someone@example.org")
	assert.JSONEq(t, `{"body":false,"status":"success"}`, body)
	other := o.apiKey(o.site("other publisher", "publisher"), "generator")
	status, body = validate(other, "validate@example.com")
	assert.Equal(t, 400, status)
	assert.JSONEq(t, errorBody("client_error", "Unauthorised to validate token"), body)
	status, body = o.call(o.pub, "/v2/token/validate", `{"token":"nope","email":"validate@example.com"}`, false)
	assert.Equal(t, 400, status)
	assert.JSONEq(t, errorBody("client_error", "Invalid token"), body)
	require.Equal(t, 200, o.admin("POST", "/admin/v1/salts/rotate", map[string]any{"all": true}, nil))
	_, body = validate(o.pub, "validate@example.com")
	assert.JSONEq(t, `{"body":false,"status":"success"}`, body, "a token minted before a rotation validates false")
}

// Salts and opt-outs survive a restart; a state saved before salts were
// kept gets them at start, so the operator endpoints work at once.
func TestOperatorStateRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	h := start(t, Options{DataDir: dir, SaltBuckets: 32})
	mapper := h.apiKey(h.site("adv", "advertiser"), "mapper")
	require.Equal(t, 200, h.admin("POST", "/admin/v1/optouts", map[string]any{"email": "gone@example.org"}, nil))
	m, err := identitymap.NewClient(h.srv.URL, mapper.APIKey, mapper.Secret)
	require.NoError(t, err)
	before, err := m.GenerateIdentityMap(context.Background(), identitymap.FromEmails([]string{"kept@example.org", "gone@example.org"}))
	require.NoError(t, err)
	h.srv.Close()
	require.NoError(t, h.svc.Close())

	h2 := start(t, Options{DataDir: dir, SaltBuckets: 999})
	assert.Equal(t, 32, h2.svc.SaltBuckets(), "a saved state keeps its bucket count")
	m2, err := identitymap.NewClient(h2.srv.URL, mapper.APIKey, mapper.Secret)
	require.NoError(t, err)
	after, err := m2.GenerateIdentityMap(context.Background(), identitymap.FromEmails([]string{"kept@example.org", "gone@example.org"}))
	require.NoError(t, err)
	assert.Equal(t, before, after)
	data, err := json.Marshal(h2.svc.current.Load().state)
	require.NoError(t, err)
	h2.srv.Close()
	require.NoError(t, h2.svc.Close())

	// The state file of an older service: no salts, no opt-outs.
	require.NoError(t, os.Remove(filepath.Join(dir, "state.db")))
	path := filepath.Join(dir, "state.json")
	var st map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(data, &st))
	delete(st, "salts")
	delete(st, "optouts")
	data, err = json.Marshal(st)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, data, 0o600))
	h3 := start(t, Options{DataDir: dir})
	assert.Equal(t, sharing.DefaultSaltBuckets, h3.svc.SaltBuckets())
	m3, err := identitymap.NewClient(h3.srv.URL, mapper.APIKey, mapper.Secret)
	require.NoError(t, err)
	r, err := m3.GenerateIdentityMap(context.Background(), identitymap.FromEmails([]string{"kept@example.org"}))
	require.NoError(t, err)
	assert.Contains(t, r.Mapped, "kept@example.org")
	salts := h3.svc.current.Load().state.Salts
	h3.srv.Close()
	require.NoError(t, h3.svc.Close())
	h4 := start(t, Options{DataDir: dir})
	assert.Equal(t, salts, h4.svc.current.Load().state.Salts, "the salts made at start were saved")
}
