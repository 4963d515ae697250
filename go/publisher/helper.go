package publisher

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/libuid2/libuid2/go/envelope"
	"github.com/libuid2/libuid2/go/internal/apicall"
)

// Status is the status of a 200 response's JSON.
type Status string

// The statuses a successful exchange can carry.
const (
	StatusSuccess Status = "success"
	StatusOptout  Status = "optout"
)

// Response is the outcome of a token generate or refresh that the service
// answered: success with the new identity, or opt-out (the user opted out
// and gets no token; a publisher removes the stored identity). Any other
// status is an error, not a Response.
type Response struct {
	Status   Status
	Identity *IdentityTokens // nil unless Status is success
}

// IsSuccess reports a new identity.
func (r *Response) IsSuccess() bool { return r.Status == StatusSuccess }

// IsOptout reports that the user opted out.
func (r *Response) IsOptout() bool { return r.Status == StatusOptout }

// IdentityJSONString is the identity's JSON to store, "" on opt-out.
func (r *Response) IdentityJSONString() string {
	if r.Identity == nil {
		return ""
	}
	return r.Identity.JSONString()
}

// Envelope is a token generate request ready to send: its base64 text
// (the request body) and the nonce its response must echo.
type Envelope struct {
	Text  string
	Nonce [envelope.NonceSize]byte
}

// Helper builds the generate request and reads both responses, for
// publishers with their own HTTP stack (Java's PublisherUid2Helper).
type Helper struct{ secret *envelope.Cipher }

// VersionHTTPHeader is the value to send in the X-UID2-Client-Version
// header (uid2.ClientVersionHeader) with generate and refresh requests
// made with a Helper (Java's PublisherUid2Helper.getVersionHttpHeader).
func VersionHTTPHeader() string { return apicall.ClientVersion() }

// NewHelper takes the client secret (base64 of 32 bytes).
func NewHelper(secretKey string) (*Helper, error) {
	c, err := envelope.NewCipher(secretKey)
	if err != nil {
		return nil, err
	}
	return &Helper{secret: c}, nil
}

// CreateEnvelope checks the input and seals its JSON with the current
// time, a random nonce and a random IV.
func (h *Helper) CreateEnvelope(in *TokenGenerateInput) (Envelope, error) {
	var nonce [envelope.NonceSize]byte
	var iv [12]byte
	_, _ = rand.Read(nonce[:])
	_, _ = rand.Read(iv[:])
	return h.createEnvelope(in, time.Now().UnixMilli(), nonce, iv)
}

// createEnvelope is CreateEnvelope with the time, nonce and IV given: the
// tests replay the fixed vectors through it.
func (h *Helper) createEnvelope(in *TokenGenerateInput, nowMs int64, nonce [envelope.NonceSize]byte, iv [12]byte) (Envelope, error) {
	payload, err := in.JSON()
	if err != nil {
		return Envelope{}, err
	}
	return Envelope{Text: h.secret.SealRequest(nowMs, nonce, payload, iv), Nonce: nonce}, nil
}

// ErrResponse means a 200 response that cannot be read: not base64, not
// decrypting, not JSON, or a success without a valid identity.
var ErrResponse = errors.New("token response cannot be read")

// ParseGenerateResponse decrypts a 200 response to env (checking that it
// echoes env's nonce) and reads it.
func (h *Helper) ParseGenerateResponse(body []byte, env Envelope) (*Response, error) {
	payload, err := h.secret.OpenResponse(bytes.TrimSpace(body), env.Nonce)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrResponse, err)
	}
	return parseResponse(payload, "token generate")
}

// ParseRefreshResponse reads a 200 response to refreshing current: it is
// encrypted under current's refresh_response_key, or plain JSON when
// current has none (a v1 session). A refreshed identity must be
// refreshable and not expired at now, as Java checks.
func ParseRefreshResponse(body []byte, current *IdentityTokens, now time.Time) (*Response, error) {
	payload := bytes.TrimSpace(body)
	if current.RefreshResponseKey != "" {
		c, err := envelope.NewCipher(current.RefreshResponseKey)
		if err != nil {
			return nil, fmt.Errorf("%w: the identity's refresh_response_key is not base64 of 32 bytes", ErrResponse)
		}
		if payload, err = c.OpenRefreshResponse(payload); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrResponse, err)
		}
	}
	r, err := parseResponse(payload, "token refresh")
	if err != nil {
		return nil, err
	}
	if r.Identity != nil && (!r.Identity.IsRefreshableAt(now) || r.Identity.hasExpiredAt(now)) {
		return nil, fmt.Errorf("%w: the refreshed identity is expired or not refreshable", ErrResponse)
	}
	return r, nil
}

// UnexpectedStatusError is a 200 response whose status is neither success
// nor opt-out (e.g. EUID's insufficient_user_consent).
type UnexpectedStatusError struct {
	Call   string // "token generate" or "token refresh"
	Status string
}

func (e *UnexpectedStatusError) Error() string {
	return fmt.Sprintf("got unexpected %s status: %s", e.Call, e.Status)
}

func parseResponse(payload []byte, call string) (*Response, error) {
	var resp struct {
		Status *string         `json:"status"`
		Body   json.RawMessage `json:"body"`
	}
	if json.Unmarshal(payload, &resp) != nil || resp.Status == nil {
		return nil, fmt.Errorf("%w: not the JSON of a %s response", ErrResponse, call)
	}
	switch Status(*resp.Status) {
	case StatusOptout:
		return &Response{Status: StatusOptout}, nil
	case StatusSuccess:
		id, err := IdentityTokensFromJSON(string(resp.Body))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrResponse, err)
		}
		return &Response{Status: StatusSuccess, Identity: id}, nil
	}
	return nil, &UnexpectedStatusError{Call: call, Status: *resp.Status}
}
