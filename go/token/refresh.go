package token

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
)

// Refresh tokens (uid2-spec-publisher §1.6): what token generate hands a
// publisher to present at token refresh. Two layers, both under a refresh
// key (keyset -2): the inner refresh token (v3 is minted; v2 is only
// decoded, for the official vectors) and the 388-character wrapper around
// it, which also carries the key that encrypts the refresh response.

// ErrRefreshKey means the refresh key a token names is not known.
var ErrRefreshKey = errors.New("refresh token's key is not known")

// RefreshToken is the content of an inner refresh token.
type RefreshToken struct {
	Scope, IdentityType int
	KeyID               int64
	// ExpiresMs is when the token stops being accepted: for v2, the
	// valid-till field (expires + 60 s), which is what the operator checks.
	ExpiresMs, CreatedMs int64
	SiteID               int64
	PrivacyBits          uint32
	EstablishedMs        int64
	// FirstLevelHash is the identity: the first-level hash, not a raw UID,
	// so that a refresh recomputes the raw UID from the current salts.
	FirstLevelHash [32]byte
}

// Sizes of the refresh token v3 (§1.6.2).
const (
	refreshV3PayloadSize = 90
	refreshV3Size        = 6 + gcmNonceSize + refreshV3PayloadSize + gcmTagSize // 124
	refreshV2Size        = 125
)

// AppendRefreshV3 builds a refresh token v3 with the GCM IV given and
// appends its standard base64 text (168 characters) to dst. The operator
// fields are written as the operator writes them: site 0, type 1
// (Service), version 0, key 0; publisher id and client key id 0.
func AppendRefreshV3(dst []byte, t *RefreshToken, key cipher.AEAD, iv *[gcmNonceSize]byte) []byte {
	raw := make([]byte, refreshV3Size)
	be := binary.BigEndian
	prefix := byte(t.Scope<<4 | t.IdentityType<<2 | 3)
	raw[0], raw[1] = prefix, versionByteV3
	be.PutUint32(raw[2:], uint32(t.KeyID))
	copy(raw[6:18], iv[:])
	p := raw[18 : 18+refreshV3PayloadSize]
	be.PutUint64(p[0:], uint64(t.ExpiresMs))
	be.PutUint64(p[8:], uint64(t.CreatedMs))
	p[20] = 1 // operator type: Service; operator site, version, key stay 0
	be.PutUint32(p[29:], uint32(t.SiteID))
	be.PutUint32(p[45:], t.PrivacyBits)
	be.PutUint64(p[49:], uint64(t.EstablishedMs))
	p[57] = prefix
	copy(p[58:], t.FirstLevelHash[:])
	key.Seal(p[:0], raw[6:18], p, nil)
	return base64.StdEncoding.AppendEncode(dst, raw)
}

// DecodeRefresh opens an inner refresh token as the operator does: v3 if
// byte 1 is 112, else v2 if byte 0 is 2, else ErrVersion. key looks a
// refresh key up by id, whatever its activation or expiry (the operator
// keeps every refresh key a token may still name); nil means unknown.
// It checks no times: expiry and the rest are the caller's decisions.
func DecodeRefresh(text string, key func(id int64) cipher.Block) (RefreshToken, error) {
	var t RefreshToken
	raw, err := base64.StdEncoding.DecodeString(text)
	if err != nil || len(raw) < 2 {
		return t, ErrInvalid
	}
	switch {
	case raw[1] == versionByteV3:
		return decodeRefreshV3(raw, key)
	case raw[0] == versionByteV2:
		return decodeRefreshV2(raw, key)
	}
	return t, ErrVersion
}

func decodeRefreshV3(raw []byte, key func(int64) cipher.Block) (RefreshToken, error) {
	var t RefreshToken
	if len(raw) != refreshV3Size {
		return t, ErrInvalid
	}
	be := binary.BigEndian
	t.KeyID = int64(int32(be.Uint32(raw[2:])))
	aead, err := refreshAEAD(key, t.KeyID)
	if err != nil {
		return t, err
	}
	p, err := openGCM(raw[6:], aead)
	if err != nil {
		return t, err
	}
	// The identity byte inside must repeat the prefix's scope and type.
	if p[57] != raw[0] {
		return t, ErrInvalid
	}
	t.Scope, t.IdentityType = Prefix(raw)
	t.ExpiresMs, t.CreatedMs = int64(be.Uint64(p[0:])), int64(be.Uint64(p[8:]))
	t.SiteID = int64(int32(be.Uint32(p[29:])))
	t.PrivacyBits = be.Uint32(p[45:])
	t.EstablishedMs = int64(be.Uint64(p[49:]))
	copy(t.FirstLevelHash[:], p[58:90])
	return t, nil
}

// decodeRefreshV2 reads the legacy layout (§1.6.3). The operator assumes
// scope UID2 and type Email for it.
func decodeRefreshV2(raw []byte, key func(int64) cipher.Block) (RefreshToken, error) {
	var t RefreshToken
	if len(raw) != refreshV2Size {
		return t, ErrInvalid
	}
	be := binary.BigEndian
	t.CreatedMs, t.ExpiresMs = int64(be.Uint64(raw[1:])), int64(be.Uint64(raw[17:]))
	t.KeyID = int64(int32(be.Uint32(raw[25:])))
	block := key(t.KeyID)
	if block == nil {
		return t, ErrRefreshKey
	}
	pt, err := OpenCBC(raw[29:], block)
	if err != nil {
		return t, err
	}
	// site id, length (44), first-level hash as base64 text, privacy bits,
	// established.
	if len(pt) != 4+4+44+4+8 || be.Uint32(pt[4:]) != 44 {
		return t, ErrInvalid
	}
	if n, err := base64.StdEncoding.Decode(t.FirstLevelHash[:], pt[8:52]); err != nil || n != 32 {
		return t, ErrInvalid
	}
	t.SiteID = int64(int32(be.Uint32(pt)))
	t.PrivacyBits = be.Uint32(pt[52:])
	t.EstablishedMs = int64(be.Uint64(pt[56:]))
	t.Scope, t.IdentityType = 0, TypeEmail
	return t, nil
}

func refreshAEAD(key func(int64) cipher.Block, id int64) (cipher.AEAD, error) {
	block := key(id)
	if block == nil {
		return nil, ErrRefreshKey
	}
	return cipher.NewGCM(block)
}

// WrapperLen is the length of a refresh token wrapper's text (§1.6.1): the
// operator treats a refresh request body of exactly this length as one.
const WrapperLen = 388

// Wrapper is the content of a refresh token wrapper: the inner refresh
// token and the key (standard base64 of 32 bytes) that encrypts the
// response to the refresh that presents it.
type Wrapper struct {
	Scope        int
	KeyID        int64
	ResponseKey  string
	RefreshToken string
}

// wrapperJSON is the wrapper's plaintext, in the operator's key order.
type wrapperJSON struct {
	ResponseKey  string `json:"refresh_response_key"`
	RefreshToken string `json:"refresh_token"`
}

// ErrWrapperSize means the wrapper would not be 388 characters: the
// response key is not 44 characters or the inner token not 168. The
// operator refuses to emit such a wrapper, and so does EncodeWrapper.
var ErrWrapperSize = errors.New("refresh token wrapper would not be 388 characters")

// EncodeWrapper builds a wrapper with the GCM IV given:
// scope<<4 ‖ key id ‖ IV ‖ GCM(compact JSON) ‖ tag, as standard base64.
func EncodeWrapper(w *Wrapper, key cipher.AEAD, iv *[gcmNonceSize]byte) (string, error) {
	js, err := json.Marshal(wrapperJSON{w.ResponseKey, w.RefreshToken})
	if err != nil {
		return "", err
	}
	raw := make([]byte, 5+gcmNonceSize, 5+gcmNonceSize+len(js)+gcmTagSize)
	raw[0] = byte(w.Scope << 4)
	binary.BigEndian.PutUint32(raw[1:], uint32(w.KeyID))
	copy(raw[5:], iv[:])
	text := base64.StdEncoding.EncodeToString(key.Seal(raw, iv[:], js, nil))
	if len(text) != WrapperLen {
		return "", ErrWrapperSize
	}
	return text, nil
}

// DecodeWrapper opens a wrapper as the operator does for a 388-character
// refresh request: the key id from bytes 1-4, then GCM, then the JSON
// with both fields present.
func DecodeWrapper(text string, key func(id int64) cipher.Block) (Wrapper, error) {
	var w Wrapper
	raw, err := base64.StdEncoding.DecodeString(text)
	if err != nil || len(raw) < 5+gcmNonceSize+gcmTagSize {
		return w, ErrInvalid
	}
	w.Scope = int(raw[0]>>4) & 1
	w.KeyID = int64(int32(binary.BigEndian.Uint32(raw[1:])))
	aead, err := refreshAEAD(key, w.KeyID)
	if err != nil {
		return w, err
	}
	pt, err := openGCM(raw[5:], aead)
	if err != nil {
		return w, err
	}
	var js wrapperJSON
	if json.Unmarshal(pt, &js) != nil || js.ResponseKey == "" || js.RefreshToken == "" {
		return w, ErrInvalid
	}
	w.ResponseKey, w.RefreshToken = js.ResponseKey, js.RefreshToken
	return w, nil
}

// NewKey makes the AES-256 block of a key secret (32 bytes), for the key
// lookups of DecodeRefresh and DecodeWrapper.
func NewKey(secret []byte) (cipher.Block, error) {
	if len(secret) != 32 {
		return nil, errors.New("key secret is not 32 bytes")
	}
	return aes.NewCipher(secret)
}
