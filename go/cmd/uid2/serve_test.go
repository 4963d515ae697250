package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serveChildEnv makes the test binary run "uid2 serve" with the arguments
// in the variable (separated by spaces).
const serveChildEnv = "LIBUID2_UID2_SERVE_ARGS"

// childEnv makes the test binary run uid2 with the arguments in the
// variable, a JSON array.
const childEnv = "LIBUID2_UID2_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(serveChildEnv); args != "" {
		os.Exit(run(append([]string{"serve"}, strings.Fields(args)...), os.Stdin, os.Stdout, os.Stderr))
	}
	if args := os.Getenv(childEnv); args != "" {
		var list []string
		if err := json.Unmarshal([]byte(args), &list); err != nil {
			panic(err)
		}
		os.Exit(run(list, os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// startServe starts "uid2 serve ARGS" in a child process and returns it
// and the URL it printed. With lifeline, its stdin is a pipe (also returned)
// and --until-stdin-closes is added, so that it ends with the test binary
// however that ends; else its stdin is /dev/null.
func startServe(t testing.TB, lifeline bool, args ...string) (*exec.Cmd, io.WriteCloser, string) {
	t.Helper()
	var in io.WriteCloser
	cmd := exec.Command(os.Args[0])
	if lifeline {
		args = append(args, "--until-stdin-closes")
		var err error
		in, err = cmd.StdinPipe()
		require.NoError(t, err)
	}
	cmd.Env = append(os.Environ(), serveChildEnv+"="+strings.Join(args, " "))
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = cmd.Wait()
		t.Fatalf("uid2 serve did not start: %v: %s", err, stderr.String())
	}
	return cmd, in, strings.TrimSpace(line)
}

// serve starts "uid2 serve" (startServe, with a lifeline) and returns its URL
// and a function that stops it with SIGTERM and returns its exit code.
func serve(t testing.TB, args ...string) (string, func() int) {
	t.Helper()
	cmd, _, url := startServe(t, true, args...)
	stopped := false
	stop := func() int {
		if stopped {
			return 0
		}
		stopped = true
		require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		require.NoError(t, err)
		return 0
	}
	t.Cleanup(func() { stop() })
	return url, stop
}

func jsonField(t testing.TB, out, field string) string {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &m), out)
	switch v := m[field].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	t.Fatalf("no %s in %s", field, out)
	return ""
}

// The admin commands against a real "uid2 serve", then a receiver decrypts
// a sender's token with keys it fetched, and a restart keeps it all.
func TestServeAndAdminCommands(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	t.Setenv("UID2_ADMIN_TOKEN", "")
	url, stop := serve(t, "--data", dir, "--listen", "127.0.0.1:0")
	info, err := os.Stat(filepath.Join(dir, "admin-token"))
	require.NoError(t, err, "a data directory gets an admin token")
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	t.Setenv("UID2_ADMIN_URL", url)
	tokenFile := filepath.Join(dir, "admin-token")

	admin := func(args ...string) string {
		t.Helper()
		rc, out, errOut := runCLI("", append(args, "--admin-token-file", tokenFile)...)
		require.Equal(t, 0, rc, "%v: %s", args, errOut)
		return out
	}
	adv := jsonField(t, admin("site", "create", "--name", "Adv", "--types", "advertiser", "--domains", "adv.example"), "id")
	dp := jsonField(t, admin("site", "create", "--name", "DP", "--types", "data-provider"), "id")
	advKey := admin("apikey", "create", "--site", adv, "--roles", "sharer")
	dpKey := admin("apikey", "create", "--site", dp, "--roles", "sharer")
	req := jsonField(t, admin("sharing", "request", "--site", dp, "--from", adv), "id")
	admin("sharing", "accept", "--site", adv, "--request", req)
	assert.Contains(t, admin("sharing", "list", "--site", dp), `"accepted"`)
	assert.Contains(t, admin("site", "list"), `"Adv"`)
	assert.NotContains(t, admin("apikey", "list", "--site", adv), jsonField(t, advKey, "secret"))
	assert.Contains(t, admin("keys", "rotate", "--site", adv), `"activates"`)
	assert.Contains(t, admin("keys", "list", "--site", "master"), "9999999")

	keysArgs := func(key string) []string {
		return []string{"--keys-url", url, "--api-key", jsonField(t, key, "api_key"), "--secret", jsonField(t, key, "secret")}
	}
	time.Sleep(1100 * time.Millisecond) // the rotated key activates a second later at most
	rc, out, errOut := runCLI("", append(append([]string{"encrypt"}, keysArgs(advKey)...), uidOf)...)
	require.Equal(t, 0, rc, errOut)
	token := jsonField(t, out, "token")
	decrypt := func() string {
		rc, out, errOut := runCLI("", append(append([]string{"decrypt"}, keysArgs(dpKey)...), token)...)
		require.Equal(t, 0, rc, errOut)
		return jsonField(t, out, "status")
	}
	assert.Equal(t, "SUCCESS", decrypt())

	// Refused: exit 1 and the service's message.
	rc, out, errOut = runCLI("", "sharing", "grant", "--site", adv, "--to", dp, "--admin-token-file", tokenFile)
	assert.Equal(t, 1, rc)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "already shares")
	assert.Contains(t, errOut, "409")
	rc, _, errOut = runCLI("", "site", "list", "--admin-url", url)
	assert.Equal(t, 2, rc, "no token: %s", errOut)

	rc, _, errOut = runCLI("", "serve", "--data", dir, "--listen", "127.0.0.1:0")
	assert.Equal(t, 2, rc)
	assert.Contains(t, errOut, "in use", "one service per data directory")
	assert.Equal(t, 0, stop(), "SIGTERM stops it cleanly")
	rc, _, errOut = runCLI("", "serve", "--data", dir, "--scope", "EUID", "--listen", "127.0.0.1:0")
	assert.Equal(t, 2, rc)
	assert.Contains(t, errOut, "--scope differs")
	url2, _ := serve(t, "--data", dir, "--listen", "127.0.0.1:0")
	url = url2
	assert.Equal(t, "SUCCESS", decrypt(), "a restart serves the same keys and permissions")
	admin("sharing", "revoke", "--site", adv, "--to", dp, "--admin-url", url2)
	assert.Equal(t, "NOT_AUTHORIZED_FOR_KEY", decrypt())
}

const uidOf = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/abcdc="

func TestServeUsage(t *testing.T) {
	t.Setenv("UID2_ADMIN_TOKEN", "")
	for name, args := range map[string][]string{
		"neither":          {"serve"},
		"both":             {"serve", "--memory", "--data", t.TempDir()},
		"memory, no token": {"serve", "--memory"},
		"admin no verb":    {"sharing"},
		"admin bad verb":   {"sharing", "befriend"},
		"grant both":       {"sharing", "grant", "--site", "1", "--to", "2", "--type", "dsp", "--admin-url", "http://x"},
		"no site":          {"keys", "list", "--admin-url", "http://x"},
		"bad request id":   {"sharing", "accept", "--site", "1", "--request", "x", "--admin-url", "http://x"},
		"no url":           {"site", "list"},
	} {
		t.Setenv("UID2_ADMIN_URL", "")
		if strings.HasPrefix(name, "grant") || name == "no site" || name == "bad request id" {
			t.Setenv("UID2_ADMIN_TOKEN", "some-admin-token-value")
		}
		rc, out, errOut := runCLI("", args...)
		assert.Equal(t, 2, rc, name)
		assert.Empty(t, out, name)
		assert.NotEmpty(t, errOut, name)
		t.Setenv("UID2_ADMIN_TOKEN", "")
	}
}

// With --until-stdin-closes the service ends when the pipe on its stdin
// closes, as it does when the process holding it dies (a test fixture
// killed mid-run); without it, stdin at EOF changes nothing.
func TestServeUntilStdinCloses(t *testing.T) {
	t.Setenv("UID2_ADMIN_TOKEN", "some-admin-token-value")
	cmd, in, url := startServe(t, true, "--memory", "--listen", "127.0.0.1:0")
	rc, listed, _ := runCLI("", "site", "list", "--admin-url", url)
	require.Equal(t, 0, rc, "the service answers while stdin is open")
	assert.Equal(t, "[]", strings.TrimSpace(listed), "no sites yet, an empty list")

	require.NoError(t, in.Close())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		assert.NoError(t, err, "a clean exit")
	case <-time.After(20 * time.Second):
		t.Fatal("uid2 serve still running 20 s after its stdin closed")
	}
}

func TestServeWithStdinAtEOFKeepsRunning(t *testing.T) {
	t.Setenv("UID2_ADMIN_TOKEN", "some-admin-token-value")
	cmd, _, url := startServe(t, false, "--memory", "--listen", "127.0.0.1:0")
	time.Sleep(200 * time.Millisecond) // time to stop, were it to
	rc, _, _ := runCLI("", "site", "list", "--admin-url", url)
	require.Equal(t, 0, rc, "the service still answers")
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Wait(), "and stops cleanly on SIGTERM")
}
