// Package apicall posts to the UID2 service's publisher and mapper
// endpoints (token generate and refresh, identity map) the way every
// official SDK does (uid2-spec-publisher §1.1, §6.5): the API key as a
// bearer token, the client version header, a bounded response, and
// non-200 answers turned into an *HTTPError that carries the service's
// status and message but never the API key, the secret or the URL.
package apicall

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/libuid2/libuid2/go/uid2"
)

// DefaultTimeout bounds each call when the caller's context has no
// deadline.
const DefaultTimeout = 30 * time.Second

// maxResponse bounds what is read of a response (the service's own
// request limit is 1 MiB; responses are of the same order).
const maxResponse = 8 << 20

// ClientVersion is the value of the client version header
// (uid2.ClientVersionHeader) on every call.
func ClientVersion() string { return "libuid2-go-" + uid2.Version }

// Endpoint is a service base URL and API key.
type Endpoint struct {
	base   *url.URL
	apiKey string
	http   *http.Client
}

// New checks an http(s) base URL and a non-empty API key.
func New(baseURL, apiKey string) (*Endpoint, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("base URL is not an http(s) URL")
	}
	if apiKey == "" {
		return nil, errors.New("API key is empty")
	}
	return &Endpoint{base: u, apiKey: apiKey, http: &http.Client{}}, nil
}

// HTTPError is a non-200 answer: the HTTP status and, when the body is the
// service's JSON error, its status and message.
type HTTPError struct {
	Call       string // e.g. "token generate"
	StatusCode int
	Status     string // e.g. client_error, invalid_token, unauthorized
	Message    string
}

func (e *HTTPError) Error() string {
	s := fmt.Sprintf("%s: HTTP %d", e.Call, e.StatusCode)
	if e.Status != "" {
		s += " " + e.Status
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Post sends body to path as text and returns the 200 response's body.
// call names the operation in errors.
func (e *Endpoint) Post(ctx context.Context, call, path, body string) ([]byte, error) {
	data, _, err := e.post(ctx, call, path, "text/plain", strings.NewReader(body))
	return data, err
}

// PostBinary sends body as application/octet-stream, as the official
// identity map clients send their envelopes; binary reports whether the
// service answered in kind (with the same content type) rather than in
// base64 text.
func (e *Endpoint) PostBinary(ctx context.Context, call, path string, body []byte) (data []byte, binary bool, err error) {
	return e.post(ctx, call, path, octetStream, bytes.NewReader(body))
}

const octetStream = "application/octet-stream"

func (e *Endpoint) post(ctx context.Context, call, path, contentType string, body io.Reader) ([]byte, bool, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	u := *e.base
	u.Path += path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), body)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %v", call, err)
	}
	req.Header.Set("Authorization", "Bearer "+e.apiKey)
	req.Header.Set(uid2.ClientVersionHeader, ClientVersion())
	req.Header.Set("Content-Type", contentType)
	resp, err := e.http.Do(req)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %s", call, transportError(ctx, err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, false, fmt.Errorf("%s: reading the response: %s", call, transportError(ctx, err))
	}
	if len(data) > maxResponse {
		return nil, false, fmt.Errorf("%s: response larger than %d bytes", call, maxResponse)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, false, httpError(call, resp.StatusCode, data)
	}
	mediaType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return data, mediaType == octetStream, nil
}

// httpError keeps the service's status and message from a JSON error body
// (uid2-spec-publisher §1.3, §1.5); any other body is not repeated.
func httpError(call string, code int, body []byte) *HTTPError {
	e := &HTTPError{Call: call, StatusCode: code}
	var js struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &js) == nil {
		e.Status, e.Message = printable(js.Status), printable(js.Message)
	}
	return e
}

// printable bounds a service-supplied text and drops control characters,
// so that it cannot forge log lines.
func printable(s string) string {
	const limit = 300
	if len(s) > limit {
		s = s[:limit]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// transportError describes a failed exchange without the URL that
// net/http's errors embed.
func transportError(ctx context.Context, err error) string {
	if ctx.Err() != nil {
		return "timed out or cancelled: " + ctx.Err().Error()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}
