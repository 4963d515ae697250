package portal

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"sync"
	"time"
)

// A session is one signed-in browser. Sessions live in memory only: a
// restart of the service signs everybody out, which for a local key service
// is a fair price for keeping no session secrets on disk.
type session struct {
	id      string // the cookie's value
	userID  int
	siteID  int
	csrf    string // sent back in every form that changes something
	expires time.Time
	flashes []flash // messages for the next page shown
}

// flash is a message shown once on the next page (the Portal's toasts).
type flash struct {
	Error bool
	Text  string
}

type sessions struct {
	mu  sync.Mutex
	m   map[string]*session
	ttl time.Duration
	now func() time.Time
}

func newSessions(ttl time.Duration, now func() time.Time) *sessions {
	return &sessions{m: map[string]*session{}, ttl: ttl, now: now}
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // cannot happen on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// start makes a new session for a user who has just signed in. A fresh id
// on every sign-in means a cookie planted before sign-in is worth nothing.
func (ss *sessions) start(userID, siteID int) session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := &session{id: randomToken(), userID: userID, siteID: siteID, csrf: randomToken(), expires: ss.now().Add(ss.ttl)}
	ss.pruneLocked()
	// A user's sessions are bounded, the oldest ending first: signing in
	// again and again must not fill the memory (and every sign-in scans
	// the sessions).
	var oldest *session
	n := 0
	for _, o := range ss.m {
		if o.userID == userID {
			n++
			if oldest == nil || o.expires.Before(oldest.expires) {
				oldest = o
			}
		}
	}
	if n >= maxSessionsPerUser {
		delete(ss.m, oldest.id)
	}
	ss.m[s.id] = s
	return *s
}

// maxSessionsPerUser is how many browsers one user may be signed in on.
const maxSessionsPerUser = 16

// get returns a copy of the live session with this id.
func (ss *sessions) get(id string) (session, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.m[id]
	if !ok {
		return session{}, false
	}
	if !ss.now().Before(s.expires) {
		delete(ss.m, id)
		return session{}, false
	}
	return *s, true
}

// end signs a session out: its cookie no longer works, even if kept.
func (ss *sessions) end(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.m, id)
}

// endUser signs a user out everywhere (after a password change).
func (ss *sessions) endUser(userID int) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for id, s := range ss.m {
		if s.userID == userID {
			delete(ss.m, id)
		}
	}
}

func (ss *sessions) addFlash(id string, f flash) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if s, ok := ss.m[id]; ok && len(s.flashes) < 10 {
		s.flashes = append(s.flashes, f)
	}
}

func (ss *sessions) takeFlashes(id string) []flash {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.m[id]
	if !ok {
		return nil
	}
	f := s.flashes
	s.flashes = nil
	return f
}

func (ss *sessions) pruneLocked() {
	now := ss.now()
	for id, s := range ss.m {
		if !now.Before(s.expires) {
			delete(ss.m, id)
		}
	}
}

// validCSRF compares a form's token with the session's in constant time.
func (s *session) validCSRF(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.csrf)) == 1
}
