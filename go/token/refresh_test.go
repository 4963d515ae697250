package token

import (
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/libuid2/libuid2/go/internal/pubvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refreshKeys looks up the refresh key of the spec's vectors (id 4).
func refreshKeys(t *testing.T) func(int64) cipher.Block {
	secret, err := base64.StdEncoding.DecodeString(pubvectors.RefreshKeySecret)
	require.NoError(t, err)
	block, err := NewKey(secret)
	require.NoError(t, err)
	return func(id int64) cipher.Block {
		if id == pubvectors.RefreshKeyID {
			return block
		}
		return nil
	}
}

func b64(t *testing.T, s string) (out [32]byte) {
	b, err := base64.StdEncoding.DecodeString(s)
	require.NoError(t, err)
	require.Len(t, b, 32)
	copy(out[:], b)
	return out
}

// The official chain (§1.11.3): the Java SDK's generate and refresh
// responses carry wrappers around v2 refresh tokens.
func TestOfficialRefreshTokens(t *testing.T) {
	var body struct {
		RefreshToken string `json:"refresh_token"`
	}
	require.NoError(t, json.Unmarshal([]byte(pubvectors.GenerateBody), &body))
	for _, c := range []struct {
		wrapper, responseKey   string
		createdMs, validTillMs int64
	}{
		{body.RefreshToken, pubvectors.GenerateResponseKey, pubvectors.GenerateCreatedMs, pubvectors.GenerateValidTillMs},
		{pubvectors.RefreshRefreshToken, pubvectors.RefreshResponseKey2, pubvectors.RefreshCreatedMs, pubvectors.RefreshValidTillMs},
	} {
		require.Len(t, c.wrapper, WrapperLen)
		w, err := DecodeWrapper(c.wrapper, refreshKeys(t))
		require.NoError(t, err)
		assert.Equal(t, Wrapper{Scope: 0, KeyID: 4, ResponseKey: c.responseKey, RefreshToken: w.RefreshToken}, w)
		rt, err := DecodeRefresh(w.RefreshToken, refreshKeys(t))
		require.NoError(t, err)
		assert.Equal(t, RefreshToken{
			Scope: 0, IdentityType: TypeEmail, KeyID: 4,
			ExpiresMs: c.validTillMs, CreatedMs: c.createdMs, SiteID: pubvectors.SiteID,
			PrivacyBits: 1, EstablishedMs: pubvectors.EstablishedMs,
			FirstLevelHash: b64(t, pubvectors.FirstLevelHash),
		}, rt)
	}
}

func currentRefreshToken(t *testing.T) RefreshToken {
	return RefreshToken{
		Scope: 0, IdentityType: TypeEmail, KeyID: pubvectors.RefreshKeyID,
		ExpiresMs: pubvectors.CurrentRefreshExpiresMs, CreatedMs: pubvectors.CurrentNowMs,
		SiteID: pubvectors.SiteID, PrivacyBits: 1, EstablishedMs: pubvectors.CurrentNowMs,
		FirstLevelHash: b64(t, pubvectors.FirstLevelHash),
	}
}

// The current format, byte for byte with fixed IVs (§1.11.4).
func TestCurrentRefreshTokenAndWrapper(t *testing.T) {
	keys := refreshKeys(t)
	aead, err := cipher.NewGCM(keys(4))
	require.NoError(t, err)
	rt := currentRefreshToken(t)
	var iv [12]byte
	copy(iv[:], pubvectors.Counting(0x20, 12))
	text := string(AppendRefreshV3(nil, &rt, aead, &iv))
	assert.Equal(t, pubvectors.CurrentRefreshTokenV3, text)
	back, err := DecodeRefresh(text, keys)
	require.NoError(t, err)
	assert.Equal(t, rt, back)

	copy(iv[:], pubvectors.Counting(0x30, 12))
	w := Wrapper{KeyID: 4, ResponseKey: pubvectors.CurrentResponseKey, RefreshToken: text}
	wrapped, err := EncodeWrapper(&w, aead, &iv)
	require.NoError(t, err)
	assert.Equal(t, pubvectors.CurrentWrapper, wrapped)
	wBack, err := DecodeWrapper(wrapped, keys)
	require.NoError(t, err)
	assert.Equal(t, w, wBack)
}

func TestRefreshTokenScopeAndPhone(t *testing.T) {
	keys := refreshKeys(t)
	aead, _ := cipher.NewGCM(keys(4))
	rt := currentRefreshToken(t)
	rt.Scope, rt.IdentityType, rt.PrivacyBits = 1, TypePhone, 3
	var iv [12]byte
	back, err := DecodeRefresh(string(AppendRefreshV3(nil, &rt, aead, &iv)), keys)
	require.NoError(t, err)
	assert.Equal(t, rt, back)
	w := Wrapper{Scope: 1, KeyID: 4, ResponseKey: pubvectors.CurrentResponseKey, RefreshToken: pubvectors.CurrentRefreshTokenV3}
	text, err := EncodeWrapper(&w, aead, &iv)
	require.NoError(t, err)
	assert.Equal(t, byte(0x10), mustB64(t, text)[0])
}

func mustB64(t *testing.T, s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	require.NoError(t, err)
	return b
}

func TestRefreshTokenErrors(t *testing.T) {
	keys := refreshKeys(t)
	none := func(int64) cipher.Block { return nil }
	_, err := DecodeRefresh(pubvectors.CurrentRefreshTokenV3, none)
	assert.ErrorIs(t, err, ErrRefreshKey)
	_, err = DecodeWrapper(pubvectors.CurrentWrapper, none)
	assert.ErrorIs(t, err, ErrRefreshKey)

	for _, text := range []string{"", "asdf", "invalidBase64%%%%", "AA==",
		pubvectors.CurrentRefreshTokenV3[:160] + "AAAAAAAA", // tampered tag
		pubvectors.CurrentRefreshTokenV3[:100],              // truncated
	} {
		_, err := DecodeRefresh(text, keys)
		assert.Error(t, err, "%q", text)
	}
	// An identity byte inside that differs from the prefix (here: the
	// prefix says phone) is refused.
	raw := mustB64(t, pubvectors.CurrentRefreshTokenV3)
	aead, _ := cipher.NewGCM(keys(4))
	pt, err := aead.Open(nil, raw[6:18], raw[18:], nil)
	require.NoError(t, err)
	raw[0] = 0x07
	aead.Seal(raw[18:18], raw[6:18], pt, nil)
	_, err = DecodeRefresh(base64.StdEncoding.EncodeToString(raw), keys)
	assert.ErrorIs(t, err, ErrInvalid)

	// A version neither 2 nor 3.
	_, err = DecodeRefresh(base64.StdEncoding.EncodeToString([]byte{3, 128, 0, 0}), keys)
	assert.ErrorIs(t, err, ErrVersion)

	for _, text := range []string{"", "not base64!", pubvectors.CurrentWrapper[:300],
		pubvectors.CurrentWrapper[:380] + "AAAAAAAA"} {
		_, err := DecodeWrapper(text, keys)
		assert.Error(t, err, "%q", text)
	}
	w := Wrapper{KeyID: 4, ResponseKey: "short", RefreshToken: pubvectors.CurrentRefreshTokenV3}
	var iv [12]byte
	_, err = EncodeWrapper(&w, aead, &iv)
	assert.ErrorIs(t, err, ErrWrapperSize)
}
