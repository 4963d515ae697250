package keyservice

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/libuid2/libuid2/go/envelope"
	"github.com/libuid2/libuid2/go/internal/syncbuf"
	"github.com/libuid2/libuid2/go/sharing"
)

// rawAdmin sends an admin request with a body as given and returns the
// status and the "error" of the answer.
func (h *harness) rawAdmin(method, path, body string) (int, string) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	require.NoError(h.t, err)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	code := h.do(req, nil)
	var out struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal([]byte(h.seen[len(h.seen)-1]), &out)
	return code, out.Error
}

// Admin bodies are exactly one JSON object with known fields, each once and
// of its type; ids are plain numbers; messages speak of fields, not types.
func TestAdminJSONIsStrict(t *testing.T) {
	h := start(t, Options{})
	adv := h.site("adv", "advertiser")
	dsp := h.site("dsp", "dsp")
	grants := fmt.Sprintf("/admin/v1/sites/%d/grants", adv)
	for _, tc := range []struct{ path, body, message string }{
		{grants, fmt.Sprintf(`{"site":%d} trailing`, dsp), "exactly one JSON value"},
		{grants, `{"site":102`, "not valid JSON"},
		{grants, fmt.Sprintf(`{"site":%d}{"type":"dsp"}`, dsp), "exactly one JSON value"},
		{grants, fmt.Sprintf(`{"site":999,"site":%d}`, dsp), `"site" is given twice`},
		{grants, fmt.Sprintf(`{"site":%d,"extra":{"a":1,"a":2}}`, dsp), "given twice"},
		{grants, `{"site":"102"}`, `"site" must be a whole number`},
		{grants, `{"site":102.5}`, `"site" must be a whole number`},
		{grants, `{"type":"dsp","future":"yes"}`, `"future" must be true or false`},
		{grants, `{"sight":102}`, `unknown field "sight"`},
		// Go's decoder takes other spellings of a field for it (any case,
		// "ſ" for "s"): two spellings would be a field given twice.
		{grants, fmt.Sprintf(`{"Site":999,"site":%d}`, dsp), `unknown field "Site"`},
		{grants, fmt.Sprintf(`{"\u017fite":%d}`, dsp), "unknown field"},
		{"/admin/v1/sites", `{"NAME":"x","types":["dsp"]}`, `unknown field "NAME"`},
		{grants, `[102]`, "must be a JSON object"},
		{grants, ``, "empty"},
		{"/admin/v1/sites", `{"name":"x","types":"dsp"}`, `"types" must be a list of strings`},
		{"/admin/v1/sites/+101/apikeys", `{"roles":["sharer"]}`, `site "+101" is not a positive whole number`},
		{"/admin/v1/sites/0101/apikeys", `{"roles":["sharer"]}`, "not a positive whole number"},
		{"/admin/v1/sites/101%20/apikeys", `{"roles":["sharer"]}`, "not a positive whole number"},
	} {
		code, msg := h.rawAdmin("POST", tc.path, tc.body)
		assert.Equal(t, 400, code, "%s %s", tc.path, tc.body)
		assert.Contains(t, msg, tc.message, "%s %s", tc.path, tc.body)
		for _, goWords := range []string{"Go ", "struct", "int", "sharing.", "json:"} {
			assert.NotContains(t, msg, goWords, "%s %s", tc.path, tc.body)
		}
	}
	code, msg := h.rawAdmin("GET", "/admin/v1/sharing?site=+101", "")
	assert.Equal(t, 400, code, msg)
	code, _ = h.rawAdmin("POST", grants, fmt.Sprintf(" {\"site\": %d}\n", dsp))
	assert.Equal(t, 200, code, "surrounding white space is fine")
}

// failingStore is a store whose saves fail while fail is set, as on a
// full disk.
type failingStore struct {
	saver
	fail  atomic.Bool
	saves atomic.Int32
}

func (f *failingStore) Save(s *sharing.State) error {
	f.saves.Add(1)
	if f.fail.Load() {
		return errors.New("write state.json: no space left on device")
	}
	return f.saver.Save(s)
}

// A full disk when a rotation is due: key requests keep getting the keys
// that are valid, the disk is tried once per saveRetry, not per request,
// one line is logged when saving starts failing and one when it recovers.
func TestFullDiskKeepsServingKeys(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().Unix())
	var logged syncbuf.Buffer
	cfg := sharing.DefaultConfig()
	cfg.KeyLifetime = 3600
	cfg.TokenExpiry = 7200
	h := start(t, Options{DataDir: filepath.Join(t.TempDir(), "data"), Config: cfg,
		Now: func() time.Time { return time.Unix(clock.Load(), 0) }, Log: log.New(&logged, "", 0)})
	store := &failingStore{saver: h.svc.store}
	h.svc.store = store
	site := h.site("s", "advertiser")
	c := h.apiKey(site, "sharer")
	keysAt := func() []any {
		var resp struct {
			Body map[string]any `json:"body"`
		}
		require.NoError(t, json.Unmarshal(keyRequest(t, h, "/v2/key/sharing", c, time.Unix(clock.Load(), 0), 200), &resp))
		return resp.Body["keys"].([]any)
	}
	before := keysAt()

	store.fail.Store(true)
	clock.Add(3600) // the next keys activate: a rotation is due
	saves := store.saves.Load()
	for range 20 {
		assert.Len(t, keysAt(), len(before), "the keys that are still valid, from memory")
	}
	assert.Equal(t, saves+1, store.saves.Load(), "one save attempt per retry interval, not one per request")
	assert.Equal(t, 500, h.admin("POST", "/admin/v1/sites", map[string]any{"name": "t", "types": []string{"dsp"}}, nil), "a change that cannot be saved is refused")
	clock.Add(int64(saveRetry / time.Second))
	keysAt()
	assert.Equal(t, 1, strings.Count(logged.String(), "cannot save the state"), "one line per failure period: %s", logged.String())
	assert.Contains(t, logged.String(), "no space left on device")

	store.fail.Store(false)
	clock.Add(int64(saveRetry / time.Second))
	after := keysAt()
	assert.Greater(t, len(after), len(before), "the rotation happens once the disk has room")
	assert.Contains(t, logged.String(), "saved again")
	assert.Equal(t, 200, h.admin("POST", "/admin/v1/sites", map[string]any{"name": "t", "types": []string{"dsp"}}, nil))
	assert.Equal(t, 1, strings.Count(logged.String(), "cannot save the state"))
}

// A state file that is not a state is refused at start with a message
// that names what is wrong, never served.
func TestInvalidStateRefusesToStart(t *testing.T) {
	for content, want := range map[string]string{
		`{}`: "identity scope",
		`{"config":{"identity_scope":"UID2","key_lifetime":86400,"token_expiry":86400,"max_sharing_lifetime":86400,"max_bidstream_lifetime":86400},
		  "sites":[{"id":101,"name":"a","types":["dsp"],"keyset_id":4}],
		  "api_keys":[{"key_id":"K1","site_id":102,"roles":["sharer"],"key_hash":"` + strings.Repeat("ab", 32) + `","secret":"` + randomSecret() + `"}],
		  "next_site_id":102,"next_keyset_id":5,"next_key_id":1,"next_grant_id":1,"next_request_id":1,"next_api_key_id":2}`: "site 102 does not exist",
	} {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "state.json"), []byte(content), 0o600))
		_, err := New(Options{DataDir: dir, AdminToken: adminToken, Config: sharing.DefaultConfig()})
		assert.ErrorContains(t, err, want)
	}
}

// A request that hits a bug gets a 500 and the service goes on.
func TestPanicIsA500(t *testing.T) {
	var logged syncbuf.Buffer
	h := start(t, Options{Log: log.New(&logged, "", 0)})
	h.svc.mux.HandleFunc("GET /admin/v1/boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
	resp, err := http.Get(h.srv.URL + "/admin/v1/boom")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 500, resp.StatusCode)
	assert.Contains(t, logged.String(), "boom")
	assert.Equal(t, 200, h.admin("GET", "/admin/v1/sites", nil, nil))
}

// fuzzService is a service with a site, an API key and a grant, for the
// fuzz targets.
func fuzzService(f *testing.F) (*Service, credentials) {
	svc, err := New(Options{AdminToken: adminToken, Config: sharing.DefaultConfig(), Faults: true, Log: log.New(io.Discard, "", 0)})
	require.NoError(f, err)
	h := &harness{t: &testing.T{}, svc: svc, srv: httptest.NewServer(svc)}
	f.Cleanup(h.srv.Close)
	adv := h.site("adv", "advertiser")
	h.site("dsp", "dsp")
	return svc, h.apiKey(adv, "sharer", "bidder")
}

// FuzzAdminRequest: no admin request makes the service fail (5xx) or
// answer JSON that is not JSON, and a refused one changes nothing.
func FuzzAdminRequest(f *testing.F) {
	svc, _ := fuzzService(f)
	for _, seed := range []struct{ method, path, body string }{
		{"POST", "/admin/v1/sites", `{"name":"x","types":["dsp"],"domain_names":["a.com"],"app_names":["com.a"]}`},
		{"POST", "/admin/v1/sites/101/apikeys", `{"roles":["sharer"],"name":"k"}`},
		{"POST", "/admin/v1/sites/101/grants", `{"site":102}`},
		{"POST", "/admin/v1/sites/101/grants", `{"type":"dsp","future":true}`},
		{"DELETE", "/admin/v1/sites/101/grants/site/102", ``},
		{"DELETE", "/admin/v1/sites/101/grants/type/dsp", ``},
		{"POST", "/admin/v1/sites/102/requests", `{"sender":101}`},
		{"POST", "/admin/v1/sites/101/requests/1/accept", ``},
		{"GET", "/admin/v1/sharing?site=101", ``},
		{"POST", "/admin/v1/sites/master/keys/rotate", ``},
		{"POST", "/admin/v1/faults", `{"mode":"none"}`},
		{"POST", "/admin/v1/sites", `{"name":"a","name":"b"}`},
	} {
		f.Add(seed.method, seed.path, seed.body)
	}
	f.Fuzz(func(t *testing.T, method, path, body string) {
		req, err := http.NewRequest(method, "http://local"+path, strings.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "Bearer "+adminToken)
		before := svc.current.Load()
		w := httptest.NewRecorder()
		svc.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", method, path, body, w.Code, w.Body)
		}
		if w.Code >= 400 && svc.current.Load() != before && svc.current.Load().state.NextChange() == before.state.NextChange() {
			t.Fatalf("%s %s %q refused (%d) but changed the state", method, path, body, w.Code)
		}
		if w.Header().Get("Content-Type") == "application/json" && !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s %s %q: not JSON: %s", method, path, body, w.Body)
		}
	})
}

// FuzzKeyRequest: no key request body makes the service panic, and only a
// well-formed envelope under the caller's secret gets keys.
func FuzzKeyRequest(f *testing.F) {
	svc, c := fuzzService(f)
	cipher, err := envelope.NewCipher(c.Secret)
	require.NoError(f, err)
	var nonce [8]byte
	var iv [12]byte
	now := time.Now().UnixMilli()
	f.Add([]byte(cipher.SealRequest(now, nonce, nil, iv)), false)
	f.Add([]byte(cipher.SealRequest(now, nonce, []byte(`{"a":1}`), iv)), true)
	f.Add([]byte(cipher.SealRequest(now-120_000, nonce, nil, iv)), false)
	f.Add([]byte("AQ=="), false)
	f.Add([]byte(""), true)
	f.Fuzz(func(t *testing.T, body []byte, bidstream bool) {
		path := "/v2/key/sharing"
		if bidstream {
			path = "/v2/key/bidstream"
		}
		req := httptest.NewRequest("POST", path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+c.APIKey)
		w := httptest.NewRecorder()
		svc.ServeHTTP(w, req)
		switch w.Code {
		case 200:
			if _, _, _, err := cipher.OpenRequest(bytes.TrimSpace(body)); err != nil {
				t.Fatalf("keys for a body that does not open: %q", body)
			}
		case 400:
		default:
			t.Fatalf("%q: %d %s", body, w.Code, w.Body)
		}
	})
}

// slowStore is a store whose saves take a while, as on a busy disk.
type slowStore struct {
	saver
	saves atomic.Int32
}

func (s *slowStore) Save(st *sharing.State) error {
	s.saves.Add(1)
	time.Sleep(20 * time.Millisecond)
	return s.saver.Save(st)
}

// Key requests that arrive together when a rotation is due make it once:
// one save, not one per request that saw it due.
func TestDueRotationIsSavedOnce(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().Unix())
	cfg := sharing.DefaultConfig()
	cfg.KeyLifetime = 3600
	cfg.TokenExpiry = 7200
	h := start(t, Options{DataDir: filepath.Join(t.TempDir(), "data"), Config: cfg,
		Now: func() time.Time { return time.Unix(clock.Load(), 0) }})
	h.site("s", "advertiser")
	store := &slowStore{saver: h.svc.store}
	h.svc.store = store
	clock.Add(3600) // the next keys activate: a rotation is due
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.svc.View(func(*sharing.State, int64) {})
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(1), store.saves.Load())
}
