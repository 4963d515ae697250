package keyservice

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"

	"github.com/libuid2/libuid2/go/envelope"
	"github.com/libuid2/libuid2/go/operator"
	"github.com/libuid2/libuid2/go/sharing"
	"github.com/libuid2/libuid2/go/token"
)

// The operator's endpoints (uid2-spec-publisher §1, §3.1, §6.2): token
// generate and refresh, identity map v3 and opt-out status, computed by
// package operator over the state's salts, keys and opt-outs. Errors have
// the operator's statuses and messages.

// DefaultLifetimes are the operator's production lifetimes
// (uid2-spec-publisher §1.8): advertising tokens 3 days, refresh tokens
// 30 days, refresh after 1 hour.
var DefaultLifetimes = operator.Lifetimes{IdentityS: 259200, RefreshS: 2592000, RefreshAfterS: 3600}

// maxOperatorRequest is the operator's request body limit.
const maxOperatorRequest = 1 << 20

// envelopeHint ends the operator's envelope error messages (the EUID
// operator names its own documentation).
func envelopeHint(c sharing.Config) string {
	host := "https://unifiedid.com"
	if c.IdentityScope == "EUID" {
		host = "https://euid.eu"
	}
	return " See " + host + "/docs/getting-started/gs-encryption-decryption for details on the request envelope format."
}

// opView is what the operator endpoints read of one published state,
// built once per state: the salts in package operator's form and the
// opt-outs indexed.
type opView struct {
	salts    *operator.Salts
	optedOut map[[32]byte]bool
	byRawUID map[string]int64 // base64 raw UID → since (seconds)
}

type opCache struct {
	once sync.Once
	view *opView
}

func (p *published) operatorView() *opView {
	p.op.once.Do(func() {
		st := p.state
		v := &opView{salts: st.Salts.Operator(scopeOf(st.Config)), optedOut: map[[32]byte]bool{}, byRawUID: map[string]int64{}}
		for _, o := range st.OptOuts {
			var flh [32]byte
			raw, _ := base64.StdEncoding.DecodeString(o.FirstLevelHash) // validated
			copy(flh[:], raw)
			v.optedOut[flh] = true
			v.byRawUID[o.RawUID] = o.Since
		}
		p.op.view = v
	})
	return p.op.view
}

// sameOperatorData reports whether b's operator view would be a's: the
// same salts and opt-outs (shared by a state's clones until changed) in the
// same scope.
func sameOperatorData(a, b *sharing.State) bool {
	return a.Salts == b.Salts && scopeOf(a.Config) == scopeOf(b.Config) &&
		len(a.OptOuts) == len(b.OptOuts) && (len(a.OptOuts) == 0 || &a.OptOuts[0] == &b.OptOuts[0])
}

func scopeOf(c sharing.Config) int {
	if c.IdentityScope == "EUID" {
		return 1
	}
	return 0
}

// isOptedOut applies the test identities (§1.9) over the opt-out list.
// For refresh, refresh-optout@example.com and +00000000002 are opted out.
func (v *opView) isOptedOut(flh [32]byte, refresh bool) bool {
	switch v.salts.TestIdentityOf(flh) {
	case operator.OptedOutIdentity:
		return true
	case operator.RefreshOptedOutIdentity:
		return refresh
	case operator.ValidateIdentity:
		return false
	}
	return v.optedOut[flh]
}

// operatorCall is a request to an enveloped operator endpoint, opened.
type operatorCall struct {
	state   *sharing.State
	view    *opView
	now     int64 // seconds
	nowMs   int64
	key     *sharing.APIKey
	cipher  *envelope.Cipher
	nonce   [envelope.NonceSize]byte
	binary  bool
	payload []byte
}

// enveloped serves an endpoint with the v2 envelope for API keys with any
// of roles: authenticated (401 {"status":"unauthorized"}, no message, as
// the operator), opened with the operator's envelope messages.
func (s *Service) enveloped(h func(w http.ResponseWriter, c *operatorCall), roles ...sharing.Role) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := &operatorCall{}
		var ok bool
		c.state, c.view, c.now, c.nowMs = s.operatorSnapshot()
		if token, has := bearer(r); has {
			c.key = c.state.Authenticate(token)
		}
		if c.key == nil || !slices.ContainsFunc(roles, c.key.Has) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"status":"unauthorized"}`)
			return
		}
		if c.cipher, ok = s.openEnvelope(w, r, c); ok {
			h(w, c)
		}
	}
}

// operatorSnapshot is the state (after any due key rotation), its view
// and the time in seconds and milliseconds.
func (s *Service) operatorSnapshot() (*sharing.State, *opView, int64, int64) {
	s.snapshot() // rotates keys when due
	p := s.current.Load()
	nowMs := s.now().UnixMilli()
	return p.state, p.operatorView(), nowMs / 1000, nowMs
}

// openEnvelope reads the body as the operator does (§1.3's envelope
// table): raw bytes with Content-Type application/octet-stream (retried
// as base64 text should that fail), else base64 text.
func (s *Service) openEnvelope(w http.ResponseWriter, r *http.Request, c *operatorCall) (*envelope.Cipher, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxOperatorRequest+1))
	switch {
	case err != nil || len(body) > maxOperatorRequest:
		clientError(w, "Invalid body: Body is missing.")
		return nil, false
	case len(body) == 0:
		clientError(w, "Invalid body: Body is missing.")
		return nil, false
	}
	ciph, err := envelope.NewCipher(c.key.Secret)
	if err != nil {
		operatorError(w, http.StatusInternalServerError, "unknown", "this API key has no usable secret")
		return nil, false
	}
	c.binary = r.Header.Get("Content-Type") == "application/octet-stream"
	var data []byte
	if c.binary {
		if _, _, _, err := ciph.OpenRequestBytes(body); err == nil {
			data = body
		}
	}
	if data == nil {
		text := bytes.TrimSpace(body)
		if json.Valid(text) {
			clientError(w, "Invalid body: The request body is unencrypted JSON. It must be an encrypted request envelope. See https://unifiedid.com/docs/getting-started/gs-encryption-decryption#encryption-and-decryption-code-examples for encryption and decryption code examples.")
			return nil, false
		}
		if data, err = base64.StdEncoding.DecodeString(string(text)); err != nil {
			clientError(w, "Invalid body: Body is not valid base64."+envelopeHint(c.state.Config))
			return nil, false
		}
		if json.Valid(data) {
			clientError(w, "Invalid body: The request body is unencrypted JSON. It must be an encrypted request envelope. See https://unifiedid.com/docs/getting-started/gs-encryption-decryption#encryption-and-decryption-code-examples for encryption and decryption code examples.")
			return nil, false
		}
	}
	if len(data) < 1+12+16+8+8 {
		clientError(w, "Invalid body: Body too short. Check encryption method."+envelopeHint(c.state.Config))
		return nil, false
	}
	if data[0] != 1 {
		clientError(w, fmt.Sprintf("Invalid body: Invalid request envelope format version: received %d, must be 1.", data[0])+envelopeHint(c.state.Config))
		return nil, false
	}
	reqTime, nonce, payload, err := ciph.OpenRequestBytes(data)
	if err != nil {
		clientError(w, "Invalid body: Check encryption key (ClientSecret)."+envelopeHint(c.state.Config))
		return nil, false
	}
	if drift := (c.nowMs - reqTime) / 60000; drift > driftLimitMinutes || drift < -driftLimitMinutes {
		clientError(w, "Invalid timestamp: Request too old or client time drift.")
		return nil, false
	}
	if len(payload) > 0 && !json.Valid(payload) {
		clientError(w, operator.MsgNotJSON)
		return nil, false
	}
	c.nonce, c.payload = nonce, payload
	return ciph, true
}

func clientError(w http.ResponseWriter, message string) {
	operatorError(w, http.StatusBadRequest, "client_error", message)
}

// respond seals a 200 answer for the caller, in the request's form.
func (c *operatorCall) respond(w http.ResponseWriter, payload []byte) {
	var iv [12]byte
	_, _ = rand.Read(iv[:])
	if c.binary {
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(c.cipher.SealResponseBytes(c.nowMs, c.nonce, payload, iv))
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, c.cipher.SealResponse(c.nowMs, c.nonce, payload, iv))
}

// refused answers a request package operator refuses (its messages are
// the operator's); it reports whether there was one.
func refused(w http.ResponseWriter, err error) bool {
	var re *operator.RequestError
	if errors.As(err, &re) {
		clientError(w, re.Message)
		return true
	}
	if err != nil {
		operatorError(w, http.StatusInternalServerError, "unknown", "Unknown error")
		return true
	}
	return false
}

var optoutBody = []byte(`{"status":"optout"}`)

// generate is POST /v2/token/generate (§1.7 "Generate").
func (s *Service) generate(w http.ResponseWriter, c *operatorCall) {
	id, err := operator.ParseGenerateRequest(c.payload)
	if refused(w, err) {
		return
	}
	flh := c.view.salts.FirstLevelHash(id)
	if c.view.isOptedOut(flh, false) {
		c.respond(w, optoutBody)
		return
	}
	body, status, msg := s.mint(c, &operator.Identity{
		Scope: scopeOf(c.state.Config), IdentityType: id.Type, SiteID: int64(c.key.SiteID),
		PrivacyBits: 1, EstablishedMs: c.nowMs, FirstLevelHash: flh,
	}, c.key.SiteID, "Unknown error while generating token v2")
	if status != http.StatusOK {
		operatorError(w, status, "unknown", msg)
		return
	}
	c.respond(w, body)
}

// mint computes the raw UID from the current salts and mints the tokens
// of id for a site, answering the success body or the operator's 500.
func (s *Service) mint(c *operatorCall, id *operator.Identity, site int, unknown string) ([]byte, int, string) {
	raw, err := c.view.salts.Bucket(id.FirstLevelHash).RawUID(id.FirstLevelHash, id.IdentityType, c.view.salts.Options)
	if err != nil {
		return nil, http.StatusInternalServerError, unknown
	}
	id.RawUID = raw
	master, siteKey, refresh, ok := c.state.OperatorKeys(site, c.now)
	if !ok {
		return nil, http.StatusInternalServerError, "No active encryption key available"
	}
	keys := &operator.Keys{
		Master:  operator.Key{ID: master.ID, Secret: master.Secret},
		Site:    operator.Key{ID: siteKey.ID, Secret: siteKey.Secret},
		Refresh: operator.Key{ID: refresh.ID, Secret: refresh.Secret},
	}
	t, err := operator.Mint(c.nowMs, id, keys, s.lifetimes, rand.Reader)
	if err != nil {
		return nil, http.StatusInternalServerError, unknown
	}
	return slices.Concat([]byte(`{"body":`), t.BodyJSON(), []byte(`,"status":"success"}`)), http.StatusOK, ""
}

// refresh is POST /v2/token/refresh (§1.4, §1.5, §1.7 "Refresh"): the
// body is the refresh token itself; an API key is optional and changes
// only the error's detail.
func (s *Service) refresh(w http.ResponseWriter, r *http.Request) {
	c := &operatorCall{}
	c.state, c.view, c.now, c.nowMs = s.operatorSnapshot()
	authenticated := false
	if token, has := bearer(r); has {
		authenticated = c.state.Authenticate(token) != nil
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxOperatorRequest+1))
	if err != nil || len(data) > maxOperatorRequest {
		clientError(w, "Invalid body: Body is missing.")
		return
	}
	body := string(data)
	key := func(id int64) cipher.Block {
		if k := c.state.RefreshKey(id); k != nil {
			b, _ := token.NewKey(k.Secret)
			return b
		}
		return nil
	}
	var responseKey string
	if len(body) == token.WrapperLen {
		// The operator's messages for a wrapper that does not open; the
		// GCM and JSON failures are one error in package token, and only
		// a holder of the refresh key could make the latter.
		wr, err := token.DecodeWrapper(body, key)
		switch {
		case err == nil:
			responseKey = wr.ResponseKey
		case !validBase64(body):
			clientError(w, "Invalid body: Body is not valid base64.")
			return
		case errors.Is(err, token.ErrRefreshKey):
			clientError(w, fmt.Sprintf("Invalid key: Generator of this token (Key ID: %d) does not exist.", wr.KeyID))
			return
		default:
			clientError(w, "Invalid data: Check encryption method and encryption key.")
			return
		}
	}
	answer := func(payload []byte) {
		if responseKey == "" { // a legacy token: the answer is plain JSON
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(payload)
			return
		}
		ciph, err := envelope.NewCipher(responseKey)
		if err != nil {
			operatorError(w, http.StatusInternalServerError, "unknown", "Unknown error while refreshing token v2")
			return
		}
		var iv [12]byte
		_, _ = rand.Read(iv[:])
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, ciph.SealRefreshResponse(payload, iv))
	}
	p, err := operator.OpenRefresh(body, c.nowMs, scopeOf(c.state.Config), key)
	switch {
	case errors.Is(err, operator.ErrDeprecatedToken):
		answer(optoutBody)
		return
	case err != nil && !authenticated:
		operatorError(w, http.StatusBadRequest, "error", "Error refreshing token")
		return
	case errors.Is(err, operator.ErrExpiredToken):
		operatorError(w, http.StatusBadRequest, "expired_token", "Expired Token presented")
		return
	case err != nil:
		operatorError(w, http.StatusBadRequest, "invalid_token", "Invalid Token presented")
		return
	}
	if c.view.isOptedOut(p.Token.FirstLevelHash, true) {
		answer(optoutBody)
		return
	}
	out, status, msg := s.mint(c, p.Reissue(nil), int(p.Token.SiteID), "Unknown error while refreshing token v2")
	if status != http.StatusOK {
		operatorError(w, status, "unknown", msg)
		return
	}
	answer(out)
}

func validBase64(s string) bool {
	_, err := base64.StdEncoding.DecodeString(s)
	return err == nil
}

// identityMapV3 is POST /v3/identity/map (§3.1).
func (s *Service) identityMapV3(w http.ResponseWriter, c *operatorCall) {
	inputs, err := operator.ParseIdentityMapV3Request(c.payload)
	if refused(w, err) {
		return
	}
	var results [4][]operator.MapResult
	for k := range inputs {
		results[k] = make([]operator.MapResult, len(inputs[k]))
		for i, in := range inputs[k] {
			if !in.Valid {
				results[k][i].Unmapped = "invalid identifier"
				continue
			}
			flh := c.view.salts.FirstLevelHash(in.HashedIdentity)
			if c.view.isOptedOut(flh, false) {
				results[k][i].Unmapped = "optout"
				continue
			}
			if results[k][i], err = c.view.salts.Map(flh, in.Type, c.nowMs); err != nil {
				operatorError(w, http.StatusInternalServerError, "unknown", "Unknown error while mapping identity")
				return
			}
		}
	}
	c.respond(w, operator.IdentityMapV3Response(results))
}

// maxOptoutStatus is the operator's optout_status_max_request_size.
const maxOptoutStatus = 5000

// optoutStatus is POST /v2/optout/status (§6.2): which of the given raw
// UIDs opted out, and since when (ms). A raw UID is the one the user had
// when it opted out.
func (s *Service) optoutStatus(w http.ResponseWriter, c *operatorCall) {
	var req map[string]json.RawMessage
	if json.Unmarshal(c.payload, &req) != nil {
		clientError(w, "Invalid request body")
		return
	}
	raw, ok := req["advertising_ids"]
	if !ok {
		clientError(w, "Required Parameter Missing: advertising_ids")
		return
	}
	var ids []string
	if json.Unmarshal(raw, &ids) != nil {
		clientError(w, "Invalid request body")
		return
	}
	if len(ids) > maxOptoutStatus {
		clientError(w, "Request payload is too large")
		return
	}
	type entry struct {
		ID    string `json:"advertising_id"`
		Since int64  `json:"opted_out_since"`
	}
	out := []entry{}
	for _, id := range ids {
		if since, ok := c.view.byRawUID[id]; ok {
			out = append(out, entry{id, since * 1000})
		}
	}
	body, _ := json.Marshal(map[string]any{"body": map[string]any{"opted_out": out}, "status": "success"})
	c.respond(w, body)
}

// operatorRoutes adds the operator's endpoints and their admin API:
//
//	POST /admin/v1/optouts        {"email"|"email_hash"|"phone"|"phone_hash"}
//	POST /admin/v1/salts/rotate   {"fraction"} or {"all": true}
func (s *Service) operatorRoutes(m *http.ServeMux, admin func(string, func(*http.Request) (any, error))) {
	m.HandleFunc("POST /v2/token/generate", s.enveloped(s.generate, sharing.Generator))
	m.HandleFunc("POST /v2/token/refresh", s.refresh)
	m.HandleFunc("POST /v3/identity/map", s.enveloped(s.identityMapV3, sharing.Mapper))
	m.HandleFunc("POST /v2/optout/status", s.enveloped(s.optoutStatus, sharing.Mapper, sharing.Sharer, sharing.Bidder))
	m.HandleFunc("POST /v2/identity/map", s.enveloped(s.identityMapV2, sharing.Mapper))
	m.HandleFunc("POST /v2/identity/buckets", s.enveloped(s.identityBuckets, sharing.Mapper))
	m.HandleFunc("POST /v2/token/validate", s.enveloped(s.validate, sharing.Generator))
	admin("POST /admin/v1/optouts", s.optOut)
	admin("POST /admin/v1/salts/rotate", s.rotateSalts)
}

// optOut records that a user opted out; the answer has its first-level
// hash and raw UID (base64) and the time (seconds).
func (s *Service) optOut(r *http.Request) (any, error) {
	var req struct {
		Email     *string `json:"email"`
		EmailHash *string `json:"email_hash"`
		Phone     *string `json:"phone"`
		PhoneHash *string `json:"phone_hash"`
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	js, _ := json.Marshal(req)
	id, err := operator.ParseGenerateRequest(js)
	if err != nil {
		return nil, badRequest{err.Error()}
	}
	return s.update(func(st *sharing.State, now int64) (any, error) {
		salts := st.Salts.Operator(scopeOf(st.Config))
		flh := salts.FirstLevelHash(id)
		raw, err := salts.Bucket(flh).RawUID(flh, id.Type, salts.Options)
		if err != nil {
			return nil, err
		}
		return st.AddOptOut(flh, raw, now), nil
	})
}

// rotateSalts rotates salt buckets now.
func (s *Service) rotateSalts(r *http.Request) (any, error) {
	var req struct {
		Fraction *float64 `json:"fraction"`
		All      bool     `json:"all"`
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	if (req.Fraction != nil) == req.All {
		return nil, badRequest{`give exactly one of "fraction" or "all": true`}
	}
	fraction := 1.0
	if req.Fraction != nil {
		fraction = *req.Fraction
	}
	return s.update(func(st *sharing.State, now int64) (any, error) {
		n, err := st.RotateSalts(fraction, now)
		if err != nil {
			return nil, err
		}
		return map[string]int{"rotated": n, "buckets": len(st.Salts.Buckets)}, nil
	})
}
