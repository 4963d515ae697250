// Command driver is the Go conformance driver: it runs the vectors (and the
// round trip) through package uid2, the Go API of libuid2. See ../README.md.
package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/libuid2/libuid2/go/uid2"
)

type vectorFile struct {
	Client string          `json:"client"`
	Keys   json.RawMessage `json:"keys"`
	Cases  []struct {
		Name     string  `json:"name"`
		Op       string  `json:"op"`
		Token    string  `json:"token"`
		Domain   *string `json:"domain"`
		NowMs    int64   `json:"now_ms"`
		RawUID   string  `json:"raw_uid"`
		KeysetID *int64  `json:"keyset_id"`
		Nonces   string  `json:"nonces"`
	} `json:"cases"`
}

// str is s as canonical JSON: \u escapes for control and non-ASCII characters.
func str(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || (r > 0x7e && r != 0x7f):
			if r > 0xffff {
				hi, lo := utf16.EncodeRune(r)
				fmt.Fprintf(&b, `\u%04x\u%04x`, hi, lo)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func decrypted(r uid2.DecryptionResponse) string {
	identityType := "null"
	if r.IdentityType != uid2.IdentityTypeUnknown {
		identityType = str(r.IdentityType.String())
	}
	return fmt.Sprintf(`{"established_ms":%d,"expiry_ms":%d,"identity_scope":%s,"identity_type":%s,`+
		`"is_client_side_generated":%t,"site_id":%d,"site_key_site_id":%d,"status":%s,"uid":%s,"version":%d}`,
		ms(r.Established), ms(r.Expiry), str(r.IdentityScope.String()), identityType,
		r.IsClientSideGenerated, r.SiteID, r.SiteKeySiteID, str(r.Status.String()), str(r.UID),
		r.AdvertisingTokenVersion)
}

func encrypted(token []byte, status uid2.Status) string {
	return fmt.Sprintf(`{"status":%s,"token":%s}`, str(status.String()), str(string(token)))
}

type client interface{ RefreshJSON([]byte) error }

func load(c client, keys []byte) {
	if keys != nil && string(keys) != "null" {
		if err := c.RefreshJSON(keys); err != nil {
			fail("keys not loaded: %v", err)
		}
	}
}

// sharingClientFor is a client with the keys of a key file, or refreshed over
// HTTP from a key service's base URL with the API key and secret in
// UID2_API_KEY and UID2_SECRET_KEY.
func sharingClientFor(keys string) *uid2.SharingClient {
	if strings.HasPrefix(keys, "http://") || strings.HasPrefix(keys, "https://") {
		c, err := uid2.NewSharingClient(keys, os.Getenv("UID2_API_KEY"), os.Getenv("UID2_SECRET_KEY"))
		if err != nil {
			fail("%v", err)
		}
		if err := c.Refresh(context.Background()); err != nil {
			fail("refresh from %s: %v", keys, err)
		}
		return c
	}
	data, err := os.ReadFile(keys)
	if err != nil {
		fail("%v", err)
	}
	c, _ := uid2.NewSharingClient("", "", "")
	load(c, data)
	return c
}

func runVectors(dir string, out *bufio.Writer) {
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		fail("%v", err)
	}
	sort.Strings(names)
	for _, path := range names {
		data, err := os.ReadFile(path)
		if err != nil {
			fail("%v", err)
		}
		var v vectorFile
		if err := json.Unmarshal(data, &v); err != nil {
			fail("%s: %v", path, err)
		}
		sharing, _ := uid2.NewSharingClient("", "", "")
		bidstream, _ := uid2.NewBidstreamClient("", "", "")
		if v.Client == "sharing" {
			load(sharing, v.Keys)
		} else {
			load(bidstream, v.Keys)
		}
		for _, c := range v.Cases {
			now := time.UnixMilli(c.NowMs)
			var result string
			switch {
			case c.Op == "encrypt":
				var nonces [uid2.NonceSize]byte
				if n, err := hex.Decode(nonces[:], []byte(c.Nonces)); err != nil || n != len(nonces) {
					fail("%s: bad nonces %q", c.Name, c.Nonces)
				}
				var keyset int64
				if c.KeysetID != nil {
					keyset = *c.KeysetID
				}
				result = encrypted(sharing.EncryptAppendWithNoncesInsecureForTests(nil, c.RawUID, c.NowMs, keyset, nonces))
			case v.Client == "sharing":
				result = decrypted(sharing.DecryptTokenIntoRawUIDAt(c.Token, now))
			default:
				domain := ""
				if c.Domain != nil {
					domain = *c.Domain
				}
				result = decrypted(bidstream.DecryptTokenIntoRawUIDAt(c.Token, domain, now))
			}
			fmt.Fprintf(out, `{"case":%s,"file":%s,"result":%s}`+"\n", str(c.Name), str(filepath.Base(path)), result)
		}
		sharing.Close()
		bidstream.Close()
	}
}

// runBidstream decrypts the tokens of bid requests (one a line of inPath),
// as a DSP: a bidstream client refreshed over HTTP from a key service's
// base URL, with the API key and secret in UID2_API_KEY and UID2_SECRET_KEY;
// no domain (tokens generated server-side carry none to check).
func runBidstream(url, inPath string, out *bufio.Writer) {
	in, err := os.ReadFile(inPath)
	if err != nil {
		fail("%v", err)
	}
	c, err := uid2.NewBidstreamClient(url, os.Getenv("UID2_API_KEY"), os.Getenv("UID2_SECRET_KEY"))
	if err != nil {
		fail("%v", err)
	}
	if err := c.Refresh(context.Background()); err != nil {
		fail("refresh from %s: %v", url, err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(in), "\n"), "\n") {
		fmt.Fprintln(out, decrypted(c.DecryptTokenIntoRawUID(line, "")))
	}
	c.Close()
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "go driver: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) < 4 {
		fail("usage: driver vectors DIR OUT | encrypt KEYS IN OUT | decrypt KEYS IN OUT | bidstream URL IN OUT")
	}
	outPath := os.Args[len(os.Args)-1]
	f, err := os.Create(outPath)
	if err != nil {
		fail("%v", err)
	}
	out := bufio.NewWriter(f)
	if os.Args[1] == "vectors" {
		runVectors(os.Args[2], out)
	} else if os.Args[1] == "bidstream" {
		runBidstream(os.Args[2], os.Args[3], out)
	} else {
		in, err := os.ReadFile(os.Args[3])
		if err != nil {
			fail("%v", err)
		}
		c := sharingClientFor(os.Args[2])
		for _, line := range strings.Split(strings.TrimSuffix(string(in), "\n"), "\n") {
			// The real clock and, for encrypt, the real nonce source.
			if os.Args[1] == "encrypt" {
				r := c.EncryptRawUIDIntoToken(line)
				fmt.Fprintln(out, encrypted([]byte(r.EncryptedData), r.Status))
			} else {
				fmt.Fprintln(out, decrypted(c.DecryptTokenIntoRawUID(line)))
			}
		}
		c.Close()
	}
	if err := out.Flush(); err != nil {
		fail("%v", err)
	}
	if err := f.Close(); err != nil {
		fail("%v", err)
	}
}
