package portal

import (
	"sync"
	"time"
)

// limiter counts failed sign-ins per key (an email address, a client
// address) in a sliding window; a key with max failures in the window is
// refused until the oldest of them leaves it. Only failures count (an
// attempt counts while its password is checked and is taken back if it
// was right), so a user who signs in correctly is never slowed down by
// their own success.
type limiter struct {
	mu     sync.Mutex
	fails  map[string][]time.Time
	max    int
	window time.Duration
	now    func() time.Time
}

func newLimiter(max int, window time.Duration, now func() time.Time) *limiter {
	return &limiter{fails: map[string][]time.Time{}, max: max, window: window, now: now}
}

// attempt counts an attempt for key before its password is checked, and
// reports whether key is refused now (the attempt is then not counted),
// and for how long. Counting first means that attempts sent all at once
// cannot each pass the check before any of them has failed; a successful
// attempt is taken back with forgive or reset.
func (l *limiter) attempt(key string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.recentLocked(key)
	if len(f) >= l.max {
		return f[0].Add(l.window).Sub(l.now()), true
	}
	l.fails[key] = append(f, l.now())
	if len(l.fails) > 10000 { // keep memory bounded under a flood of keys
		for k := range l.fails {
			if len(l.recentLocked(k)) == 0 {
				delete(l.fails, k)
			}
		}
	}
	return 0, false
}

// forgive takes back one attempt of key that did not fail.
func (l *limiter) forgive(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if f := l.fails[key]; len(f) > 0 {
		l.fails[key] = f[:len(f)-1]
		if len(f) == 1 {
			delete(l.fails, key)
		}
	}
}

// reset forgets key's failures (after a successful sign-in for an email).
func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}

func (l *limiter) recentLocked(key string) []time.Time {
	f := l.fails[key]
	cut := l.now().Add(-l.window)
	i := 0
	for i < len(f) && !f[i].After(cut) {
		i++
	}
	f = f[i:]
	if len(f) == 0 {
		delete(l.fails, key)
	} else {
		l.fails[key] = f
	}
	return f
}
