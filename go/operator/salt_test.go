package operator

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/libuid2/libuid2/go/internal/pubvectors"
	"github.com/libuid2/libuid2/go/normalize"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// The official chain (uid2-spec-publisher §1.11.3): email → hash →
// first-level hash → bucket 3 of 8 → raw UID, for two emails.
func TestOfficialRawUIDChain(t *testing.T) {
	buckets := make([]Bucket, pubvectors.SaltBuckets)
	buckets[3].CurrentSalt = pubvectors.Bucket3Salt
	for _, c := range []struct{ email, flh, uid string }{
		{pubvectors.Email, pubvectors.FirstLevelHash, pubvectors.RawUID},
		{pubvectors.V1SessionEmail, pubvectors.V1SessionFirstLevel, pubvectors.V1SessionRawUID},
	} {
		hash, err := normalize.EmailHash(c.email)
		require.NoError(t, err)
		flh := FirstLevelHash(hash, pubvectors.FirstLevelSalt)
		assert.Equal(t, c.flh, b64(flh[:]))
		i := BucketIndex(flh, pubvectors.SaltBuckets)
		assert.Equal(t, 3, i)
		uid, err := buckets[i].RawUID(flh, 0, RawUIDOptions{})
		require.NoError(t, err)
		assert.Equal(t, c.uid, b64(uid))
	}
	assert.Equal(t, pubvectors.EmailHash, normalize.Hash(pubvectors.Email))
}

// The v4 raw UIDs of uid2-spec-publisher §3.5.
func TestRawUIDV4(t *testing.T) {
	hash, err := normalize.EmailHash("test@example.com")
	require.NoError(t, err)
	flh := FirstLevelHash(hash, "salt1234salt1234salt1234salt1234")
	assert.Equal(t, "fRdq9nN35EI0ljuka8NSeoXR7H7X4uIw80SYLEtEsGA=", b64(flh[:]))
	b := Bucket{CurrentKey: &KeyMaterial{ID: 1000000, Key: []byte("key12345key12345key12345key12345"), Salt: []byte("salt1234salt1234salt1234salt1234")}}
	for _, c := range []struct {
		typ, env int
		want     string
	}{
		{0, EnvTest, "IA9CQGO0P7Jo0WZGn+u4GJGWm6kt+ZS7FFBvC+sNzMg2"},
		{0, EnvProd, "oA9CQHH1Ukv/rzgAB+T5O+8mgWz1teQGQv02ZlXaHvR1"},
		{1, EnvTest, "JA9CQDQlypvBlmcYv2cP253YsWpwEwAbfTsc/iWfgkRz"},
	} {
		uid, err := b.RawUID(flh, c.typ, RawUIDOptions{Env: c.env})
		require.NoError(t, err)
		assert.Equal(t, c.want, b64(uid))
	}
}

func TestRawUIDV3(t *testing.T) {
	flh := FirstLevelHash(pubvectors.EmailHash, pubvectors.FirstLevelSalt)
	b := Bucket{CurrentSalt: pubvectors.Bucket3Salt}
	v2, err := b.RawUID(flh, 0, RawUIDOptions{})
	require.NoError(t, err)
	for _, c := range []struct {
		scope, typ int
		first      byte
	}{{0, 0, 'A'}, {0, 1, 'B'}, {1, 0, 'E'}, {1, 1, 'F'}} {
		v3, err := b.RawUID(flh, c.typ, RawUIDOptions{Scope: c.scope, V3: true})
		require.NoError(t, err)
		assert.Equal(t, v2, v3[1:])
		assert.Equal(t, c.first, b64(v3)[0])
	}
	_, err = (&Bucket{}).RawUID(flh, 0, RawUIDOptions{})
	assert.ErrorIs(t, err, ErrNoSalt)
}

func TestBucketIndex(t *testing.T) {
	flh := [32]byte{0xab, 0xcd, 0xef}
	assert.Equal(t, 0xabcdf, BucketIndex(flh, OneMillionBuckets))
	assert.Equal(t, 0xabcdf%1000, BucketIndex(flh, 1000))
	assert.Equal(t, 0, BucketIndex(flh, 1))
}

func TestPreviousRawUIDAndRefreshFrom(t *testing.T) {
	flh := FirstLevelHash(pubvectors.EmailHash, pubvectors.FirstLevelSalt)
	day := int64(24 * time.Hour / time.Millisecond)
	rotated := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC).UnixMilli()
	b := Bucket{LastUpdatedMs: rotated, RefreshFromMs: rotated + 30*day, CurrentSalt: "new", PreviousSalt: pubvectors.Bucket3Salt}
	prev, ok, err := b.PreviousRawUID(flh, 0, RawUIDOptions{}, rotated+89*day)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, pubvectors.RawUID, b64(prev))
	cur, _ := b.RawUID(flh, 0, RawUIDOptions{})
	assert.NotEqual(t, prev, cur)
	_, ok, _ = b.PreviousRawUID(flh, 0, RawUIDOptions{}, rotated+90*day)
	assert.False(t, ok, "90 days after the rotation")
	_, ok, _ = (&Bucket{CurrentSalt: "s"}).PreviousRawUID(flh, 0, RawUIDOptions{}, rotated)
	assert.False(t, ok, "never rotated")

	assert.Equal(t, rotated+30*day, b.RefreshFrom(rotated+day))
	assert.Equal(t, rotated+30*day, b.RefreshFrom(rotated+30*day))
	// Past refreshFrom: the next UTC midnight.
	assert.Equal(t, rotated+32*day, b.RefreshFrom(rotated+31*day+1))
	assert.Equal(t, rotated+32*day, b.RefreshFrom(rotated+31*day))
}

func TestRotate(t *testing.T) {
	flh := FirstLevelHash(pubvectors.EmailHash, pubvectors.FirstLevelSalt)
	d := func(y int, m time.Month, dd, h int) int64 {
		return time.Date(y, m, dd, h, 0, 0, 0, time.UTC).UnixMilli()
	}
	b := Bucket{CurrentSalt: pubvectors.Bucket3Salt, LastUpdatedMs: d(2025, 1, 1, 0)}
	b.Rotate(d(2026, 3, 1, 15), "new salt", nil)
	assert.Equal(t, Bucket{CurrentSalt: "new salt", PreviousSalt: pubvectors.Bucket3Salt,
		LastUpdatedMs: d(2026, 3, 1, 0), RefreshFromMs: d(2026, 3, 31, 0)}, b)
	prev, ok, err := b.PreviousRawUID(flh, 0, RawUIDOptions{}, d(2026, 3, 2, 0))
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, pubvectors.RawUID, b64(prev), "the raw UID before the rotation")

	// To v4 key material.
	key := &KeyMaterial{ID: 7, Key: []byte("key12345key12345key12345key12345"), Salt: []byte("s")}
	b.Rotate(d(2026, 4, 1, 0), "", key)
	assert.Equal(t, "new salt", b.PreviousSalt)
	uid, err := b.RawUID(flh, 0, RawUIDOptions{})
	require.NoError(t, err)
	assert.Len(t, uid, 33)

	last := d(2026, 1, 10, 12)
	for _, c := range []struct{ on, want int64 }{
		{d(2026, 1, 10, 0), d(2026, 2, 9, 0)},  // age 0
		{d(2026, 2, 8, 23), d(2026, 2, 9, 0)},  // age 29
		{d(2026, 2, 9, 1), d(2026, 3, 11, 0)},  // age 30
		{d(2026, 4, 20, 0), d(2026, 5, 10, 0)}, // age 100: k = 4
	} {
		assert.Equal(t, c.want, NextRefreshFrom(last, c.on), time.UnixMilli(c.on).UTC())
	}
}
