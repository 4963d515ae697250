package identitymap

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"time"

	"github.com/libuid2/libuid2/go/envelope"
	"github.com/libuid2/libuid2/go/internal/apicall"
)

// MaxChunk is the service's documented limit of identities per request.
const MaxChunk = 5000

// DefaultMaxInFlight is how many requests a call has in flight at most
// unless set otherwise; the service documents 20 as its limit.
const DefaultMaxInFlight = 4

// Client maps identities with POST /v3/identity/map (Java's and Python's
// IdentityMapV3Client). It is safe for concurrent use.
type Client struct {
	endpoint *apicall.Endpoint
	secret   *envelope.Cipher
	// ChunkSize is the most identities per request (1 to MaxChunk;
	// MaxChunk when 0).
	ChunkSize int
	// MaxInFlight bounds the requests of one call in flight at once
	// (DefaultMaxInFlight when 0).
	MaxInFlight int
}

// HTTPError is a non-200 answer, with the service's status and message.
type HTTPError = apicall.HTTPError

// NewClient checks its arguments (an http(s) base URL, an API key, a
// client secret of base64 of 32 bytes); errors never repeat the key or the
// secret.
func NewClient(baseURL, apiKey, secretKey string) (*Client, error) {
	e, err := apicall.New(baseURL, apiKey)
	if err != nil {
		return nil, err
	}
	c, err := envelope.NewCipher(secretKey)
	if err != nil {
		return nil, err
	}
	return &Client{endpoint: e, secret: c}, nil
}

// ChunkError reports the inputs left without a result because the
// requests that carried them failed; the other inputs' results are in the
// Response returned with it. Its message does not list the inputs, which
// are personal data.
type ChunkError struct {
	Inputs []string // as given, in input order per failed request
	Err    error    // the first failure
}

func (e *ChunkError) Error() string {
	return fmt.Sprintf("identity map: %d inputs not mapped: %v", len(e.Inputs), e.Err)
}

func (e *ChunkError) Unwrap() error { return e.Err }

// GenerateIdentityMap maps every input: the identities are sent in
// requests of at most ChunkSize, at most MaxInFlight at a time. If any
// request fails, the error is a *ChunkError naming the inputs it carried,
// returned with the results of the others. Inputs invalid before any
// request (see Input) are unmapped identities, not errors; with nothing
// left to send, no request is made.
func (c *Client) GenerateIdentityMap(ctx context.Context, in *Input) (*Response, error) {
	size, inFlight := c.ChunkSize, c.MaxInFlight
	if size <= 0 || size > MaxChunk {
		size = MaxChunk
	}
	if inFlight <= 0 {
		inFlight = DefaultMaxInFlight
	}
	chunks := in.chunks(size)
	results := make([]*Response, len(chunks))
	errs := make([]error, len(chunks))
	sem := make(chan struct{}, inFlight)
	var wg sync.WaitGroup
	for i, chunk := range chunks {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i], errs[i] = c.mapChunk(ctx, chunk)
		}()
	}
	wg.Wait()

	out := &Response{Mapped: map[string]MappedIdentity{}, Unmapped: map[string]UnmappedIdentity{}}
	var failed *ChunkError
	for i, r := range results {
		if errs[i] != nil {
			if failed == nil {
				failed = &ChunkError{Err: errs[i]}
			}
			failed.Inputs = append(failed.Inputs, chunks[i].originals()...)
			continue
		}
		for k, v := range r.Mapped {
			out.Mapped[k] = v
		}
		for k, v := range r.Unmapped {
			out.Unmapped[k] = v
		}
	}
	for _, original := range in.invalid {
		out.Unmapped[original] = unmapped("invalid identifier")
	}
	if failed != nil {
		return out, failed
	}
	return out, nil
}

// mapChunk sends one request, in the binary envelope as the official
// clients do; the answer may come binary or as base64 text.
func (c *Client) mapChunk(ctx context.Context, chunk *Input) (*Response, error) {
	nonce, iv := freshNonceIV()
	body := c.secret.SealRequestBytes(time.Now().UnixMilli(), nonce, chunk.RequestJSON(), iv)
	data, binary, err := c.endpoint.PostBinary(ctx, "identity map", "/v3/identity/map", body)
	if err != nil {
		return nil, err
	}
	var payload []byte
	if binary {
		payload, err = c.secret.OpenResponseBytes(data, nonce)
	} else {
		payload, err = c.secret.OpenResponse(bytes.TrimSpace(data), nonce)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrResponse, err)
	}
	return ParseResponse(payload, chunk)
}

// call sends a request in the base64 text envelope (as the official
// clients send the v2 calls) and returns the response's decrypted JSON.
func (c *Client) call(ctx context.Context, name, path string, request []byte) ([]byte, error) {
	nonce, iv := freshNonceIV()
	body := c.secret.SealRequest(time.Now().UnixMilli(), nonce, request, iv)
	data, err := c.endpoint.Post(ctx, name, path, body)
	if err != nil {
		return nil, err
	}
	payload, err := c.secret.OpenResponse(bytes.TrimSpace(data), nonce)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrResponse, err)
	}
	return payload, nil
}

func freshNonceIV() (nonce [envelope.NonceSize]byte, iv [12]byte) {
	_, _ = rand.Read(nonce[:])
	_, _ = rand.Read(iv[:])
	return nonce, iv
}

// chunks splits the identities to send into Inputs of at most n, emails
// first, each keeping the inputs of its hashes. It returns none when
// there is nothing to send.
func (in *Input) chunks(n int) []*Input {
	var out []*Input
	cur := &Input{}
	for typ := range in.types {
		t := &in.types[typ]
		for i, hash := range t.hashes {
			if cur.Len() == n {
				out, cur = append(out, cur), &Input{}
			}
			for _, o := range t.original[i] {
				cur.add(typ, hash, o)
			}
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur)
	}
	return out
}

// originals lists the inputs an Input carries to the service.
func (in *Input) originals() []string {
	var out []string
	for _, t := range in.types {
		for _, o := range t.original {
			out = append(out, o...)
		}
	}
	return out
}
