package uid2_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/libuid2/libuid2/go/keys"
	"github.com/libuid2/libuid2/go/uid2"
)

// FuzzDecrypt feeds arbitrary tokens and names to both clients: any input
// gives a status (never a panic), and only a well-formed result succeeds.
// The seed corpus is every token of the shared vectors.
func FuzzDecrypt(f *testing.F) {
	files := loadVectors(f)
	for _, vf := range files {
		for _, c := range vf.Cases {
			if c.Op == "decrypt" {
				domain := ""
				if c.Domain != nil {
					domain = *c.Domain
				}
				f.Add(c.Token, domain, c.NowMs)
			}
		}
	}
	sharing, _ := uid2.NewSharingClient("", "", "")
	if err := sharing.RefreshJSON(files["sharing.json"].Keys); err != nil {
		f.Fatal(err)
	}
	bidstream, _ := uid2.NewBidstreamClient("", "", "")
	if err := bidstream.RefreshJSON(files["bidstream.json"].Keys); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, token, domain string, nowMs int64) {
		for _, d := range []uid2.Decrypted{
			sharing.DecryptAppend(nil, token, domain, nowMs),
			bidstream.DecryptAppend(nil, token, domain, nowMs),
		} {
			if d.Status < uid2.Success || d.Status > uid2.UserOptedOut {
				t.Fatalf("status %v out of range", d.Status)
			}
			if (d.Status == uid2.Success) != (len(d.UID) > 0) {
				t.Fatalf("status %v with uid %q", d.Status, d.UID)
			}
			if d.Status == uid2.Success && d.AdvertisingTokenVersion != 2 {
				if _, err := base64.StdEncoding.DecodeString(string(d.UID)); err != nil {
					t.Fatalf("v3/v4 uid %q is not base64", d.UID)
				}
			}
		}
	})
}

// FuzzEncryptRoundTrip encrypts arbitrary raw UIDs: whatever encrypts
// decrypts to the canonical text of the same bytes.
func FuzzEncryptRoundTrip(f *testing.F) {
	files := loadVectors(f)
	for _, c := range files["sharing.json"].Cases {
		if c.Op == "encrypt" {
			f.Add(c.RawUID)
		}
	}
	c, _ := uid2.NewSharingClient("", "", "")
	if err := c.RefreshJSON(files["sharing.json"].Keys); err != nil {
		f.Fatal(err)
	}
	const now = 1700000000000
	f.Fuzz(func(t *testing.T, raw string) {
		tok, st := c.EncryptAppend(nil, raw, now, 0)
		if st != uid2.Success {
			return
		}
		d := c.DecryptAppend(nil, string(tok), "", now)
		want, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(raw, "="))
		if err != nil {
			t.Fatalf("encrypt accepted %q, which is not base64", raw)
		}
		if d.Status != uid2.Success || string(d.UID) != base64.StdEncoding.EncodeToString(want) {
			t.Fatalf("raw %q: encrypt ok, decrypt %v %q", raw, d.Status, d.UID)
		}
	})
}

// FuzzParseKeys feeds arbitrary key JSON: an error or a usable key set,
// never a panic.
func FuzzParseKeys(f *testing.F) {
	for _, vf := range loadVectors(f) {
		if string(vf.Keys) != "null" {
			f.Add([]byte(vf.Keys))
		}
	}
	f.Add([]byte(`[{"id":1,"activates":1,"expires":2,"secret":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}]`))
	f.Add([]byte(`{"token_expiry_seconds":"x","keys":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := keys.Parse(data, keys.ScopeUID2)
		if err != nil {
			return
		}
		s.Valid(0)
		s.ActiveKey(s.DefaultKeysetID, 1700000000000)
		s.DomainOrAppNameAllowed(1, "a")
	})
}
