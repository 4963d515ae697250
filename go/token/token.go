// Package token encodes and decodes UID2 advertising and sharing tokens:
// v2 (AES-256-CBC), v3 and v4 (AES-256-GCM), byte for byte as uid2-spec
// §2 lays them out. It knows nothing of statuses or validation; package
// uid2 drives it and decides.
//
// Decoding works in a caller-supplied buffer and opens both layers in
// place, so a decrypt allocates nothing here.
package token

import (
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"errors"

	"golang.org/x/crypto/cryptobyte"
)

// Version numbers as the official SDKs report them (Java/.NET: 2, 3, 4).
const (
	V2 = 2
	V3 = 3
	V4 = 4
)

// Version bytes inside tokens (uid2-spec §2).
const (
	versionByteV2 = 2
	versionByteV3 = 112
	versionByteV4 = 128
)

// Identity types (uid2-spec §2.3).
const (
	TypeEmail = 0
	TypePhone = 1
	// TypeNone is the identity type of v2 tokens, which carry none.
	TypeNone = -1
)

// Privacy bits (uid2-spec §2.4).
const (
	PrivacyClientSideGenerated = 1 << 1
	PrivacyOptedOut            = 1 << 2
)

var (
	// ErrInvalid means the token is malformed: bad base64, short, a failed
	// GCM tag or CBC padding, an impossible length.
	ErrInvalid = errors.New("invalid token payload")
	// ErrVersion means the token's version byte is not 2, 3 or 4.
	ErrVersion = errors.New("token version not supported")
)

const (
	gcmNonceSize = 12
	gcmTagSize   = 16
	cbcIVSize    = 16
)

// Decode turns token text into its bytes, written into buf (grown when too
// small), and detects the version as the official SDKs do (uid2-spec §6.1
// steps 3-5): the first four characters choose the alphabet to read the
// header with; byte 0 == 2 is v2, else byte 1 is 112 (v3) or 128 (v4). v2
// and v3 are standard base64; v4 is accepted in Base64URL or standard
// base64, with or without padding.
func Decode(text string, buf []byte) (raw []byte, version int, err error) {
	if len(text) < 4 {
		return nil, 0, ErrInvalid
	}
	head, ok := quad(&headAlphabet(text[:4]).values, text[0], text[1], text[2], text[3])
	if !ok {
		return nil, 0, ErrInvalid
	}
	switch {
	case byte(head>>16) == versionByteV2:
		version = V2
	case byte(head>>8) == versionByteV3:
		version = V3
	case byte(head>>8) == versionByteV4:
		version = V4
	default:
		return nil, 0, ErrVersion
	}
	a := stdAlphabet
	if version == V4 {
		a = eitherAlphabet
	}
	raw, err = decodeBase64(buf[:0], trimPadding(text), a)
	if err != nil {
		return nil, 0, ErrInvalid
	}
	return raw, version, nil
}

// Prefix reads the identity scope and type of a v3/v4 token from its first
// byte (uid2-spec §2.3).
func Prefix(raw []byte) (scope, identityType int) {
	return int(raw[0]>>4) & 1, int(raw[0]&0x0c) >> 2
}

// MasterKeyID reads the id of the key that encrypted the outer layer.
func MasterKeyID(raw []byte, version int) (int64, error) {
	at := 2 // after the prefix and version bytes
	if version == V2 {
		at = 1
	}
	if len(raw) < at+4 {
		return 0, ErrInvalid
	}
	return int64(int32(binary.BigEndian.Uint32(raw[at:]))), nil
}

// Master is the opened outer layer.
type Master struct {
	ExpiryMs    int64
	GeneratedMs int64 // v3/v4 only
	SiteKeyID   int64
	inner       []byte // IV and ciphertext of the site layer
}

// OpenMaster decrypts the outer layer in place with the master key.
func OpenMaster(raw []byte, version int, key cipher.Block, aead cipher.AEAD) (Master, error) {
	var m Master
	if version == V2 {
		pt, err := OpenCBC(raw[5:], key)
		if err != nil {
			return m, err
		}
		s := cryptobyte.String(pt)
		var expiry uint64
		var siteKey uint32
		if !s.ReadUint64(&expiry) || !s.ReadUint32(&siteKey) {
			return m, ErrInvalid
		}
		m.ExpiryMs, m.SiteKeyID, m.inner = int64(expiry), int64(int32(siteKey)), s
		return m, nil
	}
	pt, err := openGCM(raw[6:], aead)
	if err != nil {
		return m, err
	}
	// The fixed-size fields are read by offset: with cryptobyte they cost
	// a tenth of a decrypt.
	if len(pt) < v4MasterHeadSize {
		return m, ErrInvalid
	}
	// expiry, generated, operator site id (4), type (1), version (4),
	// key id (4), then the site key id.
	be := binary.BigEndian
	m.ExpiryMs, m.GeneratedMs = int64(be.Uint64(pt)), int64(be.Uint64(pt[8:]))
	m.SiteKeyID, m.inner = int64(int32(be.Uint32(pt[29:]))), pt[v4MasterHeadSize:]
	return m, nil
}

// Site is the opened inner layer: the identity.
type Site struct {
	SiteID        int64
	PrivacyBits   uint32
	EstablishedMs int64
	// UID is the raw UID as it travels: base64 text in v2, bytes in v3/v4
	// (see AppendUID).
	UID []byte
}

// OpenSite decrypts the inner layer in place with the site key.
func OpenSite(m Master, version int, key cipher.Block, aead cipher.AEAD) (Site, error) {
	var site Site
	var siteID, privacy uint32
	var established uint64
	if version == V2 {
		pt, err := OpenCBC(m.inner, key)
		if err != nil {
			return site, err
		}
		s := cryptobyte.String(pt)
		var uid []byte
		var uidLen uint32
		if !s.ReadUint32(&siteID) || !s.ReadUint32(&uidLen) || uidLen > uint32(len(s)) ||
			!s.ReadBytes(&uid, int(uidLen)) || !s.ReadUint32(&privacy) || !s.ReadUint64(&established) {
			return site, ErrInvalid
		}
		site.UID = uid
	} else {
		pt, err := openGCM(m.inner, aead)
		if err != nil {
			return site, err
		}
		if len(pt) < v4SiteHeadSize {
			return site, ErrInvalid
		}
		// site id, publisher id (8), client key id (4), privacy bits,
		// established, refreshed (8), then the id bytes.
		be := binary.BigEndian
		siteID, privacy, established = be.Uint32(pt), be.Uint32(pt[16:]), be.Uint64(pt[20:])
		site.UID = pt[v4SiteHeadSize:]
	}
	site.SiteID, site.PrivacyBits, site.EstablishedMs = int64(int32(siteID)), privacy, int64(established)
	return site, nil
}

// AppendUID appends the raw UID text: v2 tokens carry the text itself,
// v3/v4 carry bytes that decrypt returns as padded standard base64.
func AppendUID(dst []byte, site Site, version int) []byte {
	if version == V2 {
		return append(dst, site.UID...)
	}
	return stdPadded.appendEncode(dst, site.UID)
}

// openGCM opens IV ‖ ciphertext ‖ tag in place.
func openGCM(data []byte, aead cipher.AEAD) ([]byte, error) {
	if len(data) < gcmNonceSize+gcmTagSize {
		return nil, ErrInvalid
	}
	nonce, ct := data[:gcmNonceSize], data[gcmNonceSize:]
	pt, err := aead.Open(ct[:0], nonce, ct, nil)
	if err != nil {
		return nil, ErrInvalid
	}
	return pt, nil
}

// OpenCBC decrypts IV ‖ ciphertext in place and checks and strips the
// PKCS#7 padding (v2 tokens, and the legacy encrypted data of package
// encdata). It chains the blocks itself: cipher.NewCBCDecrypter allocates
// on every call.
func OpenCBC(data []byte, block cipher.Block) ([]byte, error) {
	if len(data) < cbcIVSize+16 || (len(data)-cbcIVSize)%16 != 0 {
		return nil, ErrInvalid
	}
	ct := data[cbcIVSize:]
	var prev, cur [16]byte
	copy(prev[:], data[:cbcIVSize])
	for i := 0; i < len(ct); i += 16 {
		b := ct[i : i+16]
		copy(cur[:], b)
		block.Decrypt(b, b)
		subtle.XORBytes(b, b, prev[:])
		prev = cur
	}
	pad := int(ct[len(ct)-1])
	if pad == 0 || pad > 16 {
		return nil, ErrInvalid
	}
	for _, b := range ct[len(ct)-pad:] {
		if int(b) != pad {
			return nil, ErrInvalid
		}
	}
	return ct[:len(ct)-pad], nil
}

// DecodeRawUID reads a raw UID's text (standard base64, padding optional)
// into its bytes, appended to buf[:0], for encryption.
func DecodeRawUID(rawUID string, buf []byte) ([]byte, error) {
	rawUID = trimPadding(rawUID)
	return decodeBase64(buf[:0], rawUID, stdAlphabet)
}

// IdentityTypeOfRawUID is the identity type encrypt puts in a token: Phone
// iff the raw UID's text starts with 'B' or 'F' (uid2-spec §3, all SDKs).
func IdentityTypeOfRawUID(rawUID string) int {
	if len(rawUID) > 0 && (rawUID[0] == 'B' || rawUID[0] == 'F') {
		return TypePhone
	}
	return TypeEmail
}

// V4Token holds what a v4 sharing token carries. The operator identity is
// written as the official SDKs write it (site 0, type 1 = Service, version
// 0, key 0), and the publisher id and client key id as 0.
type V4Token struct {
	Scope, IdentityType        int
	MasterKeyID, SiteKeyID     int64
	ExpiryMs, GeneratedMs      int64
	SiteID                     int64
	PrivacyBits                uint32
	EstablishedMs, RefreshedMs int64
	UID                        []byte // raw UID bytes
}

// Sizes of the fixed parts of v3/v4 tokens (uid2-spec §2.2).
const (
	v4HeaderSize     = 6  // prefix, version, master key id
	v4MasterHeadSize = 33 // expiry … site key id
	v4SiteHeadSize   = 36 // site id … refreshed
)

// V4Size is the byte length of a v4 token carrying uidLen UID bytes.
func V4Size(uidLen int) int {
	return v4HeaderSize + gcmNonceSize + v4MasterHeadSize + gcmNonceSize + v4SiteHeadSize + uidLen + 2*gcmTagSize
}

// V4TextLen is the length of the Base64URL text of such a token.
func V4TextLen(uidLen int) int { return rawURL.encodedLen(V4Size(uidLen)) }

// AppendV4 builds a v4 token with the two GCM nonces given (master layer,
// then site layer) and appends its Base64URL text (no padding) to dst.
// scratch is used for the token's bytes when big enough.
func AppendV4(dst, scratch []byte, t *V4Token, master, site cipher.AEAD, nonces *[2 * gcmNonceSize]byte) []byte {
	raw := appendLen(scratch[:0], V4Size(len(t.UID)))
	// The fixed fields through arrays of their sizes: one length check for
	// all of them instead of one per field (a sixth of the function).
	h := (*[v4HeaderSize + gcmNonceSize]byte)(raw)
	m := (*[v4MasterHeadSize + gcmNonceSize]byte)(raw[len(h):])
	s := (*[v4SiteHeadSize]byte)(raw[len(h)+len(m):])
	be := binary.BigEndian
	h[0] = byte(t.Scope<<4 | t.IdentityType<<2 | 3)
	h[1] = versionByteV4
	be.PutUint32(h[2:6], uint32(t.MasterKeyID))
	copy(h[6:], nonces[:gcmNonceSize])
	be.PutUint64(m[0:8], uint64(t.ExpiryMs))
	be.PutUint64(m[8:16], uint64(t.GeneratedMs))
	be.PutUint32(m[16:20], 0) // operator site id
	m[20] = 1                 // operator type: Service
	be.PutUint32(m[21:25], 0) // operator version
	be.PutUint32(m[25:29], 0) // operator key id
	be.PutUint32(m[29:33], uint32(t.SiteKeyID))
	copy(m[33:], nonces[gcmNonceSize:])
	be.PutUint32(s[0:4], uint32(t.SiteID))
	be.PutUint64(s[4:12], 0)  // publisher id
	be.PutUint32(s[12:16], 0) // client key id
	be.PutUint32(s[16:20], t.PrivacyBits)
	be.PutUint64(s[20:28], uint64(t.EstablishedMs))
	be.PutUint64(s[28:36], uint64(t.RefreshedMs))
	sitePlain := raw[len(h)+len(m):]
	copy(sitePlain[len(s):], t.UID)
	sitePlain = sitePlain[:len(s)+len(t.UID)]
	site.Seal(sitePlain[:0], m[v4MasterHeadSize:], sitePlain, nil)
	masterPlain := raw[len(h) : len(h)+v4MasterHeadSize+gcmNonceSize+len(sitePlain)+gcmTagSize]
	master.Seal(masterPlain[:0], h[v4HeaderSize:], masterPlain, nil)
	return rawURL.appendEncode(dst, raw)
}
