// Package portal is a local imitation of the UID2 Portal (uid2-spec-publisher
// §5): web pages on which a participant's users sign in and manage their
// site's sharing permissions — in bulk by participant type (with sites that
// join later), with individual participants, deleting them — answer and send
// sharing requests, manage API keys, and see the site's details.
//
// Pages are rendered on the server (html/template); the style sheet and a
// little script are embedded, and nothing is fetched from elsewhere. Every
// change is made through the key service's Change, with the same operations
// of package sharing as its admin API, so it is validated and saved the same
// way and reaches receivers at their next key refresh.
//
// Security: users sign in with an email address and a password (argon2id,
// package sharing); sessions are random ids in an HttpOnly, Secure,
// SameSite=Strict cookie and live in memory; every form that changes
// something carries the session's CSRF token; failed sign-ins are limited
// per email address and per client address; a user sees and changes only
// their own site, whatever URL or form is sent.
package portal

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/libuid2/libuid2/go/sharing"
)

// Backend is the key service the Portal shows and changes
// (keyservice.Service).
type Backend interface {
	View(f func(st *sharing.State, now int64))
	Change(change func(st *sharing.State, now int64) (any, error)) (any, error)
}

// Options configure a Portal.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// SessionTTL is how long a sign-in lasts; 0 means 8 hours.
	SessionTTL time.Duration
}

// Prefix is where the Portal is served.
const Prefix = "/portal/"

// Sign-in limits: per email address a few failures (a person mistyping),
// per client address more (several people behind one address).
const (
	maxFailsPerEmail = 5
	maxFailsPerAddr  = 20
	failWindow       = 15 * time.Minute
	maxForm          = 64 << 10
	// maxHashing bounds the password hashes computed at once: each takes
	// 19 MiB (argon2id), and sign-ins sent together for many emails from
	// many addresses would otherwise take memory without bound.
	maxHashing = 4
)

const (
	sessionCookie = "uid2_portal"
	signinCookie  = "uid2_portal_signin" // the sign-in form's CSRF token
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Portal is the web pages; it is an http.Handler for Prefix.
type Portal struct {
	b        Backend
	now      func() time.Time
	ttl      time.Duration
	sessions *sessions
	byEmail  *limiter
	byAddr   *limiter
	hashing  chan struct{} // a slot per password hash in progress
	pages    map[string]*template.Template
	mux      *http.ServeMux
}

// New makes the Portal for a key service.
func New(b Backend, opts Options) *Portal {
	p := &Portal{b: b, now: opts.Now, ttl: opts.SessionTTL}
	if p.now == nil {
		p.now = time.Now
	}
	if p.ttl == 0 {
		p.ttl = 8 * time.Hour
	}
	p.sessions = newSessions(p.ttl, p.now)
	p.byEmail = newLimiter(maxFailsPerEmail, failWindow, p.now)
	p.byAddr = newLimiter(maxFailsPerAddr, failWindow, p.now)
	p.hashing = make(chan struct{}, maxHashing)
	p.pages = parsePages()
	p.routes()
	return p
}

var funcs = template.FuncMap{
	"typeLabel": func(t sharing.Type) string { return typeLabels[t] },
	"roleLabel": func(r sharing.Role) string { return roleLabels[r] },
	"date":      func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"hasType": func(ts []sharing.Type, t sharing.Type) bool {
		for _, x := range ts {
			if x == t {
				return true
			}
		}
		return false
	},
	"typeKeys": func(ts []sharing.Type) string {
		s := make([]string, len(ts))
		for i, t := range ts {
			s[i] = string(t)
		}
		return strings.Join(s, " ")
	},
	"plural": plural,
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func parsePages() map[string]*template.Template {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		pages[base] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n))
	}
	return pages
}

func (p *Portal) routes() {
	m := http.NewServeMux()
	paths := map[string]bool{}
	// handle registers a page or action; any other method on its path gets
	// a page saying so, not the mux's bare 405.
	handle := func(method, path string, h http.HandlerFunc) {
		m.HandleFunc(method+" "+path, h)
		if !paths[path] {
			paths[path] = true
			m.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
				p.refuse(w, r, nil, http.StatusMethodNotAllowed, "This address does not take a "+r.Method+" request; use the Portal's pages and buttons.")
			})
		}
	}
	static, _ := fs.Sub(staticFS, "static")
	m.Handle("GET /portal/static/", http.StripPrefix("/portal/static/", http.FileServerFS(static)))
	handle("GET", "/portal/{$}", p.root)
	handle("GET", "/portal/signin", p.signinPage)
	handle("POST", "/portal/signin", p.signin)
	handle("POST", "/portal/signout", p.auth(p.signout))
	handle("GET", "/portal/password", p.auth(p.passwordPage))
	handle("POST", "/portal/password", p.auth(p.setPassword))
	handle("GET", "/portal/site/{site}/{$}", p.auth(p.home))
	handle("GET", "/portal/site/{site}/sharing", p.auth(p.sharingPage))
	handle("POST", "/portal/site/{site}/sharing/types", p.auth(p.saveTypes))
	handle("POST", "/portal/site/{site}/sharing/add", p.auth(p.addSites))
	handle("POST", "/portal/site/{site}/sharing/delete", p.auth(p.deleteSites))
	handle("POST", "/portal/site/{site}/sharing/requests", p.auth(p.sendRequest))
	handle("POST", "/portal/site/{site}/sharing/requests/{id}/{verb}", p.auth(p.answerRequest))
	handle("GET", "/portal/site/{site}/apikeys", p.auth(p.apiKeysPage))
	handle("POST", "/portal/site/{site}/apikeys", p.auth(p.createAPIKey))
	handle("POST", "/portal/site/{site}/apikeys/{key}/disable", p.auth(p.disableAPIKey))
	handle("GET", "/portal/site/{site}/details", p.auth(p.detailsPage))
	m.HandleFunc("/portal/", func(w http.ResponseWriter, r *http.Request) {
		p.refuse(w, r, nil, http.StatusNotFound, "There is no such page in the Portal.")
	})
	p.mux = m
}

// ServeHTTP serves the Portal's pages with headers that keep them from
// being framed, cached or given scripts from elsewhere; a failure inside a
// handler shows an error page, never a stack trace.
func (p *Portal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	if !strings.HasPrefix(r.URL.Path, "/portal/static/") {
		h.Set("Cache-Control", "no-store")
	}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			log.Printf("portal: %s %s: %v", r.Method, r.URL.Path, v)
			p.refuse(w, r, nil, http.StatusInternalServerError, "Something went wrong in the Portal; the change, if any, was not made.")
		}
	}()
	p.mux.ServeHTTP(w, r)
}

// page is what every template gets.
type page struct {
	Title   string
	Nav     string
	CSRF    string
	Email   string
	Site    *participant
	Flashes []flash
	Data    any
}

func (p *Portal) render(w http.ResponseWriter, code int, name string, pg page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	if err := p.pages[name].Execute(w, pg); err != nil {
		log.Printf("portal: rendering %s: %v", name, err)
	}
}

// refuse shows a refusal as a page with its reason.
func (p *Portal) refuse(w http.ResponseWriter, r *http.Request, s *session, code int, msg string) {
	pg := page{Title: http.StatusText(code), Data: msg}
	if s != nil {
		pg = p.pageFor(s, http.StatusText(code), "")
		pg.Data = msg
	}
	p.render(w, code, "error", pg)
}

// pageFor fills the parts of a page that come from the session.
func (p *Portal) pageFor(s *session, title, nav string) page {
	pg := page{Title: title, Nav: nav, CSRF: s.csrf}
	p.b.View(func(st *sharing.State, _ int64) {
		if u := st.User(s.userID); u != nil {
			pg.Email = u.Email
		}
		if site := st.Site(s.siteID); site != nil {
			ps := participantOf(site)
			pg.Site = &ps
		}
	})
	return pg
}

func (p *Portal) currentSession(r *http.Request) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return session{}, false
	}
	return p.sessions.get(c.Value)
}

func (p *Portal) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: Prefix, MaxAge: maxAge,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode,
	})
}

// handler is a page or action for a signed-in user.
type handler func(w http.ResponseWriter, r *http.Request, s *session)

// auth lets through only a signed-in user, only to their own site's pages,
// and only with the session's CSRF token for a change.
func (p *Portal) auth(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, ok := p.currentSession(r)
		if !ok {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, Prefix+"signin", http.StatusSeeOther)
				return
			}
			p.refuse(w, r, nil, http.StatusUnauthorized, "You are not signed in, or your session has ended. Sign in and try again.")
			return
		}
		var mustChange, exists bool
		p.b.View(func(st *sharing.State, _ int64) {
			if u := st.User(s.userID); u != nil {
				exists, mustChange = true, u.MustChange
			}
		})
		if !exists {
			p.sessions.end(s.id)
			p.refuse(w, r, nil, http.StatusUnauthorized, "Your user no longer exists. Ask the key service's operator.")
			return
		}
		if r.PathValue("site") != "" && r.PathValue("site") != strconv.Itoa(s.siteID) {
			p.refuse(w, r, &s, http.StatusForbidden, fmt.Sprintf(
				"You can see and change only your own participant's pages (site %d), not those of site %q.", s.siteID, r.PathValue("site")))
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			if err := r.ParseForm(); err != nil {
				p.refuse(w, r, &s, http.StatusBadRequest, "The form could not be read.")
				return
			}
			if !s.validCSRF(r.PostForm.Get("csrf")) {
				p.refuse(w, r, &s, http.StatusForbidden,
					"This change was refused: the form's security token is missing or out of date (it did not come from your Portal page). Reload the page and try again.")
				return
			}
		}
		if mustChange && r.URL.Path != Prefix+"password" && r.URL.Path != Prefix+"signout" {
			http.Redirect(w, r, Prefix+"password", http.StatusSeeOther)
			return
		}
		h(w, r, &s)
	}
}

func (p *Portal) siteURL(s *session, rest string) string {
	return fmt.Sprintf("%ssite/%d/%s", Prefix, s.siteID, rest)
}

func (p *Portal) root(w http.ResponseWriter, r *http.Request) {
	if s, ok := p.currentSession(r); ok {
		http.Redirect(w, r, p.siteURL(&s, ""), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, Prefix+"signin", http.StatusSeeOther)
}

// signinToken returns the sign-in form's CSRF token, setting its cookie
// when there is none (double submit: a forged form cannot read the cookie).
func (p *Portal) signinToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(signinCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	t := randomToken()
	p.setCookie(w, signinCookie, t, 3600)
	return t
}

type signinData struct {
	Email   string
	Message string
	Error   string
}

func (p *Portal) signinPage(w http.ResponseWriter, r *http.Request) {
	if s, ok := p.currentSession(r); ok {
		http.Redirect(w, r, p.siteURL(&s, ""), http.StatusSeeOther)
		return
	}
	d := signinData{}
	if r.URL.Query().Get("signedout") != "" {
		d.Message = "You are signed out."
	}
	p.render(w, http.StatusOK, "signin", page{Title: "Sign in", CSRF: p.signinToken(w, r), Data: d})
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (p *Portal) signin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		p.refuse(w, r, nil, http.StatusBadRequest, "The form could not be read.")
		return
	}
	c, err := r.Cookie(signinCookie)
	token := r.PostForm.Get("csrf")
	if err != nil || token == "" || !(&session{csrf: c.Value}).validCSRF(token) {
		p.refuse(w, r, nil, http.StatusForbidden, "This sign-in was refused: the form's security token is missing or out of date. Open the sign-in page and try again.")
		return
	}
	email := strings.ToLower(strings.TrimSpace(r.PostForm.Get("email")))
	password := r.PostForm.Get("password")
	d := signinData{Email: email}
	// No user's email is longer than 254 bytes; keying made-up longer ones
	// by their start keeps a flood of them from filling the limiter.
	emailKey, addrKey := "email:"+email[:min(len(email), 254)], "addr:"+clientAddr(r)
	wait1, b1 := p.byEmail.attempt(emailKey)
	wait2, b2 := p.byAddr.attempt(addrKey)
	if b1 || b2 {
		if !b1 {
			p.byEmail.forgive(emailKey)
		}
		if !b2 {
			p.byAddr.forgive(addrKey)
		}
		wait := max(wait1, wait2)
		d.Error = "Too many failed sign-in attempts. " + tryAgain(wait)
		p.render(w, http.StatusTooManyRequests, "signin", page{Title: "Sign in", CSRF: token, Data: d})
		return
	}
	var u sharing.User
	var found bool
	if !p.hash(r, func() {
		p.b.View(func(st *sharing.State, _ int64) {
			if x := st.SignIn(email, password); x != nil {
				u, found = *x, true
			}
		})
	}) {
		// Gone before its password was checked: not a failure.
		p.byEmail.forgive(emailKey)
		p.byAddr.forgive(addrKey)
		return // the client has gone
	}
	if !found {
		d.Error = "The email address or the password is wrong."
		p.render(w, http.StatusUnauthorized, "signin", page{Title: "Sign in", CSRF: token, Data: d})
		return
	}
	p.byEmail.reset(emailKey)
	p.byAddr.forgive(addrKey)
	s := p.sessions.start(u.ID, u.SiteID)
	p.setCookie(w, sessionCookie, s.id, int(p.ttl.Seconds()))
	p.setCookie(w, signinCookie, "", -1)
	if u.MustChange {
		http.Redirect(w, r, Prefix+"password", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, p.siteURL(&s, ""), http.StatusSeeOther)
}

// hash runs f, which hashes passwords, once a slot is free; it reports
// false, without running f, if the client goes away first.
func (p *Portal) hash(r *http.Request, f func()) bool {
	select {
	case p.hashing <- struct{}{}:
	case <-r.Context().Done():
		return false
	}
	defer func() { <-p.hashing }()
	f()
	return true
}

func (p *Portal) signout(w http.ResponseWriter, r *http.Request, s *session) {
	p.sessions.end(s.id)
	p.setCookie(w, sessionCookie, "", -1)
	http.Redirect(w, r, Prefix+"signin?signedout=1", http.StatusSeeOther)
}

type passwordData struct {
	MustChange bool
	Min        int
	Error      string
}

func (p *Portal) passwordPage(w http.ResponseWriter, r *http.Request, s *session) {
	p.showPassword(w, s, http.StatusOK, "")
}

func (p *Portal) showPassword(w http.ResponseWriter, s *session, code int, msg string) {
	pg := p.pageFor(s, "Choose your password", "")
	d := passwordData{Min: sharing.MinPassword, Error: msg}
	p.b.View(func(st *sharing.State, _ int64) {
		if u := st.User(s.userID); u != nil {
			d.MustChange = u.MustChange
		}
	})
	pg.Data = d
	pg.Flashes = p.sessions.takeFlashes(s.id)
	p.render(w, code, "password", pg)
}

func (p *Portal) setPassword(w http.ResponseWriter, r *http.Request, s *session) {
	current, next := r.PostForm.Get("current"), r.PostForm.Get("password")
	if next != r.PostForm.Get("confirm") {
		p.showPassword(w, s, http.StatusBadRequest, "The new password and its confirmation differ.")
		return
	}
	// A wrong current password counts as a failed sign-in of the user:
	// whoever holds a session must not guess the password without limit.
	var email string
	p.b.View(func(st *sharing.State, _ int64) {
		if u := st.User(s.userID); u != nil {
			email = u.Email
		}
	})
	emailKey := "email:" + email
	if wait, blocked := p.byEmail.attempt(emailKey); blocked {
		p.showPassword(w, s, http.StatusTooManyRequests, "Too many wrong passwords. "+tryAgain(wait))
		return
	}
	var err error
	wrong := false
	if !p.hash(r, func() {
		_, err = p.b.Change(func(st *sharing.State, _ int64) (any, error) {
			u := st.User(s.userID)
			if u == nil || !sharing.CheckPassword(u.Password, current) {
				wrong = true
				return nil, &sharing.Error{Kind: sharing.Invalid, Msg: "The current password is wrong."}
			}
			if next == current {
				// Keeping a one-time password would keep it known to
				// whoever created the user.
				return nil, &sharing.Error{Kind: sharing.Invalid, Msg: "The new password must differ from the current one."}
			}
			return nil, st.SetPassword(s.userID, next)
		})
	}) {
		// The client has gone before the password was checked: not a failure.
		p.byEmail.forgive(emailKey)
		return
	}
	if !wrong {
		p.byEmail.forgive(emailKey)
	}
	if err != nil {
		p.showPassword(w, s, http.StatusBadRequest, message(err))
		return
	}
	// Every other session of the user ends: a password change is how a
	// user locks out whoever else knew the old one.
	p.sessions.endUser(s.userID)
	ns := p.sessions.start(s.userID, s.siteID)
	p.setCookie(w, sessionCookie, ns.id, int(p.ttl.Seconds()))
	p.sessions.addFlash(ns.id, flash{Text: "Your password is set."})
	http.Redirect(w, r, p.siteURL(&ns, ""), http.StatusSeeOther)
}

// tryAgain says when a limited sign-in may be tried again.
func tryAgain(wait time.Duration) string {
	return fmt.Sprintf("Try again in %d minutes.", int((wait+time.Minute-1)/time.Minute))
}

// message is what a page says about a refused change: the sharing model's
// own reason, or a plain word when the state could not be saved.
func message(err error) string {
	var se *sharing.Error
	if errors.As(err, &se) {
		msg := se.Msg
		if msg != "" {
			msg = strings.ToUpper(msg[:1]) + msg[1:]
		}
		if !strings.HasSuffix(msg, ".") {
			msg += "."
		}
		return msg
	}
	log.Printf("portal: %v", err)
	return "The key service could not save the change; nothing was changed."
}

// apply makes a change and goes back to a page with its outcome.
func (p *Portal) apply(w http.ResponseWriter, r *http.Request, s *session, back string, change func(st *sharing.State, now int64) (string, error)) {
	res, err := p.b.Change(func(st *sharing.State, now int64) (any, error) { return change(st, now) })
	if err != nil {
		p.sessions.addFlash(s.id, flash{Error: true, Text: message(err)})
	} else {
		p.sessions.addFlash(s.id, flash{Text: res.(string)})
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
