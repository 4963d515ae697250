package envelope

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fixed request envelope of the official Java SDK's PublisherTests
// (uid2-spec §4.2), reproduced byte for byte.
func TestJavaRequestVector(t *testing.T) {
	c, err := NewCipher("ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=")
	require.NoError(t, err)
	var nonce [NonceSize]byte
	var iv [12]byte
	hex.Decode(nonce[:], []byte("312fe5aa08b2a049"))
	hex.Decode(iv[:], []byte("cc3ccaca9889eab3800e787e"))
	got := c.SealRequest(1667885597644, nonce, []byte(`{"email":"test@example.com"}`), iv)
	assert.Equal(t, "Acw8ysqYieqzgA54fifdV1TB6V+da8p/AFc8Ju/IYrD77pL7JYMJj8YqD9EsrG3d2d2j0H7kZjH41YsNLpFVCH+oce28z9L9ug==", got)

	ts, n, payload, err := c.OpenRequest([]byte(got))
	require.NoError(t, err)
	assert.Equal(t, int64(1667885597644), ts)
	assert.Equal(t, nonce, n)
	assert.Equal(t, `{"email":"test@example.com"}`, string(payload))
}

func TestResponseRoundTripAndFailures(t *testing.T) {
	c, err := NewCipher("ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=")
	require.NoError(t, err)
	other, err := NewCipher("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	require.NoError(t, err)
	nonce := [NonceSize]byte{1, 2, 3, 4, 5, 6, 7, 8}
	resp := c.SealResponse(1, nonce, []byte(`{"status":"success"}`), [12]byte{9})

	payload, err := c.OpenResponse([]byte(resp), nonce)
	require.NoError(t, err)
	assert.Equal(t, `{"status":"success"}`, string(payload))

	_, err = c.OpenResponse([]byte(resp), [NonceSize]byte{})
	assert.ErrorIs(t, err, ErrNonce)
	_, err = other.OpenResponse([]byte(resp), nonce)
	assert.ErrorIs(t, err, ErrDecrypt)
	_, err = c.OpenResponse([]byte("not base64!"), nonce)
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = c.OpenResponse([]byte("AAAA"), nonce)
	assert.ErrorIs(t, err, ErrMalformed)
	tampered := []byte(resp)
	tampered[20] ^= 1
	if tampered[20] == '=' || tampered[20] == '+'^1 {
		tampered[20] = 'A'
	}
	_, err = c.OpenResponse(tampered, nonce)
	assert.Error(t, err)
}

func TestRequestEnvelopeChecks(t *testing.T) {
	c, _ := NewCipher("ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=")
	req := c.SealRequest(5, [NonceSize]byte{}, nil, [12]byte{})
	raw := []byte(req)
	// Version byte other than 1: "Ac" → "Ag" makes byte 0 = 2.
	bad := append([]byte("Ag"), raw[2:]...)
	_, _, _, err := c.OpenRequest(bad)
	assert.ErrorIs(t, err, ErrVersion)
	_, _, _, err = c.OpenRequest([]byte("AQ=="))
	assert.ErrorIs(t, err, ErrMalformed)
}

func TestSecretErrorsDoNotLeakTheSecret(t *testing.T) {
	for _, s := range []string{"not base64 at all!", "c2hvcnQ=", ""} {
		_, err := NewCipher(s)
		require.Error(t, err)
		if s != "" {
			assert.NotContains(t, err.Error(), s)
		}
	}
	_, err := NewCipher("c2hvcnQ=")
	assert.False(t, strings.Contains(err.Error(), "short"))
}

// FuzzOpenResponse feeds arbitrary response bodies to a client: an error
// or a payload, never a panic.
func FuzzOpenResponse(f *testing.F) {
	c, _ := NewCipher("ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=")
	nonce := [NonceSize]byte{1, 2, 3, 4, 5, 6, 7, 8}
	f.Add([]byte(c.SealResponse(1, nonce, []byte(`{"status":"success","body":{"keys":[]}}`), [12]byte{})))
	f.Add([]byte("AAAA"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		payload, err := c.OpenResponse(data, nonce)
		if err == nil && payload == nil {
			t.Fatal("no error and no payload")
		}
		c.OpenRequest(data)
	})
}

func TestRefreshResponse(t *testing.T) {
	// The Java SDK's opt-out refresh response (uid2-spec-publisher §1.11.2).
	c, err := NewCipher("WL0AYr41Db9m6dCIPtQlTz2kE4NMx3nLmloGHkQPGSQ=")
	require.NoError(t, err)
	pt, err := c.OpenRefreshResponse([]byte("d9I6qCdlJ6mkWYLyw2iGnCnJ5OocyQDtbbvW6YXAYKpxTXaOePQzPPJIrHnI7Io="))
	require.NoError(t, err)
	assert.Equal(t, `{"status":"optout"}`, string(pt))

	var iv [12]byte
	text := c.SealRefreshResponse([]byte(`{"status":"success"}`), iv)
	pt, err = c.OpenRefreshResponse([]byte(text))
	require.NoError(t, err)
	assert.Equal(t, `{"status":"success"}`, string(pt))

	_, err = c.OpenRefreshResponse([]byte("not base64"))
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = c.OpenRefreshResponse([]byte("AAAA"))
	assert.ErrorIs(t, err, ErrMalformed)
	other, _ := NewCipher("ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=")
	_, err = other.OpenRefreshResponse([]byte(text))
	assert.ErrorIs(t, err, ErrDecrypt)
}

// The binary envelopes are the text ones' bytes.
func TestBinaryEnvelopes(t *testing.T) {
	c, err := NewCipher("ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=")
	require.NoError(t, err)
	nonce := [NonceSize]byte{1, 2, 3, 4, 5, 6, 7, 8}
	iv := [12]byte{9}
	req := c.SealRequestBytes(42, nonce, []byte(`{"email_hash":[]}`), iv)
	assert.Equal(t, c.SealRequest(42, nonce, []byte(`{"email_hash":[]}`), iv), base64.StdEncoding.EncodeToString(req))
	timeMs, gotNonce, payload, err := c.OpenRequestBytes(req)
	require.NoError(t, err)
	assert.Equal(t, int64(42), timeMs)
	assert.Equal(t, nonce, gotNonce)
	assert.Equal(t, `{"email_hash":[]}`, string(payload))

	resp := c.SealResponseBytes(43, nonce, []byte(`{"status":"success"}`), iv)
	assert.Equal(t, c.SealResponse(43, nonce, []byte(`{"status":"success"}`), iv), base64.StdEncoding.EncodeToString(resp))
	payload, err = c.OpenResponseBytes(resp, nonce)
	require.NoError(t, err)
	assert.Equal(t, `{"status":"success"}`, string(payload))
	_, err = c.OpenResponseBytes(resp, [NonceSize]byte{})
	assert.ErrorIs(t, err, ErrNonce)

	_, _, _, err = c.OpenRequestBytes(req[:20])
	assert.ErrorIs(t, err, ErrMalformed)
	req[0] = 2
	_, _, _, err = c.OpenRequestBytes(req)
	assert.ErrorIs(t, err, ErrVersion)
}
