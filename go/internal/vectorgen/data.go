package vectorgen

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"strings"
)

// Vectors of the legacy encrypted-data API (EncryptData/DecryptData of
// the official SDKs; uid2-spec §2.7), written to tests/vectors/
// encrypted-data/: a directory of their own, since every runner of the
// token vectors reads all of tests/vectors/*.json. The blobs are built
// here from the spec's layout, not by the library.

// DataDir is the subdirectory of tests/vectors the data files go to.
const DataDir = "encrypted-data"

// DataCase is an encrypt_data or decrypt_data case; the fields of the
// other op are omitted.
type DataCase struct {
	Name             string          `json:"name"`
	Op               string          `json:"op"`
	Data             *string         `json:"data,omitempty"` // hex
	SiteID           *int32          `json:"site_id,omitempty"`
	AdvertisingToken *string         `json:"advertising_token,omitempty"`
	KeyID            *int64          `json:"key_id,omitempty"`
	IV               string          `json:"iv,omitempty"` // hex, 12 bytes
	NowMs            *int64          `json:"now_ms,omitempty"`
	Encrypted        *string         `json:"encrypted,omitempty"`
	Expect           json.RawMessage `json:"expect"`
}

// MarshalJSON writes an encrypt_data case with all three of site_id,
// advertising_token and key_id (null when not given), in a fixed order.
func (c DataCase) MarshalJSON() ([]byte, error) {
	var fields []string
	add := func(k string, v any) {
		b, err := marshalNoEscape(v)
		must(err)
		kb, _ := json.Marshal(k)
		fields = append(fields, string(kb)+":"+string(b))
	}
	add("name", c.Name)
	add("op", c.Op)
	if c.Op == "encrypt_data" {
		add("data", c.Data)
		add("site_id", c.SiteID)
		add("advertising_token", c.AdvertisingToken)
		add("key_id", c.KeyID)
		add("iv", c.IV)
		add("now_ms", c.NowMs)
	} else {
		add("encrypted", c.Encrypted)
	}
	add("expect", c.Expect)
	return []byte("{" + strings.Join(fields, ",") + "}"), nil
}

// DataFile is one file of data vectors: the same head as a token file.
type DataFile struct {
	Description string          `json:"description"`
	Client      string          `json:"client"`
	Keys        json.RawMessage `json:"keys"`
	Cases       []DataCase      `json:"cases"`
}

type encryptDataExpect struct {
	Status    string `json:"status"`
	Encrypted string `json:"encrypted"`
}

type decryptDataExpect struct {
	Status        string `json:"status"`
	Data          string `json:"data"` // hex
	EncryptedAtMs int64  `json:"encrypted_at_ms"`
	SiteID        int32  `json:"site_id"`
}

// EncodeData writes a data file as stable JSON, one case per line.
func EncodeData(f *DataFile) ([]byte, error) { return encode(f.Description, f.Client, f.Keys, f.Cases) }

var dataGenerators = []func() (string, *DataFile){encryptedDataFile, dataEUIDFile, dataKeysExpiredFile, dataNotInitializedFile}

// DataFiles returns every data vector file by name (within DataDir).
func DataFiles() map[string]*DataFile {
	return collect(dataGenerators, func(f *DataFile) (names []string) {
		for _, c := range f.Cases {
			names = append(names, c.Name)
		}
		return names
	})
}

// DataFileNames lists DataFiles' names in order.
func DataFileNames() []string { return sortedNames(DataFiles()) }

// blobSpec is everything a legacy encrypted-data blob carries.
type blobSpec struct {
	v3          bool
	prefix      byte  // v3: first byte (0x6B for UID2); v2: payload type (0x80)
	version     byte  // v3: 112; v2: 1
	keyID       int32 // the key that seals it
	sealKeyID   int32 // the key whose secret seals it, when not keyID
	encryptedMs int64
	siteID      int32
	data        []byte
}

func v3Blob(keyID int32, encryptedMs int64, siteID int32, data []byte) blobSpec {
	return blobSpec{v3: true, prefix: 0x6B, version: 112, keyID: keyID, encryptedMs: encryptedMs, siteID: siteID, data: data}
}

func v2Blob(keyID int32, encryptedMs int64, siteID int32, data []byte) blobSpec {
	return blobSpec{prefix: 0x80, version: 1, keyID: keyID, encryptedMs: encryptedMs, siteID: siteID, data: data}
}

// build writes the blob's bytes (uid2-spec §2.7) with the IV given (12
// bytes for v3, 16 for v2).
func (s blobSpec) build(iv []byte, secret func(int32) []byte) []byte {
	sealWith := s.keyID
	if s.sealKeyID != 0 {
		sealWith = s.sealKeyID
	}
	be32 := func(v int32) []byte { return binary.BigEndian.AppendUint32(nil, uint32(v)) }
	be64 := func(v int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(v)) }
	out := []byte{s.prefix, s.version}
	if s.v3 {
		plain := append(append(be64(s.encryptedMs), be32(s.siteID)...), s.data...)
		out = append(out, be32(s.keyID)...)
		return append(out, gcmSeal(secret(sealWith), iv, plain)...)
	}
	out = append(out, be64(s.encryptedMs)...)
	out = append(out, be32(s.siteID)...)
	out = append(out, be32(s.keyID)...)
	return append(out, cbcSeal(secret(sealWith), iv, s.data)...)
}

// dataBuilder accumulates the cases of one data file.
type dataBuilder struct {
	file *DataFile
	ring keyring
}

func (b *dataBuilder) ivFor(label string, n int) []byte {
	return nonce(b.file.Description+"/"+label+"/iv", n)
}

// blob builds s under a label unique to the case, as base64.
func (b *dataBuilder) blob(label string, s blobSpec) []byte {
	n := 16
	if s.v3 {
		n = 12
	}
	return s.build(b.ivFor(label, n), b.ring.secret)
}

func (b *dataBuilder) decrypt(name, encrypted string, exp decryptDataExpect) {
	if exp.Status != "SUCCESS" {
		exp = decryptDataExpect{Status: exp.Status}
	}
	b.file.Cases = append(b.file.Cases, DataCase{Name: name, Op: "decrypt_data", Encrypted: strp(encrypted), Expect: rawJSON(exp)})
}

// decryptBlob adds a decrypt case of s's blob (bytes mangled by edit, when
// given) expecting status.
func (b *dataBuilder) decryptBlob(name string, s blobSpec, status string, edit func([]byte) []byte) {
	raw := b.blob(name, s)
	if edit != nil {
		raw = edit(raw)
	}
	b.decrypt(name, base64.StdEncoding.EncodeToString(raw), opened(s, status))
}

func opened(s blobSpec, status string) decryptDataExpect {
	return decryptDataExpect{Status: status, Data: hex.EncodeToString(s.data), EncryptedAtMs: s.encryptedMs, SiteID: s.siteID}
}

// dataTarget is whom an encrypt_data case encrypts for: one of the three.
type dataTarget struct {
	siteID *int32
	token  *string
	keyID  *int64
}

func forSite(id int32) dataTarget  { return dataTarget{siteID: &id} }
func forKey(id int64) dataTarget   { return dataTarget{keyID: &id} }
func forToken(t string) dataTarget { return dataTarget{token: &t} }
func i32p(v int32) *int32          { return &v }

// encrypt adds an encrypt_data case; want is the blob the library must make
// (nil when it must fail with status). A successful case is followed by a
// decrypt of its blob.
func (b *dataBuilder) encrypt(name string, data []byte, to dataTarget, now int64, status string, want *blobSpec) {
	iv := b.ivFor(name, 12)
	exp := encryptDataExpect{Status: status}
	if want != nil {
		exp.Encrypted = base64.StdEncoding.EncodeToString(want.build(iv, b.ring.secret))
	}
	b.file.Cases = append(b.file.Cases, DataCase{Name: name, Op: "encrypt_data", Data: strp(hex.EncodeToString(data)),
		SiteID: to.siteID, AdvertisingToken: to.token, KeyID: to.keyID, IV: hex.EncodeToString(iv), NowMs: i64p(now),
		Expect: rawJSON(exp)})
	if want != nil {
		b.decrypt(name+"/decrypt", exp.Encrypted, opened(*want, "SUCCESS"))
	}
}

// Decrypt_data runs at the system clock: the keys of the main file expire
// in 2100, those of keys-expired.json in 2020.
const (
	year2100S = int64(4102444800)
	year2020S = int64(1577836800)
	dataSite  = int32(callerSite)
	otherSite = int32(9001)
)

// dataKeys is a legacy key array (the only key format that names each
// key's site, which encrypting for a site needs).
func dataKeys() []keySpec {
	return []keySpec{
		{id: 101, siteID: -1, activates: nowS - 10*daySec, expires: year2100S}, // master
		{id: 301, siteID: int64(dataSite), activates: nowS - 10*daySec, expires: year2100S},
		{id: 302, siteID: int64(dataSite), activates: nowS - daySec, expires: year2100S},
		{id: 303, siteID: int64(dataSite), activates: nowS + 30*daySec, expires: year2100S},      // not yet active
		{id: 311, siteID: int64(otherSite), activates: nowS - 10*daySec, expires: nowS - daySec}, // expired
		{id: 321, siteID: 9002, activates: nowS - 10*daySec, expires: year2100S},
	}
}

func hello() []byte { return []byte("hello, legacy data") }

func encryptedDataFile() (string, *DataFile) {
	ks := dataKeys()
	f := &DataFile{Description: "legacy encrypted data (EncryptData/DecryptData), legacy key array", Client: "sharing",
		Keys: rawJSON(keysJSON(ks))}
	b := &dataBuilder{file: f, ring: newKeyring(ks)}
	data := hello()
	long := make([]byte, 1000)
	for i := range long {
		long[i] = byte(i * 31)
	}

	// Encrypt: the site's key is its latest-activated active key.
	b.encrypt("site: latest active key", data, forSite(dataSite), nowMs, "SUCCESS", ptr(v3Blob(302, nowMs, dataSite, data)))
	b.encrypt("site: before the newer key activates", data, forSite(dataSite), nowMs-2*day, "SUCCESS", ptr(v3Blob(301, nowMs-2*day, dataSite, data)))
	b.encrypt("site: empty data", nil, forSite(dataSite), nowMs, "SUCCESS", ptr(v3Blob(302, nowMs, dataSite, nil)))
	b.encrypt("site: 1000 bytes", long, forSite(dataSite), nowMs, "SUCCESS", ptr(v3Blob(302, nowMs, dataSite, long)))
	b.encrypt("site: other site", data, forSite(9002), nowMs, "SUCCESS", ptr(v3Blob(321, nowMs, 9002, data)))
	b.encrypt("site: no key", data, forSite(9999), nowMs, "NOT_AUTHORIZED_FOR_KEY", nil)
	b.encrypt("site: only key expired", data, forSite(otherSite), nowMs, "NOT_AUTHORIZED_FOR_KEY", nil)
	b.encrypt("site: master keys are no site's", data, forSite(-1), nowMs, "NOT_AUTHORIZED_FOR_KEY", nil)

	// Encrypt with a given key: only its activity is checked; the blob
	// names the key's site.
	b.encrypt("key: active", data, forKey(301), nowMs, "SUCCESS", ptr(v3Blob(301, nowMs, dataSite, data)))
	b.encrypt("key: master key", data, forKey(101), nowMs, "SUCCESS", ptr(v3Blob(101, nowMs, -1, data)))
	b.encrypt("key: not yet active", data, forKey(303), nowMs, "KEY_INACTIVE", nil)
	b.encrypt("key: activates at now", data, forKey(303), (nowS+30*daySec)*1000, "SUCCESS",
		ptr(v3Blob(303, (nowS+30*daySec)*1000, dataSite, data)))
	b.encrypt("key: expired", data, forKey(311), nowMs, "KEY_INACTIVE", nil)
	b.encrypt("key: unknown", data, forKey(999), nowMs, "NOT_AUTHORIZED_FOR_KEY", nil)

	// Encrypt for an advertising token's site: the token's site id goes in
	// the blob; the key is the active key of the site owning the token's
	// site key.
	tok := tokenSpec{version: 4, prefix: uid2Email, masterKeyID: 101, siteKeyID: 321,
		expiryMs: nowMs + day, generatedMs: nowMs - hour, siteID: 4321,
		establishedMs: nowMs - 2*day, refreshedMs: nowMs - hour, uid: emailUID}
	text := tok.text(tok.build(labelIVs(f.Description+"/token"), b.ring.secret))
	b.encrypt("token: v4", data, forToken(text), nowMs, "SUCCESS", ptr(v3Blob(321, nowMs, 4321, data)))
	v2 := with(tok, func(t *tokenSpec) { t.version = 2 })
	b.encrypt("token: v2", data, forToken(v2.text(v2.build(labelIVs(f.Description+"/token v2"), b.ring.secret))),
		nowMs, "SUCCESS", ptr(v3Blob(321, nowMs, 4321, data)))
	b.encrypt("token: expired", data, forToken(text), nowMs+2*day, "TOKEN_DECRYPT_FAILURE", nil)
	b.encrypt("token: not a token", data, forToken("not a token"), nowMs, "TOKEN_DECRYPT_FAILURE", nil)
	euid := with(tok, func(t *tokenSpec) { t.prefix = euidEmail })
	b.encrypt("token: other scope", data, forToken(euid.text(euid.build(labelIVs(f.Description+"/euid"), b.ring.secret))),
		nowMs, "TOKEN_DECRYPT_FAILURE", nil)
	cstg := with(tok, func(t *tokenSpec) { t.privacyBits = 2 })
	b.encrypt("token: client-side generated, no domain check", data,
		forToken(cstg.text(cstg.build(labelIVs(f.Description+"/cstg"), b.ring.secret))), nowMs, "SUCCESS",
		ptr(v3Blob(321, nowMs, 4321, data)))
	noSiteKey := with(tok, func(t *tokenSpec) { t.siteKeyID = 311 })
	b.encrypt("token: its site has no active key", data,
		forToken(noSiteKey.text(noSiteKey.build(labelIVs(f.Description+"/nokey"), b.ring.secret))), nowMs,
		"NOT_AUTHORIZED_FOR_KEY", nil)

	// Decrypt v3 (GCM).
	v3 := v3Blob(301, nowMs-hour, dataSite, data)
	b.decryptBlob("v3", v3, "SUCCESS", nil)
	b.decryptBlob("v3: empty data", v3Blob(301, nowMs, dataSite, nil), "SUCCESS", nil)
	b.decryptBlob("v3: key not active is no matter", v3Blob(303, nowMs, dataSite, data), "SUCCESS", nil)
	b.decryptBlob("v3: expired key is no matter", v3Blob(311, nowMs, otherSite, data), "SUCCESS", nil)
	b.decryptBlob("v3: prefix's low bits are ignored", with3(v3, func(s *blobSpec) { s.prefix = 0x60 }), "SUCCESS", nil)
	b.decryptBlob("v3: EUID blob", with3(v3, func(s *blobSpec) { s.prefix = 0x7B }), "INVALID_IDENTITY_SCOPE", nil)
	b.decryptBlob("v3: version 111", with3(v3, func(s *blobSpec) { s.version = 111 }), "VERSION_NOT_SUPPORTED", nil)
	b.decryptBlob("v3: unknown key", with3(v3, func(s *blobSpec) { s.keyID = 999 }), "NOT_AUTHORIZED_FOR_KEY", nil)
	b.decryptBlob("v3: sealed with another key", with3(v3, func(s *blobSpec) { s.sealKeyID = 302 }), "INVALID_PAYLOAD", nil)
	b.decryptBlob("v3: tampered", v3, "INVALID_PAYLOAD", func(r []byte) []byte { r[20] ^= 1; return r })
	b.decryptBlob("v3: truncated by one byte", v3, "INVALID_PAYLOAD", func(r []byte) []byte { return r[:len(r)-1] })
	b.decryptBlob("v3: header only", v3, "INVALID_PAYLOAD", func(r []byte) []byte { return r[:6] })
	b.decryptBlob("v3: header cut in the key id", v3, "INVALID_PAYLOAD", func(r []byte) []byte { return r[:4] })
	b.decryptBlob("v3: prefix only", v3, "INVALID_PAYLOAD", func(r []byte) []byte { return r[:1] })
	short := with3(v3, func(s *blobSpec) { s.data = nil })
	b.decryptBlob("v3: sealed payload shorter than time and site", short, "INVALID_PAYLOAD", func(r []byte) []byte {
		// Reseal 11 bytes: GCM authenticates, the payload is too short.
		iv := r[6:18]
		return append(r[:6:6], gcmSeal(b.ring.secret(301), iv, make([]byte, 11))...)
	})

	// Decrypt v2 (CBC).
	v2b := v2Blob(301, nowMs-hour, dataSite, data)
	b.decryptBlob("v2", v2b, "SUCCESS", nil)
	b.decryptBlob("v2: empty data", v2Blob(301, nowMs, dataSite, nil), "SUCCESS", nil)
	b.decryptBlob("v2: 16 bytes (a whole padding block)", v2Blob(301, nowMs, dataSite, []byte("0123456789abcdef")), "SUCCESS", nil)
	b.decryptBlob("v2: payload type 0x81", with3(v2b, func(s *blobSpec) { s.prefix = 0x81 }), "INVALID_PAYLOAD_TYPE", nil)
	b.decryptBlob("v2: payload type 0", with3(v2b, func(s *blobSpec) { s.prefix = 0 }), "INVALID_PAYLOAD_TYPE", nil)
	b.decryptBlob("v2: version 2", with3(v2b, func(s *blobSpec) { s.version = 2 }), "VERSION_NOT_SUPPORTED", nil)
	b.decryptBlob("v2: unknown key", with3(v2b, func(s *blobSpec) { s.keyID = 999 }), "NOT_AUTHORIZED_FOR_KEY", nil)
	// Flipping the top bit of the last byte of the IV's block before the
	// last turns the padding length above 16.
	b.decryptBlob("v2: bad padding", v2b, "INVALID_PAYLOAD", func(r []byte) []byte { r[len(r)-17] ^= 0x80; return r })
	b.decryptBlob("v2: truncated by one byte", v2b, "INVALID_PAYLOAD", func(r []byte) []byte { return r[:len(r)-1] })
	b.decryptBlob("v2: header only", v2b, "INVALID_PAYLOAD", func(r []byte) []byte { return r[:18] })
	b.decryptBlob("v2: header only, unknown key", with3(v2b, func(s *blobSpec) { s.keyID = 999 }), "NOT_AUTHORIZED_FOR_KEY",
		func(r []byte) []byte { return r[:18] })
	b.decryptBlob("v2: cut in the header", v2b, "INVALID_PAYLOAD", func(r []byte) []byte { return r[:10] })

	// Text.
	plain := base64.StdEncoding.EncodeToString(b.blob("v3", v3))
	b.decrypt("base64 without padding", strings.TrimRight(plain, "="), opened(v3, "SUCCESS"))
	b.decrypt("empty", "", decryptDataExpect{Status: "INVALID_PAYLOAD"})
	b.decrypt("not base64", "!!!!", decryptDataExpect{Status: "INVALID_PAYLOAD"})
	b.decrypt("Base64URL alphabet", base64URLOf(b.blob("v3", v3)), decryptDataExpect{Status: "INVALID_PAYLOAD"})
	return "encrypted-data.json", f
}

// base64URLOf encodes raw in the Base64URL alphabet, which the legacy
// API does not accept. The bytes are chosen by the caller to contain a
// '-' or '_' (the test fails to generate otherwise).
func base64URLOf(raw []byte) string {
	s := base64.URLEncoding.EncodeToString(raw)
	if !strings.ContainsAny(s, "-_") {
		panic("vectorgen: Base64URL case has no URL-only character")
	}
	return s
}

func ptr[T any](v T) *T { return &v }

func with3(s blobSpec, f func(*blobSpec)) blobSpec { f(&s); return s }

func dataKeysExpiredFile() (string, *DataFile) {
	ks := []keySpec{
		{id: 101, siteID: -1, activates: nowS - 10*daySec, expires: year2020S},
		{id: 301, siteID: int64(dataSite), activates: nowS - 10*daySec, expires: year2020S},
	}
	f := &DataFile{Description: "legacy encrypted data, keys that expired in 2020", Client: "sharing", Keys: rawJSON(keysJSON(ks))}
	b := &dataBuilder{file: f, ring: newKeyring(ks)}
	data := hello()
	b.decryptBlob("decrypt with expired keys", v3Blob(301, nowMs, dataSite, data), "KEYS_NOT_SYNCED", nil)
	b.encrypt("encrypt for a site with expired keys", data, forSite(dataSite), nowMs, "KEYS_NOT_SYNCED", nil)
	b.encrypt("encrypt with an expired key", data, forKey(301), nowMs, "KEY_INACTIVE", nil)
	return "keys-expired.json", f
}

func dataNotInitializedFile() (string, *DataFile) {
	f := &DataFile{Description: "legacy encrypted data, a client that never loaded keys", Client: "sharing", Keys: rawJSON(nil)}
	b := &dataBuilder{file: f, ring: newKeyring(nil)}
	data := hello()
	b.decryptBlob("decrypt before keys", v3Blob(301, nowMs, dataSite, data), "NOT_INITIALIZED", nil)
	b.encrypt("encrypt for a site before keys", data, forSite(dataSite), nowMs, "NOT_INITIALIZED", nil)
	b.encrypt("encrypt with a key before keys", data, forKey(301), nowMs, "NOT_INITIALIZED", nil)
	b.encrypt("encrypt for a token before keys", data, forToken(katToken), nowMs, "NOT_INITIALIZED", nil)
	return "not-initialized.json", f
}

// EUID: the scope is the keys' (a /v2/key/sharing body naming EUID, whose
// keys name no site: only a given key encrypts).
func dataEUIDFile() (string, *DataFile) {
	ks := []keySpec{
		{id: 101, keysetID: masterKeyset, activates: nowS - 10*daySec, expires: year2100S},
		{id: 201, keysetID: defaultKeyset, activates: nowS - 10*daySec, expires: year2100S},
	}
	f := &DataFile{Description: "legacy encrypted data, EUID keys of a /v2/key/sharing response", Client: "sharing",
		Keys: rawJSON(map[string]any{"body": map[string]any{"caller_site_id": callerSite, "master_keyset_id": masterKeyset,
			"default_keyset_id": defaultKeyset, "identity_scope": "EUID", "keys": keysJSON(ks)}})}
	b := &dataBuilder{file: f, ring: newKeyring(ks)}
	data := hello()
	euid := func(s blobSpec) *blobSpec { s.prefix = 0x7B; return &s }
	b.encrypt("EUID: key", data, forKey(201), nowMs, "SUCCESS", euid(v3Blob(201, nowMs, 0, data)))
	b.encrypt("EUID: site (keys without sites)", data, forSite(dataSite), nowMs, "NOT_AUTHORIZED_FOR_KEY", nil)
	b.decryptBlob("EUID: UID2 blob", v3Blob(201, nowMs, dataSite, data), "INVALID_IDENTITY_SCOPE", nil)
	b.decryptBlob("EUID: v2 blob (no scope)", v2Blob(201, nowMs, dataSite, data), "SUCCESS", nil)
	return "euid.json", f
}
