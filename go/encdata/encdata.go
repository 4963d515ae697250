// Package encdata seals and opens the legacy encrypted-data blob of the
// official SDKs' deprecated EncryptData/DecryptData (uid2-spec §2.7):
// arbitrary bytes sealed with one site's key, with the time they were
// sealed and the site they are for.
//
//	v2 (CBC, open only): 0x80 (payload type), 0x01 (version), time ms (8),
//	                     site id (4), key id (4), IV (16), AES-256-CBC(data)
//	v3 (GCM):            0x60|scope<<4|0x0B, 112 (version), key id (4),
//	                     AES-256-GCM(IV 12 ‖ [time ms (8), site id (4), data] ‖ tag 16)
//
// Integers are big-endian. The fields are read in the order of the
// official Java and .NET SDKs, so that a blob bad in several ways fails
// with the status they give.
package encdata

import (
	"crypto/cipher"
	"encoding/binary"
	"errors"

	"github.com/libuid2/libuid2/go/token"
)

// Errors of Open and ReadHeader, one per status of the official SDKs.
var (
	ErrPayload     = errors.New("encrypted data is truncated or does not authenticate") // INVALID_PAYLOAD
	ErrPayloadType = errors.New("encrypted data has an unknown payload type")           // INVALID_PAYLOAD_TYPE
	ErrVersion     = errors.New("encrypted data has an unsupported version")            // VERSION_NOT_SUPPORTED
	ErrScope       = errors.New("encrypted data is of the other identity scope")        // INVALID_IDENTITY_SCOPE
)

const (
	payloadTypeV2 = 128 // ENCRYPTED_DATA
	versionV2     = 1
	typeV3        = 0x60 // ENCRYPTED_DATA_V3, in the top three bits
	versionV3     = 112

	v2HeaderSize = 18 // type, version, time, site id, key id
	v3HeaderSize = 6  // prefix, version, key id
	// IVSize is the length of a v3 blob's GCM IV.
	IVSize     = 12
	gcmTagSize = 16
	// plainHeaderSize is the time and site id sealed before the data.
	plainHeaderSize = 12
)

// Header is what a blob says before its key opens it.
type Header struct {
	V3    bool
	KeyID int64
}

// ReadHeader reads a blob's header for a client of identity scope scope:
// v3 if its top three bits are 011, else v2.
func ReadHeader(blob []byte, scope int) (Header, error) {
	if len(blob) == 0 {
		return Header{}, ErrPayload
	}
	if blob[0]&0xE0 == typeV3 {
		if int(blob[0]>>4)&1 != scope {
			return Header{}, ErrScope
		}
		if len(blob) < 2 {
			return Header{}, ErrPayload
		}
		if blob[1] != versionV3 {
			return Header{}, ErrVersion
		}
		if len(blob) < v3HeaderSize {
			return Header{}, ErrPayload
		}
		return Header{V3: true, KeyID: int64(int32(binary.BigEndian.Uint32(blob[2:])))}, nil
	}
	if blob[0] != payloadTypeV2 {
		return Header{}, ErrPayloadType
	}
	if len(blob) < 2 {
		return Header{}, ErrPayload
	}
	if blob[1] != versionV2 {
		return Header{}, ErrVersion
	}
	if len(blob) < v2HeaderSize {
		return Header{}, ErrPayload
	}
	return Header{KeyID: int64(int32(binary.BigEndian.Uint32(blob[14:])))}, nil
}

// Opened is an opened blob. Data aliases the blob.
type Opened struct {
	EncryptedAtMs int64
	SiteID        int32
	Data          []byte
}

// Open decrypts a blob whose header h was read by ReadHeader, in place,
// with its key (block for v2, aead for v3).
func Open(blob []byte, h Header, block cipher.Block, aead cipher.AEAD) (Opened, error) {
	if h.V3 {
		sealed := blob[v3HeaderSize:]
		if len(sealed) < IVSize+gcmTagSize {
			return Opened{}, ErrPayload
		}
		iv, ct := sealed[:IVSize], sealed[IVSize:]
		pt, err := aead.Open(ct[:0], iv, ct, nil)
		if err != nil || len(pt) < plainHeaderSize {
			return Opened{}, ErrPayload
		}
		return Opened{
			EncryptedAtMs: int64(binary.BigEndian.Uint64(pt)),
			SiteID:        int32(binary.BigEndian.Uint32(pt[8:])),
			Data:          pt[plainHeaderSize:],
		}, nil
	}
	data, err := token.OpenCBC(blob[v2HeaderSize:], block)
	if err != nil {
		return Opened{}, ErrPayload
	}
	return Opened{
		EncryptedAtMs: int64(binary.BigEndian.Uint64(blob[2:])),
		SiteID:        int32(binary.BigEndian.Uint32(blob[10:])),
		Data:          data,
	}, nil
}

// SealedSize is the length of a v3 blob holding n bytes of data.
func SealedSize(n int) int { return v3HeaderSize + IVSize + plainHeaderSize + n + gcmTagSize }

// AppendV3 seals data into a v3 blob with key keyID (aead) and the IV
// given, and appends it to dst.
func AppendV3(dst []byte, scope int, keyID int64, aead cipher.AEAD, iv *[IVSize]byte, nowMs int64, siteID int32, data []byte) []byte {
	dst = append(dst, byte(typeV3|(scope&1)<<4|0x0B), versionV3)
	dst = binary.BigEndian.AppendUint32(dst, uint32(keyID))
	dst = append(dst, iv[:]...)
	start := len(dst)
	dst = binary.BigEndian.AppendUint64(dst, uint64(nowMs))
	dst = binary.BigEndian.AppendUint32(dst, uint32(siteID))
	dst = append(dst, data...)
	return aead.Seal(dst[:start], iv[:], dst[start:], nil)
}
