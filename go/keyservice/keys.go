package keyservice

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/libuid2/libuid2/go/envelope"
	"github.com/libuid2/libuid2/go/sharing"
)

// maxRequest bounds a key request's body; a key request's JSON is empty.
const maxRequest = 64 << 10

// driftLimitMinutes: the operator rejects a request whose timestamp is more
// than this many whole minutes off its clock (spec §4.2).
const driftLimitMinutes = 1

// serveKeys answers a key endpoint (spec §4.1–§4.3). Errors follow the
// operator's JSON shape and never say more than which check failed.
func (s *Service) serveKeys(endpoint string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearer(r)
		if !ok {
			operatorError(w, http.StatusUnauthorized, "unauthorized", "missing Authorization: Bearer API key")
			return
		}
		st, now := s.snapshot()
		key := st.Authenticate(token)
		if key == nil {
			operatorError(w, http.StatusUnauthorized, "unauthorized", "unknown API key")
			return
		}
		if !sharing.MayUse(key, endpoint) {
			operatorError(w, http.StatusUnauthorized, "unauthorized", "this API key's roles do not allow /v2/key/"+endpoint)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
		if err != nil || len(body) > maxRequest {
			operatorError(w, http.StatusBadRequest, "client_error", "request body is unreadable or too large")
			return
		}
		cipher, err := envelope.NewCipher(key.Secret)
		if err != nil {
			operatorError(w, http.StatusInternalServerError, "error", "this API key has no usable secret")
			return
		}
		reqTime, nonce, payload, err := cipher.OpenRequest(bytes.TrimSpace(body))
		switch {
		case errors.Is(err, envelope.ErrVersion):
			operatorError(w, http.StatusBadRequest, "client_error", "envelope version must be 1")
			return
		case errors.Is(err, envelope.ErrDecrypt):
			operatorError(w, http.StatusBadRequest, "client_error", "request does not decrypt with this API key's secret")
			return
		case err != nil:
			operatorError(w, http.StatusBadRequest, "client_error", "request body is not a base64 v2 envelope")
			return
		}
		if drift := (s.now().UnixMilli() - reqTime) / 60000; drift > driftLimitMinutes || drift < -driftLimitMinutes {
			operatorError(w, http.StatusBadRequest, "client_error", "request timestamp is too far from the service's clock")
			return
		}
		if len(payload) > 0 && !json.Valid(payload) {
			operatorError(w, http.StatusBadRequest, "client_error", "request payload is not JSON")
			return
		}
		Respond(w, r, cipher, nonce, st.KeyResponse(key, endpoint, now), *s.fault.Load())
	}
}

// Respond answers a key request with {"status":"success","body":body}
// sealed for the client, or fails in the given fault mode (see Faults).
func Respond(w http.ResponseWriter, r *http.Request, cipher *envelope.Cipher, nonce [envelope.NonceSize]byte, body []byte, fault string) {
	switch fault {
	case Fault500:
		operatorError(w, http.StatusInternalServerError, "error", "fault injected by the admin")
		return
	case FaultGarbage:
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "this is not an envelope")
		return
	case FaultWrongNonce:
		nonce[0] ^= 0xff
	case FaultWrongSecret:
		other, err := envelope.NewCipher(randomSecret())
		if err == nil {
			cipher = other
		}
	case FaultSlow:
		select {
		case <-time.After(SlowDelay):
		case <-r.Context().Done():
			return
		}
	}
	payload, _ := json.Marshal(struct {
		Status string          `json:"status"`
		Body   json.RawMessage `json:"body"`
	}{"success", body})
	var iv [12]byte
	_, _ = rand.Read(iv[:])
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, cipher.SealResponse(time.Now().UnixMilli(), nonce, payload, iv))
}

func operatorError(w http.ResponseWriter, code int, status, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"status": status, "message": message})
}
