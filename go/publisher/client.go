package publisher

import (
	"context"
	"errors"
	"time"

	"github.com/libuid2/libuid2/go/internal/apicall"
)

// Client generates and refreshes tokens over HTTP (Java's
// PublisherUid2Client, Python's Uid2PublisherClient). It is safe for
// concurrent use. A call without a context deadline is bounded by
// DefaultTimeout.
type Client struct {
	endpoint *apicall.Endpoint
	helper   *Helper
}

// DefaultTimeout bounds each call when the caller's context has no
// deadline.
const DefaultTimeout = apicall.DefaultTimeout

// HTTPError is a non-200 answer: the HTTP status and, when the body is the
// service's JSON error, its status (client_error, invalid_token,
// expired_token, unauthorized, …) and message. It never carries the API
// key, the secret or the URL.
type HTTPError = apicall.HTTPError

// NewClient checks its arguments (an http(s) base URL, an API key, a
// client secret of base64 of 32 bytes); errors never repeat the key or the
// secret.
func NewClient(baseURL, apiKey, secretKey string) (*Client, error) {
	e, err := apicall.New(baseURL, apiKey)
	if err != nil {
		return nil, err
	}
	h, err := NewHelper(secretKey)
	if err != nil {
		return nil, err
	}
	return &Client{endpoint: e, helper: h}, nil
}

// GenerateToken sends POST /v2/token/generate. A bad input is an error
// before anything is sent; a non-200 answer is an *HTTPError; a 200 is a
// success or an opt-out Response, or an error for any other status.
func (c *Client) GenerateToken(ctx context.Context, in *TokenGenerateInput) (*Response, error) {
	env, err := c.helper.CreateEnvelope(in)
	if err != nil {
		return nil, err
	}
	body, err := c.endpoint.Post(ctx, "token generate", "/v2/token/generate", env.Text)
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
	body, err := c.endpoint.Post(ctx, "token refresh", "/v2/token/refresh", current.RefreshToken)
	if err != nil {
		return nil, err
	}
	return ParseRefreshResponse(body, current, time.Now())
}
