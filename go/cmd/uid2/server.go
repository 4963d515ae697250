package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// limits bound what clients can hold of "uid2 serve": every phase of a
// connection has a timeout, and the connections are capped in all and per
// client address, so idle or slow connections cannot starve the others.
type limits struct {
	readHeader, read, write, idle time.Duration
	// grace is how long a stop waits for requests in progress before it
	// closes their connections.
	grace        time.Duration
	maxConns     int
	maxPerClient int
	// bodyGrace is how long a request may take to send its body before its
	// connection can be closed to make room at a cap.
	bodyGrace time.Duration
}

// serveLimits are the service's. Key and admin bodies are at most 64 KiB,
// so 10 s to read one is generous; writes allow the 5 s of the "slow"
// fault. 512 connections stay well inside the usual limit of 1,024 open
// files. On loopback a body arrives in well under the 1 s of bodyGrace.
var serveLimits = limits{
	readHeader:   5 * time.Second,
	read:         10 * time.Second,
	write:        20 * time.Second,
	idle:         30 * time.Second,
	grace:        3 * time.Second,
	maxConns:     512,
	maxPerClient: 128,
	bodyGrace:    time.Second,
}

// newServer returns a server for h on ln within the limits.
func newServer(h http.Handler, ln net.Listener, l limits) (*http.Server, net.Listener) {
	cl := &connLimiter{Listener: ln, limits: l, conns: map[net.Conn]*connInfo{}}
	srv := &http.Server{
		Handler:           cl.watchBodies(h),
		ConnContext:       cl.remember,
		ReadHeaderTimeout: l.readHeader,
		ReadTimeout:       l.read,
		WriteTimeout:      l.write,
		IdleTimeout:       l.idle,
		MaxHeaderBytes:    64 << 10,
		ConnState:         cl.track,
	}
	return srv, cl
}

// runServer serves until ctx ends, then stops: requests in progress get
// the grace period, and connections still busy after it (a client that
// never finishes its request) are closed. A stop is not an error.
func runServer(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		if srv.Shutdown(shutdown) != nil {
			_ = srv.Close()
		}
		return nil
	}
}

// connLimiter caps connections. When a new connection would pass a cap,
// one that is not being served is closed to make room: first the one that
// has waited longest without a request (idle between requests, or still
// sending its headers), else one whose request has been sending its body
// for bodyGrace or more, the one whose last byte is oldest first (a client
// that dribbles its body is not served, and must not keep others out). A
// connection whose request has its body and is being answered is never
// closed; if every connection is such, the new one is closed.
type connLimiter struct {
	net.Listener
	limits
	mu    sync.Mutex
	conns map[net.Conn]*connInfo
}

type connInfo struct {
	client string
	state  http.ConnState
	since  time.Time
	// inBody: the request in progress is still sending its body; lastByte
	// is when a byte of it last arrived (or the request started).
	inBody   bool
	lastByte time.Time
}

// evictable tells whether the connection may be closed to make room at
// now, in which order (lower rank first, then earlier at first).
func (i *connInfo) evictable(now time.Time, grace time.Duration) (rank int, at time.Time, ok bool) {
	switch {
	case i.state != http.StateActive:
		return 0, i.since, true
	case i.inBody && now.Sub(i.since) >= grace:
		return 1, i.lastByte, true
	}
	return 0, time.Time{}, false
}

func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.admit(c) {
			return c, nil
		}
		c.Close()
	}
}

func (l *connLimiter) admit(c net.Conn) bool {
	client := c.RemoteAddr().String()
	if host, _, err := net.SplitHostPort(client); err == nil {
		client = host
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	mine := 0
	for _, info := range l.conns {
		if info.client == client {
			mine++
		}
	}
	if mine >= l.maxPerClient && !l.evict(client) {
		return false
	}
	if len(l.conns) >= l.maxConns && !l.evict("") {
		return false
	}
	l.conns[c] = &connInfo{client: client, state: http.StateNew, since: time.Now()}
	return true
}

// evict closes the first evictable connection of client (any client for
// ""); it reports whether there was one.
func (l *connLimiter) evict(client string) bool {
	now := time.Now()
	var victim net.Conn
	var victimRank int
	var victimAt time.Time
	for c, info := range l.conns {
		if client != "" && info.client != client {
			continue
		}
		rank, at, ok := info.evictable(now, l.bodyGrace)
		if ok && (victim == nil || rank < victimRank || rank == victimRank && at.Before(victimAt)) {
			victim, victimRank, victimAt = c, rank, at
		}
	}
	if victim == nil {
		return false
	}
	victim.Close()
	delete(l.conns, victim)
	return true
}

// track follows the server's view of each connection.
func (l *connLimiter) track(c net.Conn, state http.ConnState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	info := l.conns[c]
	switch {
	case info == nil:
	case state == http.StateClosed || state == http.StateHijacked:
		delete(l.conns, c)
	default:
		info.state, info.since, info.inBody = state, time.Now(), false
	}
}

type connKey struct{}

// remember puts each connection in its requests' contexts, for
// watchBodies.
func (l *connLimiter) remember(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// watchBodies lets the limiter see, for each request with a body, whether
// the body is complete and when its last byte arrived.
func (l *connLimiter) watchBodies(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Context().Value(connKey{}).(net.Conn)
		l.mu.Lock()
		info := l.conns[c]
		if info != nil && r.Body != nil && r.Body != http.NoBody {
			info.inBody, info.lastByte = true, time.Now()
			r.Body = &watchedBody{ReadCloser: r.Body, l: l, info: info}
		}
		l.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

type watchedBody struct {
	io.ReadCloser
	l    *connLimiter
	info *connInfo
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.l.mu.Lock()
	if n > 0 {
		b.info.lastByte = time.Now()
	}
	if err != nil {
		// The end, or an error that ends the request: either way the
		// handler is no longer waiting for the client.
		b.info.inBody = false
	}
	b.l.mu.Unlock()
	return n, err
}
