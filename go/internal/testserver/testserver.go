// Package testserver serves a fixed key set for the Go client's own unit
// tests (packages uid2 and cmd/uid2), which need exact keys — the
// conformance vectors' and legacy key bodies — rather than the keys a real
// service makes: it answers POST /v2/key/sharing and /v2/key/bidstream with
// the real v2 envelope (uid2-spec §4.2), checks the API key and the request
// envelope, and fails on demand (SetFailure) in each way a refresh must
// survive. Run it in the test's process (httptest).
//
// The bindings' tests and the demo use the local key service instead:
// `uid2 serve` (package keyservice), with real sites, API keys, rotating
// keys and sharing permissions.
package testserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/libuid2/libuid2/go/envelope"
	"github.com/libuid2/libuid2/go/keyservice"
)

// Failure modes of key requests: those of the key service.
const (
	FailNone        = keyservice.FaultNone
	Fail500         = keyservice.Fault500
	FailGarbage     = keyservice.FaultGarbage
	FailWrongNonce  = keyservice.FaultWrongNonce
	FailWrongSecret = keyservice.FaultWrongSecret
	FailSlow        = keyservice.FaultSlow
)

// Server serves keys. Its zero value is not usable; call New.
type Server struct {
	apiKey string
	cipher *envelope.Cipher

	mu   sync.Mutex
	body json.RawMessage
	mode string

	// KeyRequests counts key requests that passed authentication.
	KeyRequests atomic.Int64
}

// New makes a server accepting apiKey and the base64 client secret, serving
// keysJSON (a whole key response or its body).
func New(apiKey, secret string, keysJSON []byte) (*Server, error) {
	c, err := envelope.NewCipher(secret)
	if err != nil {
		return nil, err
	}
	s := &Server{apiKey: apiKey, cipher: c, mode: FailNone}
	return s, s.SetKeys(keysJSON)
}

// SetKeys replaces the key JSON served (a whole key response or its body).
func (s *Server) SetKeys(keysJSON []byte) error {
	var whole struct {
		Body json.RawMessage `json:"body"`
	}
	body := json.RawMessage(bytes.TrimSpace(keysJSON))
	if !json.Valid(body) {
		return errors.New("keys are not valid JSON")
	}
	if json.Unmarshal(body, &whole) == nil && whole.Body != nil {
		body = whole.Body
	}
	s.mu.Lock()
	s.body = body
	s.mu.Unlock()
	return nil
}

// SetFailure makes key requests fail in the given mode (FailNone to stop).
func (s *Server) SetFailure(mode string) error {
	switch mode {
	case FailNone, Fail500, FailGarbage, FailWrongNonce, FailWrongSecret, FailSlow:
	default:
		return errors.New("unknown failure mode " + mode)
	}
	s.mu.Lock()
	s.mode = mode
	s.mu.Unlock()
	return nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	switch r.URL.Path {
	case "/v2/key/sharing", "/v2/key/bidstream":
		s.serveKeys(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) serveKeys(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+s.apiKey {
		http.Error(w, `{"status":"unauthorized"}`, http.StatusUnauthorized)
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	_, nonce, _, err := s.cipher.OpenRequest(bytes.TrimSpace(data))
	if err != nil {
		http.Error(w, `{"status":"client_error"}`, http.StatusBadRequest)
		return
	}
	s.KeyRequests.Add(1)
	s.mu.Lock()
	body, mode := s.body, s.mode
	s.mu.Unlock()

	keyservice.Respond(w, r, s.cipher, nonce, body, mode)
}
