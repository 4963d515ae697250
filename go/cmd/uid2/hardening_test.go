package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/libuid2/libuid2/go/envelope"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testLimits are serveLimits scaled down so that tests see them act.
var testLimits = limits{
	readHeader: 300 * time.Millisecond, read: 500 * time.Millisecond, write: time.Second,
	idle: 300 * time.Millisecond, grace: 300 * time.Millisecond, maxConns: 8, maxPerClient: 6,
	bodyGrace: 200 * time.Millisecond,
}

// startLimited serves h within testLimits until the test ends; it returns
// the address and a function that stops it and returns runServer's error.
func startLimited(t *testing.T, h http.Handler, l limits) (string, func() error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv, limited := newServer(h, ln, l)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runServer(ctx, srv, limited, l.grace) }()
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(5 * time.Second):
			return fmt.Errorf("the server did not stop")
		}
	}
	t.Cleanup(func() { _ = stop() })
	return ln.Addr().String(), stop
}

// closedWithin reports whether the server closes c within d.
func closedWithin(c net.Conn, d time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	return err == nil // EOF: closed by the server; a timeout: still open
}

const okRequest = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"

// idleConn is a connection that has made a request and waits for the next.
func idleConn(t *testing.T, addr string) net.Conn {
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	_, err = io.WriteString(c, okRequest)
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err)
	resp.Body.Close()
	return c
}

// Idle, slow-header and slow-body connections are closed after their
// timeouts.
func TestServeTimeouts(t *testing.T) {
	addr, _ := startLimited(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}), testLimits)
	idle := idleConn(t, addr)
	slowHeader, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer slowHeader.Close()
	_, _ = io.WriteString(slowHeader, "GET / HTTP/1.1\r\n")
	slowBody, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer slowBody.Close()
	_, _ = io.WriteString(slowBody, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab")
	for name, c := range map[string]net.Conn{"idle": idle, "slow header": slowHeader, "slow body": slowBody} {
		assert.True(t, closedWithin(c, 3*time.Second), "%s connection still open", name)
	}
}

// A flood of idle or half-open connections cannot keep a caller out: at a
// cap, the connection that has waited longest without a request goes.
func TestServeConnectionCaps(t *testing.T) {
	// Timeouts longer than the test: only the caps act.
	l := limits{readHeader: time.Minute, read: time.Minute, write: time.Minute, idle: time.Minute, grace: time.Second, maxConns: 8, maxPerClient: 6}
	addr, _ := startLimited(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), l)
	var flood []net.Conn
	for range 2 * l.maxConns {
		flood = append(flood, idleConn(t, addr))
	}
	for range l.maxConns {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer c.Close()
		_, _ = io.WriteString(c, "GET / HTTP/1.1\r\n") // never finished
		flood = append(flood, c)
	}
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get("http://" + addr + "/")
	require.NoError(t, err, "a caller gets in past the flood")
	resp.Body.Close()
	assert.True(t, closedWithin(flood[0], time.Second), "the oldest idle connection made room")
}

// slowBody opens a connection whose request sends its headers (with
// header, a line or ""), then a byte of its body every 200 ms until the
// test ends.
func slowBody(t *testing.T, addr, path, header string) net.Conn {
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	done := make(chan struct{})
	t.Cleanup(func() { close(done); c.Close() })
	_, _ = io.WriteString(c, "POST "+path+" HTTP/1.1\r\nHost: x\r\n"+header+"Content-Length: 1000\r\n\r\n{")
	go func() {
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if _, err := io.WriteString(c, " "); err != nil {
					return
				}
			}
		}
	}()
	return c
}

// On loopback every local user has the same address: one who fills the
// per-client cap with requests that dribble their bodies cannot keep out
// an admin call or a key request, because a request still sending its
// body after bodyGrace makes room like an idle connection. The flood has a
// valid API key, so the service reads the bodies as they trickle in.
func TestServeSlowBodiesCannotStarveCallers(t *testing.T) {
	const token = "some-admin-token-value"
	t.Setenv("UID2_ADMIN_TOKEN", token)
	url, _ := serve(t, "--memory", "--listen", "127.0.0.1:0")
	l := &loadRun{b: t, url: url, token: token,
		http: &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}}
	site := l.admin("POST", "/admin/v1/sites", `{"name":"s","types":["publisher","dsp"]}`)
	key := l.admin("POST", fmt.Sprintf("/admin/v1/sites/%v/apikeys", site["id"]), `{"roles":["sharer"]}`)
	cipher, err := envelope.NewCipher(key["secret"].(string))
	require.NoError(t, err)

	for range serveLimits.maxPerClient + 2 {
		slowBody(t, strings.TrimPrefix(url, "http://"), "/v2/key/sharing", fmt.Sprintf("Authorization: Bearer %s\r\n", key["api_key"]))
	}
	time.Sleep(serveLimits.bodyGrace + 300*time.Millisecond)
	start := time.Now()
	l.admin("GET", "/admin/v1/sites", "")
	assert.NoError(t, l.keyRequest(cipher, key["api_key"].(string)))
	assert.Less(t, time.Since(start), time.Second)
}

// A request that has its body and is being answered is never closed to
// make room, however long it takes; one still sending its body is.
func TestServeCapsSpareRequestsInProgress(t *testing.T) {
	l := testLimits
	l.readHeader, l.read, l.write, l.idle = time.Minute, time.Minute, time.Minute, time.Minute
	release, started := make(chan struct{}), make(chan struct{}, l.maxPerClient)
	addr, _ := startLimited(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/busy" {
			started <- struct{}{}
			<-release
		}
		_, _ = io.WriteString(w, "done")
	}), l)
	client := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	busy := make(chan error, l.maxPerClient)
	startBusy := func() {
		go func() {
			resp, err := client.Post("http://"+addr+"/busy", "text/plain", strings.NewReader("a body"))
			if err == nil {
				resp.Body.Close()
			}
			busy <- err
		}()
		select {
		case <-started:
		case <-time.After(time.Second):
			t.Fatal("a request was turned away with room left")
		}
	}
	for range l.maxPerClient - 1 {
		startBusy()
	}
	slow := slowBody(t, addr, "/", "")
	time.Sleep(2 * l.bodyGrace)
	startBusy() // room made by the slow body
	assert.True(t, closedWithin(slow, time.Second), "the slow body made room")

	_, err := client.Get("http://" + addr + "/")
	assert.Error(t, err, "no room: every request is being answered")
	close(release)
	for range l.maxPerClient {
		assert.NoError(t, <-busy, "a request being answered was cut off")
	}
}

// A stop with a request still in progress is a clean stop: the request gets
// the grace period, then its connection is closed, and no error.
func TestServeStopsCleanlyWithSlowClients(t *testing.T) {
	addr, stop := startLimited(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}), testLimits)
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	_, _ = io.WriteString(c, okRequest)
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	assert.NoError(t, stop())
	assert.Less(t, time.Since(start), 2*time.Second)
}

// The same through the process: SIGTERM with a slow client connected
// exits 0.
func TestServeSIGTERMWithSlowClientExitsZero(t *testing.T) {
	t.Setenv("UID2_ADMIN_TOKEN", "some-admin-token-value")
	url, stop := serve(t, "--memory", "--listen", "127.0.0.1:0")
	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	require.NoError(t, err)
	defer c.Close()
	_, _ = io.WriteString(c, "POST /admin/v1/sites HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer some-admin-token-value\r\nContent-Length: 100\r\n\r\n{")
	time.Sleep(100 * time.Millisecond)
	assert.Equal(t, 0, stop())
}

// "uid2 serve --data DIR" leaves alone a directory it does not own.
func TestServeRefusesForeignDataDirs(t *testing.T) {
	t.Setenv("UID2_ADMIN_TOKEN", "")
	shared := filepath.Join(t.TempDir(), "shared")
	require.NoError(t, os.Mkdir(shared, 0o755))
	require.NoError(t, os.Chmod(shared, os.ModeSticky|0o777))
	planted := filepath.Join(shared, ".state-x")
	require.NoError(t, os.WriteFile(planted, nil, 0o644))
	rc, _, errOut := runCLI("", "serve", "--data", shared, "--listen", "127.0.0.1:0")
	assert.Equal(t, 2, rc)
	assert.Contains(t, errOut, "writable by other users")
	info, _ := os.Stat(shared)
	assert.Equal(t, os.ModeSticky|0o777, info.Mode()&(os.ModeSticky|os.ModePerm), "not chmodded")
	assert.FileExists(t, planted)
	assert.NoFileExists(t, filepath.Join(shared, "admin-token"), "nothing written")

	// A token file that others can read, or that someone else planted.
	dir := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.Mkdir(dir, 0o700))
	token := filepath.Join(dir, "admin-token")
	require.NoError(t, os.WriteFile(token, []byte("planted-admin-token-0123\n"), 0o644))
	rc, _, errOut = runCLI("", "serve", "--data", dir, "--listen", "127.0.0.1:0")
	assert.Equal(t, 2, rc)
	assert.Contains(t, errOut, "other users")
	// Only root can give a file away, and not in every sandbox.
	require.NoError(t, os.Chmod(token, 0o600))
	if os.Chown(token, 65534, 65534) == nil {
		rc, _, errOut = runCLI("", "serve", "--data", dir, "--listen", "127.0.0.1:0")
		assert.Equal(t, 2, rc)
		assert.Contains(t, errOut, "belongs to user 65534")
	}
}

// Listening beyond loopback is said out loud.
func TestServeWarnsOffLoopback(t *testing.T) {
	t.Setenv("UID2_ADMIN_TOKEN", "some-admin-token-value")
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), serveChildEnv+"=--memory --listen 0.0.0.0:0 --until-stdin-closes")
	in, err := cmd.StdinPipe()
	require.NoError(t, err)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() { in.Close(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(stderr).ReadString('\n')
	require.NoError(t, err)
	assert.Contains(t, line, "not loopback")
}

// The admin commands warn about a token file others can read.
func TestAdminWarnsAboutReadableTokenFile(t *testing.T) {
	t.Setenv("UID2_ADMIN_TOKEN", "some-admin-token-value")
	url, _ := serve(t, "--memory", "--listen", "127.0.0.1:0")
	token := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(token, []byte("some-admin-token-value\n"), 0o644))
	rc, _, errOut := runCLI("", "site", "list", "--admin-url", url, "--admin-token-file", token)
	assert.Equal(t, 0, rc)
	assert.Contains(t, errOut, "warning")
	assert.Contains(t, errOut, "other users")
}

// Credentials for --keys-url come from the environment or a private file;
// on the command line they still work, with a warning.
func TestKeysURLCredentials(t *testing.T) {
	srv, tok, uid, now := keyServer(t)
	const secret = testSecret
	nowArg := fmt.Sprint(now)
	decrypt := func(args ...string) (int, string, string) {
		return runCLI("", append(append([]string{"decrypt", "--keys-url", srv.URL, "--now", nowArg}, args...), tok)...)
	}

	t.Setenv(apiKeyEnv, "key")
	t.Setenv(secretEnv, secret)
	rc, out, errOut := decrypt()
	require.Equal(t, 0, rc, errOut)
	assert.Contains(t, out, uid)
	assert.Empty(t, errOut, "no warning")
	t.Setenv(apiKeyEnv, "")
	t.Setenv(secretEnv, "")

	creds := filepath.Join(t.TempDir(), "creds.json")
	created, _ := json.Marshal(map[string]any{"key_id": "K1", "site_id": 101, "api_key": "key", "secret": secret})
	require.NoError(t, os.WriteFile(creds, created, 0o600))
	rc, out, errOut = decrypt("--credentials", creds)
	require.Equal(t, 0, rc, errOut)
	assert.Contains(t, out, uid, "the output of uid2 apikey create works as is")
	assert.Empty(t, errOut)

	require.NoError(t, os.Chmod(creds, 0o644))
	rc, _, errOut = decrypt("--credentials", creds)
	assert.Equal(t, 2, rc)
	assert.Contains(t, errOut, "other users")
	assert.NotContains(t, errOut, secret)

	rc, out, errOut = decrypt("--api-key", "key", "--secret", secret)
	require.Equal(t, 0, rc, errOut)
	assert.Contains(t, out, uid)
	assert.Contains(t, errOut, "warning: --secret on the command line")
	assert.NotContains(t, errOut, secret)

	rc, _, errOut = decrypt()
	assert.Equal(t, 2, rc)
	assert.Contains(t, errOut, secretEnv)
}

// --keys reads at most maxKeysFile, whatever the file.
func TestKeysFileIsBounded(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.json")
	f, err := os.Create(big)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(maxKeysFile+1)) // sparse: no disk used
	f.Close()
	for _, path := range []string{big, "/dev/zero"} {
		rc, _, errOut := runCLI("", "decrypt", "--keys", path, "x")
		assert.Equal(t, 2, rc, path)
		assert.Contains(t, errOut, "larger than 64 MiB", path)
	}
}

// A line over maxLine gets its own error result; the lines around it are
// processed as usual.
func TestOversizedInputLine(t *testing.T) {
	keys, tok, uid, now, _ := keyFile(t, "sharing.json")
	huge := strings.Repeat("A", maxLine+1)
	for _, stdin := range []string{tok + "\n" + huge + "\n" + tok + "\n", tok + "\r\n" + huge + "\r\n" + tok} {
		rc, out, errOut := runCLI(stdin, "decrypt", "--keys", keys, "--now", fmt.Sprint(now))
		require.Equal(t, 0, rc, errOut)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		require.Len(t, lines, 3)
		assert.Contains(t, lines[0], uid)
		assert.Contains(t, lines[1], `"status":"INVALID_PAYLOAD","error":"input line longer than 16 MiB"`)
		assert.Contains(t, lines[2], uid)
	}
	rc, out, _ := runCLI(strings.Repeat("B", maxLine)+"\n", "encrypt", "--keys", keys)
	require.Equal(t, 0, rc)
	assert.NotContains(t, out, "longer than", "a line of exactly the limit is processed")
	rc, out, _ = runCLI(huge, "encrypt", "--keys", keys)
	require.Equal(t, 0, rc)
	assert.Contains(t, out, `"status":"ENCRYPTION_FAILURE","token":"","error":"input line longer than 16 MiB"`)
}
