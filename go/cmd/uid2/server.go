package main

import (
	"context"
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
}

// serveLimits are the service's. Key and admin bodies are at most 64 KiB,
// so 10 s to read one is generous; writes allow the 5 s of the "slow"
// fault. 512 connections stay well inside the usual limit of 1,024 open
// files.
var serveLimits = limits{
	readHeader:   5 * time.Second,
	read:         10 * time.Second,
	write:        20 * time.Second,
	idle:         30 * time.Second,
	grace:        3 * time.Second,
	maxConns:     512,
	maxPerClient: 128,
}

// newServer returns a server for h on ln within the limits.
func newServer(h http.Handler, ln net.Listener, l limits) (*http.Server, net.Listener) {
	cl := &connLimiter{Listener: ln, limits: l, conns: map[net.Conn]*connInfo{}}
	srv := &http.Server{
		Handler:           h,
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
// the connection that has waited longest without a request in progress
// (idle between requests, or still sending its first header) is closed to
// make room; if every connection has a request in progress, the new one
// is closed.
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

// evict closes the connection of client (any client for "") that has
// waited longest without a request in progress; it reports whether there
// was one.
func (l *connLimiter) evict(client string) bool {
	var oldest net.Conn
	var since time.Time
	for c, info := range l.conns {
		if (client == "" || info.client == client) && info.state != http.StateActive && (oldest == nil || info.since.Before(since)) {
			oldest, since = c, info.since
		}
	}
	if oldest == nil {
		return false
	}
	oldest.Close()
	delete(l.conns, oldest)
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
		info.state, info.since = state, time.Now()
	}
}
