package vectorgen

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// Times: every file works around now = N.
const (
	nowMs  = int64(1700000000000) // 2023-11-14T22:13:20Z
	nowS   = nowMs / 1000
	second = int64(1000)
	minute = 60 * second
	hour   = 60 * minute
	day    = 24 * hour
	daySec = int64(86400)
)

// Raw UIDs: a v2 raw UID (email), v3 raw UIDs (phone: first char B; and one
// starting with F, EUID-phone), as in the official SDKs' tests.
const (
	emailUID  = "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM="
	phoneUID  = "BEOGxroPLdcY7LrSiwjY52+X05V0ryELpJmoWAyXiwbZ"
	fPhoneUID = "FBOsW2SkK0egqbfyiALtpti5G/cG+PcEvjkoHl56rEV8"
)

// Prefix bytes: (scope << 4) | (type << 2) | 3.
const (
	uid2Email = 0x03
	uid2Phone = 0x07
	euidEmail = 0x13
	euidPhone = 0x17
)

// The known-answer token shared by the official Python, Java and .NET
// tests (uid2-spec §2.8) and its keys.
const katToken = "AIAAAACkOqJj9VoxXJNnuX3v-ymceRf8_Av0vA5asOj9YBZJc1kV1vHdmb0AIjlzWnFF-gxIlgXqhRFhPo3iXpugPBl3gv4GKnGkw-Zgm2QqMsDPPLpMCYiWrIUqHPm8hQiq9PuTU-Ba9xecRsSIAN0WCwKLwA_EDVdzmnLJu64dQoeYmuu3u1G2EuTkuMrevmP98tJqSUePKwnfK73-0Zdshw"

var (
	katMaster = []byte{139, 37, 241, 173, 18, 92, 36, 232, 165, 168, 23, 18, 38, 195, 123, 92, 160, 136, 185, 40, 91, 173, 165, 221, 168, 16, 169, 164, 38, 139, 8, 155}
	katSite   = []byte{32, 251, 7, 194, 132, 154, 250, 86, 202, 116, 104, 29, 131, 192, 139, 215, 48, 164, 11, 65, 226, 110, 167, 14, 108, 51, 254, 125, 65, 24, 23, 133}
)

const (
	masterKeyset  = 9999999
	defaultKeyset = 99999
	callerSite    = 9000
)

var generators = []func() (string, *File){
	sharingFile, sharingEUIDFile, sharingDefaultsFile, sharingNoDefaultKeysetFile,
	notInitializedFile, bidstreamFile, bidstreamLegacyFile, sharingKeyJSONLeniencyFile,
}

// decodeUID reads a raw UID's bytes, padding optional.
func decodeUID(s string) []byte {
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	must(err)
	return b
}

// A valid v4 token of the sender site 9000 under keys 101/201.
func baseToken() tokenSpec {
	return tokenSpec{version: 4, prefix: uid2Email, masterKeyID: 101, siteKeyID: 201,
		expiryMs: nowMs + day, generatedMs: nowMs - hour, siteID: callerSite,
		establishedMs: nowMs - 2*day, refreshedMs: nowMs - hour, uid: emailUID}
}

func with(t tokenSpec, f func(*tokenSpec)) tokenSpec { f(&t); return t }

func sharingKeys() []keySpec {
	return []keySpec{
		{id: 101, keysetID: masterKeyset, activates: nowS - 10*daySec, expires: nowS + 30*daySec},
		{id: 102, keysetID: masterKeyset, activates: nowS + 3600, expires: nowS + 30*daySec},
		{id: 201, keysetID: defaultKeyset, activates: nowS - 10*daySec, expires: nowS + 30*daySec},
		{id: 202, keysetID: defaultKeyset, activates: nowS + 7200, expires: nowS + 30*daySec},
		{id: 211, keysetID: 99998, activates: nowS - 10*daySec, expires: nowS - daySec},
		{id: 212, keysetID: 99997, activates: nowS - 10*daySec, expires: nowS + 30*daySec},
		// Another site's key, shared with us: no keyset_id, decryption only.
		{id: 301, activates: nowS - 10*daySec, expires: nowS + 30*daySec},
	}
}

const maxSharingLifetime = 2592010 // 30 days + the operator's 10 s tolerance

func sharingFile() (string, *File) {
	ks := sharingKeys()
	f := &File{Description: "sharing client, UID2 scope, /v2/key/sharing response with every field", Client: "sharing",
		Keys: rawJSON(map[string]any{"status": "success", "body": map[string]any{
			"caller_site_id": callerSite, "master_keyset_id": masterKeyset, "default_keyset_id": defaultKeyset,
			"token_expiry_seconds": "2592000", "max_sharing_lifetime_seconds": maxSharingLifetime,
			"allow_clock_skew_seconds": 1800, "identity_scope": "UID2", "keys": keysJSON(ks),
			"unexpected_field": "ignored"}})}
	b := &fileBuilder{file: f, ring: newKeyring(ks), scope: "UID2"}
	t := baseToken()

	// Every version, both identity types, both encodings of v4.
	b.tokenCase("v4 email", t, nil, nowMs, "SUCCESS")
	b.tokenCase("v4 phone", with(t, func(t *tokenSpec) { t.prefix, t.uid = uid2Phone, phoneUID }), nil, nowMs, "SUCCESS")
	b.tokenCase("v3 email", with(t, func(t *tokenSpec) { t.version = 3 }), nil, nowMs, "SUCCESS")
	b.tokenCase("v3 phone", with(t, func(t *tokenSpec) { t.version, t.prefix, t.uid = 3, uid2Phone, phoneUID }), nil, nowMs, "SUCCESS")
	b.tokenCase("v2", with(t, func(t *tokenSpec) { t.version = 2 }), nil, nowMs, "SUCCESS")
	b.tokenCase("v2 phone raw UID", with(t, func(t *tokenSpec) { t.version, t.uid = 2, phoneUID }), nil, nowMs, "SUCCESS")
	b.tokenCase("v4 as standard base64", with(t, func(t *tokenSpec) { t.stdBase64 = true }), nil, nowMs, "SUCCESS")
	b.tokenCase("v4 zero prefix byte", with(t, func(t *tokenSpec) { t.prefix = 0 }), nil, nowMs, "SUCCESS")
	b.tokenCase("v4 other site's key", with(t, func(t *tokenSpec) { t.siteKeyID, t.siteID = 301, 9100 }), nil, nowMs, "SUCCESS")
	b.tokenCase("v4 raw UID of 400 characters", with(t, func(t *tokenSpec) { t.uid = longUID(300) }), nil, nowMs, "SUCCESS")
	b.tokenCase("v4 token of 63 KiB", with(t, func(t *tokenSpec) { t.uid = longUID(47000) }), nil, nowMs, "SUCCESS")
	b.tokenCase("v2 raw UID of 400 characters", with(t, func(t *tokenSpec) { t.version, t.uid = 2, longUID(300) }), nil, nowMs, "SUCCESS")

	// Expiry: now == expiry is not expired.
	b.tokenCase("expiry equals now", t, nil, t.expiryMs, "SUCCESS")
	b.tokenCase("expired by 1 ms", t, nil, t.expiryMs+1, "EXPIRED_TOKEN")
	b.tokenCase("v2 expired", with(t, func(t *tokenSpec) { t.version = 2 }), nil, t.expiryMs+1, "EXPIRED_TOKEN")

	// Keys.
	b.failCase("unknown master key", with(t, func(t *tokenSpec) { t.masterKeyID = 999 }), nil, nowMs, "NOT_AUTHORIZED_FOR_MASTER_KEY")
	b.failCase("unknown site key", with(t, func(t *tokenSpec) { t.siteKeyID = 998 }), nil, nowMs, "NOT_AUTHORIZED_FOR_KEY")
	b.failCase("v2 unknown site key", with(t, func(t *tokenSpec) { t.version, t.siteKeyID = 2, 998 }), nil, nowMs, "NOT_AUTHORIZED_FOR_KEY")
	b.decrypt("keys all expired", b.token("keys all expired", t), nil, (nowS+30*daySec)*1000, fail("KEYS_NOT_SYNCED"))
	b.tokenCase("keys expire 1 ms later", t, nil, (nowS+30*daySec)*1000-1, "EXPIRED_TOKEN")

	// Scope.
	b.decrypt("EUID token", b.token("EUID token", with(t, func(t *tokenSpec) { t.prefix = euidEmail })), nil, nowMs, fail("INVALID_IDENTITY_SCOPE"))

	// Privacy bits.
	b.tokenCase("legacy privacy bit", with(t, func(t *tokenSpec) { t.privacyBits = 1 }), nil, nowMs, "SUCCESS")
	b.tokenCase("client-side generated, no domain check in sharing", with(t, func(t *tokenSpec) { t.privacyBits = 3 }), nil, nowMs, "SUCCESS")
	b.tokenCase("opted out", with(t, func(t *tokenSpec) { t.privacyBits = 4 | 3 }), nil, nowMs, "USER_OPTED_OUT")
	b.tokenCase("v2 opted out", with(t, func(t *tokenSpec) { t.version, t.privacyBits = 2, 4 }), nil, nowMs, "USER_OPTED_OUT")

	// Lifetime (max 2592010 s) and clock skew (1800 s), in whole seconds.
	lt := func(genOff, life int64) tokenSpec {
		return with(t, func(t *tokenSpec) { t.generatedMs, t.expiryMs = nowMs+genOff, nowMs+genOff+life })
	}
	b.tokenCase("lifetime at the maximum", lt(0, maxSharingLifetime*second), nil, nowMs, "SUCCESS")
	b.tokenCase("lifetime over by 999 ms", lt(0, maxSharingLifetime*second+999), nil, nowMs, "SUCCESS")
	b.tokenCase("lifetime over by 1 s", lt(0, (maxSharingLifetime+1)*second), nil, nowMs, "INVALID_TOKEN_LIFETIME")
	b.tokenCase("v3 lifetime over by 1 s", with(lt(0, (maxSharingLifetime+1)*second), func(t *tokenSpec) { t.version = 3 }), nil, nowMs, "INVALID_TOKEN_LIFETIME")
	b.tokenCase("generated 1800 s ahead", lt(1800*second, day), nil, nowMs, "SUCCESS")
	b.tokenCase("generated 1801 s ahead", lt(1801*second, day), nil, nowMs, "INVALID_TOKEN_LIFETIME")
	b.tokenCase("v2 remaining lifetime at the maximum", with(t, func(t *tokenSpec) { t.version, t.expiryMs = 2, nowMs+maxSharingLifetime*second }), nil, nowMs, "SUCCESS")
	b.tokenCase("v2 remaining lifetime over by 1 s", with(t, func(t *tokenSpec) { t.version, t.expiryMs = 2, nowMs+(maxSharingLifetime+1)*second }), nil, nowMs, "INVALID_TOKEN_LIFETIME")

	// Tampering, every region: header, outer IV, outer ciphertext, outer
	// tag, inner layer; and truncation.
	v4 := b.token("tamper v4", t)
	v3 := b.token("tamper v3", with(t, func(t *tokenSpec) { t.version = 3 }))
	v2 := b.token("tamper v2", with(t, func(t *tokenSpec) { t.version = 2 }))
	v4len := len(decodeUID(strings.NewReplacer("-", "+", "_", "/").Replace(v4)))
	b.decrypt("tampered scope bit", mutate(v4, 0, 0x10, true), nil, nowMs, fail("INVALID_IDENTITY_SCOPE"))
	b.decrypt("tampered version byte", mutate(v4, 1, 0x10, true), nil, nowMs, fail("VERSION_NOT_SUPPORTED"))
	b.decrypt("v2 tampered version byte", mutate(v2, 0, 0x04, false), nil, nowMs, fail("VERSION_NOT_SUPPORTED"))
	b.decrypt("tampered master key id", mutate(v4, 5, 0x01, true), nil, nowMs, fail("NOT_AUTHORIZED_FOR_MASTER_KEY"))
	b.decrypt("tampered outer IV", mutate(v4, 6, 0x01, true), nil, nowMs, fail("INVALID_PAYLOAD"))
	b.decrypt("tampered outer ciphertext", mutate(v4, 30, 0x01, true), nil, nowMs, fail("INVALID_PAYLOAD"))
	b.decrypt("tampered outer tag", mutate(v4, v4len-1, 0x80, true), nil, nowMs, fail("INVALID_PAYLOAD"))
	b.decrypt("v3 tampered outer tag", mutate(v3, v4len-1, 0x80, false), nil, nowMs, fail("INVALID_PAYLOAD"))
	b.decrypt("tampered inner layer", b.token("tampered inner layer", with(t, func(t *tokenSpec) { t.corruptSite = true })), nil, nowMs, fail("INVALID_PAYLOAD"))
	b.decrypt("v3 tampered inner layer", b.token("v3 tampered inner layer", with(t, func(t *tokenSpec) { t.version, t.corruptSite = 3, true })), nil, nowMs, fail("INVALID_PAYLOAD"))
	b.decrypt("v2 tampered inner padding", b.token("v2 tampered inner padding", with(t, func(t *tokenSpec) { t.version, t.corruptSite = 2, true })), nil, nowMs, fail("INVALID_PAYLOAD"))
	v2len := len(decodeUID(v2))
	b.decrypt("v2 tampered outer padding", mutate(v2, v2len-17, 0x01, false), nil, nowMs, fail("INVALID_PAYLOAD"))
	b.decrypt("truncated by 1 character", v4[:len(v4)-1], nil, nowMs, fail("INVALID_PAYLOAD"))
	b.decrypt("truncated by 1 byte", v4[:len(v4)-2], nil, nowMs, fail("INVALID_PAYLOAD"))
	b.decrypt("truncated to 30 characters", v4[:30], nil, nowMs, fail("INVALID_PAYLOAD"))
	b.decrypt("v3 truncated by 3 bytes", v3[:len(v3)-4], nil, nowMs, fail("INVALID_PAYLOAD"))
	b.decrypt("v2 truncated by 3 bytes", v2[:len(v2)-4], nil, nowMs, fail("INVALID_PAYLOAD"))
	b.decrypt("v2 truncated by 16 bytes", base64.StdEncoding.EncodeToString(decodeUID(v2)[:v2len-16]), nil, nowMs, fail("INVALID_PAYLOAD"))
	b.decrypt("trailing newline", v4+"\n", nil, nowMs, fail("INVALID_PAYLOAD"))
	b.decrypt("embedded NUL", v4[:100]+"\x00"+v4[101:], nil, nowMs, fail("INVALID_PAYLOAD"))

	// Garbage.
	b.decrypt("empty", "", nil, nowMs, fail("INVALID_PAYLOAD"))
	b.decrypt("3 characters", "A4A", nil, nowMs, fail("INVALID_PAYLOAD"))
	b.decrypt("not base64", "!!!!!!!!", nil, nowMs, fail("INVALID_PAYLOAD"))
	b.decrypt("non-ASCII", "A4AAAABlé€ü", nil, nowMs, fail("INVALID_PAYLOAD"))
	b.decrypt("zeros", "AAAAAAAA", nil, nowMs, fail("VERSION_NOT_SUPPORTED"))
	b.decrypt("v2 header only", "AgAAAA", nil, nowMs, fail("INVALID_PAYLOAD"))
	b.decrypt("v4 header only", "A4AAAABl", nil, nowMs, fail("INVALID_PAYLOAD"))
	b.decrypt("v4 header of an unknown key", "A4AAAAAA", nil, nowMs, fail("NOT_AUTHORIZED_FOR_MASTER_KEY"))
	b.decrypt("64 KiB of garbage after a v4 header", "A4AAAABl"+strings.Repeat("A", 65528), nil, nowMs, fail("INVALID_PAYLOAD"))
	b.decrypt("mixed alphabets in the header", "A4-+"+v4[4:], nil, nowMs, fail("INVALID_PAYLOAD"))

	// Encrypt: key selection, identity type, keysets, failures.
	enc := func(t tokenSpec) *tokenSpec { return &t }
	at := func(n int64, master, site int32, uid string, prefix byte) *tokenSpec {
		return enc(tokenSpec{version: 4, prefix: prefix, masterKeyID: master, siteKeyID: site,
			expiryMs: n + 2592000*second, generatedMs: n, siteID: callerSite, establishedMs: n, refreshedMs: n, uid: uid})
	}
	b.encrypt("encrypt email", emailUID, nowMs, nil, "SUCCESS", at(nowMs, 101, 201, emailUID, uid2Email))
	b.encrypt("encrypt phone (B)", phoneUID, nowMs, nil, "SUCCESS", at(nowMs, 101, 201, phoneUID, uid2Phone))
	b.encrypt("encrypt phone (F)", fPhoneUID, nowMs, nil, "SUCCESS", at(nowMs, 101, 201, fPhoneUID, uid2Phone))
	b.encrypt("encrypt unpadded raw UID", strings.TrimRight(emailUID, "="), nowMs, nil, "SUCCESS", at(nowMs, 101, 201, emailUID, uid2Email))
	b.encrypt("encrypt after both keys rotated", emailUID, nowMs+3*hour, nil, "SUCCESS", at(nowMs+3*hour, 102, 202, emailUID, uid2Email))
	b.encrypt("encrypt when only the master key rotated", emailUID, nowMs+90*minute, nil, "SUCCESS", at(nowMs+90*minute, 102, 201, emailUID, uid2Email))
	b.encrypt("encrypt with keyset 99997", emailUID, nowMs, i64p(99997), "SUCCESS", at(nowMs, 101, 212, emailUID, uid2Email))
	b.encrypt("encrypt with an expired keyset", emailUID, nowMs, i64p(99998), "NOT_AUTHORIZED_FOR_KEY", nil)
	b.encrypt("encrypt with an unknown keyset", emailUID, nowMs, i64p(5), "NOT_AUTHORIZED_FOR_KEY", nil)
	b.encrypt("encrypt before any master key is active", emailUID, nowMs-11*day, nil, "NOT_AUTHORIZED_FOR_MASTER_KEY", nil)
	b.encrypt("encrypt with all keys expired", emailUID, (nowS+30*daySec)*1000, nil, "KEYS_NOT_SYNCED", nil)
	b.encrypt("encrypt a raw UID that is not base64", "not base64!", nowMs, nil, "ENCRYPTION_FAILURE", nil)
	b.encrypt("encrypt an empty raw UID", "", nowMs, nil, "ENCRYPTION_FAILURE", nil)
	b.encrypt("encrypt a raw UID of 100 characters", longUID(75), nowMs, nil, "SUCCESS", at(nowMs, 101, 201, longUID(75), uid2Email))
	b.encrypt("encrypt a raw UID of 400 characters", longUID(300), nowMs, nil, "SUCCESS", at(nowMs, 101, 201, longUID(300), uid2Email))
	return "sharing.json", f
}

func sharingEUIDFile() (string, *File) {
	ks := sharingKeys()[:3]
	f := &File{Description: "sharing client, EUID scope", Client: "sharing",
		Keys: rawJSON(map[string]any{"body": map[string]any{
			"caller_site_id": callerSite, "master_keyset_id": masterKeyset, "default_keyset_id": defaultKeyset,
			"token_expiry_seconds": "2592000", "identity_scope": "EUID", "keys": keysJSON(ks)}})}
	b := &fileBuilder{file: f, ring: newKeyring(ks), scope: "EUID"}
	t := with(baseToken(), func(t *tokenSpec) { t.prefix = euidEmail })
	b.tokenCase("EUID v4 email", t, nil, nowMs, "SUCCESS")
	b.tokenCase("EUID v4 phone", with(t, func(t *tokenSpec) { t.prefix, t.uid = euidPhone, fPhoneUID }), nil, nowMs, "SUCCESS")
	b.tokenCase("EUID v3", with(t, func(t *tokenSpec) { t.version = 3 }), nil, nowMs, "SUCCESS")
	b.tokenCase("v2 has no scope", with(t, func(t *tokenSpec) { t.version = 2 }), nil, nowMs, "SUCCESS")
	b.decrypt("UID2 token", b.token("UID2 token", with(t, func(t *tokenSpec) { t.prefix = uid2Email })), nil, nowMs, fail("INVALID_IDENTITY_SCOPE"))
	at := func(uid string, prefix byte) *tokenSpec {
		return &tokenSpec{version: 4, prefix: prefix, masterKeyID: 101, siteKeyID: 201, expiryMs: nowMs + 2592000*second,
			generatedMs: nowMs, siteID: callerSite, establishedMs: nowMs, refreshedMs: nowMs, uid: uid}
	}
	b.encrypt("EUID encrypt email", emailUID, nowMs, nil, "SUCCESS", at(emailUID, euidEmail))
	b.encrypt("EUID encrypt phone", fPhoneUID, nowMs, nil, "SUCCESS", at(fPhoneUID, euidPhone))
	return "sharing-euid.json", f
}

// An old operator's response: no token_expiry_seconds, no lifetime or skew
// fields, no identity_scope; the official SDKs' defaults apply. Its keys
// are the official known-answer keys.
func sharingDefaultsFile() (string, *File) {
	ks := []keySpec{
		{id: 164, keysetID: masterKeyset, activates: 1600000000, expires: 2000000000, secret: katMaster},
		{id: 165, keysetID: defaultKeyset, activates: 1600000000, expires: 2000000000, secret: katSite},
	}
	f := &File{Description: "sharing client, old operator response with defaults, the official known-answer token", Client: "sharing",
		Keys: rawJSON(map[string]any{"caller_site_id": callerSite, "master_keyset_id": masterKeyset,
			"default_keyset_id": defaultKeyset, "keys": keysJSON(ks)})}
	b := &fileBuilder{file: f, ring: newKeyring(ks), scope: "UID2"}
	kat := tokenSpec{version: 4, prefix: 0, masterKeyID: 164, siteKeyID: 165, expiryMs: 2303254861000,
		generatedMs: 1672534861000, siteID: 9000, establishedMs: 1672531261000, refreshedMs: 1672534861000, uid: emailUID}
	b.decrypt("known-answer token", katToken, nil, 1672534861000, b.decoded(kat, "SUCCESS"))
	t := with(baseToken(), func(t *tokenSpec) { t.masterKeyID, t.siteKeyID = 164, 165 })
	b.tokenCase("no lifetime limit", with(t, func(t *tokenSpec) { t.expiryMs = nowMs + 3650*day }), nil, nowMs, "SUCCESS")
	b.tokenCase("default clock skew: 1800 s", with(t, func(t *tokenSpec) { t.generatedMs = nowMs + 1800*second }), nil, nowMs, "SUCCESS")
	b.tokenCase("default clock skew: 1801 s", with(t, func(t *tokenSpec) { t.generatedMs = nowMs + 1801*second }), nil, nowMs, "INVALID_TOKEN_LIFETIME")
	b.encrypt("encrypt with the default 30-day expiry", emailUID, nowMs, nil, "SUCCESS",
		&tokenSpec{version: 4, prefix: uid2Email, masterKeyID: 164, siteKeyID: 165, expiryMs: nowMs + 30*day,
			generatedMs: nowMs, siteID: callerSite, establishedMs: nowMs, refreshedMs: nowMs, uid: emailUID})
	return "sharing-defaults.json", f
}

// No default keyset (the caller cannot encrypt without naming one) and
// token_expiry_seconds as a number.
func sharingNoDefaultKeysetFile() (string, *File) {
	ks := sharingKeys()[:3]
	f := &File{Description: "sharing client without a default keyset, numeric token_expiry_seconds", Client: "sharing",
		Keys: rawJSON(map[string]any{"body": map[string]any{"caller_site_id": 9001, "master_keyset_id": masterKeyset,
			"token_expiry_seconds": 2, "identity_scope": "UID2", "keys": keysJSON(ks)}})}
	b := &fileBuilder{file: f, ring: newKeyring(ks), scope: "UID2"}
	b.encrypt("encrypt without a default keyset", emailUID, nowMs, nil, "NOT_AUTHORIZED_FOR_KEY", nil)
	want := &tokenSpec{version: 4, prefix: uid2Email, masterKeyID: 101, siteKeyID: 201, expiryMs: nowMs + 2*second,
		generatedMs: nowMs, siteID: 9001, establishedMs: nowMs, refreshedMs: nowMs, uid: emailUID}
	b.encrypt("encrypt with a named keyset, 2 s expiry", emailUID, nowMs, i64p(defaultKeyset), "SUCCESS", want)
	var e encryptExpect
	must(json.Unmarshal(b.file.Cases[len(b.file.Cases)-2].Expect, &e))
	b.decrypt("its token 1 s later", e.Token, nil, nowMs+second, b.decoded(*want, "SUCCESS"))
	b.decrypt("its token 2 s later", e.Token, nil, nowMs+2*second, b.decoded(*want, "SUCCESS"))
	b.decrypt("its token 3 s later", e.Token, nil, nowMs+3*second, b.decoded(*want, "EXPIRED_TOKEN"))
	return "sharing-no-default-keyset.json", f
}

func notInitializedFile() (string, *File) {
	f := &File{Description: "a client that never loaded keys", Client: "sharing", Keys: rawJSON(nil)}
	b := &fileBuilder{file: f, ring: newKeyring(nil), scope: "UID2"}
	b.decrypt("decrypt before keys", katToken, nil, nowMs, fail("NOT_INITIALIZED"))
	b.decrypt("decrypt garbage before keys", "", nil, nowMs, fail("NOT_INITIALIZED"))
	b.encrypt("encrypt before keys", emailUID, nowMs, nil, "NOT_INITIALIZED", nil)
	return "not-initialized.json", f
}

const maxBidstreamLifetime = 3*daySec + 10

func bidstreamFile() (string, *File) {
	ks := []keySpec{
		{id: 101, activates: nowS - 10*daySec, expires: nowS + 30*daySec},
		{id: 201, activates: nowS - 10*daySec, expires: nowS + 30*daySec},
	}
	f := &File{Description: "bidstream client, /v2/key/bidstream response with site_data", Client: "bidstream",
		Keys: rawJSON(map[string]any{"body": map[string]any{
			"max_bidstream_lifetime_seconds": maxBidstreamLifetime, "allow_clock_skew_seconds": 1800,
			"identity_scope": "UID2", "keys": keysJSON(ks),
			"site_data": []any{
				map[string]any{"id": 9000, "domain_names": []string{"123456789", "com.123.Game.App.android", "example.com", "example.org"}},
				map[string]any{"id": 9001, "domain_names": []string{"example.edu", "example.net"}},
			}}})}
	b := &fileBuilder{file: f, ring: newKeyring(ks), scope: "UID2"}
	t := baseToken()
	cstg := with(t, func(t *tokenSpec) { t.privacyBits = 3 })
	b.tokenCase("not client-side generated, no name", t, nil, nowMs, "SUCCESS")
	b.tokenCase("not client-side generated, any name", t, strp("anything.example"), nowMs, "SUCCESS")
	b.tokenCase("phone, no name", with(t, func(t *tokenSpec) { t.prefix, t.uid = uid2Phone, phoneUID }), nil, nowMs, "SUCCESS")
	b.tokenCase("v3", with(t, func(t *tokenSpec) { t.version = 3 }), nil, nowMs, "SUCCESS")
	b.tokenCase("v2", with(t, func(t *tokenSpec) { t.version = 2 }), nil, nowMs, "SUCCESS")

	// Domain and app names of client-side generated tokens.
	for _, c := range []struct {
		name, domain string
		status       string
	}{
		{"CSTG, its domain", "example.com", "SUCCESS"},
		{"CSTG, its domain in upper case", "EXAMPLE.COM", "SUCCESS"},
		{"CSTG, its other domain in mixed case", "Example.Org", "SUCCESS"},
		{"CSTG, its Android app", "com.123.Game.App.android", "SUCCESS"},
		{"CSTG, its iOS app id", "123456789", "SUCCESS"},
		{"CSTG, another site's domain", "example.net", "DOMAIN_OR_APP_NAME_CHECK_FAILED"},
		{"CSTG, a subdomain", "sub.example.com", "DOMAIN_OR_APP_NAME_CHECK_FAILED"},
		{"CSTG, a prefix of its domain", "example", "DOMAIN_OR_APP_NAME_CHECK_FAILED"},
		{"CSTG, empty name", "", "DOMAIN_OR_APP_NAME_CHECK_FAILED"},
	} {
		b.tokenCase(c.name, cstg, strp(c.domain), nowMs, c.status)
	}
	b.tokenCase("CSTG, no name", cstg, nil, nowMs, "DOMAIN_OR_APP_NAME_CHECK_FAILED")
	b.tokenCase("CSTG of a site without names", with(cstg, func(t *tokenSpec) { t.siteID = 9002 }), strp("example.com"), nowMs, "DOMAIN_OR_APP_NAME_CHECK_FAILED")
	b.tokenCase("v3 CSTG, its domain", with(cstg, func(t *tokenSpec) { t.version = 3 }), strp("example.com"), nowMs, "SUCCESS")
	b.tokenCase("v2 CSTG, its domain", with(cstg, func(t *tokenSpec) { t.version = 2 }), strp("example.com"), nowMs, "SUCCESS")
	b.tokenCase("v2 CSTG, another site's domain", with(cstg, func(t *tokenSpec) { t.version = 2 }), strp("example.net"), nowMs, "DOMAIN_OR_APP_NAME_CHECK_FAILED")

	// The order of the checks: expiry, opt-out, name, lifetime.
	b.tokenCase("expired CSTG with a wrong name", cstg, strp("example.net"), t.expiryMs+1, "EXPIRED_TOKEN")
	b.tokenCase("opted-out CSTG with a wrong name", with(cstg, func(t *tokenSpec) { t.privacyBits = 7 }), strp("example.net"), nowMs, "USER_OPTED_OUT")
	long := func(t tokenSpec) tokenSpec {
		return with(t, func(t *tokenSpec) { t.generatedMs, t.expiryMs = nowMs, nowMs+(maxBidstreamLifetime+1)*second })
	}
	b.tokenCase("CSTG with a wrong name and too long a lifetime", long(cstg), strp("example.net"), nowMs, "DOMAIN_OR_APP_NAME_CHECK_FAILED")
	b.tokenCase("CSTG with its name and too long a lifetime", long(cstg), strp("example.com"), nowMs, "INVALID_TOKEN_LIFETIME")

	// Lifetime (max 3 days + 10 s) and clock skew, as the official tests.
	lt := func(genOff, life int64) tokenSpec {
		return with(t, func(t *tokenSpec) { t.generatedMs, t.expiryMs = nowMs+genOff, nowMs+genOff+life })
	}
	b.tokenCase("lifetime at the maximum", lt(0, maxBidstreamLifetime*second), nil, nowMs, "SUCCESS")
	b.tokenCase("lifetime over by 1 s", lt(0, (maxBidstreamLifetime+1)*second), nil, nowMs, "INVALID_TOKEN_LIFETIME")
	yesterday := lt(-day, 3*day+minute)
	b.tokenCase("generated yesterday, 3 days + 1 min lifetime", yesterday, nil, nowMs, "INVALID_TOKEN_LIFETIME")
	b.tokenCase("v3 generated yesterday, 3 days + 1 min lifetime", with(yesterday, func(t *tokenSpec) { t.version = 3 }), nil, nowMs, "INVALID_TOKEN_LIFETIME")
	b.tokenCase("v2 expiring 2 days + 1 min from now", with(yesterday, func(t *tokenSpec) { t.version = 2 }), nil, nowMs, "SUCCESS")
	b.tokenCase("generated 29 min ahead", lt(29*minute, day), nil, nowMs, "SUCCESS")
	b.tokenCase("generated 31 min ahead", lt(31*minute, day), nil, nowMs, "INVALID_TOKEN_LIFETIME")
	b.tokenCase("generated 1800 s ahead", lt(1800*second, day), nil, nowMs, "SUCCESS")
	b.tokenCase("generated 1801 s ahead", lt(1801*second, day), nil, nowMs, "INVALID_TOKEN_LIFETIME")
	b.decrypt("bidstream: truncated", b.token("bidstream: truncated", t)[:100], nil, nowMs, fail("INVALID_PAYLOAD"))
	b.decrypt("bidstream: EUID token", b.token("bidstream: EUID token", with(t, func(t *tokenSpec) { t.prefix = euidPhone })), nil, nowMs, fail("INVALID_IDENTITY_SCOPE"))
	return "bidstream.json", f
}

// The legacy /v2/key/latest array body, keys with site_id: no lifetime
// limits, no site_data.
func bidstreamLegacyFile() (string, *File) {
	ks := []keySpec{
		{id: 101, siteID: -1, activates: nowS - 10*daySec, expires: nowS + 30*daySec},
		{id: 201, siteID: callerSite, activates: nowS - 10*daySec, expires: nowS + 30*daySec},
	}
	f := &File{Description: "bidstream client, legacy array of keys", Client: "bidstream",
		Keys: rawJSON(map[string]any{"body": keysJSON(ks)})}
	b := &fileBuilder{file: f, ring: newKeyring(ks), scope: "UID2"}
	t := baseToken()
	b.tokenCase("legacy v4", t, nil, nowMs, "SUCCESS")
	b.tokenCase("legacy v2", with(t, func(t *tokenSpec) { t.version = 2 }), nil, nowMs, "SUCCESS")
	b.tokenCase("legacy: no lifetime limit", with(t, func(t *tokenSpec) { t.generatedMs, t.expiryMs = nowMs-day, nowMs+10*day }), nil, nowMs, "SUCCESS")
	b.tokenCase("legacy: CSTG without site data", with(t, func(t *tokenSpec) { t.privacyBits = 3 }), strp("example.com"), nowMs, "DOMAIN_OR_APP_NAME_CHECK_FAILED")
	b.decrypt("legacy: EUID token", b.token("legacy: EUID token", with(t, func(t *tokenSpec) { t.prefix = euidEmail })), nil, nowMs, fail("INVALID_IDENTITY_SCOPE"))
	return "bidstream-legacy.json", f
}

// Key JSON as the official SDKs accept it although no operator writes it:
// integer fields written as whole-number floats (Gson's getAsLong and
// Json.NET's Value<long> take them), and a key id listed twice, whose last
// entry is the key (Java's map keeps it). The keys are written by hand: Go
// would write 259200.0 as 259200.
func sharingKeyJSONLeniencyFile() (string, *File) {
	ks := sharingKeys()[:3] // master 101, 102; site 201 (default keyset)
	wrong := ks[2]
	wrong.secret = keySpec{id: 999}.secretBytes()
	key := func(k keySpec, keyset string) string {
		return fmt.Sprintf(`{"id":%d.0,"keyset_id":%s,"created":%d.0,"activates":%d.0,"expires":%de0,"secret":%q}`,
			k.id, keyset, k.activates, k.activates, k.expires, base64.StdEncoding.EncodeToString(k.secretBytes()))
	}
	keysText := fmt.Sprintf(`{"body":{"caller_site_id":%d.0,"master_keyset_id":%d.00,"default_keyset_id":%d.0,`+
		`"token_expiry_seconds":259200.0,"max_sharing_lifetime_seconds":2.592e6,"allow_clock_skew_seconds":1800.0,`+
		`"identity_scope":"UID2","keys":[%s,%s,%s,%s],"site_data":[{"id":%d.0,"domain_names":["example.com"]}]}}`,
		callerSite, masterKeyset, defaultKeyset,
		key(ks[0], fmt.Sprintf("%d.0", masterKeyset)), key(wrong, "99998.0"), key(ks[1], fmt.Sprint(masterKeyset)),
		key(ks[2], fmt.Sprintf("%d.0", defaultKeyset)), callerSite)
	f := &File{Description: "sharing client, key JSON with whole-number floats and a key id listed twice", Client: "sharing",
		Keys: json.RawMessage(keysText)}
	b := &fileBuilder{file: f, ring: newKeyring(ks), scope: "UID2"}
	t := baseToken()
	b.tokenCase("decrypt with the last entry of a key listed twice", t, nil, nowMs, "SUCCESS")
	b.tokenCase("float lifetime limit: 30 days", with(t, func(t *tokenSpec) { t.expiryMs = t.generatedMs + 30*day }), nil, nowMs, "SUCCESS")
	b.tokenCase("float lifetime limit: 30 days + 1 s", with(t, func(t *tokenSpec) { t.expiryMs = t.generatedMs + 30*day + second }), nil, nowMs, "INVALID_TOKEN_LIFETIME")
	b.encrypt("encrypt with token_expiry_seconds 259200.0", emailUID, nowMs, nil, "SUCCESS",
		&tokenSpec{version: 4, prefix: uid2Email, masterKeyID: 101, siteKeyID: 201, expiryMs: nowMs + 259200*second,
			generatedMs: nowMs, siteID: callerSite, establishedMs: nowMs, refreshedMs: nowMs, uid: emailUID})
	b.encrypt("the first entry's keyset is gone", emailUID, nowMs, i64p(99998), "NOT_AUTHORIZED_FOR_KEY", nil)
	return "sharing-key-json-leniency.json", f
}
