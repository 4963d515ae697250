package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A publisher tries token generate and refresh from a shell against "uid2
// serve"; opting the user out and rotating salts work from the shell too.
func TestTokenOptoutAndSaltCommands(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	t.Setenv("UID2_ADMIN_TOKEN", "")
	url, _ := serve(t, "--data", dir, "--listen", "127.0.0.1:0", "--salt-buckets", "16",
		"--identity-expiry", "2h", "--refresh-after", "30m")
	t.Setenv("UID2_ADMIN_URL", url)
	tokenFile := filepath.Join(dir, "admin-token")
	cli := func(stdin string, args ...string) string {
		t.Helper()
		rc, out, errOut := runCLI(stdin, args...)
		require.Equal(t, 0, rc, "%v: %s", args, errOut)
		return out
	}
	admin := func(args ...string) string { return cli("", append(args, "--admin-token-file", tokenFile)...) }
	site := jsonField(t, admin("site", "create", "--name", "Pub", "--types", "publisher"), "id")
	key := admin("apikey", "create", "--site", site, "--roles", "generator")
	t.Setenv("UID2_API_KEY", jsonField(t, key, "api_key"))
	t.Setenv("UID2_SECRET", jsonField(t, key, "secret"))

	var gen struct {
		Status   string          `json:"status"`
		Identity json.RawMessage `json:"identity"`
	}
	require.NoError(t, json.Unmarshal([]byte(cli("", "token", "generate", "--url", url, "--email", "shell@example.org")), &gen))
	require.Equal(t, "success", gen.Status)
	var id map[string]any
	require.NoError(t, json.Unmarshal(gen.Identity, &id))
	assert.Equal(t, float64(1800000), id["refresh_from"].(float64)-id["identity_expires"].(float64)+7200000, "--refresh-after and --identity-expiry")

	refreshed := cli(string(gen.Identity)+"\n", "token", "refresh", "--url", url)
	assert.Equal(t, "success", jsonField(t, refreshed, "status"))

	assert.Contains(t, admin("optout", "add", "--email", "Shell@Example.org"), `"raw_uid"`)
	assert.Equal(t, `{"status":"optout"}`, strings.TrimSpace(cli("", "token", "refresh", "--url", url, string(gen.Identity))))
	assert.Equal(t, `{"status":"optout"}`, strings.TrimSpace(cli("", "token", "generate", "--url", url, "--email", "shell@example.org")))

	assert.Contains(t, admin("salts", "rotate", "--fraction", "0.5"), `"rotated": 8`)
	assert.Contains(t, admin("salts", "rotate", "--all"), `"rotated": 16`)

	for _, bad := range [][]string{
		{"salts", "rotate"}, {"salts", "rotate", "--fraction", "x"}, {"optout", "add"},
		{"token", "generate", "--url", url}, {"token", "generate", "--url", url, "--email", "a@b.org", "--phone", "+12345678901"},
		{"token", "refresh", "--url", url, "not json"},
	} {
		rc, _, _ := runCLI("", append(bad, "--admin-token-file", tokenFile)...)
		if bad[0] == "token" {
			rc, _, _ = runCLI("", bad...)
		}
		assert.Equal(t, 2, rc, "%v", bad)
	}
	rc, _, errOut := runCLI("", "salts", "rotate", "--fraction", "2", "--admin-token-file", tokenFile)
	assert.Equal(t, 1, rc, "refused by the service")
	assert.Contains(t, errOut, "fraction")
}

// The lifetimes follow the operator's sanity rule, and a data directory
// keeps its bucket count.
func TestServeOperatorFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--memory", "--identity-expiry", "2h", "--refresh-expiry", "1h"},
		{"--memory", "--refresh-after", "100h"},
		{"--memory", "--refresh-expiry", "800h"},
		{"--memory", "--salt-buckets", "0"},
	} {
		// Started by mistake, it would stop at once: stdin is empty.
		rc, _, errOut := runCLI("", append([]string{"serve", "--listen", "127.0.0.1:0", "--until-stdin-closes"}, args...)...)
		assert.Equal(t, 2, rc, "%v: %s", args, errOut)
	}
	dir := filepath.Join(t.TempDir(), "data")
	_, stop := serve(t, "--data", dir, "--listen", "127.0.0.1:0", "--salt-buckets", "8")
	require.Equal(t, 0, stop())
	rc, _, errOut := runCLI("", "serve", "--data", dir, "--listen", "127.0.0.1:0", "--until-stdin-closes", "--salt-buckets", "9")
	assert.Equal(t, 2, rc)
	assert.Contains(t, errOut, "--salt-buckets differs")
}
