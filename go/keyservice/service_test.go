package keyservice

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/libuid2/libuid2/go/envelope"
	"github.com/libuid2/libuid2/go/sharing"
	"github.com/libuid2/libuid2/go/uid2"
)

const adminToken = "test-admin-token-0123456789"

// rawUID is a raw UID2 (base64 of 32 bytes, canonical).
const rawUID = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/abcdc="

type harness struct {
	t   *testing.T
	svc *Service
	srv *httptest.Server
	// seen collects every answer body, to check that none carries a
	// secret.
	mu   sync.Mutex
	seen []string
}

func start(t *testing.T, opts Options) *harness {
	t.Helper()
	if opts.AdminToken == "" {
		opts.AdminToken = adminToken
	}
	if opts.Config == (sharing.Config{}) {
		opts.Config = sharing.DefaultConfig()
	}
	svc, err := New(opts)
	require.NoError(t, err)
	h := &harness{t: t, svc: svc}
	t.Cleanup(func() { svc.Close() })
	h.srv = httptest.NewServer(svc)
	t.Cleanup(h.srv.Close)
	return h
}

// admin calls the admin API and decodes the answer into out (if not nil).
func (h *harness) admin(method, path string, body any, out any) int {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		require.NoError(h.t, err)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	require.NoError(h.t, err)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	return h.do(req, out)
}

func (h *harness) do(req *http.Request, out any) int {
	h.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	h.mu.Lock()
	h.seen = append(h.seen, string(data))
	h.mu.Unlock()
	if out != nil && resp.StatusCode == http.StatusOK {
		require.NoError(h.t, json.Unmarshal(data, out), "%s", data)
	}
	return resp.StatusCode
}

func (h *harness) site(name string, types ...string) int {
	h.t.Helper()
	var s sharing.Site
	require.Equal(h.t, 200, h.admin("POST", "/admin/v1/sites", map[string]any{"name": name, "types": types}, &s))
	return s.ID
}

type credentials struct {
	APIKey string `json:"api_key"`
	Secret string `json:"secret"`
}

func (h *harness) apiKey(site int, roles ...string) credentials {
	h.t.Helper()
	var c credentials
	require.Equal(h.t, 200, h.admin("POST", fmt.Sprintf("/admin/v1/sites/%d/apikeys", site), map[string]any{"roles": roles}, &c))
	h.mu.Lock()
	h.seen = h.seen[:len(h.seen)-1] // the one answer that shows them
	h.mu.Unlock()
	return c
}

// client is a sharing client of c, refreshed.
func (h *harness) client(c credentials) *uid2.SharingClient {
	h.t.Helper()
	cl, err := uid2.NewSharingClient(h.srv.URL, c.APIKey, c.Secret)
	require.NoError(h.t, err)
	require.NoError(h.t, cl.Refresh(context.Background()))
	return cl
}

func encrypt(t *testing.T, c *uid2.SharingClient) string {
	t.Helper()
	r := c.EncryptRawUIDIntoToken(rawUID)
	require.Equal(t, uid2.Success, r.Status)
	return r.EncryptedData
}

func refresh(t *testing.T, c *uid2.SharingClient) {
	t.Helper()
	require.NoError(t, c.Refresh(context.Background()))
}

// The whole workflow through the admin API and real key refreshes: who
// can decrypt a sender's token after each change.
func TestSharingWorkflow(t *testing.T) {
	h := start(t, Options{})
	adv := h.site("advertiser", "advertiser")
	dsp := h.site("dsp", "dsp")
	dp := h.site("data provider", "data-provider")
	pub := h.site("publisher", "publisher")
	sender := h.client(h.apiKey(adv, "sharer"))
	dspC := h.client(h.apiKey(dsp, "sharer"))
	dpC := h.client(h.apiKey(dp, "sharer"))
	pubC := h.client(h.apiKey(pub, "sharer"))

	token := encrypt(t, sender)
	assert.Equal(t, uid2.Success, sender.DecryptTokenIntoRawUID(token).Status, "a site reads its own tokens")
	for _, c := range []*uid2.SharingClient{dspC, dpC, pubC} {
		assert.Equal(t, uid2.NotAuthorizedForKey, c.DecryptTokenIntoRawUID(token).Status, "nothing shared yet")
	}

	// Grant by type, including DSPs created later.
	require.Equal(t, 200, h.admin("POST", fmt.Sprintf("/admin/v1/sites/%d/grants", adv), map[string]any{"type": "dsp", "future": true}, nil))
	assert.Equal(t, uid2.NotAuthorizedForKey, dspC.DecryptTokenIntoRawUID(token).Status, "not before the receiver's next refresh")
	refresh(t, dspC)
	r := dspC.DecryptTokenIntoRawUIDAt(token, time.Now())
	assert.Equal(t, uid2.Success, r.Status)
	assert.Equal(t, rawUID, r.UID)
	assert.Equal(t, int32(adv), r.SiteID)
	lateDSP := h.client(h.apiKey(h.site("late dsp", "dsp"), "sharer"))
	assert.Equal(t, uid2.Success, lateDSP.DecryptTokenIntoRawUID(token).Status, "a DSP joining later is covered")

	// Request → accept for the data provider; the publisher's is declined.
	var req sharing.Request
	require.Equal(t, 200, h.admin("POST", fmt.Sprintf("/admin/v1/sites/%d/requests", dp), map[string]any{"sender": adv}, &req))
	refresh(t, dpC)
	assert.Equal(t, uid2.NotAuthorizedForKey, dpC.DecryptTokenIntoRawUID(token).Status, "a request alone shares nothing")
	require.Equal(t, 200, h.admin("POST", fmt.Sprintf("/admin/v1/sites/%d/requests/%d/accept", adv, req.ID), nil, nil))
	refresh(t, dpC)
	assert.Equal(t, uid2.Success, dpC.DecryptTokenIntoRawUID(token).Status)

	require.Equal(t, 200, h.admin("POST", fmt.Sprintf("/admin/v1/sites/%d/requests", pub), map[string]any{"sender": adv}, &req))
	require.Equal(t, 200, h.admin("POST", fmt.Sprintf("/admin/v1/sites/%d/requests/%d/decline", adv, req.ID), nil, nil))
	refresh(t, pubC)
	assert.Equal(t, uid2.NotAuthorizedForKey, pubC.DecryptTokenIntoRawUID(token).Status)

	var list struct {
		Grants []struct {
			Sender    int    `json:"sender"`
			Site      int    `json:"site"`
			Type      string `json:"type"`
			Receivers []int  `json:"receivers"`
		} `json:"grants"`
		Requests []sharing.Request `json:"requests"`
	}
	require.Equal(t, 200, h.admin("GET", fmt.Sprintf("/admin/v1/sharing?site=%d", dp), nil, &list))
	require.Len(t, list.Grants, 1)
	assert.Equal(t, dp, list.Grants[0].Site)
	require.Len(t, list.Requests, 1)
	assert.Equal(t, sharing.Accepted, list.Requests[0].Status)

	// Revoking takes effect at the receiver's next refresh.
	require.Equal(t, 200, h.admin("DELETE", fmt.Sprintf("/admin/v1/sites/%d/grants/site/%d", adv, dp), nil, nil))
	assert.Equal(t, uid2.Success, dpC.DecryptTokenIntoRawUID(token).Status, "not instant")
	refresh(t, dpC)
	assert.Equal(t, uid2.NotAuthorizedForKey, dpC.DecryptTokenIntoRawUID(token).Status)
	require.Equal(t, 200, h.admin("DELETE", fmt.Sprintf("/admin/v1/sites/%d/grants/type/dsp", adv), nil, nil))
	refresh(t, dspC)
	assert.Equal(t, uid2.NotAuthorizedForKey, dspC.DecryptTokenIntoRawUID(token).Status)

	// A receiver can never encrypt with the sender's keys: its tokens
	// carry its own site.
	own := encrypt(t, dpC)
	assert.Equal(t, int32(dp), dpC.DecryptTokenIntoRawUID(own).SiteID)
}

// Rotating keys: new tokens use the new key, old tokens still decrypt.
func TestRotateOverHTTP(t *testing.T) {
	h := start(t, Options{})
	adv := h.site("adv", "advertiser")
	dsp := h.site("dsp", "dsp")
	require.Equal(t, 200, h.admin("POST", fmt.Sprintf("/admin/v1/sites/%d/grants", adv), map[string]any{"site": dsp}, nil))
	sender, receiver := h.client(h.apiKey(adv, "sharer")), h.client(h.apiKey(dsp, "sharer"))
	old := encrypt(t, sender)

	var k struct {
		ID        int64 `json:"id"`
		Activates int64 `json:"activates"`
	}
	require.Equal(t, 200, h.admin("POST", fmt.Sprintf("/admin/v1/sites/%d/keys/rotate", adv), nil, &k))
	require.Equal(t, 200, h.admin("POST", "/admin/v1/sites/master/keys/rotate", nil, nil))
	var listed []map[string]any
	require.Equal(t, 200, h.admin("GET", fmt.Sprintf("/admin/v1/sites/%d/keys", adv), nil, &listed))
	assert.Len(t, listed, 3, "the old current key, the scheduled next key and the new one")
	for _, l := range listed {
		assert.NotContains(t, l, "secret", "the admin API never returns key secrets")
	}
	time.Sleep(time.Until(time.Unix(k.Activates, 0)))
	refresh(t, sender)
	refresh(t, receiver)
	fresh := encrypt(t, sender)
	for _, tok := range []string{old, fresh} {
		r := receiver.DecryptTokenIntoRawUID(tok)
		assert.Equal(t, uid2.Success, r.Status)
		assert.Equal(t, rawUID, r.UID)
	}
	assert.NotEqual(t, old[:20], fresh[:20], "different keys make different token heads")
}

func TestBidstreamEndpoint(t *testing.T) {
	h := start(t, Options{})
	pub := h.site("pub", "publisher")
	h.apiKey(pub, "generator")
	dsp := h.site("dsp", "dsp")
	bidder := h.apiKey(dsp, "bidder")
	sharer := h.apiKey(dsp, "sharer")

	c, err := uid2.NewBidstreamClient(h.srv.URL, bidder.APIKey, bidder.Secret)
	require.NoError(t, err)
	require.NoError(t, c.Refresh(context.Background()))
	assert.True(t, c.RefreshState().HasKeys)

	noRole, err := uid2.NewBidstreamClient(h.srv.URL, sharer.APIKey, sharer.Secret)
	require.NoError(t, err)
	err = noRole.Refresh(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "401")

	body := keyRequest(t, h, "/v2/key/bidstream", bidder, time.Now(), 200)
	var resp struct {
		Body map[string]any `json:"body"`
	}
	require.NoError(t, json.Unmarshal(body, &resp))
	assert.Contains(t, resp.Body, "max_bidstream_lifetime_seconds")
	assert.NotContains(t, resp.Body, "caller_site_id")
	assert.Len(t, resp.Body["keys"], 6, "master, own and the generating publisher's: current and next each")
}

// keyRequest posts a hand-made envelope and returns the opened answer (for
// 200) or the raw body.
func keyRequest(t *testing.T, h *harness, path string, c credentials, at time.Time, want int) []byte {
	t.Helper()
	cipher, err := envelope.NewCipher(c.Secret)
	require.NoError(t, err)
	var nonce [8]byte
	var iv [12]byte
	_, _ = rand.Read(nonce[:])
	_, _ = rand.Read(iv[:])
	req, _ := http.NewRequest("POST", h.srv.URL+path, strings.NewReader(cipher.SealRequest(at.UnixMilli(), nonce, nil, iv)))
	req.Header.Set("Authorization", "Bearer "+c.APIKey)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	require.Equal(t, want, resp.StatusCode, "%s", data)
	if want != 200 {
		return data
	}
	out, err := cipher.OpenResponse(data, nonce)
	require.NoError(t, err)
	return out
}

// Every envelope fault gets its own 4xx and a message that gives nothing
// away.
func TestEnvelopeFaults(t *testing.T) {
	h := start(t, Options{})
	site := h.site("s", "advertiser")
	c := h.apiKey(site, "sharer")
	other := h.apiKey(site, "sharer")
	now := time.Now()

	keyRequest(t, h, "/v2/key/sharing", c, now.Add(-90*time.Second), 200) // under 2 whole minutes passes (spec §4.2)
	keyRequest(t, h, "/v2/key/sharing", c, now.Add(90*time.Second), 200)
	assert.Contains(t, string(keyRequest(t, h, "/v2/key/sharing", c, now.Add(-3*time.Minute), 400)), "timestamp")
	assert.Contains(t, string(keyRequest(t, h, "/v2/key/sharing", c, now.Add(3*time.Minute), 400)), "timestamp")

	post := func(apiKey, body string) (int, string) {
		req, _ := http.NewRequest("POST", h.srv.URL+"/v2/key/sharing", strings.NewReader(body))
		if apiKey != "" {
			req.Header.Set("Authorization", "Bearer "+apiKey)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		h.mu.Lock()
		h.seen = append(h.seen, string(data))
		h.mu.Unlock()
		return resp.StatusCode, string(data)
	}
	cipherOther, _ := envelope.NewCipher(other.Secret)
	wrongSecret := cipherOther.SealRequest(now.UnixMilli(), [8]byte{}, nil, [12]byte{})
	cipherC, _ := envelope.NewCipher(c.Secret)
	good := cipherC.SealRequest(now.UnixMilli(), [8]byte{}, nil, [12]byte{})
	wrongVersion := "Ag" + good[2:] // first byte 0x02
	notJSON := cipherC.SealRequest(now.UnixMilli(), [8]byte{}, []byte("{not json"), [12]byte{})

	for _, tc := range []struct {
		name, apiKey, body string
		code               int
		says               string
	}{
		{"wrong secret", c.APIKey, wrongSecret, 400, "does not decrypt"},
		{"wrong version byte", c.APIKey, wrongVersion, 400, "version"},
		{"bad base64", c.APIKey, "not base64 at all!", 400, "base64"},
		{"too short", c.APIKey, "AQ==", 400, "envelope"},
		{"payload not JSON", c.APIKey, notJSON, 400, "JSON"},
		{"no API key", "", good, 401, "Bearer"},
		{"unknown API key", "UID2-C-L-1-nope", good, 401, "unknown API key"},
	} {
		code, body := post(tc.apiKey, tc.body)
		assert.Equal(t, tc.code, code, tc.name)
		assert.Contains(t, body, tc.says, tc.name)
	}
	req, _ := http.NewRequest("GET", h.srv.URL+"/v2/key/sharing", nil)
	assert.Equal(t, http.StatusMethodNotAllowed, h.do(req, nil))

	h.assertNoSecrets(c, other)
}

// assertNoSecrets checks that no answer seen carries key material, a client
// secret, an API key or the admin token (API keys and secrets are expected
// only in the answers that create them, which callers leave out of seen).
func (h *harness) assertNoSecrets(creds ...credentials) {
	h.t.Helper()
	secrets := []string{adminToken}
	for _, c := range creds {
		secrets = append(secrets, c.Secret, c.APIKey)
	}
	for _, k := range h.svc.current.Load().state.Keys {
		b, _ := json.Marshal(k.Secret)
		secrets = append(secrets, strings.Trim(string(b), `"`))
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, body := range h.seen {
		for _, s := range secrets {
			assert.NotContains(h.t, body, s)
		}
	}
}

func TestRolesAndEndpoints(t *testing.T) {
	h := start(t, Options{})
	site := h.site("s", "publisher")
	for _, tc := range []struct {
		roles              []string
		sharing, bidstream int
	}{
		{[]string{"sharer"}, 200, 401},
		{[]string{"bidder"}, 200, 200},
		{[]string{"generator"}, 401, 401},
		{[]string{"mapper"}, 401, 401},
	} {
		c := h.apiKey(site, tc.roles...)
		keyRequest(t, h, "/v2/key/sharing", c, time.Now(), tc.sharing)
		keyRequest(t, h, "/v2/key/bidstream", c, time.Now(), tc.bidstream)
	}
}

// Refused admin calls get a clear 4xx and change nothing.
func TestAdminErrors(t *testing.T) {
	h := start(t, Options{})
	adv := h.site("adv", "advertiser")
	dsp := h.site("dsp", "dsp")
	require.Equal(t, 200, h.admin("POST", fmt.Sprintf("/admin/v1/sites/%d/grants", adv), map[string]any{"type": "dsp"}, nil))
	snapshot := func() string {
		data, _ := json.Marshal(h.svc.current.Load().state)
		return string(data)
	}
	before := snapshot()

	for _, tc := range []struct {
		method, path string
		body         any
		code         int
	}{
		{"POST", "/admin/v1/sites", map[string]any{"name": "x"}, 400},
		{"POST", "/admin/v1/sites", map[string]any{"name": "x", "types": []string{"bank"}}, 400},
		{"POST", "/admin/v1/sites", map[string]any{"name": "ADV", "types": []string{"dsp"}}, 409},
		{"POST", "/admin/v1/sites", map[string]any{"name": "x", "types": []string{"dsp"}, "colour": "red"}, 400},
		{"POST", "/admin/v1/sites", "not an object", 400},
		{"GET", "/admin/v1/sites/999", nil, 404},
		{"GET", "/admin/v1/sites/abc", nil, 400},
		{"POST", "/admin/v1/sites/999/apikeys", map[string]any{"roles": []string{"sharer"}}, 404},
		{"POST", fmt.Sprintf("/admin/v1/sites/%d/apikeys", adv), map[string]any{"roles": []string{"root"}}, 400},
		{"POST", fmt.Sprintf("/admin/v1/sites/%d/grants", adv), map[string]any{"site": dsp}, 409},
		{"POST", fmt.Sprintf("/admin/v1/sites/%d/grants", adv), map[string]any{"site": dsp, "type": "dsp"}, 400},
		{"POST", fmt.Sprintf("/admin/v1/sites/%d/grants", adv), map[string]any{}, 400},
		{"POST", fmt.Sprintf("/admin/v1/sites/%d/grants", adv), map[string]any{"site": adv}, 400},
		{"POST", fmt.Sprintf("/admin/v1/sites/%d/grants", adv), map[string]any{"type": "dsp"}, 409},
		{"DELETE", fmt.Sprintf("/admin/v1/sites/%d/grants/site/%d", adv, dsp), nil, 409},
		{"DELETE", fmt.Sprintf("/admin/v1/sites/%d/grants/type/publisher", adv), nil, 404},
		{"POST", fmt.Sprintf("/admin/v1/sites/%d/requests", dsp), map[string]any{"sender": adv}, 409},
		{"POST", fmt.Sprintf("/admin/v1/sites/%d/requests/7/accept", adv), nil, 404},
		{"POST", fmt.Sprintf("/admin/v1/sites/%d/keys/rotate", 999), nil, 404},
		{"GET", "/admin/v1/sharing?site=x", nil, 400},
		{"POST", "/admin/v1/faults", map[string]any{"mode": "500"}, 404}, // not enabled
	} {
		code := h.admin(tc.method, tc.path, tc.body, nil)
		assert.Equal(t, tc.code, code, "%s %s %v", tc.method, tc.path, tc.body)
	}
	assert.Equal(t, before, snapshot(), "nothing half-applied")
	for _, body := range h.seen[len(h.seen)-20:] {
		if strings.HasPrefix(body, "{") {
			assert.Contains(t, body, `"error"`)
		}
	}

	for _, token := range []string{"", "Bearer wrong-token-0123456789", "Basic " + adminToken} {
		req, _ := http.NewRequest("GET", h.srv.URL+"/admin/v1/sites", nil)
		if token != "" {
			req.Header.Set("Authorization", token)
		}
		assert.Equal(t, 401, h.do(req, nil))
	}
	h.assertNoSecrets()
}

func TestFaults(t *testing.T) {
	h := start(t, Options{Faults: true})
	site := h.site("s", "advertiser")
	c := h.client(h.apiKey(site, "sharer"))
	token := encrypt(t, c)
	for _, mode := range []string{Fault500, FaultGarbage, FaultWrongNonce, FaultWrongSecret} {
		require.Equal(t, 200, h.admin("POST", "/admin/v1/faults", map[string]any{"mode": mode}, nil))
		assert.Error(t, c.Refresh(context.Background()), mode)
		assert.Equal(t, uid2.Success, c.DecryptTokenIntoRawUID(token).Status, "%s: keys kept", mode)
	}
	require.Equal(t, 200, h.admin("POST", "/admin/v1/faults", map[string]any{"mode": FaultNone}, nil))
	refresh(t, c)
	assert.Equal(t, 400, h.admin("POST", "/admin/v1/faults", map[string]any{"mode": "fire"}, nil))
}

func TestNewChecks(t *testing.T) {
	_, err := New(Options{AdminToken: "short", Config: sharing.DefaultConfig()})
	assert.ErrorContains(t, err, "16 characters")
	bad := sharing.DefaultConfig()
	bad.IdentityScope = "XYZ"
	_, err = New(Options{AdminToken: adminToken, Config: bad})
	assert.ErrorContains(t, err, "scope")
	bad = sharing.DefaultConfig()
	bad.KeyLifetime = 0
	_, err = New(Options{AdminToken: adminToken, Config: bad})
	assert.Error(t, err)
}

func TestEUIDService(t *testing.T) {
	cfg := sharing.DefaultConfig()
	cfg.IdentityScope = "EUID"
	h := start(t, Options{Config: cfg})
	c := h.client(h.apiKey(h.site("s", "advertiser"), "sharer"))
	r := c.DecryptTokenIntoRawUID(encrypt(t, c))
	assert.Equal(t, uid2.Success, r.Status)
	assert.Equal(t, uid2.EUID, r.IdentityScope)
}
