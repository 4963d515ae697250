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
	"fmt"
	"log"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libuid2/libuid2/go/operator"
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
	// SaltBuckets is the salt bucket count of a new state (0: the
	// default); a saved state keeps its own.
	SaltBuckets int
	// Lifetimes of the tokens token generate and refresh mint; zero: the
	// operator's (DefaultLifetimes).
	Lifetimes operator.Lifetimes
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log gets a line when saving starts to fail and when it works again,
	// and when a request hits a bug; nil means the standard logger.
	Log *log.Logger
}

// Service is the key service; it is an http.Handler.
type Service struct {
	adminToken []byte
	store      saver // nil: memory only
	now        func() time.Time
	log        *log.Logger
	faults     bool
	lifetimes  operator.Lifetimes
	fault      atomic.Pointer[string]
	mux        *http.ServeMux

	// current is the state requests read. A published state is never
	// changed: a change is made on a copy, saved, then published, so a
	// reader never waits for a change or for the disk.
	current atomic.Pointer[published]
	// writing serialises changes and saves.
	writing sync.Mutex
	// failing is set while saves fail (under writing); retryAt is when a
	// key request may try a due rotation again (Unix seconds).
	failing bool
	retryAt atomic.Int64
}

// published is a state with the time of its next due rotation.
type published struct {
	state      *sharing.State
	nextChange int64    // state.NextChange(), cached
	op         *opCache // the operator endpoints' view, built on first use
}

// saver keeps the state; *sharing.Store, or a test's stand-in.
type saver interface {
	Save(*sharing.State) error
	Close() error
}

// saveRetry is how long key requests wait before they try a due rotation
// again after a failed save, so that a full disk costs one attempt per
// interval, not one per request.
const saveRetry = 10 * time.Second

// New opens (or creates) the service's state.
func New(opts Options) (*Service, error) {
	if len(opts.AdminToken) < 16 {
		return nil, errors.New("the admin token must be at least 16 characters")
	}
	s := &Service{adminToken: []byte(opts.AdminToken), now: opts.Now, log: opts.Log, faults: opts.Faults}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = log.Default()
	}
	none := FaultNone
	s.fault.Store(&none)
	if l := opts.Lifetimes; l != (operator.Lifetimes{}) && !(l.RefreshAfterS > 0 && l.IdentityS >= l.RefreshAfterS && l.RefreshS >= l.IdentityS) {
		// The operator's sanity rule (publisher spec §1.8).
		return nil, fmt.Errorf("%w (refresh %d s, identity %d s, refresh-after %d s)", operator.ErrLifetimes, l.RefreshS, l.IdentityS, l.RefreshAfterS)
	}
	var state *sharing.State
	var err error
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
	fresh := state == nil
	if fresh {
		if err := opts.Config.Check(); err != nil {
			s.Close()
			return nil, err
		}
		state = sharing.New(opts.Config)
	}
	// A new state, or one saved before salts were kept, gets its salts
	// now: the operator endpoints read them from the first request.
	if fresh || state.Salts == nil {
		if opts.SaltBuckets != 0 {
			if state.Salts, err = sharing.NewSalts(opts.SaltBuckets, s.now().Unix()); err != nil {
				s.Close()
				return nil, err
			}
		}
		state.Maintain(s.now().Unix())
		if s.store != nil {
			if err := s.store.Save(state); err != nil {
				s.store.Close()
				return nil, err
			}
		}
	}
	// Keys are kept TokenExpiry after they stop being the newest: a
	// refresh token must not outlive its key. The operator's default
	// lifetimes are shortened to fit; lifetimes asked for are refused.
	s.lifetimes = opts.Lifetimes
	if s.lifetimes == (operator.Lifetimes{}) {
		l := DefaultLifetimes
		l.RefreshS = min(l.RefreshS, state.Config.TokenExpiry)
		l.IdentityS = min(l.IdentityS, l.RefreshS)
		l.RefreshAfterS = min(l.RefreshAfterS, l.IdentityS)
		s.lifetimes = l
	}
	if s.lifetimes.RefreshS > state.Config.TokenExpiry {
		s.Close()
		return nil, fmt.Errorf("the refresh token lifetime (%d s) must not exceed the token expiry (%d s)", s.lifetimes.RefreshS, state.Config.TokenExpiry)
	}
	s.publish(state)
	s.routes()
	return s, nil
}

func (s *Service) publish(st *sharing.State) {
	p := &published{state: st, nextChange: st.NextChange(), op: new(opCache)}
	if prev := s.current.Load(); prev != nil && sameOperatorData(prev.state, st) {
		// Most changes leave salts and opt-outs alone: keep their view
		// rather than rebuild it for the operator's million buckets.
		p.op = prev.op
	}
	s.current.Store(p)
}

// Close releases the data directory; the service must not be used after.
func (s *Service) Close() error {
	if s.store == nil {
		return nil
	}
	return s.store.Close()
}

// SaltBuckets is the state's salt bucket count.
func (s *Service) SaltBuckets() int { return len(s.current.Load().state.Salts.Buckets) }

// Config is the configuration the service runs with.
func (s *Service) Config() sharing.Config { return s.current.Load().state.Config }

// ServeHTTP answers a request. A bug that panics costs that request a 500,
// not the connection and a stack trace in the log.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Printf("bug: %s %s panicked: %v", r.Method, r.URL.Path, p)
			operatorError(w, http.StatusInternalServerError, "error", "internal error")
		}
	}()
	s.mux.ServeHTTP(w, r)
}

// snapshot returns the current state and the time, after any key rotation
// that is due. It never fails: when a due rotation cannot be saved (a full
// disk), it returns the state as it is, whose keys KeyResponse still
// filters by the time. The state must not be changed.
func (s *Service) snapshot() (*sharing.State, int64) {
	now := s.now().Unix()
	p := s.current.Load()
	if now >= p.nextChange && now >= s.retryAt.Load() {
		if _, err := s.update(nil); err == nil {
			p = s.current.Load()
		}
	}
	return p.state, now
}

// update applies a change to a copy of the state (rotating keys first if
// due), saves the copy, and only then publishes it: a refused change or a
// failed save leaves the state as it was. A nil change is only the due
// rotation.
func (s *Service) update(change func(st *sharing.State, now int64) (any, error)) (any, error) {
	s.writing.Lock()
	defer s.writing.Unlock()
	now := s.now().Unix()
	current := s.current.Load()
	if change == nil {
		// Requests that saw the rotation due together wait here: the first
		// makes it (or fails to save it), the others have nothing to do.
		if now < current.nextChange || now < s.retryAt.Load() {
			return nil, nil
		}
		change = func(*sharing.State, int64) (any, error) { return nil, nil }
	}
	next := current.state.Clone()
	maintained := next.Maintain(now)
	result, err := change(next, now)
	if err != nil {
		if !maintained {
			return nil, err
		}
		// Keep the rotation even though the change was refused.
		next = current.state.Clone()
		next.Maintain(now)
		result = nil
	}
	if s.store != nil {
		if serr := s.store.Save(next); serr != nil {
			s.saveFailed(serr, now)
			return nil, saveError{serr}
		}
		if s.failing {
			s.failing = false
			s.retryAt.Store(0)
			s.log.Printf("the state is saved again; key rotation and changes are back")
		}
	}
	s.publish(next)
	return result, err
}

// saveFailed notes a failed save: one log line per failure period, and
// key requests leave the rotation alone for saveRetry.
func (s *Service) saveFailed(err error, now int64) {
	s.retryAt.Store(now + int64(saveRetry/time.Second))
	if !s.failing {
		s.failing = true
		s.log.Printf("cannot save the state (%v): key requests are answered with the keys that are still valid; rotation and admin changes wait until it saves again", err)
	}
}

// saveError is a change that could not be saved.
type saveError struct{ err error }

func (e saveError) Error() string {
	return "the key service could not save its state: " + e.err.Error()
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
