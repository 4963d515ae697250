package portal

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/libuid2/libuid2/go/keyservice"
	"github.com/libuid2/libuid2/go/sharing"
)

// clock is a settable time for sessions and the rate limit.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestSessions(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	ss := newSessions(time.Hour, c.now)
	a := ss.start(1, 101)
	b := ss.start(1, 101)
	other := ss.start(2, 102)
	assert.NotEqual(t, a.id, b.id)
	assert.NotEqual(t, a.csrf, b.csrf)
	assert.GreaterOrEqual(t, len(a.id), 43, "256 random bits")
	got, ok := ss.get(a.id)
	require.True(t, ok)
	assert.Equal(t, 101, got.siteID)
	_, ok = ss.get("not a session")
	assert.False(t, ok)

	ss.end(a.id)
	_, ok = ss.get(a.id)
	assert.False(t, ok, "a signed-out session is gone")
	ss.endUser(1)
	_, ok = ss.get(b.id)
	assert.False(t, ok, "a password change ends the user's every session")
	_, ok = ss.get(other.id)
	assert.True(t, ok)

	ss.addFlash(other.id, flash{Text: "saved"})
	assert.Equal(t, []flash{{Text: "saved"}}, ss.takeFlashes(other.id))
	assert.Empty(t, ss.takeFlashes(other.id), "shown once")

	c.add(time.Hour)
	_, ok = ss.get(other.id)
	assert.False(t, ok, "expired")
}

// Signing in again and again keeps a bounded number of sessions per user,
// ending the oldest.
func TestSessionsPerUserAreBounded(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	ss := newSessions(time.Hour, c.now)
	var ids []string
	for range maxSessionsPerUser + 5 {
		ids = append(ids, ss.start(1, 101).id)
		c.add(time.Second)
	}
	other := ss.start(2, 101)
	assert.Equal(t, maxSessionsPerUser+1, len(ss.m))
	for i, id := range ids {
		_, ok := ss.get(id)
		assert.Equal(t, i >= 5, ok, "session %d", i)
	}
	_, ok := ss.get(other.id)
	assert.True(t, ok, "another user's session stays")
}

func TestCSRFCompare(t *testing.T) {
	s := &session{csrf: "token-1234"}
	assert.True(t, s.validCSRF("token-1234"))
	assert.False(t, s.validCSRF(""))
	assert.False(t, s.validCSRF("token-123"))
	assert.False(t, (&session{}).validCSRF(""), "an empty token never matches")
}

func TestLimiter(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	l := newLimiter(3, 10*time.Minute, c.now)
	for i := 0; i < 3; i++ {
		_, blocked := l.attempt("k")
		assert.False(t, blocked)
		c.add(time.Minute)
	}
	wait, blocked := l.attempt("k")
	assert.True(t, blocked)
	assert.Equal(t, 7*time.Minute, wait, "until the oldest failure leaves the window")
	_, blocked = l.attempt("other")
	assert.False(t, blocked, "per key")
	c.add(7 * time.Minute)
	_, blocked = l.attempt("k")
	assert.False(t, blocked, "the window slides")
	l.forgive("k") // that one was right
	_, blocked = l.attempt("k")
	assert.False(t, blocked, "a forgiven attempt does not count")
	_, blocked = l.attempt("k")
	assert.True(t, blocked)
	l.reset("k")
	_, blocked = l.attempt("k")
	assert.False(t, blocked)
}

// env is a key service with the Portal in front of it and two sites, each
// with a user whose password is set.
type env struct {
	t      *testing.T
	svc    *keyservice.Service
	h      http.Handler
	clock  *clock
	a, b   int // site ids
	emailA string
}

const password = "a long enough password"

func newEnv(t *testing.T) *env {
	c := &clock{t: time.Now()}
	svc, err := keyservice.New(keyservice.Options{AdminToken: strings.Repeat("x", 16), Config: sharing.DefaultConfig()})
	require.NoError(t, err)
	e := &env{t: t, svc: svc, clock: c}
	e.h = New(svc, Options{Now: c.now, SessionTTL: time.Hour})
	_, err = svc.Change(func(st *sharing.State, now int64) (any, error) {
		for i, name := range []string{"A", "B"} {
			site, err := st.CreateSite(name, []sharing.Type{sharing.Advertiser, sharing.DSP}, nil, nil, now)
			require.NoError(t, err)
			_, _, err = st.CreateAPIKey(site.ID, []sharing.Role{sharing.Sharer}, "", now)
			require.NoError(t, err)
			u, _, err := st.CreateUser(site.ID, strings.ToLower(name)+"@example.com", now)
			require.NoError(t, err)
			require.NoError(t, st.SetPassword(u.ID, password))
			if i == 0 {
				e.a = site.ID
			} else {
				e.b = site.ID
			}
		}
		return nil, nil
	})
	require.NoError(t, err)
	e.emailA = "a@example.com"
	return e
}

// browser keeps cookies the way a browser would for these tests.
type browser struct {
	e       *env
	cookies map[string]string
	addr    string
}

func (e *env) browser() *browser {
	return &browser{e: e, cookies: map[string]string{}, addr: "192.0.2.1:1234"}
}

func (b *browser) do(method, path string, form url.Values) *httptest.ResponseRecorder {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	req.RemoteAddr = b.addr
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	w := httptest.NewRecorder()
	b.e.h.ServeHTTP(w, req)
	for _, c := range w.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return w
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the token of the forms on a page.
func (b *browser) csrf(path string) string {
	w := b.do("GET", path, nil)
	m := csrfField.FindStringSubmatch(w.Body.String())
	require.NotNil(b.e.t, m, "no form on %s: %d %s", path, w.Code, w.Body.String())
	return m[1]
}

func (b *browser) signIn(email, pw string) *httptest.ResponseRecorder {
	token := b.csrf("/portal/signin")
	return b.do("POST", "/portal/signin", url.Values{"csrf": {token}, "email": {email}, "password": {pw}})
}

func (e *env) grants() []sharing.Grant {
	var g []sharing.Grant
	e.svc.View(func(st *sharing.State, _ int64) { g = append(g, st.Grants...) })
	return g
}

func TestSignInCookieAndSignOut(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	w := b.signIn(e.emailA, password)
	require.Equal(t, http.StatusSeeOther, w.Code, w.Body.String())
	assert.Equal(t, fmt.Sprintf("/portal/site/%d/", e.a), w.Header().Get("Location"))
	var cookie *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == sessionCookie {
			cookie = c
		}
	}
	require.NotNil(t, cookie)
	assert.True(t, cookie.HttpOnly)
	assert.True(t, cookie.Secure)
	assert.Equal(t, http.SameSiteStrictMode, cookie.SameSite)
	assert.Equal(t, 3600, cookie.MaxAge)
	assert.Equal(t, "/portal/", cookie.Path)

	home := fmt.Sprintf("/portal/site/%d/", e.a)
	assert.Equal(t, http.StatusOK, b.do("GET", home, nil).Code)
	old := b.cookies[sessionCookie]
	token := b.csrf(home)
	w = b.do("POST", "/portal/signout", url.Values{"csrf": {token}})
	assert.Equal(t, http.StatusSeeOther, w.Code)
	// The old cookie, replayed, no longer works.
	b.cookies[sessionCookie] = old
	w = b.do("GET", home, nil)
	assert.Equal(t, http.StatusSeeOther, w.Code)
	assert.Equal(t, "/portal/signin", w.Header().Get("Location"))
	w = b.do("POST", fmt.Sprintf("/portal/site/%d/sharing/types", e.a), url.Values{"csrf": {token}, "type": {"dsp"}})
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.Contains(t, w.Body.String(), "not signed in")
	assert.Empty(t, e.grants())

	// A session ends on its own after its lifetime.
	b = e.browser()
	b.signIn(e.emailA, password)
	assert.Equal(t, http.StatusOK, b.do("GET", home, nil).Code)
	e.clock.add(time.Hour)
	assert.Equal(t, http.StatusSeeOther, b.do("GET", home, nil).Code)
}

func TestSignInRefusalsAndRateLimit(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	// A sign-in form without its token (a forged one) is refused.
	w := b.do("POST", "/portal/signin", url.Values{"email": {e.emailA}, "password": {password}})
	assert.Equal(t, http.StatusForbidden, w.Code)
	for i := 0; i < maxFailsPerEmail; i++ {
		w = b.signIn(e.emailA, "wrong password!!")
		assert.Equal(t, http.StatusUnauthorized, w.Code)
		assert.Contains(t, w.Body.String(), "The email address or the password is wrong.")
	}
	w = b.signIn(e.emailA, password)
	assert.Equal(t, http.StatusTooManyRequests, w.Code, "the right password too, while limited")
	assert.Contains(t, w.Body.String(), "Too many failed sign-in attempts. Try again in 15 minutes.")
	assert.NotContains(t, b.cookies, sessionCookie)
	// Another user from another address is not held up.
	other := e.browser()
	other.addr = "192.0.2.2:1"
	assert.Equal(t, http.StatusSeeOther, other.signIn("b@example.com", password).Code)
	e.clock.add(failWindow)
	assert.Equal(t, http.StatusSeeOther, b.signIn(e.emailA, password).Code)

	// Many emails from one address are limited by the address.
	c := e.browser()
	c.addr = "198.51.100.7:9"
	for i := 0; i < maxFailsPerAddr; i++ {
		c.signIn(fmt.Sprintf("guess%d@example.com", i), "wrong password!!")
	}
	assert.Equal(t, http.StatusTooManyRequests, c.signIn("b@example.com", password).Code)
}

// slowBackend makes every read of the state take a while, as a password
// hash does on a busy machine, so that requests sent together overlap.
// It notes how many reads ran at once at most.
type slowBackend struct {
	*keyservice.Service
	delay        time.Duration
	mu           sync.Mutex
	active, peak int
}

func (b *slowBackend) View(f func(st *sharing.State, now int64)) {
	b.mu.Lock()
	b.active++
	b.peak = max(b.peak, b.active)
	b.mu.Unlock()
	time.Sleep(b.delay)
	b.Service.View(f)
	b.mu.Lock()
	b.active--
	b.mu.Unlock()
}

// Wrong passwords sent all at once are limited as if sent one by one: each
// attempt counts before its password is checked.
func TestConcurrentSignInsAreLimited(t *testing.T) {
	e := newEnv(t)
	e.h = New(&slowBackend{Service: e.svc, delay: 100 * time.Millisecond}, Options{Now: e.clock.now, SessionTTL: time.Hour})
	b := e.browser()
	token := b.csrf("/portal/signin")
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for i := 0; i < 3*maxFailsPerEmail; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := b.do("POST", "/portal/signin", url.Values{"csrf": {token}, "email": {e.emailA}, "password": {"wrong password!!"}})
			mu.Lock()
			codes[w.Code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	assert.Equal(t, map[int]int{http.StatusUnauthorized: maxFailsPerEmail, http.StatusTooManyRequests: 2 * maxFailsPerEmail}, codes)
}

// Sign-ins sent together from many addresses for many emails hash at
// most maxHashing passwords at once (19 MiB each), not one per request.
func TestConcurrentPasswordHashesAreBounded(t *testing.T) {
	e := newEnv(t)
	slow := &slowBackend{Service: e.svc, delay: 50 * time.Millisecond}
	e.h = New(slow, Options{Now: e.clock.now, SessionTTL: time.Hour})
	var wg sync.WaitGroup
	for i := 0; i < 5*maxHashing; i++ {
		b := e.browser()
		b.addr = fmt.Sprintf("192.0.2.%d:1", 10+i)
		token := b.csrf("/portal/signin")
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := b.do("POST", "/portal/signin", url.Values{"csrf": {token}, "email": {fmt.Sprintf("guess%d@example.com", i)}, "password": {"wrong password!!"}})
			assert.Equal(t, http.StatusUnauthorized, w.Code)
		}()
	}
	wg.Wait()
	assert.Equal(t, maxHashing, slow.peak)
}

// A made-up email of 60 KB costs the limiter a short key, not 60 KB.
func TestLongEmailsAreKeyedShort(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	long := strings.Repeat("x", 60<<10) + "@example.com"
	assert.Equal(t, http.StatusUnauthorized, b.signIn(long, "wrong password!!").Code)
	p := e.h.(*Portal)
	require.Len(t, p.byEmail.fails, 1)
	for k := range p.byEmail.fails {
		assert.LessOrEqual(t, len(k), 300)
	}
}

func TestOneTimePasswordMustBeReplaced(t *testing.T) {
	e := newEnv(t)
	var otp string
	_, err := e.svc.Change(func(st *sharing.State, now int64) (any, error) {
		var err error
		_, otp, err = st.CreateUser(e.a, "new@example.com", now)
		return nil, err
	})
	require.NoError(t, err)
	b := e.browser()
	w := b.signIn("new@example.com", otp)
	assert.Equal(t, "/portal/password", w.Header().Get("Location"))
	// Every other page sends the user to choose a password first.
	w = b.do("GET", fmt.Sprintf("/portal/site/%d/sharing", e.a), nil)
	assert.Equal(t, "/portal/password", w.Header().Get("Location"))
	token := b.csrf("/portal/password")
	w = b.do("POST", "/portal/password", url.Values{"csrf": {token}, "current": {otp}, "password": {"short"}, "confirm": {"short"}})
	assert.Equal(t, http.StatusBadRequest, w.Code)
	assert.Contains(t, w.Body.String(), "A password needs 12")
	w = b.do("POST", "/portal/password", url.Values{"csrf": {token}, "current": {otp}, "password": {otp}, "confirm": {otp}})
	assert.Equal(t, http.StatusBadRequest, w.Code, "the one-time password, which its creator saw, cannot be kept")
	assert.Contains(t, w.Body.String(), "The new password must differ from the current one.")
	w = b.do("POST", "/portal/password", url.Values{"csrf": {token}, "current": {otp}, "password": {password}, "confirm": {password}})
	assert.Equal(t, http.StatusSeeOther, w.Code)
	assert.Equal(t, http.StatusOK, b.do("GET", fmt.Sprintf("/portal/site/%d/sharing", e.a), nil).Code)
}

// Whoever holds a session cannot guess the user's password through the
// password form any faster than through the sign-in form.
func TestPasswordChangeIsRateLimited(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.signIn(e.emailA, password)
	token := b.csrf("/portal/password")
	change := func(current string) *httptest.ResponseRecorder {
		return b.do("POST", "/portal/password", url.Values{"csrf": {token}, "current": {current}, "password": {password + "!"}, "confirm": {password + "!"}})
	}
	for i := 0; i < maxFailsPerEmail; i++ {
		w := change(fmt.Sprintf("guess number %d", i))
		assert.Equal(t, http.StatusBadRequest, w.Code)
		assert.Contains(t, w.Body.String(), "The current password is wrong.")
	}
	w := change(password)
	assert.Equal(t, http.StatusTooManyRequests, w.Code, "the right one too, while limited")
	assert.Contains(t, w.Body.String(), "Too many wrong passwords. Try again in 15 minutes.")
	assert.Equal(t, http.StatusTooManyRequests, e.browser().signIn(e.emailA, password).Code, "the same count as sign-in")
	e.clock.add(failWindow)
	w = change(password)
	assert.Equal(t, http.StatusSeeOther, w.Code, w.Body.String())
}

func TestChangesNeedTheSessionsCSRFToken(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.signIn(e.emailA, password)
	path := fmt.Sprintf("/portal/site/%d/sharing/add", e.a)
	for _, form := range []url.Values{
		{"site": {fmt.Sprint(e.b)}},
		{"site": {fmt.Sprint(e.b)}, "csrf": {"forged"}},
		{"site": {fmt.Sprint(e.b)}, "csrf": {e.browser().csrf("/portal/signin")}},
	} {
		w := b.do("POST", path, form)
		assert.Equal(t, http.StatusForbidden, w.Code)
		assert.Contains(t, w.Body.String(), "security token is missing or out of date")
	}
	assert.Empty(t, e.grants())
	token := b.csrf(fmt.Sprintf("/portal/site/%d/sharing", e.a))
	w := b.do("POST", path, url.Values{"site": {fmt.Sprint(e.b)}, "csrf": {token}})
	assert.Equal(t, http.StatusSeeOther, w.Code)
	require.Len(t, e.grants(), 1)
	assert.Equal(t, e.b, e.grants()[0].Site)
}

func TestOnlyTheUsersOwnSite(t *testing.T) {
	e := newEnv(t)
	// B shares with A; A's user tries to read and change B's sharing.
	_, err := e.svc.Change(func(st *sharing.State, now int64) (any, error) { return st.GrantSite(e.b, e.a, now) })
	require.NoError(t, err)
	b := e.browser()
	b.signIn(e.emailA, password)
	token := b.csrf(fmt.Sprintf("/portal/site/%d/sharing", e.a))
	for _, path := range []string{"", "sharing", "apikeys", "details"} {
		w := b.do("GET", fmt.Sprintf("/portal/site/%d/%s", e.b, path), nil)
		assert.Equal(t, http.StatusForbidden, w.Code, path)
		assert.Contains(t, w.Body.String(), "only your own participant")
	}
	for _, action := range []string{"sharing/delete", "sharing/types", "apikeys/K2/disable", "sharing/add"} {
		w := b.do("POST", fmt.Sprintf("/portal/site/%d/%s", e.b, action), url.Values{"csrf": {token}, "site": {fmt.Sprint(e.a)}, "type": {"dsp"}})
		assert.Equal(t, http.StatusForbidden, w.Code, action)
	}
	// B's API key named through A's own URL is not found for A.
	w := b.do("POST", fmt.Sprintf("/portal/site/%d/apikeys/K2/disable", e.a), url.Values{"csrf": {token}})
	assert.Equal(t, http.StatusSeeOther, w.Code)
	page := b.do("GET", fmt.Sprintf("/portal/site/%d/apikeys", e.a), nil).Body.String()
	assert.Contains(t, page, "has no API key")
	require.Len(t, e.grants(), 1)
	e.svc.View(func(st *sharing.State, _ int64) {
		for _, k := range st.APIKeys {
			assert.Zero(t, k.Disabled)
		}
	})
	// Unknown pages and wrong methods are a page too, not a bare error.
	w = b.do("GET", "/portal/nothing-here", nil)
	assert.Equal(t, http.StatusNotFound, w.Code)
	assert.Contains(t, w.Body.String(), "There is no such page")
	w = b.do("GET", fmt.Sprintf("/portal/site/%d/sharing/delete", e.a), nil)
	assert.Equal(t, http.StatusMethodNotAllowed, w.Code)
	assert.Contains(t, w.Body.String(), "does not take a GET request")
	w = b.do("DELETE", fmt.Sprintf("/portal/site/%d/apikeys", e.a), nil)
	assert.Equal(t, http.StatusMethodNotAllowed, w.Code)
	assert.Contains(t, w.Body.String(), "<h1>Method Not Allowed</h1>")
}

// A request between two other sites cannot be answered from a third, and
// the refusal does not say who asked whom.
func TestOthersRequestsAreNotFound(t *testing.T) {
	e := newEnv(t)
	var c int
	_, err := e.svc.Change(func(st *sharing.State, now int64) (any, error) {
		site, err := st.CreateSite("C", []sharing.Type{sharing.DSP}, nil, nil, now)
		if err != nil {
			return nil, err
		}
		c = site.ID
		return st.RequestSharing(c, e.b, now)
	})
	require.NoError(t, err)
	b := e.browser()
	b.signIn(e.emailA, password)
	sharingPage := fmt.Sprintf("/portal/site/%d/sharing", e.a)
	token := b.csrf(sharingPage)
	for _, verb := range []string{"accept", "decline"} {
		w := b.do("POST", fmt.Sprintf("/portal/site/%d/sharing/requests/1/%s", e.a, verb), url.Values{"csrf": {token}})
		assert.Equal(t, http.StatusSeeOther, w.Code)
		toast := regexp.MustCompile(`class="toast error" role="alert">([^<]*)<`).FindStringSubmatch(b.do("GET", sharingPage, nil).Body.String())
		require.NotNil(t, toast)
		assert.Equal(t, "There is no such request.", toast[1], "not who was asked")
	}
	e.svc.View(func(st *sharing.State, _ int64) { assert.Equal(t, sharing.Pending, st.Requests[0].Status) })
}

func TestRecommendations(t *testing.T) {
	for types, want := range map[string]string{
		"publisher":                "As a Publisher, we recommend you share with all DSPs.",
		"advertiser":               "As an Advertiser, we recommend you share with all DSPs and Data Providers.",
		"dsp":                      "As a DSP, we recommend you share with all Advertisers and Data Providers.",
		"data-provider":            "As a Data Provider, we recommend you share with all Publishers, Advertisers and DSPs.",
		"advertiser,data-provider": "As an Advertiser and Data Provider, we recommend you share with all participants.",
	} {
		var ts []sharing.Type
		for _, s := range strings.Split(types, ",") {
			ts = append(ts, sharing.Type(s))
		}
		assert.Equal(t, want, recommendationText(ts), types)
	}
}

// failing is a key service whose reads fail in a way nobody planned for.
type failing struct{ *keyservice.Service }

func (failing) View(func(*sharing.State, int64)) { panic("state is broken") }

func TestAFailureShowsAPageNotAStackTrace(t *testing.T) {
	e := newEnv(t)
	e.h = New(failing{e.svc}, Options{Now: e.clock.now})
	w := e.browser().do("GET", "/portal/signin", nil)
	require.Equal(t, http.StatusOK, w.Code, "the sign-in page reads nothing")
	b := e.browser()
	token := b.csrf("/portal/signin")
	w = b.do("POST", "/portal/signin", url.Values{"csrf": {token}, "email": {e.emailA}, "password": {password}})
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.Contains(t, w.Body.String(), "Something went wrong in the Portal")
	assert.NotContains(t, w.Body.String(), "state is broken")
	assert.NotContains(t, w.Body.String(), "goroutine")
}
