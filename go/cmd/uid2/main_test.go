package main

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/libuid2/libuid2/go/internal/testserver"
)

// keyFile writes the keys of a shared vector file and returns one of its
// successful decrypt cases: token, raw UID, time and the whole expected
// result.
func keyFile(t *testing.T, vector string) (path, token, uid string, nowMs int64, expect json.RawMessage) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("../../../tests/vectors", vector))
	require.NoError(t, err)
	var f struct {
		Keys  json.RawMessage
		Cases []struct {
			Op, Token string
			NowMs     int64 `json:"now_ms"`
			Expect    json.RawMessage
		}
	}
	require.NoError(t, json.Unmarshal(data, &f))
	path = filepath.Join(t.TempDir(), "keys.json")
	require.NoError(t, os.WriteFile(path, f.Keys, 0o600))
	for _, c := range f.Cases {
		var e struct{ Status, UID string }
		require.NoError(t, json.Unmarshal(c.Expect, &e))
		if c.Op == "decrypt" && e.Status == "SUCCESS" {
			return path, c.Token, e.UID, c.NowMs, c.Expect
		}
	}
	t.Fatal("no successful case")
	return
}

func runCLI(stdin string, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	rc := run(args, strings.NewReader(stdin), &out, &errb)
	return rc, out.String(), errb.String()
}

func TestDecryptArgsAndStdin(t *testing.T) {
	keys, tok, _, now, expect := keyFile(t, "sharing.json")
	nowArg := strings.TrimSpace(string(must(json.Marshal(now))))
	rc, out, _ := runCLI("", "decrypt", "--keys", keys, "--now", nowArg, tok, "!!garbage")
	require.Equal(t, 0, rc)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2)
	// Every field, as the shared vectors expect it.
	assert.JSONEq(t, string(expect), lines[0])
	assert.Contains(t, lines[1], `"status":"INVALID_PAYLOAD"`)

	// Streaming from stdin, blank lines included, CRLF tolerated.
	rc, out, _ = runCLI(tok+"\r\n\n"+tok+"\n", "decrypt", "--keys", keys, "--now", nowArg)
	require.Equal(t, 0, rc)
	assert.Equal(t, 3, strings.Count(out, "\n"))
	assert.Equal(t, 2, strings.Count(out, `"SUCCESS"`))
}

func TestEncryptThenDecrypt(t *testing.T) {
	keys, _, uid, _, _ := keyFile(t, "sharing.json")
	rc, out, _ := runCLI(uid+"\nnot base64\n", "encrypt", "--keys", keys, "--now", "2023-11-14T22:13:20Z")
	require.Equal(t, 0, rc)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2)
	var e struct{ Status, Token string }
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &e))
	require.Equal(t, "SUCCESS", e.Status)
	assert.Contains(t, lines[1], `"ENCRYPTION_FAILURE"`)
	rc, out, _ = runCLI("", "decrypt", "--keys", keys, "--now", "1700000000000", e.Token)
	require.Equal(t, 0, rc)
	assert.Contains(t, out, `"uid":"`+uid+`"`)
}

func TestBidstreamDomain(t *testing.T) {
	keys, _, _, _, _ := keyFile(t, "bidstream.json")
	data, _ := os.ReadFile("../../../tests/vectors/bidstream.json")
	var f struct {
		Cases []struct {
			Name, Token string
			NowMs       int64 `json:"now_ms"`
		}
	}
	require.NoError(t, json.Unmarshal(data, &f))
	for _, c := range f.Cases {
		if c.Name == "CSTG, its domain" {
			now := string(must(json.Marshal(c.NowMs)))
			_, out, _ := runCLI("", "decrypt", "--bidstream", "--keys", keys, "--now", now, "--domain", "Example.com", c.Token)
			assert.Contains(t, out, `"SUCCESS"`)
			_, out, _ = runCLI("", "decrypt", "--bidstream", "--keys", keys, "--now", now, "--domain", "example.net", c.Token)
			assert.Contains(t, out, `"DOMAIN_OR_APP_NAME_CHECK_FAILED"`)
			return
		}
	}
	t.Fatal("case not found")
}

// testSecret is the client secret of keyServer's API key "key".
const testSecret = "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo="

// keyServer serves the keys of the sharing vectors to API key "key" with
// testSecret, and returns one of their successful decrypt cases.
func keyServer(t *testing.T) (srv *httptest.Server, tok, uid string, nowMs int64) {
	keys, tok, uid, now, _ := keyFile(t, "sharing.json")
	data, _ := os.ReadFile(keys)
	ks, err := testserver.New("key", testSecret, data)
	require.NoError(t, err)
	srv = httptest.NewServer(ks)
	t.Cleanup(srv.Close)
	return srv, tok, uid, now
}

func TestKeysURL(t *testing.T) {
	srv, tok, uid, now := keyServer(t)
	const secret = testSecret
	rc, out, _ := runCLI("", "decrypt", "--keys-url", srv.URL, "--api-key", "key", "--secret", secret, "--now", string(must(json.Marshal(now))), tok)
	require.Equal(t, 0, rc)
	assert.Contains(t, out, uid)
	rc, _, errOut := runCLI("", "decrypt", "--keys-url", srv.URL, "--api-key", "wrong", "--secret", secret, tok)
	assert.Equal(t, 2, rc)
	assert.Contains(t, errOut, "HTTP 401")
	assert.NotContains(t, errOut, secret)
}

func TestInspect(t *testing.T) {
	_, tok, _, _, _ := keyFile(t, "sharing.json")
	rc, out, _ := runCLI("", "inspect", tok)
	require.Equal(t, 0, rc)
	var r map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	assert.EqualValues(t, 4, r["version"])
	assert.EqualValues(t, 101, r["master_key_id"])
	assert.Equal(t, "UID2", r["identity_scope"])
	assert.Equal(t, "EMAIL", r["identity_type"])
	assert.Equal(t, "base64url", r["encoding"])
	rc, out, _ = runCLI("", "inspect", "!!")
	assert.Equal(t, 0, rc)
	assert.Contains(t, out, "error")
}

func TestUsageErrors(t *testing.T) {
	keys, _, _, _, _ := keyFile(t, "sharing.json")
	for name, args := range map[string][]string{
		"no command":       {},
		"unknown command":  {"frobnicate"},
		"no keys":          {"decrypt", "x"},
		"both keys":        {"decrypt", "--keys", keys, "--keys-url", "http://x", "x"},
		"url without auth": {"decrypt", "--keys-url", "http://x", "x"},
		"unreadable keys":  {"decrypt", "--keys", "/nonexistent/keys.json", "x"},
		"bad keys":         {"encrypt", "--keys", "main.go", "x"},
		"bad flag":         {"decrypt", "--bogus"},
		"bad now":          {"decrypt", "--keys", keys, "--now", "yesterday", "x"},
		"inspect nothing":  {"inspect"},
	} {
		rc, out, errOut := runCLI("", args...)
		assert.Equal(t, 2, rc, name)
		assert.Empty(t, out, name)
		assert.NotEmpty(t, errOut, name)
	}
	rc, out, _ := runCLI("", "--help")
	assert.Equal(t, 0, rc)
	assert.Contains(t, out, "Usage:")
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
