package operator

import (
	"bytes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/libuid2/libuid2/go/internal/pubvectors"
	"github.com/libuid2/libuid2/go/token"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func secret(t *testing.T, s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	require.NoError(t, err)
	return b
}

func vectorKeys(t *testing.T) *Keys {
	return &Keys{
		Master:  Key{pubvectors.MasterKeyID, secret(t, pubvectors.MasterKeySecret)},
		Site:    Key{pubvectors.SiteKeyID, secret(t, pubvectors.SiteKeySecret)},
		Refresh: Key{pubvectors.RefreshKeyID, secret(t, pubvectors.RefreshKeySecret)},
	}
}

func refreshKeyLookup(t *testing.T) func(int64) cipher.Block {
	block, err := token.NewKey(secret(t, pubvectors.RefreshKeySecret))
	require.NoError(t, err)
	return func(id int64) cipher.Block {
		if id == pubvectors.RefreshKeyID {
			return block
		}
		return nil
	}
}

var vectorLifetimes = Lifetimes{pubvectors.CurrentIdentityLifetimeS, pubvectors.CurrentRefreshLifetimeS, pubvectors.CurrentRefreshAfterS}

func vectorIdentity(t *testing.T) *Identity {
	var flh [32]byte
	copy(flh[:], secret(t, pubvectors.FirstLevelHash))
	return &Identity{
		SiteID: pubvectors.SiteID, PrivacyBits: 1, EstablishedMs: pubvectors.CurrentNowMs,
		FirstLevelHash: flh, RawUID: secret(t, pubvectors.RawUID),
	}
}

// fixedRandom gives the spec's IVs (site layer 00..0b, master layer
// 10..1b, inner refresh 20..2b, wrapper 30..3b) and response key (40..5f).
func fixedRandom() *bytes.Reader {
	var b []byte
	for _, first := range []byte{0x00, 0x10, 0x20, 0x30} {
		b = append(b, pubvectors.Counting(first, 12)...)
	}
	return bytes.NewReader(append(b, pubvectors.Counting(0x40, 32)...))
}

// The current-format set of uid2-spec-publisher §1.11.4, byte for byte.
func TestMintCurrentFormat(t *testing.T) {
	got, err := Mint(pubvectors.CurrentNowMs, vectorIdentity(t), vectorKeys(t), vectorLifetimes, fixedRandom())
	require.NoError(t, err)
	assert.Equal(t, Tokens{
		AdvertisingToken:   pubvectors.CurrentAdvertisingToken,
		RefreshToken:       pubvectors.CurrentWrapper,
		IdentityExpiresMs:  pubvectors.CurrentIdentityExpiresMs,
		RefreshExpiresMs:   pubvectors.CurrentRefreshExpiresMs,
		RefreshFromMs:      pubvectors.CurrentRefreshFromMs,
		RefreshResponseKey: pubvectors.CurrentResponseKey,
	}, *got)

	var body map[string]any
	d := json.NewDecoder(bytes.NewReader(got.BodyJSON()))
	d.UseNumber()
	require.NoError(t, d.Decode(&body))
	assert.Equal(t, pubvectors.CurrentWrapper, body["refresh_token"])
	assert.Equal(t, json.Number("1668057099628"), body["refresh_from"])
	assert.Equal(t, `{"advertising_token":"`+pubvectors.CurrentAdvertisingToken+`","refresh_token":"`+pubvectors.CurrentWrapper+
		`","identity_expires":1668059799628,"refresh_expires":1668142599628,"refresh_from":1668057099628,"refresh_response_key":"`+
		pubvectors.CurrentResponseKey+`"}`, string(got.BodyJSON()))
}

func TestMintErrors(t *testing.T) {
	for _, l := range []Lifetimes{{3600, 86400, 0}, {3600, 1800, 900}, {600, 86400, 900}} {
		_, err := Mint(pubvectors.CurrentNowMs, vectorIdentity(t), vectorKeys(t), l, fixedRandom())
		assert.ErrorIs(t, err, ErrLifetimes, l)
	}
	_, err := Mint(pubvectors.CurrentNowMs, vectorIdentity(t), vectorKeys(t), vectorLifetimes, bytes.NewReader(make([]byte, 20)))
	assert.Error(t, err)
	keys := vectorKeys(t)
	keys.Site.Secret = []byte("short")
	_, err = Mint(pubvectors.CurrentNowMs, vectorIdentity(t), keys, vectorLifetimes, fixedRandom())
	assert.Error(t, err)
}

func TestOpenRefreshCurrent(t *testing.T) {
	keys := refreshKeyLookup(t)
	p, err := OpenRefresh(pubvectors.CurrentWrapper, pubvectors.CurrentRefreshExpiresMs, 0, keys)
	require.NoError(t, err)
	assert.Equal(t, pubvectors.CurrentResponseKey, p.ResponseKey)
	assert.Equal(t, int64(pubvectors.SiteID), p.Token.SiteID)

	// The refresh token inside, presented bare (a legacy request): no
	// response key, the answer goes out unencrypted.
	p, err = OpenRefresh(pubvectors.CurrentRefreshTokenV3, pubvectors.CurrentNowMs, 0, keys)
	require.NoError(t, err)
	assert.Equal(t, "", p.ResponseKey)

	_, err = OpenRefresh(pubvectors.CurrentWrapper, pubvectors.CurrentRefreshExpiresMs+1, 0, keys)
	assert.ErrorIs(t, err, ErrExpiredToken)
	_, err = OpenRefresh(pubvectors.CurrentWrapper, pubvectors.CurrentNowMs, 1, keys)
	assert.ErrorIs(t, err, ErrInvalidToken, "an EUID operator refuses UID2 tokens")
	for _, body := range []string{"", "asdf", "invalidBase64%%%%", pubvectors.CurrentWrapper[:387] + "A"} {
		_, err = OpenRefresh(body, pubvectors.CurrentNowMs, 0, keys)
		assert.ErrorIs(t, err, ErrInvalidToken, body)
	}
	_, err = OpenRefresh(pubvectors.CurrentWrapper, pubvectors.CurrentNowMs, 0, func(int64) cipher.Block { return nil })
	assert.ErrorIs(t, err, ErrInvalidToken)

	id := vectorIdentity(t)
	id.EstablishedMs = 1615222800000 - 1
	old, err := Mint(pubvectors.CurrentNowMs, id, vectorKeys(t), vectorLifetimes, fixedRandom())
	require.NoError(t, err)
	_, err = OpenRefresh(old.RefreshToken, pubvectors.CurrentNowMs, 0, keys)
	assert.ErrorIs(t, err, ErrDeprecatedToken)
}

// The official refresh (§1.11.3): the Java SDK's generate response's
// refresh token, opened at the time of its refresh, re-mints the same raw
// UID from bucket 3 with the original established time.
func TestRefreshOfficialChain(t *testing.T) {
	var body struct {
		RefreshToken string `json:"refresh_token"`
	}
	require.NoError(t, json.Unmarshal([]byte(pubvectors.GenerateBody), &body))
	p, err := OpenRefresh(body.RefreshToken, pubvectors.RefreshCreatedMs, 0, refreshKeyLookup(t))
	require.NoError(t, err)
	assert.Equal(t, pubvectors.GenerateResponseKey, p.ResponseKey)

	b := Bucket{CurrentSalt: pubvectors.Bucket3Salt}
	require.Equal(t, 3, BucketIndex(p.Token.FirstLevelHash, pubvectors.SaltBuckets))
	uid, err := b.RawUID(p.Token.FirstLevelHash, p.Token.IdentityType, RawUIDOptions{})
	require.NoError(t, err)
	assert.Equal(t, pubvectors.RawUID, base64.StdEncoding.EncodeToString(uid))

	now := int64(pubvectors.RefreshCreatedMs)
	minted, err := Mint(now, p.Reissue(uid), vectorKeys(t), vectorLifetimes, fixedRandom())
	require.NoError(t, err)

	// The new advertising token carries the raw UID, the site and the
	// established time of the first generate.
	raw, version, err := token.Decode(minted.AdvertisingToken, nil)
	require.NoError(t, err)
	require.Equal(t, token.V4, version)
	masterAEAD, _ := vectorKeys(t).Master.aead()
	siteAEAD, _ := vectorKeys(t).Site.aead()
	m, err := token.OpenMaster(raw, version, nil, masterAEAD)
	require.NoError(t, err)
	assert.Equal(t, now+3600e3, m.ExpiryMs)
	assert.Equal(t, now, m.GeneratedMs)
	s, err := token.OpenSite(m, version, nil, siteAEAD)
	require.NoError(t, err)
	assert.Equal(t, int64(pubvectors.SiteID), s.SiteID)
	assert.Equal(t, int64(pubvectors.EstablishedMs), s.EstablishedMs)
	assert.Equal(t, uint32(1), s.PrivacyBits)
	assert.Equal(t, pubvectors.RawUID, string(token.AppendUID(nil, s, version)))

	// And its refresh token opens again, established still kept.
	p2, err := OpenRefresh(minted.RefreshToken, now+1, 0, refreshKeyLookup(t))
	require.NoError(t, err)
	assert.Equal(t, int64(pubvectors.EstablishedMs), p2.Token.EstablishedMs)
	assert.Equal(t, p.Token.FirstLevelHash, p2.Token.FirstLevelHash)
	assert.Equal(t, now, p2.Token.CreatedMs)
	again := p2.Reissue(uid)
	assert.Equal(t, int64(pubvectors.EstablishedMs), again.EstablishedMs, "not the refresh token's creation")
	assert.Equal(t, *p.Reissue(uid), *again)
}

// The advertising tokens of the official responses (§1.11.3, v2 tokens)
// open with the operator's 2022 test keys to the raw UIDs that the salts
// give user@example.com and test@example.com.
func TestOfficialAdvertisingTokens(t *testing.T) {
	var gen, v1 struct {
		AdvertisingToken string `json:"advertising_token"`
	}
	require.NoError(t, json.Unmarshal([]byte(pubvectors.GenerateBody), &gen))
	var v1resp struct {
		Body json.RawMessage `json:"body"`
	}
	require.NoError(t, json.Unmarshal([]byte(pubvectors.V1SessionRefreshResponse), &v1resp))
	require.NoError(t, json.Unmarshal(v1resp.Body, &v1))
	master, err := token.NewKey(secret(t, pubvectors.MasterKeySecret))
	require.NoError(t, err)
	site, err := token.NewKey(secret(t, pubvectors.SiteKeySecret))
	require.NoError(t, err)
	for _, c := range []struct {
		text, uid           string
		established, expiry int64
	}{
		{gen.AdvertisingToken, pubvectors.RawUID, pubvectors.EstablishedMs, 1668059799628},
		{pubvectors.RefreshAdvertisingToken, pubvectors.RawUID, pubvectors.EstablishedMs, 1668065878329},
		{v1.AdvertisingToken, pubvectors.V1SessionRawUID, pubvectors.V1SessionEstablished, 1668398943517},
	} {
		raw, version, err := token.Decode(c.text, nil)
		require.NoError(t, err)
		require.Equal(t, token.V2, version)
		id, err := token.MasterKeyID(raw, version)
		require.NoError(t, err)
		assert.Equal(t, int64(pubvectors.MasterKeyID), id)
		m, err := token.OpenMaster(raw, version, master, nil)
		require.NoError(t, err)
		assert.Equal(t, int64(pubvectors.SiteKeyID), m.SiteKeyID)
		assert.Equal(t, c.expiry, m.ExpiryMs)
		s, err := token.OpenSite(m, version, site, nil)
		require.NoError(t, err)
		assert.Equal(t, int64(pubvectors.SiteID), s.SiteID)
		assert.Equal(t, uint32(1), s.PrivacyBits)
		assert.Equal(t, c.established, s.EstablishedMs)
		assert.Equal(t, c.uid, string(token.AppendUID(nil, s, version)))
	}
}
