package uid2

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/libuid2/libuid2/go/encdata"
	"github.com/libuid2/libuid2/go/keys"
)

// The legacy encrypted-data API of the official SDKs (EncryptData and
// DecryptData, deprecated there): arbitrary bytes sealed with a site's key
// into a base64 blob (uid2-spec §2.7, format in package encdata). Any
// client may use it. Statuses and the order of checks follow Java's
// Uid2Encryption.encryptData/decryptData, which .NET matches.

// EncryptionDataRequest says what to encrypt and for whom: exactly one of
// SiteID, AdvertisingToken and KeyID.
type EncryptionDataRequest struct {
	Data []byte
	// SiteID encrypts for this site with its active site key; 0 = not given.
	SiteID int32
	// AdvertisingToken encrypts for the site of this token, decrypted with
	// the client's keys; "" = not given.
	AdvertisingToken string
	// KeyID encrypts with this loaded key; 0 = not given.
	KeyID int64
	// IV is nil (a random IV) or 12 bytes. INSECURE — FOR TESTS ONLY: it
	// exists for byte-exact vectors; an IV used twice with one key breaks
	// AES-GCM.
	IV []byte
	// Now is when the data is encrypted; zero means the current time.
	Now time.Time
}

// ErrInvalidDataRequest is returned by EncryptData for a request that
// gives none or several of SiteID, AdvertisingToken and KeyID, or an IV
// that is not 12 bytes.
var ErrInvalidDataRequest = errors.New("an encrypt-data request gives exactly one of site id, advertising token and key id, and an IV of 12 bytes or none")

func (r *EncryptionDataRequest) check() error {
	given := 0
	for _, g := range []bool{r.SiteID != 0, r.AdvertisingToken != "", r.KeyID != 0} {
		if g {
			given++
		}
	}
	if given != 1 || (r.IV != nil && len(r.IV) != encdata.IVSize) {
		return ErrInvalidDataRequest
	}
	return nil
}

// EncryptData encrypts req.Data into a legacy encrypted-data blob (v3,
// AES-GCM), as standard base64 text. The status is one of Success,
// NotInitialized, KeysNotSynced, NotAuthorizedForKey, KeyInactive,
// TokenDecryptFailure; for a malformed request err is
// ErrInvalidDataRequest (and the status EncryptionFailure).
func (c *core) EncryptData(req EncryptionDataRequest) (EncryptionDataResponse, error) {
	nowMs := int64(0)
	if !req.Now.IsZero() {
		nowMs = req.Now.UnixMilli()
	}
	out, st, err := c.EncryptDataAppend(nil, &req, nowMs)
	if err != nil || st != Success {
		return EncryptionDataResponse{Status: st}, err
	}
	return EncryptionDataResponse{Status: Success, EncryptedData: string(out)}, nil
}

// EncryptDataAppend is EncryptData at nowMs (0 means now; req.Now is
// ignored), appending the text to dst: the form the C ABI uses.
func (c *core) EncryptDataAppend(dst []byte, req *EncryptionDataRequest, nowMs int64) ([]byte, Status, error) {
	if err := req.check(); err != nil {
		return dst, EncryptionFailure, err
	}
	ks := c.keys.Load()
	if ks == nil {
		return dst, NotInitialized, nil
	}
	nowMs = now(nowMs)
	var key *keys.Key
	siteID := req.SiteID
	if req.KeyID != 0 {
		// As Java: a given key is checked for activity only.
		if key = ks.Key(req.KeyID); key == nil {
			return dst, NotAuthorizedForKey, nil
		}
		if !key.IsActive(nowMs) {
			return dst, KeyInactive, nil
		}
		siteID = int32(key.SiteID)
	} else {
		if !ks.Valid(nowMs) {
			return dst, KeysNotSynced, nil
		}
		siteKeySiteID := int64(siteID)
		if req.AdvertisingToken != "" {
			var buf [128]byte
			var d Decrypted
			decrypt(&d, ks, c.kind, req.AdvertisingToken, "", false, nowMs, buf[:0]) // only the site ids are read
			if d.Status != Success {
				return dst, TokenDecryptFailure, nil
			}
			siteID, siteKeySiteID = d.SiteID, int64(d.SiteKeySiteID)
		}
		if key = ks.ActiveSiteKey(siteKeySiteID, nowMs); key == nil {
			return dst, NotAuthorizedForKey, nil
		}
	}
	var iv [encdata.IVSize]byte
	if req.IV != nil {
		copy(iv[:], req.IV)
	} else {
		_, _ = rand.Read(iv[:]) // never fails (Go 1.24+)
	}
	blob := encdata.AppendV3(make([]byte, 0, encdata.SealedSize(len(req.Data))),
		ks.IdentityScope, key.ID, key.AEAD(), &iv, nowMs, siteID, req.Data)
	return base64.StdEncoding.AppendEncode(dst, blob), Success, nil
}

// DecryptionDataResponse is the result of DecryptData, named as in the
// official SDKs (which do not report the site).
type DecryptionDataResponse struct {
	Status        Status
	DecryptedData []byte
	EncryptedAt   time.Time // zero unless Success
	SiteID        int32     // the site the data was encrypted for
}

// Success reports Status == Success.
func (r DecryptionDataResponse) Success() bool { return r.Status == Success }

// DecryptData decrypts a legacy encrypted-data blob (base64 text, v2 or
// v3). The status is one of Success, NotInitialized, KeysNotSynced,
// InvalidPayload, InvalidPayloadType, VersionNotSupported,
// NotAuthorizedForKey, InvalidIdentityScope. The key's activity is not
// checked, as in the official SDKs.
func (c *core) DecryptData(encrypted string) DecryptionDataResponse {
	d := c.DecryptDataAppend(nil, encrypted, 0)
	r := DecryptionDataResponse{Status: d.Status, DecryptedData: d.Data, SiteID: d.SiteID}
	if d.Status == Success {
		r.EncryptedAt = time.UnixMilli(d.EncryptedAtMs).UTC()
	}
	return r
}

// DecryptedData is a DecryptData result in Unix ms; Data aliases the
// buffer given to DecryptDataAppend.
type DecryptedData struct {
	Status        Status
	Data          []byte
	EncryptedAtMs int64
	SiteID        int32
}

// DecryptDataAppend is DecryptData at nowMs (0 means now), appending the
// data to dst[:0]: the form the C ABI uses.
func (c *core) DecryptDataAppend(dst []byte, encrypted string, nowMs int64) DecryptedData {
	ks := c.keys.Load()
	switch {
	case ks == nil:
		return DecryptedData{Status: NotInitialized}
	case !ks.Valid(now(nowMs)):
		return DecryptedData{Status: KeysNotSynced}
	}
	blob, err := decodeStdBase64(encrypted)
	if err != nil {
		return DecryptedData{Status: InvalidPayload}
	}
	h, err := encdata.ReadHeader(blob, ks.IdentityScope)
	if err != nil {
		return DecryptedData{Status: dataStatus(err)}
	}
	key := ks.Key(h.KeyID)
	if key == nil {
		return DecryptedData{Status: NotAuthorizedForKey}
	}
	o, err := encdata.Open(blob, h, key.Block(), key.AEAD())
	if err != nil {
		return DecryptedData{Status: dataStatus(err)}
	}
	return DecryptedData{Status: Success, Data: append(dst[:0], o.Data...), EncryptedAtMs: o.EncryptedAtMs, SiteID: o.SiteID}
}

func dataStatus(err error) Status {
	switch err {
	case encdata.ErrPayloadType:
		return InvalidPayloadType
	case encdata.ErrVersion:
		return VersionNotSupported
	case encdata.ErrScope:
		return InvalidIdentityScope
	}
	return InvalidPayload
}

// decodeStdBase64 decodes as Java's Base64.getDecoder does: the standard
// alphabet, padding optional but correct when present, no line breaks
// (which Go's decoder would skip).
func decodeStdBase64(s string) ([]byte, error) {
	switch {
	case strings.ContainsAny(s, "\r\n"):
		return nil, base64.CorruptInputError(0)
	case strings.HasSuffix(s, "="):
		return base64.StdEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}
