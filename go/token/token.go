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
	"encoding/base64"
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
	var head [3]byte
	if _, err := decodeBase64(head[:0:3], text[:4], headTable(text[:4])); err != nil {
		return nil, 0, ErrInvalid
	}
	switch {
	case head[0] == versionByteV2:
		version = V2
	case head[1] == versionByteV3:
		version = V3
	case head[1] == versionByteV4:
		version = V4
	default:
		return nil, 0, ErrVersion
	}
	table := &stdTable
	if version == V4 {
		table = &eitherTable
	}
	raw, err = decodeBase64(buf[:0], trimPadding(text), table)
	if err != nil {
		return nil, 0, ErrInvalid
	}
	return raw, version, nil
}

// headTable picks the alphabet of the first characters as the official SDKs
// do: Base64URL if they hold '-' or '_', else standard.
func headTable(head string) *[256]byte {
	for i := 0; i < len(head); i++ {
		if head[i] == '-' || head[i] == '_' {
			return &urlTable
		}
	}
	return &stdTable
}

// grow returns buf with capacity for n bytes, reusing it when it is big
// enough.
func grow(buf []byte, n int) []byte {
	if cap(buf) >= n {
		return buf[:n]
	}
	return make([]byte, n)
}

// trimPadding drops up to two trailing '=': padding is optional, as with
// Java's decoder.
func trimPadding(s string) string {
	for i := 0; i < 2 && len(s) > 0 && s[len(s)-1] == '='; i++ {
		s = s[:len(s)-1]
	}
	return s
}

// decodeBase64 appends the bytes of unpadded base64 text in the alphabet of
// table to dst, without copying the text. It is most of a decrypt's
// non-AES work, so it reads eight characters into one word at a time and
// lets the compiler drop the bounds checks.
func decodeBase64(dst []byte, text string, table *[256]byte) ([]byte, error) {
	rem := len(text) % 4
	if rem == 1 {
		return nil, ErrInvalid // a lone trailing character encodes no byte
	}
	n := len(text)/4*3 + max(rem-1, 0)
	start := len(dst)
	dst = slicesGrow(dst, n)
	out := dst[start:]
	// Eight characters make six bytes; writing them as a big-endian word
	// needs two bytes of slack, hence len(out) >= 8.
	for len(text) >= 8 && len(out) >= 8 {
		t := text[:8]
		c0, c1, c2, c3 := table[t[0]], table[t[1]], table[t[2]], table[t[3]]
		c4, c5, c6, c7 := table[t[4]], table[t[5]], table[t[6]], table[t[7]]
		// Valid values are 0-63; 0xff marks a character outside the alphabet.
		if (c0|c1|c2|c3|c4|c5|c6|c7)&0xc0 != 0 {
			return nil, ErrInvalid
		}
		acc := uint64(c0)<<58 | uint64(c1)<<52 | uint64(c2)<<46 | uint64(c3)<<40 |
			uint64(c4)<<34 | uint64(c5)<<28 | uint64(c6)<<22 | uint64(c7)<<16
		binary.BigEndian.PutUint64(out, acc)
		text, out = text[8:], out[6:]
	}
	for len(text) >= 2 {
		k := min(len(text), 4)
		var acc uint32
		for i := 0; i < k; i++ {
			v := table[text[i]]
			if v&0xc0 != 0 {
				return nil, ErrInvalid
			}
			acc = acc<<6 | uint32(v)
		}
		acc <<= 6 * uint(4-k)
		for i := 0; i < k-1; i++ {
			out[i] = byte(acc >> (16 - 8*i))
		}
		text, out = text[k:], out[k-1:]
	}
	return dst, nil
}

// slicesGrow returns dst extended by n bytes, reallocating only when its
// capacity is short.
func slicesGrow(dst []byte, n int) []byte {
	if cap(dst)-len(dst) >= n {
		return dst[:len(dst)+n]
	}
	return append(dst, make([]byte, n)...)
}

// The decoding tables: standard ('+/'), Base64URL ('-_'), and either, for
// v4 tokens, which arrive both ways (uid2-spec §6.1 step 5).
var stdTable, urlTable, eitherTable = func() (std, url, either [256]byte) {
	for i := range std {
		std[i], url[i], either[i] = 0xff, 0xff, 0xff
	}
	const common = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	for i := 0; i < len(common); i++ {
		std[common[i]], url[common[i]], either[common[i]] = byte(i), byte(i), byte(i)
	}
	std['+'], std['/'] = 62, 63
	url['-'], url['_'] = 62, 63
	either['+'], either['/'], either['-'], either['_'] = 62, 63, 62, 63
	return
}()

// Prefix reads the identity scope and type of a v3/v4 token from its first
// byte (uid2-spec §2.3).
func Prefix(raw []byte) (scope, identityType int) {
	return int(raw[0]>>4) & 1, int(raw[0]&0x0c) >> 2
}

// MasterKeyID reads the id of the key that encrypted the outer layer.
func MasterKeyID(raw []byte, version int) (int64, error) {
	s := cryptobyte.String(raw)
	var id uint32
	skip := 1
	if version != V2 {
		skip = 2
	}
	if !s.Skip(skip) || !s.ReadUint32(&id) {
		return 0, ErrInvalid
	}
	return int64(int32(id)), nil
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
		pt, err := openCBC(raw[5:], key)
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
	s := cryptobyte.String(pt)
	var expiry, generated uint64
	var siteKey uint32
	// expiry, generated, operator site id (4), type (1), version (4),
	// key id (4), then the site key id.
	if !s.ReadUint64(&expiry) || !s.ReadUint64(&generated) || !s.Skip(13) || !s.ReadUint32(&siteKey) {
		return m, ErrInvalid
	}
	m.ExpiryMs, m.GeneratedMs, m.SiteKeyID, m.inner = int64(expiry), int64(generated), int64(int32(siteKey)), s
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
		pt, err := openCBC(m.inner, key)
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
		s := cryptobyte.String(pt)
		// site id, publisher id (8), client key id (4), privacy bits,
		// established, refreshed (8), then the id bytes.
		if !s.ReadUint32(&siteID) || !s.Skip(12) || !s.ReadUint32(&privacy) ||
			!s.ReadUint64(&established) || !s.Skip(8) {
			return site, ErrInvalid
		}
		site.UID = s
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
	return base64.StdEncoding.AppendEncode(dst, site.UID)
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

// openCBC decrypts IV ‖ ciphertext in place and checks and strips the
// PKCS#7 padding. It chains the blocks itself: cipher.NewCBCDecrypter
// allocates on every call.
func openCBC(data []byte, block cipher.Block) ([]byte, error) {
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
	return decodeBase64(grow(buf, len(rawUID)*3/4)[:0], rawUID, &stdTable)
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
func V4TextLen(uidLen int) int { return base64.RawURLEncoding.EncodedLen(V4Size(uidLen)) }

// AppendV4 builds a v4 token with the two GCM nonces given (master layer,
// then site layer) and appends its Base64URL text (no padding) to dst.
// scratch is used for the token's bytes when big enough.
func AppendV4(dst, scratch []byte, t *V4Token, master, site cipher.AEAD, nonces *[2 * gcmNonceSize]byte) []byte {
	raw := grow(scratch, V4Size(len(t.UID)))
	be := binary.BigEndian
	raw[0] = byte(t.Scope<<4 | t.IdentityType<<2 | 3)
	raw[1] = versionByteV4
	be.PutUint32(raw[2:], uint32(t.MasterKeyID))
	copy(raw[6:18], nonces[:gcmNonceSize])
	m := raw[18:]
	be.PutUint64(m[0:], uint64(t.ExpiryMs))
	be.PutUint64(m[8:], uint64(t.GeneratedMs))
	be.PutUint32(m[16:], 0) // operator site id
	m[20] = 1               // operator type: Service
	be.PutUint32(m[21:], 0) // operator version
	be.PutUint32(m[25:], 0) // operator key id
	be.PutUint32(m[29:], uint32(t.SiteKeyID))
	copy(m[33:45], nonces[gcmNonceSize:])
	s := m[45:]
	be.PutUint32(s[0:], uint32(t.SiteID))
	be.PutUint64(s[4:], 0)  // publisher id
	be.PutUint32(s[12:], 0) // client key id
	be.PutUint32(s[16:], t.PrivacyBits)
	be.PutUint64(s[20:], uint64(t.EstablishedMs))
	be.PutUint64(s[28:], uint64(t.RefreshedMs))
	copy(s[36:], t.UID)
	sitePlain := s[:v4SiteHeadSize+len(t.UID)]
	site.Seal(sitePlain[:0], m[33:45], sitePlain, nil)
	masterPlain := m[:v4MasterHeadSize+gcmNonceSize+len(sitePlain)+gcmTagSize]
	master.Seal(masterPlain[:0], raw[6:18], masterPlain, nil)
	return base64.RawURLEncoding.AppendEncode(dst, raw)
}
