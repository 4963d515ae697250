package publisher

import (
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/libuid2/libuid2/go/envelope"
	"github.com/libuid2/libuid2/go/internal/pubvectors"
	"github.com/libuid2/libuid2/go/normalize"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fixedNonceIV(t *testing.T) (nonce [8]byte, iv [12]byte) {
	n, err := hex.DecodeString(pubvectors.NonceHex)
	require.NoError(t, err)
	v, err := hex.DecodeString(pubvectors.IVHex)
	require.NoError(t, err)
	copy(nonce[:], n)
	copy(iv[:], v)
	return nonce, iv
}

func vectorHelper(t *testing.T) *Helper {
	h, err := NewHelper(pubvectors.ClientSecret)
	require.NoError(t, err)
	return h
}

func fixedEnvelope(t *testing.T, in *TokenGenerateInput) (Envelope, error) {
	nonce, iv := fixedNonceIV(t)
	return vectorHelper(t).createEnvelope(in, pubvectors.RequestTimeMs, nonce, iv)
}

// The Java SDK's six request envelopes (§1.11.1), byte for byte.
func TestRequestEnvelopes(t *testing.T) {
	const tcf = "CPhJRpMPhJRpMABAMBFRACBoALAAAEJAAIYgAKwAQAKgArABAAqAAA"
	userHash := normalize.Hash("user@example.com")
	phoneHash := normalize.Hash("+12345678901")
	cases := []struct {
		name     string
		in       *TokenGenerateInput
		json     string
		envelope string
	}{
		{"unhashedEmail", FromEmail("test@example.com").DoNotHash(), `{"email":"test@example.com"}`,
			"Acw8ysqYieqzgA54fifdV1TB6V+da8p/AFc8Ju/IYrD77pL7JYMJj8YqD9EsrG3d2d2j0H7kZjH41YsNLpFVCH+oce28z9L9ug=="},
		{"unhashedPhone", FromPhone("+12345678901").DoNotHash(), `{"phone":"+12345678901"}`,
			"Acw8ysqYieqzgA54fifdV1TB6V+da8p/AFc8Ju/IYqX+4JXyJYMJ0JJrSKV84juIkIH33GCmx+7RM2pSX9P4nAN0pn2g"},
		{"hashedEmail", FromEmail("user@example.com"), `{"email_hash":"tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ="}`,
			"Acw8ysqYieqzgA54fifdV1TB6V+da8p/AFc8Ju/IYrD77pL7WNFKiMt7QbM9mWHZwOWPyVTqSnDVNzhXRdcmIkV0ODOdll2inDo9iIZQ5oV2NvSUSWG5j6ACiXKH0JxiTPzs716eIH7P1Q=="},
		{"hashedEmail unnormalised", FromEmail("   USER@EXAMPLE.COM   "), `{"email_hash":"tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ="}`,
			"Acw8ysqYieqzgA54fifdV1TB6V+da8p/AFc8Ju/IYrD77pL7WNFKiMt7QbM9mWHZwOWPyVTqSnDVNzhXRdcmIkV0ODOdll2inDo9iIZQ5oV2NvSUSWG5j6ACiXKH0JxiTPzs716eIH7P1Q=="},
		{"alreadyHashedEmail", FromHashedEmail(userHash), `{"email_hash":"tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ="}`,
			"Acw8ysqYieqzgA54fifdV1TB6V+da8p/AFc8Ju/IYrD77pL7WNFKiMt7QbM9mWHZwOWPyVTqSnDVNzhXRdcmIkV0ODOdll2inDo9iIZQ5oV2NvSUSWG5j6ACiXKH0JxiTPzs716eIH7P1Q=="},
		{"hashedGmail", FromEmail("janedoe@gmail.com"), `{"email_hash":"1hFzBkhe0OUK+rOshx6Y+BaZFR8wKBUn1j/18jNlbGk="}`,
			"Acw8ysqYieqzgA54fifdV1TB6V+da8p/AFc8Ju/IYrD77pL7WNFKiMt7QbN4vErK69qumy3EXliuNSZ0a/4mTht7DyqMjF20oUECkYNZvtJhGo+wfXSDj6ACEfrViY4lnt1KEUjC4JlDaQ=="},
		{"hashedGmail unnormalised", FromEmail("   jane.doe+home@gmail.com   "), `{"email_hash":"1hFzBkhe0OUK+rOshx6Y+BaZFR8wKBUn1j/18jNlbGk="}`,
			"Acw8ysqYieqzgA54fifdV1TB6V+da8p/AFc8Ju/IYrD77pL7WNFKiMt7QbN4vErK69qumy3EXliuNSZ0a/4mTht7DyqMjF20oUECkYNZvtJhGo+wfXSDj6ACEfrViY4lnt1KEUjC4JlDaQ=="},
		{"hashedPhone", FromPhone("+12345678901"), `{"phone_hash":"EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4="}`,
			"Acw8ysqYieqzgA54fifdV1TB6V+da8p/AFc8Ju/IYqX+4JXyWNFKiMt7QbMMm27H3fmEq2zPRUnXdFpLTdVdc0RNWxOruBaarHYQksdqpbkVFa+walbcj6AClILBJjbDMl1IoeqJVG2fyw=="},
		{"alreadyHashedPhone", FromHashedPhone(phoneHash), `{"phone_hash":"EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4="}`,
			"Acw8ysqYieqzgA54fifdV1TB6V+da8p/AFc8Ju/IYqX+4JXyWNFKiMt7QbMMm27H3fmEq2zPRUnXdFpLTdVdc0RNWxOruBaarHYQksdqpbkVFa+walbcj6AClILBJjbDMl1IoeqJVG2fyw=="},
		{"hashedEmailWithTcString", FromEmail("user@example.com").WithTransparencyAndConsentString(tcf),
			`{"email_hash":"tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=","tcf_consent_string":"` + tcf + `"}`,
			"Acw8ysqYieqzgA54fifdV1TB6V+da8p/AFc8Ju/IYrD77pL7WNFKiMt7QbM9mWHZwOWPyVTqSnDVNzhXRdcmIkV0ODOdll2inDo9iIZQ5oV2NvSUSWG5j6BTr3kl2OMGYCCQWOw+fx5/D8+7+J2+xJVUXN8K2yBbjpYqiOpOVVTktDh7TxkPwEGuYR5onLsXKFzjg7rdh0Mfu+emB6JrjFw/en304ydJgpPefDK/4/cohZQdgpjaqQ=="},
	}
	for _, c := range cases {
		js, err := c.in.JSON()
		require.NoError(t, err, c.name)
		assert.Equal(t, c.json, string(js), c.name)
		env, err := fixedEnvelope(t, c.in)
		require.NoError(t, err, c.name)
		assert.Equal(t, c.envelope, env.Text, c.name)
	}
}

func TestInputJSON(t *testing.T) {
	const hexHash = "0c7e6a405862e402eb76a70f8a26fc732d07c32931e9fae9ab1582911d2e8a3b"
	js, err := FromHashedEmail(hexHash).JSON()
	require.NoError(t, err)
	assert.Equal(t, `{"email_hash":"DH5qQFhi5ALrdqcPiib8cy0Hwykx6frpqxWCkR0uijs="}`, string(js), "hex is sent as base64")
	js, err = FromPhone("+12345678901").DoNotHash().WithTransparencyAndConsentString(`<a&"b">`).JSON()
	require.NoError(t, err)
	assert.Equal(t, `{"phone":"+12345678901","tcf_consent_string":"<a&\"b\">"}`, string(js), "no HTML escaping, as Gson")
	js, err = FromHashedEmail(normalize.Hash("x@y.z")).DoNotHash().JSON()
	require.NoError(t, err)
	assert.Contains(t, string(js), `"email_hash"`, "DoNotHash does not apply to hashes")
}

// Bad input fails before any request (Java's invalidEmail,
// unnormalizedOrInvalidPhone; a hash the operator would refuse).
func TestInvalidInput(t *testing.T) {
	for _, in := range []*TokenGenerateInput{
		FromEmail("this is not an email address"), FromEmail("neither.is@this@"),
		FromEmail("neither.is@this@").DoNotHash(),
		FromPhone("+123 44 555-66-77"), FromPhone("1 (123) 456-7890"), FromPhone("this is not a phone number"),
		FromPhone("1 (123) 456-7890").DoNotHash(),
		FromHashedEmail("not a hash"), FromHashedPhone("DH5qQFhi5ALrdqcPiib8cy0Hwykx6frpqxWCkR0uijs"),
		// 44 characters of base64 that the operator accepts, but of 31 and
		// 33 bytes: no SHA-256.
		FromHashedEmail("DH5qQFhi5ALrdqcPiib8cy0Hwykx6frpqxWCkR0uij=="),
		FromHashedEmail("DH5qQFhi5ALrdqcPiib8cy0Hwykx6frpqxWCkR0uijsA"),
		nil,
	} {
		_, err := fixedEnvelope(t, in)
		assert.Error(t, err)
	}
}

func generateNonce(t *testing.T) Envelope {
	nonce, _ := fixedNonceIV(t)
	return Envelope{Nonce: nonce}
}

// The Java SDK's generate response (§1.11.2): decrypted, its identity's
// JSON is the operator's body text exactly.
func TestGenerateResponse(t *testing.T) {
	r, err := vectorHelper(t).ParseGenerateResponse([]byte(pubvectors.GenerateResponse), generateNonce(t))
	require.NoError(t, err)
	require.True(t, r.IsSuccess())
	assert.False(t, r.IsOptout())
	id := r.Identity
	assert.Equal(t, pubvectors.GenerateBody, id.JSONString())
	assert.Equal(t, pubvectors.GenerateBody, r.IdentityJSONString())
	assert.Equal(t, "AgAAAAN6QZRCFTau+sfOlMMUY2ftElFMq2TCrcu1EAaD9WmEfoT2BWm2ZKz1tumbT00tWLffRDQ/9POXfA0O/Ljszn7FLtG5EzTBM3HYs4f5irkqeEvu38DhVCxUEpI+gZZZkynRap1oYx6AmC/ip3rk+7pmqa3r3saDs1mPRSSTm+Nh6A==", id.AdvertisingToken)
	assert.Len(t, id.RefreshToken, 388)
	assert.Equal(t, pubvectors.GenerateResponseKey, id.RefreshResponseKey)
	assert.Equal(t, int64(1668059799628), id.IdentityExpiresMs)
	assert.Equal(t, int64(1668142599628), id.RefreshExpiresMs)
	assert.Equal(t, int64(1668056202628), id.RefreshFromMs)
	assert.False(t, id.IsRefreshable(), "an identity of 2022")
	assert.True(t, id.IsDueForRefresh())

	// Another nonce: the response is not for this request.
	other := generateNonce(t)
	other.Nonce[0] ^= 1
	_, err = vectorHelper(t).ParseGenerateResponse([]byte(pubvectors.GenerateResponse), other)
	assert.ErrorIs(t, err, envelope.ErrNonce)
	assert.ErrorIs(t, err, ErrResponse)
}

func sealResponse(t *testing.T, js string) []byte {
	c, err := envelope.NewCipher(pubvectors.ClientSecret)
	require.NoError(t, err)
	nonce, iv := fixedNonceIV(t)
	return []byte(c.SealResponse(1, nonce, []byte(js), iv))
}

func TestGenerateOptoutAndOtherStatuses(t *testing.T) {
	h := vectorHelper(t)
	r, err := h.ParseGenerateResponse(sealResponse(t, `{"status":"optout"}`), generateNonce(t))
	require.NoError(t, err)
	assert.True(t, r.IsOptout())
	assert.False(t, r.IsSuccess())
	assert.Nil(t, r.Identity)
	assert.Equal(t, "", r.IdentityJSONString())

	_, err = h.ParseGenerateResponse(sealResponse(t, `{"status":"insufficient_user_consent"}`), generateNonce(t))
	var unexpected *UnexpectedStatusError
	require.ErrorAs(t, err, &unexpected)
	assert.Equal(t, "insufficient_user_consent", unexpected.Status)
	assert.EqualError(t, err, "got unexpected token generate status: insufficient_user_consent")

	for _, js := range []string{`{}`, `not json`, `{"status":"success"}`, `{"status":"success","body":{"advertising_token":"a"}}`, `{"status":7}`} {
		_, err = h.ParseGenerateResponse(sealResponse(t, js), generateNonce(t))
		assert.ErrorIs(t, err, ErrResponse, js)
	}
	// Java's invalidEncryptedString: not a response at all, or a request
	// envelope given as a response.
	_, err = h.ParseGenerateResponse([]byte("this is not an encrypted response"), generateNonce(t))
	assert.ErrorIs(t, err, ErrResponse)
	env, err := h.CreateEnvelope(FromEmail("test@example.com"))
	require.NoError(t, err)
	_, err = h.ParseGenerateResponse([]byte(env.Text), env)
	assert.ErrorIs(t, err, ErrResponse)
}

func TestRefreshResponse(t *testing.T) {
	current, err := IdentityTokensFromJSON(pubvectors.GenerateBody)
	require.NoError(t, err)
	const refreshFrom = 1668062281329
	r, err := ParseRefreshResponse([]byte(pubvectors.RefreshResponse), current, time.UnixMilli(refreshFrom))
	require.NoError(t, err)
	require.True(t, r.IsSuccess())
	id := r.Identity
	assert.Equal(t, pubvectors.RefreshAdvertisingToken, id.AdvertisingToken)
	assert.Equal(t, pubvectors.RefreshRefreshToken, id.RefreshToken)
	assert.Equal(t, pubvectors.RefreshResponseKey2, id.RefreshResponseKey)
	assert.Equal(t, int64(1668065878329), id.IdentityExpiresMs)
	assert.Equal(t, int64(1668148678329), id.RefreshExpiresMs)
	assert.Equal(t, int64(refreshFrom), id.RefreshFromMs)

	// The same response received after the new identity expired is refused.
	_, err = ParseRefreshResponse([]byte(pubvectors.RefreshResponse), current, time.UnixMilli(1668065878329+1))
	assert.ErrorIs(t, err, ErrResponse)

	// Tampered, or under another key.
	bad := []byte(pubvectors.RefreshResponse)
	bad[20] ^= 1
	_, err = ParseRefreshResponse(bad, current, time.UnixMilli(refreshFrom))
	assert.ErrorIs(t, err, ErrResponse)
	_, err = ParseRefreshResponse([]byte("this is not an encrypted response"), current, time.UnixMilli(refreshFrom))
	assert.ErrorIs(t, err, ErrResponse)
}

func TestRefreshOptout(t *testing.T) {
	var body map[string]any
	require.NoError(t, json.Unmarshal([]byte(pubvectors.GenerateBody), &body))
	body["refresh_response_key"] = pubvectors.OptOutRefreshResponseKey
	js, _ := json.Marshal(body)
	current, err := IdentityTokensFromJSON(string(js))
	require.NoError(t, err)
	r, err := ParseRefreshResponse([]byte(pubvectors.OptOutRefreshResponse), current, time.Now())
	require.NoError(t, err)
	assert.True(t, r.IsOptout())
	assert.False(t, r.IsSuccess())
	assert.Nil(t, r.Identity)
}

// A v1 session (no refresh_response_key) gets a plain JSON answer.
func TestRefreshV1Session(t *testing.T) {
	var body map[string]any
	require.NoError(t, json.Unmarshal([]byte(pubvectors.GenerateBody), &body))
	delete(body, "refresh_response_key")
	js, _ := json.Marshal(body)
	current, err := IdentityTokensFromJSON(string(js))
	require.NoError(t, err)
	assert.Equal(t, "", current.RefreshResponseKey)
	r, err := ParseRefreshResponse([]byte(pubvectors.V1SessionRefreshResponse), current, time.UnixMilli(current.RefreshFromMs))
	require.NoError(t, err)
	require.True(t, r.IsSuccess())
	assert.Equal(t, int64(1668398943517), r.Identity.IdentityExpiresMs)

	_, err = ParseRefreshResponse([]byte(`{"status":"expired_token"}`), current, time.Now())
	assert.EqualError(t, err, "got unexpected token refresh status: expired_token")
}
