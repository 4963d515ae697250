package uid2

import (
	"crypto/rand"
	"math"

	"github.com/libuid2/libuid2/go/keys"
	"github.com/libuid2/libuid2/go/token"
)

// EncryptionDataResponse is the result of encrypting a raw UID, named as
// in the official SDKs.
type EncryptionDataResponse struct {
	Status        Status
	EncryptedData string // the token; empty unless Success
}

// Success reports Status == Success.
func (r EncryptionDataResponse) Success() bool { return r.Status == Success }

// NonceSize is the number of nonce bytes one encrypt uses: a 12-byte GCM
// nonce for the master layer, then one for the site layer.
const NonceSize = 24

// encrypt makes a v4 sharing token (uid2-spec §5) and appends its text to
// dst. The checks run in Java's order. nonces are the two GCM nonces; only
// tests pass anything but fresh random bytes.
//
// Choices where the SDKs differ: every timestamp (established, refreshed,
// generated) is now, at millisecond precision (Java stamps "generated"
// with the wall clock, Python truncates to seconds), so that a token is a
// function of its inputs; and an empty raw UID is EncryptionFailure rather
// than a token of nothing.
func encrypt(ks *keys.Set, dst []byte, rawUID string, nowMs, keysetID int64, nonces *[NonceSize]byte) ([]byte, Status) {
	if ks == nil {
		return dst, NotInitialized
	}
	if !ks.Valid(nowMs) {
		return dst, KeysNotSynced
	}
	master := ks.ActiveKey(ks.MasterKeysetID, nowMs)
	if master == nil {
		return dst, NotAuthorizedForMasterKey
	}
	if keysetID == 0 {
		keysetID = ks.DefaultKeysetID
	}
	var site *keys.Key
	if keysetID != 0 {
		site = ks.ActiveKey(keysetID, nowMs)
	}
	if site == nil {
		return dst, NotAuthorizedForKey
	}
	var buf scratch
	bufb := buf.bytes()
	uid, err := token.DecodeRawUID(rawUID, bufb)
	if err != nil || len(uid) == 0 {
		return dst, EncryptionFailure
	}
	t := token.V4Token{
		Scope:         ks.IdentityScope,
		IdentityType:  token.IdentityTypeOfRawUID(rawUID),
		MasterKeyID:   master.ID,
		SiteKeyID:     site.ID,
		ExpiryMs:      addSaturating(nowMs, keys.SecondsToMs(ks.TokenExpirySeconds)),
		GeneratedMs:   nowMs,
		SiteID:        ks.CallerSiteID,
		EstablishedMs: nowMs,
		RefreshedMs:   nowMs,
		UID:           uid,
	}
	// The token is built after the UID bytes in the same scratch buffer
	// (AppendV4 allocates when it is too small).
	var tokenBuf []byte
	if len(uid) <= len(bufb) {
		tokenBuf = bufb[len(uid):]
	}
	return token.AppendV4(dst, tokenBuf, &t, master.AEAD(), site.AEAD(), nonces), Success
}

// randomNonces fills the nonces of one token from the system's CSPRNG.
func randomNonces(n *[NonceSize]byte) {
	// crypto/rand.Read never fails (Go 1.24+): it aborts the program
	// rather than return predictable bytes.
	_, _ = rand.Read(n[:])
}

func addSaturating(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
