package token

import (
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The Base64URL known-answer cases shared by all four official SDKs'
// tests (uid2-spec §1), in both alphabets, padded or not.
func TestBase64KnownAnswers(t *testing.T) {
	for _, c := range []struct{ hex, std, url string }{
		{"ffe088ffee9999", "/+CI/+6ZmQ==", "_-CI_-6ZmQ"},
		{"ffe088ffee999999", "/+CI/+6ZmZk=", "_-CI_-6ZmZk"},
		{"ffe088ffee99", "/+CI/+6Z", "_-CI_-6Z"},
	} {
		want, _ := hex.DecodeString(c.hex)
		for _, text := range []string{c.std, c.url, trimPadding(c.std)} {
			got, err := decodeBase64(nil, trimPadding(text), eitherAlphabet)
			require.NoError(t, err, text)
			assert.Equal(t, want, got, text)
		}
		got, err := decodeBase64(nil, trimPadding(c.std), stdAlphabet)
		require.NoError(t, err)
		assert.Equal(t, want, got)
		_, err = decodeBase64(nil, c.url, stdAlphabet)
		assert.Error(t, err, "standard alphabet refuses - and _")
	}
	for _, bad := range []string{"A", "AAAAA", "AA=A", "AA A", "AA\nA", "AAé"} {
		_, err := decodeBase64(nil, bad, eitherAlphabet)
		assert.Error(t, err, "%q", bad)
	}
}

func TestVersionDetection(t *testing.T) {
	for text, want := range map[string]int{
		"AgAAAAAA": V2, // byte 0 = 2
		"A3AAAAAA": V3, // byte 1 = 112
		"A4AAAAAA": V4, // byte 1 = 128
		"A4AA____": V4,
	} {
		_, v, err := Decode(text, nil)
		require.NoError(t, err, text)
		assert.Equal(t, want, v, text)
	}
	_, _, err := Decode("AAAAAAAA", nil)
	assert.ErrorIs(t, err, ErrVersion)
	_, _, err = Decode("A4A", nil)
	assert.ErrorIs(t, err, ErrInvalid)
	_, _, err = Decode("A3AA____", nil)
	assert.ErrorIs(t, err, ErrInvalid, "v3 is standard base64 only")
}

func TestIdentityTypeOfRawUID(t *testing.T) {
	for uid, want := range map[string]int{"BEOG": TypePhone, "FBOs": TypePhone, "AKCo": TypeEmail, "EKCo": TypeEmail, "ywsv": TypeEmail, "": TypeEmail} {
		assert.Equal(t, want, IdentityTypeOfRawUID(uid), uid)
	}
}
