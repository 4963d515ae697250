// Package operator is what the UID2 operator computes, as pure functions
// over plain data, for the local key service to serve later (it holds the
// salts, keys and opt-outs; this package holds none): the first-level hash
// and rotating salt buckets that turn a hashed email or phone into a raw
// UID (uid2-spec §3, uid2-spec-publisher §3.3), and the advertising token,
// refresh token and wrapper that token generate and refresh mint
// (uid2-spec-publisher §1.7, §4.1). Token generate, token refresh and
// identity map all go through the same salts, so an email gets the same
// raw UID from each.
package operator

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"time"
)

// FirstLevelHash is SHA-256(base64(identity hash) ‖ first-level salt), where
// the identity hash is the SHA-256 of the normalised email or phone
// (normalize.EmailHash gives its base64 text, identityHash here).
func FirstLevelHash(identityHash, firstLevelSalt string) [32]byte {
	h := sha256.New()
	h.Write([]byte(identityHash))
	h.Write([]byte(firstLevelSalt))
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// OneMillionBuckets is the production bucket count, for which the index is
// the 20 bits themselves.
const OneMillionBuckets = 1 << 20

// BucketIndex chooses a salt bucket from a first-level hash as the
// operator does: h = b0<<12 | b1<<4 | b2&0x0F (20 bits), h itself with
// 1,048,576 buckets, else h mod n. n must be positive.
func BucketIndex(firstLevelHash [32]byte, n int) int {
	h := int(firstLevelHash[0])<<12 | int(firstLevelHash[1])<<4 | int(firstLevelHash[2]&0x0f)
	if n == OneMillionBuckets {
		return h
	}
	return h % n
}

// KeyMaterial is a bucket's v4 material: raw UIDs are encrypted rather
// than salted. Key is the AES-256 key (the operator uses the bytes of a
// 32-character string), Salt feeds the IV.
type KeyMaterial struct {
	ID   int32 // 24 bits travel in the raw UID
	Key  []byte
	Salt []byte
}

// Bucket is one salt bucket: its current material and, after a rotation,
// the previous one. A bucket with key material and no salt makes v4 raw
// UIDs; one with a salt makes v2 (or v3) raw UIDs.
type Bucket struct {
	LastUpdatedMs int64
	RefreshFromMs int64
	CurrentSalt   string
	PreviousSalt  string
	CurrentKey    *KeyMaterial
	PreviousKey   *KeyMaterial
}

// Environments of v4 raw UIDs (their metadata byte).
const (
	EnvTest  = 0
	EnvInteg = 1
	EnvProd  = 2
)

// RawUIDOptions are the operator's settings that shape raw UIDs.
type RawUIDOptions struct {
	Scope int // 0 UID2, 1 EUID
	// V3 makes salted raw UIDs v3 (a metadata byte before the hash)
	// instead of v2 (the operator's identity_v3, off by default).
	V3  bool
	Env int // for v4 raw UIDs
}

// ErrNoSalt means a bucket has neither a salt nor key material.
var ErrNoSalt = errors.New("salt bucket has no salt or key material")

// RawUID computes the current raw UID of a first-level hash in bucket b.
func (b *Bucket) RawUID(firstLevelHash [32]byte, identityType int, o RawUIDOptions) ([]byte, error) {
	return rawUID(b.CurrentSalt, b.CurrentKey, firstLevelHash, identityType, o)
}

// previousWindow is how long after a rotation the previous raw UID is
// still given out (identity map's "p").
const previousWindow = 90 * 24 * time.Hour

// PreviousRawUID is the raw UID before the bucket's last rotation, while
// it is less than 90 days old; ok is false when there is none.
func (b *Bucket) PreviousRawUID(firstLevelHash [32]byte, identityType int, o RawUIDOptions, nowMs int64) (uid []byte, ok bool, err error) {
	if nowMs-b.LastUpdatedMs >= previousWindow.Milliseconds() || (b.PreviousSalt == "" && b.PreviousKey == nil) {
		return nil, false, nil
	}
	uid, err = rawUID(b.PreviousSalt, b.PreviousKey, firstLevelHash, identityType, o)
	return uid, err == nil, err
}

// RefreshFrom is when a raw UID of this bucket should be mapped again: the
// bucket's refreshFrom, or, once that has passed, the next UTC midnight
// after now.
func (b *Bucket) RefreshFrom(nowMs int64) int64 {
	if b.RefreshFromMs >= nowMs {
		return b.RefreshFromMs
	}
	return startOfDay(nowMs) + day.Milliseconds()
}

func rawUID(salt string, key *KeyMaterial, flh [32]byte, identityType int, o RawUIDOptions) ([]byte, error) {
	switch {
	case salt != "":
		h := sha256.New()
		h.Write([]byte(base64.StdEncoding.EncodeToString(flh[:])))
		h.Write([]byte(salt))
		if !o.V3 {
			return h.Sum(nil), nil
		}
		return h.Sum([]byte{byte(o.Scope<<4 | identityType<<2)}), nil
	case key != nil:
		return rawUIDV4(key, flh, byte(o.Env<<6|1<<5|o.Scope<<4|identityType<<2))
	}
	return nil, ErrNoSalt
}

// rawUIDV4 lays out metadata ‖ key id (3) ‖ IV (12) ‖ AES-CTR of the
// first-level hash's last 16 bytes ‖ XOR of all preceding bytes, the IV
// being the first 12 bytes of SHA-256(salt ‖ those 16 bytes ‖ metadata ‖
// key id) (uid2-spec §3).
func rawUIDV4(k *KeyMaterial, flh [32]byte, metadata byte) ([]byte, error) {
	block, err := aes.NewCipher(k.Key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 33)
	out[0] = metadata
	out[1], out[2], out[3] = byte(k.ID>>16), byte(k.ID>>8), byte(k.ID)
	h := sha256.New()
	h.Write(k.Salt)
	h.Write(flh[16:])
	h.Write(out[:4])
	copy(out[4:16], h.Sum(nil))
	var counter [16]byte
	copy(counter[:], out[4:16])
	cipher.NewCTR(block, counter[:]).XORKeyStream(out[16:32], flh[16:])
	for _, c := range out[:32] {
		out[32] ^= c
	}
	return out, nil
}

const day = 24 * time.Hour

// Rotate gives the bucket new material on the day of dayMs (UTC), as the
// admin service's rotation does (uid2-spec-publisher §3.3): the current
// salt or key becomes the previous one, lastUpdated is that day, and the
// next refresh-from is 30 days later. Pass a salt for v2/v3 raw UIDs, or
// key material (and no salt) for v4.
func (b *Bucket) Rotate(dayMs int64, salt string, key *KeyMaterial) {
	b.PreviousSalt, b.PreviousKey = b.CurrentSalt, b.CurrentKey
	b.CurrentSalt, b.CurrentKey = salt, key
	b.LastUpdatedMs = startOfDay(dayMs)
	b.RefreshFromMs = NextRefreshFrom(b.LastUpdatedMs, dayMs)
}

// NextRefreshFrom is the refresh-from the rotation job gives a bucket on
// the day of dayMs: the first 30-day boundary, counted from the day of its
// last rotation, after that day (day(lastUpdated) + k × 30 days with
// k = floor(age in days / 30) + 1).
func NextRefreshFrom(lastUpdatedMs, dayMs int64) int64 {
	last := startOfDay(lastUpdatedMs)
	age := (startOfDay(dayMs) - last) / day.Milliseconds()
	k := age/30 + 1
	return last + k*30*day.Milliseconds()
}

func startOfDay(ms int64) int64 {
	return time.UnixMilli(ms).UTC().Truncate(day).UnixMilli()
}
