package publisher

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/libuid2/libuid2/go/uid2"
)

// Client generates and refreshes tokens over HTTP (Java's
// PublisherUid2Client, Python's Uid2PublisherClient). It is safe for
// concurrent use.
type Client struct {
	base   *url.URL
	apiKey string
	helper *Helper
	http   *http.Client
}

// DefaultTimeout bounds each call when the caller's context has no
// deadline.
const DefaultTimeout = 30 * time.Second

// maxResponse bounds what is read of a response; a generate or refresh
// response is about 1 KB.
const maxResponse = 1 << 20

// NewClient checks its arguments (an http(s) base URL, an API key, a
// client secret of base64 of 32 bytes); errors never repeat the key or the
// secret.
func NewClient(baseURL, apiKey, secretKey string) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("base URL is not an http(s) URL")
	}
	if apiKey == "" {
		return nil, errors.New("API key is empty")
	}
	h, err := NewHelper(secretKey)
	if err != nil {
		return nil, err
	}
	return &Client{base: u, apiKey: apiKey, helper: h, http: &http.Client{}}, nil
}

// HTTPError is a non-200 answer: the HTTP status and, when the body is the
// service's JSON error, its status and message.
type HTTPError struct {
	Call       string // "token generate" or "token refresh"
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

// GenerateToken sends POST /v2/token/generate. A bad input is an error
// before anything is sent; a non-200 answer is an *HTTPError; a 200 is a
// success or an opt-out Response, or an error for any other status.
func (c *Client) GenerateToken(ctx context.Context, in *TokenGenerateInput) (*Response, error) {
	env, err := c.helper.CreateEnvelope(in)
	if err != nil {
		return nil, err
	}
	body, err := c.post(ctx, "token generate", "/v2/token/generate", env.Text)
	if err != nil {
		return nil, err
	}
	return c.helper.ParseGenerateResponse(body, env)
}

// RefreshToken sends POST /v2/token/refresh with the identity's refresh
// token and reads the answer with its refresh_response_key.
func (c *Client) RefreshToken(ctx context.Context, current *IdentityTokens) (*Response, error) {
	if current == nil {
		return nil, errors.New("identity is nil")
	}
	body, err := c.post(ctx, "token refresh", "/v2/token/refresh", current.RefreshToken)
	if err != nil {
		return nil, err
	}
	return ParseRefreshResponse(body, current, time.Now())
}

func (c *Client) post(ctx context.Context, call, path, body string) ([]byte, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	u := *c.base
	u.Path += path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", call, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	req.Header.Set(uid2.ClientVersionHeader, "libuid2-go-"+uid2.Version)
	req.Header.Set("Content-Type", "text/plain")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", call, transportError(ctx, err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, fmt.Errorf("%s: reading the response: %s", call, transportError(ctx, err))
	}
	if len(data) > maxResponse {
		return nil, fmt.Errorf("%s: response larger than %d bytes", call, maxResponse)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, httpError(call, resp.StatusCode, data)
	}
	return data, nil
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
