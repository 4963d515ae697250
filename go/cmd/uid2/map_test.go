package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/libuid2/libuid2/go/identitymap"
)

// mapService starts "uid2 serve" with a mapper key in $UID2_API_KEY and
// $UID2_SECRET, and returns its URL and an admin command runner.
func mapService(t testing.TB) (string, func(args ...string) string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	t.Setenv("UID2_ADMIN_TOKEN", "")
	url, _ := serve(t, "--data", dir, "--listen", "127.0.0.1:0", "--salt-buckets", "16")
	t.Setenv("UID2_ADMIN_URL", url)
	admin := func(args ...string) string {
		t.Helper()
		rc, out, errOut := runCLI("", append(args, "--admin-token-file", filepath.Join(dir, "admin-token"))...)
		require.Equal(t, 0, rc, "%v: %s", args, errOut)
		return out
	}
	site := jsonField(t, admin("site", "create", "--name", "Adv", "--types", "advertiser"), "id")
	key := admin("apikey", "create", "--site", site, "--roles", "mapper")
	t.Setenv("UID2_API_KEY", jsonField(t, key, "api_key"))
	t.Setenv("UID2_SECRET", jsonField(t, key, "secret"))
	return url, admin
}

// goMap maps with package identitymap's client, for comparison.
func goMap(t *testing.T, url string, in *identitymap.Input) *identitymap.Response {
	t.Helper()
	c, err := identitymap.NewClient(url, os.Getenv("UID2_API_KEY"), os.Getenv("UID2_SECRET"))
	require.NoError(t, err)
	resp, err := c.GenerateIdentityMap(context.Background(), in)
	require.NoError(t, err)
	return resp
}

func mapCLI(t *testing.T, args ...string) (string, string) {
	t.Helper()
	rc, out, errOut := runCLI("", append([]string{"map"}, args...)...)
	require.Equal(t, 0, rc, "%v: %s", args, errOut)
	return out, errOut
}

func writeFile(t testing.TB, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}

// The SHA-256 of +12345678901, in base64 and in hex.
const (
	phoneHash = "EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4="
	phoneHex  = "10e6f0b47054a83359477dcb35231db6de5c69fb1816e1a6b98e192de9e5b9ee"
)

// A CSV file of every kind of row: each gets what the Go client gets for
// it, in input order, with its other columns; bad rows get their reason
// and the run goes on; the output is the same byte for byte every time.
func TestMapCSV(t *testing.T) {
	url, _ := mapService(t)
	in := writeFile(t, "in.csv", "id,Email,note\n"+
		"1,User@Example.com,a\n"+
		"2,bad-email,\"b, c\"\n"+
		"3,optout@example.com,\n"+
		"4,jane.doe+x@gmail.com,d\n"+
		"5,janedoe@gmail.com\n"+
		"6,,empty\n"+
		"7,user@example.com,\"bad \"quote\"\n"+
		"8,other@example.com,after the bad row\n")
	out := filepath.Join(t.TempDir(), "out.csv")
	_, errOut := mapCLI(t, "--url", url, "--in", in, "--out", out)
	assert.Empty(t, errOut, "no progress without a terminal")
	_, err := os.Stat(out + ".checkpoint")
	assert.True(t, os.IsNotExist(err), "a finished run leaves no checkpoint")

	want := goMap(t, url, identitymap.FromEmails([]string{"user@example.com", "optout@example.com", "janedoe@gmail.com", "other@example.com"}))
	u := func(email string) string { return want.Mapped[email].CurrentRawUID }
	refresh := want.Mapped["user@example.com"].RefreshFrom.UTC().Format(time.RFC3339)
	require.NotEmpty(t, u("user@example.com"))
	assert.Equal(t, "id,Email,note,raw_uid,previous_raw_uid,refresh_from,unmapped\n"+
		"1,User@Example.com,a,"+u("user@example.com")+",,"+refresh+",\n"+
		"2,bad-email,\"b, c\",,,,invalid email\n"+
		"3,optout@example.com,,,,,optout\n"+
		"4,jane.doe+x@gmail.com,d,"+u("janedoe@gmail.com")+",,"+refresh+",\n"+
		"5,janedoe@gmail.com,,"+u("janedoe@gmail.com")+",,"+refresh+",\n"+
		"6,,empty,,,,no identity\n"+
		",,,,,,\"invalid CSV (line 8, column 25): extraneous or missing \"\" in quoted-field\"\n"+
		"8,other@example.com,after the bad row,"+u("other@example.com")+",,"+refresh+",\n",
		readFile(t, out))

	again := filepath.Join(t.TempDir(), "again.csv")
	mapCLI(t, "--url", url, "--in", in, "--out", again, "--batch", "2", "--in-flight", "3")
	assert.Equal(t, readFile(t, out), readFile(t, again), "deterministic, whatever the batches")

	rc, _, errOut := runCLI("", "map", "--url", url, "--in", in, "--out", out)
	assert.Equal(t, 2, rc, "a finished output is not overwritten")
	assert.Contains(t, errOut, "exists")
}

// JSON lines, and a CSV file without a header: the kind comes from the
// field's name or --kind; hashes (base64 or hex) map as what they hash.
func TestMapJSONLinesAndKinds(t *testing.T) {
	url, _ := mapService(t)
	in := writeFile(t, "in.jsonl", `{"email":"User@Example.com","cid":7}`+"\n\n"+
		`{"cid":8,"phone":"+12345678901"}`+"\n"+
		"[1]\n"+
		`{"phone_hash":"`+phoneHash+`"}`+"\n"+
		`{"phone_hash":"`+phoneHex+`"}`+"\n"+
		`{"x":1}`+"\n"+
		`{"email":5}`+"\n"+
		`{"phone":"12345678901"}`)
	out, _ := mapCLI(t, "--url", url, "--in", in)
	want := goMap(t, url, identitymap.FromEmails([]string{"user@example.com"}).WithPhone("+12345678901"))
	e, p := want.Mapped["user@example.com"], want.Mapped["+12345678901"]
	mapped := func(m identitymap.MappedIdentity) string {
		return fmt.Sprintf(`"raw_uid":%q,"previous_raw_uid":null,"refresh_from":%q}`, m.CurrentRawUID, m.RefreshFrom.Format(time.RFC3339))
	}
	assert.Equal(t, `{"email":"User@Example.com","cid":7,`+mapped(e)+"\n"+
		`{"cid":8,"phone":"+12345678901",`+mapped(p)+"\n"+
		`{"input":"[1]","unmapped":"not a JSON object"}`+"\n"+
		`{"phone_hash":"`+phoneHash+`",`+mapped(p)+"\n"+
		`{"phone_hash":"`+phoneHex+`",`+mapped(p)+"\n"+
		`{"x":1,"unmapped":"no identity field"}`+"\n"+
		`{"email":5,"unmapped":"email is not a string"}`+"\n"+
		`{"phone":"12345678901","unmapped":"invalid phone"}`+"\n", out)

	// Hashes in an unnamed column need --kind; the header is detected.
	// A spreadsheet's byte order mark does not hide the column's name.
	out, _ = mapCLI(t, "--url", url, "--in", writeFile(t, "bom.csv", "\ufeffPhone\n+12345678901\n"))
	assert.Equal(t, "Phone,raw_uid,previous_raw_uid,refresh_from,unmapped\n+12345678901,"+p.CurrentRawUID+",,"+p.RefreshFrom.Format(time.RFC3339)+",\n", out)

	csvIn := writeFile(t, "hashes.txt", phoneHash+"\n"+phoneHex+"\n")
	out, _ = mapCLI(t, "--url", url, "--in", csvIn, "--kind", "phone-hash")
	assert.Equal(t, "phone_hash,raw_uid,previous_raw_uid,refresh_from,unmapped\n"+
		phoneHash+","+p.CurrentRawUID+",,"+p.RefreshFrom.Format(time.RFC3339)+",\n"+
		phoneHex+","+p.CurrentRawUID+",,"+p.RefreshFrom.Format(time.RFC3339)+",\n", out)
	out, _ = mapCLI(t, "--url", url, "--in", csvIn)
	assert.Contains(t, out, ",neither an email nor a phone number (hashes need --kind)\n")

	for _, bad := range [][]string{
		{"--in", in}, // no --url
		{"--url", url, "--in", in, "--kind", "x"},      // bad kind
		{"--url", url, "--in", csvIn, "--column", "0"}, // no column 0
		{"--url", url, "--in", in, "--now", "1"},       // --now without --refresh
		{"--url", url, "--in", in, "--batch", "5001"},  // over the service's limit
	} {
		rc, _, _ := runCLI("", append([]string{"map"}, bad...)...)
		assert.Equal(t, 2, rc, "%v", bad)
	}
}

// --refresh re-maps the rows that are due only: none before refresh_from,
// all after it, and after a rotation those get the new raw UID with the
// old one as the previous.
func TestMapRefresh(t *testing.T) {
	url, admin := mapService(t)
	in := writeFile(t, "in.csv", "email\na@example.com\nbad\nb@example.com\noptout@example.com\n")
	first := filepath.Join(t.TempDir(), "first.csv")
	mapCLI(t, "--url", url, "--in", in, "--out", first)
	before := goMap(t, url, identitymap.FromEmails([]string{"a@example.com", "b@example.com"}))
	admin("salts", "rotate", "--all")
	after := goMap(t, url, identitymap.FromEmails([]string{"a@example.com", "b@example.com"}))
	a0, a1 := before.Mapped["a@example.com"], after.Mapped["a@example.com"]
	require.NotEqual(t, a0.CurrentRawUID, a1.CurrentRawUID)
	require.Equal(t, a0.CurrentRawUID, a1.PreviousRawUID)

	notDue := filepath.Join(t.TempDir(), "not-due.csv")
	mapCLI(t, "--url", url, "--in", first, "--out", notDue, "--refresh", "--now", a0.RefreshFrom.Add(-time.Second).Format(time.RFC3339))
	assert.Equal(t, readFile(t, first), readFile(t, notDue), "nothing is due yet")

	due := filepath.Join(t.TempDir(), "due.csv")
	mapCLI(t, "--url", url, "--in", first, "--out", due, "--refresh", "--now", a0.RefreshFrom.Format(time.RFC3339))
	row := func(m identitymap.MappedIdentity) string {
		return m.CurrentRawUID + "," + m.PreviousRawUID + "," + m.RefreshFrom.Format(time.RFC3339) + ","
	}
	assert.Equal(t, "email,raw_uid,previous_raw_uid,refresh_from,unmapped\n"+
		"a@example.com,"+row(a1)+"\nbad,,,,invalid email\n"+
		"b@example.com,"+row(after.Mapped["b@example.com"])+"\noptout@example.com,,,,optout\n", readFile(t, due))
}

// countingProxy forwards each request to target after delay, counting
// them: the map requests of a run, one per batch.
func countingProxy(t *testing.T, target string, delay time.Duration) (string, *atomic.Int64) {
	var n atomic.Int64
	client := &http.Client{Transport: &http.Transport{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		time.Sleep(delay)
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		req, err := http.NewRequestWithContext(r.Context(), r.Method, target+r.URL.Path, bytes.NewReader(body))
		if err != nil {
			return
		}
		req.Header = r.Header.Clone()
		resp, err := client.Do(req)
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(data)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &n
}

// startChild runs "uid2 ARGS" as a child process (the test binary).
func startChild(t *testing.T, stderr *os.File, args ...string) *exec.Cmd {
	t.Helper()
	data, err := json.Marshal(args)
	require.NoError(t, err)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"="+string(data))
	if stderr != nil {
		cmd.Stderr = stderr
	}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

// Killed mid-run (SIGKILL, with a torn write past its checkpoint), the
// same command resumes after the rows on disk, maps only the rest, and the
// output is byte for byte an uninterrupted run's.
func TestMapResumesAfterKill(t *testing.T) {
	url, _ := mapService(t)
	const rows, batch = 20000, 200
	var b strings.Builder
	b.WriteString("n,email\n")
	for i := range rows {
		fmt.Fprintf(&b, "%d,user%d@example.org\n", i, i)
	}
	in := writeFile(t, "in.csv", b.String())
	whole := filepath.Join(t.TempDir(), "whole.csv")
	mapCLI(t, "--url", url, "--in", in, "--out", whole)

	slow, requests := countingProxy(t, url, 25*time.Millisecond) // the run takes ≥ 1.25 s: time to kill it
	out := filepath.Join(t.TempDir(), "out.csv")
	args := []string{"map", "--url", slow, "--in", in, "--out", out, "--batch", fmt.Sprint(batch), "--in-flight", "2"}
	child := startChild(t, nil, args...)
	var cp checkpointFile
	deadline := time.Now().Add(time.Minute)
	for cp.Rows < 2000 {
		require.True(t, time.Now().Before(deadline), "no progress")
		time.Sleep(5 * time.Millisecond)
		if data, err := os.ReadFile(out + ".checkpoint"); err == nil {
			_ = json.Unmarshal(data, &cp)
		}
	}
	require.NoError(t, child.Process.Signal(syscall.SIGKILL))
	_ = child.Wait()
	data, err := os.ReadFile(out + ".checkpoint")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &cp))
	require.Less(t, cp.Rows, int64(rows), "killed before the end")
	f, err := os.OpenFile(out, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, _ = f.WriteString("torn,row")
	require.NoError(t, f.Close())

	requests.Store(0)
	rc, _, errOut := runCLI("", args...)
	require.Equal(t, 0, rc, errOut)
	assert.Equal(t, fmt.Sprintf("uid2 map: resuming %s after %d rows\n", out, cp.Rows), errOut)
	assert.Equal(t, (rows-cp.Rows+batch-1)/batch, requests.Load(), "only the rows after the checkpoint are mapped")
	assert.Equal(t, readFile(t, whole), readFile(t, out))

	// Another input or other settings do not resume a checkpoint.
	require.NoError(t, os.WriteFile(out+".checkpoint", data, 0o600))
	rc, _, errOut = runCLI("", "map", "--url", url, "--in", in, "--out", out, "--kind", "email")
	assert.Equal(t, 2, rc)
	assert.Contains(t, errOut, "another input or other settings")
}

// Memory stays flat in the file's size: twenty times the rows, about
// the same peak resident memory (holding the rows would add ≥ 100 MB).
func TestMapMemoryIsFlat(t *testing.T) {
	url, _ := mapService(t)
	peak := func(rows int) int64 {
		path := filepath.Join(t.TempDir(), "in.csv")
		f, err := os.Create(path)
		require.NoError(t, err)
		w := bytes.NewBufferString("email\n")
		for i := range rows {
			fmt.Fprintf(w, "someone.with.a.long.name.%d@example.org\n", i)
			if w.Len() > 1<<20 {
				_, _ = w.WriteTo(f)
			}
		}
		_, _ = w.WriteTo(f)
		require.NoError(t, f.Close())
		child := startChild(t, nil, "map", "--url", url, "--in", path, "--out", path+".out")
		require.NoError(t, child.Wait())
		return child.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB
	}
	small, big := peak(20000), peak(400000)
	t.Logf("peak RSS: %d KiB for 20,000 rows, %d KiB for 400,000", small, big)
	assert.Less(t, big, small+48<<10)
}

// On a terminal, standard error shows progress; elsewhere nothing.
func TestMapProgressOnTerminal(t *testing.T) {
	url, _ := mapService(t)
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skip("no pseudo-terminals here:", err)
	}
	defer ptmx.Close()
	require.NoError(t, unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0))
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	require.NoError(t, err)
	tty, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skip("no pseudo-terminals here:", err)
	}
	in := writeFile(t, "in.csv", "email\na@example.com\nb@example.com\n")
	child := startChild(t, tty, "map", "--url", url, "--in", in, "--out", in+".out")
	require.NoError(t, child.Wait())
	require.NoError(t, tty.Close())
	var screen bytes.Buffer
	buf := make([]byte, 4096)
	_ = ptmx.SetReadDeadline(time.Now().Add(2 * time.Second))
	for {
		n, err := ptmx.Read(buf)
		screen.Write(buf[:n])
		if err != nil || strings.Contains(screen.String(), "without a raw UID") {
			break
		}
	}
	assert.Contains(t, screen.String(), "uid2 map: 2 rows, ")
	assert.Contains(t, screen.String(), "100% of the input")
	assert.Contains(t, screen.String(), "2 rows: 2 mapped, 0 without a raw UID")
}

// BenchmarkMap: "uid2 map" of a CSV file of 200,000 distinct emails
// against "uid2 serve" in another process on loopback, with the default
// batches and requests in flight; identities/s is the figure.
func BenchmarkMap(b *testing.B) {
	url, _ := mapService(b)
	const rows = 200000
	var text strings.Builder
	text.WriteString("email\n")
	for i := range rows {
		fmt.Fprintf(&text, "user.%d@example.org\n", i)
	}
	in := writeFile(b, "in.csv", text.String())
	dir := b.TempDir()
	n := 0
	for b.Loop() {
		n++
		rc, _, errOut := runCLI("", "map", "--url", url, "--in", in, "--out", filepath.Join(dir, fmt.Sprint(n)))
		if rc != 0 {
			b.Fatal(errOut)
		}
	}
	b.ReportMetric(float64(rows*n)/b.Elapsed().Seconds(), "identities/s")
}
