// Package keyservice is a local stand-in for the UID2 service: it serves the
// key endpoints POST /v2/key/sharing and /v2/key/bidstream with the real v2
// envelope (uid2-spec §4), each caller getting exactly the keys the sharing
// model (package sharing) allows it, and an admin JSON API under /admin/v1/
// to manage sites, API keys, sharing permissions and keys. It is what a
// developer integrating UID2 runs on a laptop, and what libuid2's own
// end-to-end tests and demo run against.
package keyservice

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libuid2/libuid2/go/sharing"
)

// Options configure a Service.
type Options struct {
	// DataDir keeps the state across restarts; empty keeps it in memory.
	DataDir string
	// AdminToken is the bearer token of the admin API. Required.
	AdminToken string
	// Config is used when DataDir holds no state yet; a saved state keeps
	// the configuration it was created with.
	Config sharing.Config
	// Faults enables POST /admin/v1/faults, which makes key requests fail
	// on purpose so that clients' error handling can be tried.
	Faults bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service is the key service; it is an http.Handler.
type Service struct {
	adminToken []byte
	store      *sharing.Store // nil: memory only
	now        func() time.Time
	faults     bool
	fault      atomic.Pointer[string]
	mux        *http.ServeMux

	mu         sync.RWMutex
	state      *sharing.State
	nextChange int64 // state.NextChange(), cached
}

// New opens (or creates) the service's state.
func New(opts Options) (*Service, error) {
	if len(opts.AdminToken) < 16 {
		return nil, errors.New("the admin token must be at least 16 characters")
	}
	s := &Service{adminToken: []byte(opts.AdminToken), now: opts.Now, faults: opts.Faults}
	if s.now == nil {
		s.now = time.Now
	}
	none := FaultNone
	s.fault.Store(&none)
	var state *sharing.State
	if opts.DataDir != "" {
		store, err := sharing.OpenStore(opts.DataDir)
		if err != nil {
			return nil, err
		}
		s.store = store
		if state, err = store.Load(); err != nil {
			store.Close()
			return nil, err
		}
	}
	if state == nil {
		if err := checkConfig(opts.Config); err != nil {
			return nil, err
		}
		state = sharing.New(opts.Config)
		state.Maintain(s.now().Unix())
		if s.store != nil {
			if err := s.store.Save(state); err != nil {
				s.store.Close()
				return nil, err
			}
		}
	}
	s.state, s.nextChange = state, state.NextChange()
	s.routes()
	return s, nil
}

func checkConfig(c sharing.Config) error {
	switch {
	case c.IdentityScope != "UID2" && c.IdentityScope != "EUID":
		return errors.New(`identity scope must be "UID2" or "EUID"`)
	case c.KeyLifetime < 1, c.TokenExpiry < 1, c.MaxSharingLifetime < 1, c.MaxBidstreamLifetime < 1:
		return errors.New("key lifetime, token expiry and maximum lifetimes must be at least a second")
	case c.AllowClockSkew < 0:
		return errors.New("allowed clock skew must not be negative")
	}
	return nil
}

// Close releases the data directory; the service must not be used after.
func (s *Service) Close() error {
	if s.store == nil {
		return nil
	}
	return s.store.Close()
}

// Config is the configuration the service runs with.
func (s *Service) Config() sharing.Config {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.state.Config
}

func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// read runs f on the current state, after any key rotation that is due.
func (s *Service) read(f func(st *sharing.State, now int64)) error {
	now := s.now().Unix()
	s.mu.RLock()
	due := now >= s.nextChange
	s.mu.RUnlock()
	if due {
		if _, err := s.update(func(*sharing.State, int64) (any, error) { return nil, nil }); err != nil {
			return err
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	f(s.state, now)
	return nil
}

// update applies a change to a copy of the state (rotating keys first if
// due), saves the copy, and only then makes it current: a refused change or
// a failed save leaves the state as it was.
func (s *Service) update(change func(st *sharing.State, now int64) (any, error)) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().Unix()
	next := s.state.Clone()
	maintained := next.Maintain(now)
	result, err := change(next, now)
	if err != nil {
		if !maintained {
			return nil, err
		}
		// Keep the rotation even though the change was refused.
		next = s.state.Clone()
		next.Maintain(now)
		result = nil
	}
	if s.store != nil {
		if serr := s.store.Save(next); serr != nil {
			return nil, serr
		}
	}
	s.state, s.nextChange = next, next.NextChange()
	return result, err
}

func (s *Service) adminAuthorized(r *http.Request) bool {
	token, ok := bearer(r)
	return ok && subtle.ConstantTimeCompare([]byte(token), s.adminToken) == 1
}

func bearer(r *http.Request) (string, bool) {
	const prefix = "Bearer "
	h := r.Header.Get("Authorization")
	if len(h) <= len(prefix) || h[:len(prefix)] != prefix {
		return "", false
	}
	return h[len(prefix):], true
}
