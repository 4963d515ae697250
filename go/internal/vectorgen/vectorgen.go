// Package vectorgen writes the shared test vectors of tests/vectors (see
// its README for the schema): every language runs them, so they cover
// every status, version, scope, identity type and client type, and the
// edges of every check.
//
// Tokens are built by this package's own builder from the fields each case
// states, and each case's expected result is derived from those fields and
// the rule the case is about, never by running the library.
package vectorgen

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
)

// File is one vector file.
type File struct {
	Description string          `json:"description"`
	Client      string          `json:"client"`
	Keys        json.RawMessage `json:"keys"`
	Cases       []Case          `json:"cases"`
}

// Case is a decrypt or an encrypt case; the fields of the other kind are
// omitted.
type Case struct {
	Name     string          `json:"name"`
	Op       string          `json:"op"`
	Token    *string         `json:"token,omitempty"`
	Domain   *string         `json:"domain,omitempty"`
	RawUID   *string         `json:"raw_uid,omitempty"`
	NowMs    int64           `json:"now_ms"`
	KeysetID *int64          `json:"keyset_id,omitempty"`
	Nonces   string          `json:"nonces,omitempty"`
	Expect   json.RawMessage `json:"expect"`
}

// MarshalJSON writes "domain": null for decrypt cases without a name and
// "keyset_id": null for encrypt cases without one, as the schema says.
func (c Case) MarshalJSON() ([]byte, error) {
	type plain Case
	m := map[string]any{}
	b, err := json.Marshal(plain(c))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if c.Op == "decrypt" {
		if c.Domain == nil {
			m["domain"] = nil
		}
	} else if c.KeysetID == nil {
		m["keyset_id"] = nil
	}
	order := []string{"name", "op", "token", "domain", "raw_uid", "now_ms", "keyset_id", "nonces", "expect"}
	var buf bytes.Buffer
	buf.WriteByte('{')
	first := true
	for _, k := range order {
		v, ok := m[k]
		if !ok {
			continue
		}
		if !first {
			buf.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(k)
		vb, err := marshalNoEscape(v)
		if err != nil {
			return nil, err
		}
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(vb)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// Decrypt expectations, in the schema's field order.
type decryptExpect struct {
	Status                string  `json:"status"`
	UID                   string  `json:"uid"`
	EstablishedMs         int64   `json:"established_ms"`
	ExpiryMs              int64   `json:"expiry_ms"`
	SiteID                int64   `json:"site_id"`
	SiteKeySiteID         int64   `json:"site_key_site_id"`
	IdentityScope         string  `json:"identity_scope"`
	IdentityType          *string `json:"identity_type"`
	Version               int     `json:"version"`
	IsClientSideGenerated bool    `json:"is_client_side_generated"`
}

type encryptExpect struct {
	Status string `json:"status"`
	Token  string `json:"token"`
}

func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// Encode writes a file as stable, indented JSON: one case per line.
func Encode(f *File) ([]byte, error) { return encode(f.Description, f.Client, f.Keys, f.Cases) }

// encode writes the head of a file, then its cases one per line.
func encode[C json.Marshaler](description, client string, keys json.RawMessage, cases []C) ([]byte, error) {
	var buf bytes.Buffer
	head, err := marshalNoEscape(struct {
		Description string          `json:"description"`
		Client      string          `json:"client"`
		Keys        json.RawMessage `json:"keys"`
	}{description, client, keys})
	if err != nil {
		return nil, err
	}
	buf.Write(head[:len(head)-1])
	buf.WriteString(",\n\"cases\": [\n")
	for i, c := range cases {
		b, err := c.MarshalJSON()
		if err != nil {
			return nil, err
		}
		buf.Write(b)
		if i < len(cases)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("]}\n")
	// Check the result is valid JSON before anyone reads it.
	if !json.Valid(buf.Bytes()) {
		return nil, fmt.Errorf("vectorgen: %s: invalid JSON", description)
	}
	return buf.Bytes(), nil
}

// Files returns every vector file by name.
func Files() map[string]*File {
	return collect(generators, func(f *File) (names []string) {
		for _, c := range f.Cases {
			names = append(names, c.Name)
		}
		return names
	})
}

// FileNames lists Files' names in order.
func FileNames() []string { return sortedNames(Files()) }

// collect runs the generators of a kind of file, checking that case names
// are unique within each file.
func collect[F any](gens []func() (string, F), caseNames func(F) []string) map[string]F {
	files := map[string]F{}
	for _, g := range gens {
		name, f := g()
		seen := map[string]bool{}
		for _, n := range caseNames(f) {
			if seen[n] {
				panic("vectorgen: duplicate case " + n + " in " + name)
			}
			seen[n] = true
		}
		files[name] = f
	}
	return files
}

func sortedNames[F any](files map[string]F) []string {
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ---------------------------------------------------------------------------
// Keys

// keySpec is one key of a key set.
type keySpec struct {
	id        int32
	keysetID  int64 // 0: written without keyset_id
	siteID    int64 // 0: written without site_id
	activates int64 // Unix seconds
	expires   int64
	secret    []byte // nil: derived from the id
}

func (k keySpec) secretBytes() []byte {
	if k.secret != nil {
		return k.secret
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("libuid2 test key %d", k.id)))
	return sum[:]
}

func (k keySpec) json() map[string]any {
	m := map[string]any{
		"id":        k.id,
		"created":   k.activates,
		"activates": k.activates,
		"expires":   k.expires,
		"secret":    base64.StdEncoding.EncodeToString(k.secretBytes()),
	}
	if k.keysetID != 0 {
		m["keyset_id"] = k.keysetID
	}
	if k.siteID != 0 {
		m["site_id"] = k.siteID
	}
	return m
}

// keyring resolves key ids to secrets and site ids for the builder and the
// expectations.
type keyring map[int32]keySpec

func newKeyring(ks []keySpec) keyring {
	r := keyring{}
	for _, k := range ks {
		r[k.id] = k
	}
	return r
}

func (r keyring) secret(id int32) []byte {
	if k, ok := r[id]; ok {
		return k.secretBytes()
	}
	// Keys the receiver lacks still need a secret to build a token with.
	return keySpec{id: id}.secretBytes()
}

func keysJSON(ks []keySpec) []any {
	out := make([]any, len(ks))
	for i, k := range ks {
		out[i] = k.json()
	}
	return out
}

func rawJSON(v any) json.RawMessage {
	b, err := marshalNoEscape(v)
	must(err)
	return b
}

// ---------------------------------------------------------------------------
// Cases

// fileBuilder accumulates the cases of one file.
type fileBuilder struct {
	file  *File
	ring  keyring
	scope string // "UID2" or "EUID": the keys' scope, in every result
}

func strp(s string) *string { return &s }
func i64p(v int64) *int64   { return &v }

// decrypt adds a case decrypting text, expecting exp.
func (b *fileBuilder) decrypt(name, text string, domain *string, nowMs int64, exp decryptExpect) {
	if exp.IdentityScope == "" {
		exp.IdentityScope = b.scope
	}
	b.file.Cases = append(b.file.Cases, Case{Name: name, Op: "decrypt", Token: strp(text), Domain: domain,
		NowMs: nowMs, Expect: rawJSON(exp)})
}

// fail is the expectation of a status reached before the token's fields
// are known.
func fail(status string) decryptExpect { return decryptExpect{Status: status} }

// decoded is the expectation of a token whose fields were read: the uid is
// only returned on SUCCESS.
func (b *fileBuilder) decoded(t tokenSpec, status string) decryptExpect {
	e := decryptExpect{
		Status:                status,
		EstablishedMs:         t.establishedMs,
		ExpiryMs:              t.expiryMs,
		SiteID:                int64(t.siteID),
		SiteKeySiteID:         b.ring[t.siteKeyID].siteID,
		Version:               t.version,
		IsClientSideGenerated: t.privacyBits&2 != 0,
	}
	if t.version != 2 {
		if t.prefix&0x0c == 0x04 {
			e.IdentityType = strp("PHONE")
		} else {
			e.IdentityType = strp("EMAIL")
		}
	}
	if status == "SUCCESS" {
		e.UID = canonicalUID(t)
	}
	return e
}

// canonicalUID is what decrypt returns: v2 tokens carry the text itself;
// v3/v4 carry bytes, returned as padded standard base64.
func canonicalUID(t tokenSpec) string {
	if t.version == 2 {
		return t.uid
	}
	raw, err := base64.StdEncoding.DecodeString(t.uid)
	must(err)
	return base64.StdEncoding.EncodeToString(raw)
}

// token builds t under a label unique to the case.
func (b *fileBuilder) token(label string, t tokenSpec) string {
	return t.text(t.build(labelIVs(b.file.Description+"/"+label), b.ring.secret))
}

// tokenCase adds a decrypt case of t expecting status, with the fields
// the status carries.
func (b *fileBuilder) tokenCase(name string, t tokenSpec, domain *string, nowMs int64, status string) {
	b.decrypt(name, b.token(name, t), domain, nowMs, b.decoded(t, status))
}

// failCase adds a decrypt case of t expecting a status reached before the
// token's fields are known.
func (b *fileBuilder) failCase(name string, t tokenSpec, domain *string, nowMs int64, status string) {
	b.decrypt(name, b.token(name, t), domain, nowMs, fail(status))
}

// encrypt adds an encrypt case. want is the token the library must make
// (nil when it must fail with status); a successful case is followed by a
// decrypt of the token at the same time.
func (b *fileBuilder) encrypt(name, rawUID string, nowMs int64, keysetID *int64, status string, want *tokenSpec) {
	nonces := nonce(b.file.Description+"/"+name+"/nonces", 24)
	exp := encryptExpect{Status: status}
	if want != nil {
		exp.Token = base64.RawURLEncoding.EncodeToString(want.build(fixedIVs(nonces), b.ring.secret))
	}
	b.file.Cases = append(b.file.Cases, Case{Name: name, Op: "encrypt", RawUID: strp(rawUID), NowMs: nowMs,
		KeysetID: keysetID, Nonces: hex.EncodeToString(nonces), Expect: rawJSON(exp)})
	if want != nil {
		b.decrypt(name+"/decrypt", exp.Token, nil, nowMs, b.decoded(*want, "SUCCESS"))
	}
}

// mutate returns text with the byte at offset i of its decoded bytes
// XORed with x, re-encoded in the same alphabet.
func mutate(text string, i int, x byte, url bool) string {
	enc := base64.StdEncoding
	if url {
		enc = base64.RawURLEncoding
	}
	raw, err := enc.DecodeString(text)
	must(err)
	raw[i] ^= x
	return enc.EncodeToString(raw)
}

// longUID is a raw UID of n bytes (4n/3 characters), far beyond today's 44.
func longUID(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + 3)
	}
	return base64.StdEncoding.EncodeToString(b)
}
