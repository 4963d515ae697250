// Package envelope implements the UID2 v2 request and response envelopes
// (uid2-spec §4.2): what a client sends to the key endpoints, encrypted
// under its client secret, and what the service answers.
//
// Request:  0x01 ‖ IV(12) ‖ GCM(time ms (8) ‖ nonce (8) ‖ JSON) ‖ tag(16)
// Response:        IV(12) ‖ GCM(time ms (8) ‖ the request's nonce (8) ‖ JSON) ‖ tag(16)
// Both travel as standard base64 text.
package envelope

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
)

const (
	version   = 1
	nonceSize = 12
	tagSize   = 16
	// NonceSize is the size of the request nonce echoed by the response.
	NonceSize = 8
)

// Errors of Open*. They never carry key material or plaintext.
var (
	ErrMalformed = errors.New("envelope is malformed")
	ErrVersion   = errors.New("envelope version is not 1")
	ErrDecrypt   = errors.New("envelope does not decrypt with this secret")
	ErrNonce     = errors.New("response nonce does not match the request's")
)

// Cipher is the AES-256-GCM of a client secret.
type Cipher struct{ aead cipher.AEAD }

// NewCipher takes the client secret as the service issues it: standard
// base64 of 32 bytes. The error never repeats the secret.
func NewCipher(secretBase64 string) (*Cipher, error) {
	secret, err := base64.StdEncoding.DecodeString(secretBase64)
	if err != nil {
		return nil, errors.New("client secret is not standard base64")
	}
	if len(secret) != 32 {
		return nil, fmt.Errorf("client secret is %d bytes, want 32", len(secret))
	}
	block, err := aes.NewCipher(secret)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Cipher{aead: aead}, nil
}

// SealRequest builds a request envelope with the given GCM IV and returns
// its base64 text.
func (c *Cipher) SealRequest(timeMs int64, nonce [NonceSize]byte, payload []byte, iv [nonceSize]byte) string {
	return base64.StdEncoding.EncodeToString(c.SealRequestBytes(timeMs, nonce, payload, iv))
}

// SealRequestBytes is SealRequest's envelope as raw bytes, the body of a
// binary (application/octet-stream) request, as the official identity map
// clients send it.
func (c *Cipher) SealRequestBytes(timeMs int64, nonce [NonceSize]byte, payload []byte, iv [nonceSize]byte) []byte {
	out := make([]byte, 0, 1+nonceSize+16+len(payload)+tagSize)
	out = append(out, version)
	out = append(out, iv[:]...)
	return c.aead.Seal(out, iv[:], plaintext(timeMs, nonce, payload), nil)
}

// OpenRequest is the service side of SealRequest.
func (c *Cipher) OpenRequest(text []byte) (timeMs int64, nonce [NonceSize]byte, payload []byte, err error) {
	data, err := decode(text)
	if err != nil {
		return 0, nonce, nil, err
	}
	return c.OpenRequestBytes(data)
}

// OpenRequestBytes is the service side of SealRequestBytes.
func (c *Cipher) OpenRequestBytes(data []byte) (timeMs int64, nonce [NonceSize]byte, payload []byte, err error) {
	if len(data) < 1+nonceSize+tagSize+16 {
		return 0, nonce, nil, ErrMalformed
	}
	if data[0] != version {
		return 0, nonce, nil, ErrVersion
	}
	return c.open(data[1:])
}

// SealResponse builds a response envelope echoing the request's nonce and
// returns its base64 text.
func (c *Cipher) SealResponse(timeMs int64, nonce [NonceSize]byte, payload []byte, iv [nonceSize]byte) string {
	return base64.StdEncoding.EncodeToString(c.SealResponseBytes(timeMs, nonce, payload, iv))
}

// SealResponseBytes is SealResponse's envelope as raw bytes, the answer
// to a binary request.
func (c *Cipher) SealResponseBytes(timeMs int64, nonce [NonceSize]byte, payload []byte, iv [nonceSize]byte) []byte {
	out := make([]byte, 0, nonceSize+16+len(payload)+tagSize)
	out = append(out, iv[:]...)
	return c.aead.Seal(out, iv[:], plaintext(timeMs, nonce, payload), nil)
}

// OpenResponse decrypts a response envelope and checks that it echoes
// wantNonce; it returns the JSON payload.
func (c *Cipher) OpenResponse(text []byte, wantNonce [NonceSize]byte) ([]byte, error) {
	data, err := decode(text)
	if err != nil {
		return nil, err
	}
	return c.OpenResponseBytes(data, wantNonce)
}

// OpenResponseBytes is OpenResponse for a binary response.
func (c *Cipher) OpenResponseBytes(data []byte, wantNonce [NonceSize]byte) ([]byte, error) {
	_, nonce, payload, err := c.open(data)
	if err != nil {
		return nil, err
	}
	if nonce != wantNonce {
		return nil, ErrNonce
	}
	return payload, nil
}

func plaintext(timeMs int64, nonce [NonceSize]byte, payload []byte) []byte {
	pt := make([]byte, 16, 16+len(payload))
	binary.BigEndian.PutUint64(pt, uint64(timeMs))
	copy(pt[8:], nonce[:])
	return append(pt, payload...)
}

func decode(text []byte) ([]byte, error) {
	data := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
	n, err := base64.StdEncoding.Decode(data, text)
	if err != nil {
		return nil, ErrMalformed
	}
	return data[:n], nil
}

// open decrypts IV ‖ ciphertext ‖ tag and splits time, nonce and payload.
func (c *Cipher) open(data []byte) (timeMs int64, nonce [NonceSize]byte, payload []byte, err error) {
	if len(data) < nonceSize+tagSize+16 {
		return 0, nonce, nil, ErrMalformed
	}
	pt, err := c.aead.Open(nil, data[:nonceSize], data[nonceSize:], nil)
	if err != nil {
		return 0, nonce, nil, ErrDecrypt
	}
	copy(nonce[:], pt[8:16])
	return int64(binary.BigEndian.Uint64(pt)), nonce, pt[16:], nil
}

// SealRefreshResponse encrypts a token refresh response under the
// refresh_response_key the refreshed token came with (uid2-spec-publisher
// §1.5): IV(12) ‖ GCM(JSON) ‖ tag(16), with no time or nonce prefix, as
// base64 text.
func (c *Cipher) SealRefreshResponse(payload []byte, iv [nonceSize]byte) string {
	out := make([]byte, 0, nonceSize+len(payload)+tagSize)
	out = append(out, iv[:]...)
	return base64.StdEncoding.EncodeToString(c.aead.Seal(out, iv[:], payload, nil))
}

// OpenRefreshResponse is the client side of SealRefreshResponse.
func (c *Cipher) OpenRefreshResponse(text []byte) ([]byte, error) {
	data, err := decode(text)
	if err != nil {
		return nil, err
	}
	if len(data) < nonceSize+tagSize {
		return nil, ErrMalformed
	}
	pt, err := c.aead.Open(nil, data[:nonceSize], data[nonceSize:], nil)
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}
