package uid2

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/libuid2/libuid2/go/envelope"
	"github.com/libuid2/libuid2/go/keys"
)

// ClientVersionHeader is sent with every request, as each official SDK
// sends its own name and version (uid2-spec §4.1).
const ClientVersionHeader = "X-UID2-Client-Version"

// maxKeyResponse bounds what a refresh reads: far above any real key set.
const maxKeyResponse = 64 << 20

func (c *core) keyPath() string {
	if c.kind == bidstreamKind {
		return "/v2/key/bidstream"
	}
	return "/v2/key/sharing"
}

// Refresh fetches the keys over HTTP with the v2 envelope (uid2-spec §4)
// and swaps them in. ctx bounds the whole exchange. On error the current
// keys are kept; errors never contain the API key or the secret.
func (c *core) Refresh(ctx context.Context) error {
	_, err := c.refresh(ctx, false)
	return err
}

func (c *core) refresh(ctx context.Context, automatic bool) (RefreshEvent, error) {
	n := c.started.Add(1)
	set, err := c.fetch(ctx)
	return c.record(n, set, err, automatic), err
}

func (c *core) fetch(ctx context.Context) (*keys.Set, error) {
	if c.secret == nil || c.baseURL == "" || c.apiKey == "" {
		return nil, ErrNotConfigured
	}
	u, err := url.Parse(strings.TrimRight(c.baseURL, "/") + c.keyPath())
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("base URL is not an http(s) URL")
	}
	where := redact(u)

	var nonce [envelope.NonceSize]byte
	var iv [12]byte
	_, _ = rand.Read(nonce[:])
	_, _ = rand.Read(iv[:])
	body := c.secret.SealRequest(time.Now().UnixMilli(), nonce, nil, iv)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("refresh from %s: %v", where, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	req.Header.Set(ClientVersionHeader, "libuid2-go-"+Version)
	req.Header.Set("Content-Type", "text/plain")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("refresh from %s: %s", where, transportError(ctx, err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxKeyResponse+1))
	if err != nil {
		return nil, fmt.Errorf("refresh from %s: reading the response: %s", where, transportError(ctx, err))
	}
	// Only 200 responses are encrypted (uid2-spec §4.1).
	if resp.StatusCode != http.StatusOK {
		if msg := c.serviceMessage(data); msg != "" {
			return nil, fmt.Errorf("refresh from %s: HTTP %d: %s", where, resp.StatusCode, msg)
		}
		return nil, fmt.Errorf("refresh from %s: HTTP %d", where, resp.StatusCode)
	}
	if len(data) > maxKeyResponse {
		return nil, fmt.Errorf("refresh from %s: response larger than %d bytes", where, maxKeyResponse)
	}
	payload, err := c.secret.OpenResponse(bytes.TrimSpace(data), nonce)
	if err != nil {
		return nil, fmt.Errorf("refresh from %s: %v", where, err)
	}
	set, err := c.parseKeys(payload)
	if err != nil {
		return nil, fmt.Errorf("refresh from %s: %w", where, err)
	}
	return set, nil
}

// maxServiceMessage bounds the service's message quoted in an error.
const maxServiceMessage = 200

// serviceMessage is what a key service said in an error body: the
// operator (and our key service) answer {"status": …, "message": …}; the
// message, else the status. Anything else (a proxy's HTML page) is not
// quoted. The API key is cut out should a service echo it.
func (c *core) serviceMessage(body []byte) string {
	var e struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	}
	if json.Unmarshal(bytes.TrimSpace(body), &e) != nil {
		return ""
	}
	msg := e.Message
	if msg == "" {
		msg = e.Status
	}
	msg = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, msg)
	if c.apiKey != "" {
		msg = strings.ReplaceAll(msg, c.apiKey, "[API key]")
	}
	if len(msg) > maxServiceMessage {
		msg = strings.ToValidUTF8(msg[:maxServiceMessage], "") + "…"
	}
	return msg
}

// redact keeps a URL's scheme, host and path: user info and queries could
// hold credentials.
func redact(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// transportError describes a failed exchange without the URL that
// net/http's errors embed.
func transportError(ctx context.Context, err error) string {
	if ctx.Err() != nil {
		return "timed out or cancelled: " + ctx.Err().Error()
	}
	if ue, ok := err.(*url.Error); ok {
		err = ue.Err
	}
	return err.Error()
}

// AutoRefreshOptions configure background refresh. Zero values mean the
// defaults.
type AutoRefreshOptions struct {
	// Interval between successful refreshes; default one hour, as the
	// UID2 docs recommend. Each wait is jittered by ±10%.
	Interval time.Duration
	// Timeout of each attempt; default 30 s.
	Timeout time.Duration
	// Logger receives a Warn record for each failed attempt (its reason,
	// never a secret) and an Info record when one succeeds after failures;
	// nil means slog.Default(). Every attempt is also a RefreshEvent.
	Logger *slog.Logger
}

const (
	defaultRefreshInterval = time.Hour
	defaultRefreshTimeout  = 30 * time.Second
	firstRetryDelay        = 10 * time.Second
)

type autoRefresher struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// StartAutoRefresh refreshes now and then every interval in a background
// goroutine; after a failure it retries sooner, backing off from 10 s up to
// the interval. Starting it again restarts it with the new options. After
// Close it returns ErrClosed.
func (c *core) StartAutoRefresh(opts AutoRefreshOptions) error {
	if c.secret == nil || c.baseURL == "" || c.apiKey == "" {
		return ErrNotConfigured
	}
	if opts.Interval <= 0 {
		opts.Interval = defaultRefreshInterval
	}
	if opts.Timeout <= 0 {
		opts.Timeout = defaultRefreshTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	c.autoMu.Lock()
	defer c.autoMu.Unlock()
	if c.closed {
		return ErrClosed
	}
	c.stopAutoRefresh()
	ctx, cancel := context.WithCancel(context.Background())
	a := &autoRefresher{cancel: cancel, done: make(chan struct{})}
	c.mu.Lock()
	c.auto = a
	c.mu.Unlock()
	go c.autoRefresh(ctx, opts, a.done)
	return nil
}

func (c *core) autoRefresh(ctx context.Context, opts AutoRefreshOptions, done chan struct{}) {
	defer close(done)
	retry := firstRetryDelay
	for {
		attempt, cancel := context.WithTimeout(ctx, opts.Timeout)
		ev, err := c.refresh(attempt, true)
		cancel()
		if ctx.Err() != nil {
			return // stopped: an attempt cut short is no failure to report
		}
		wait := opts.Interval
		if err != nil {
			wait = min(retry, opts.Interval)
			retry *= 2
			opts.Logger.Warn("uid2: automatic key refresh failed",
				"error", ev.Message, "consecutive_failures", ev.ConsecutiveFailures, "retry_in", wait)
		} else {
			if retry != firstRetryDelay {
				opts.Logger.Info("uid2: automatic key refresh succeeded after failures", "keys", ev.KeyCount)
			}
			retry = firstRetryDelay
		}
		t := time.NewTimer(jitter(wait))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// jitter spreads d by ±10% so that many processes started together do not
// refresh in step.
func jitter(d time.Duration) time.Duration {
	span := int64(d) / 5
	if span <= 0 {
		return d
	}
	n, err := rand.Int(rand.Reader, big.NewInt(span))
	if err != nil {
		return d
	}
	return d - time.Duration(span/2) + time.Duration(n.Int64())
}

// StopAutoRefresh stops background refresh, waiting for an attempt in
// progress to end. It does nothing if none runs.
func (c *core) StopAutoRefresh() {
	c.autoMu.Lock()
	defer c.autoMu.Unlock()
	c.stopAutoRefresh()
}

func (c *core) stopAutoRefresh() {
	c.mu.Lock()
	a := c.auto
	c.auto = nil
	c.mu.Unlock()
	if a != nil {
		a.cancel()
		<-a.done
	}
}
