package sharing

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// Kind says what is wrong with a change; the key service maps it to an
// HTTP status.
type Kind int

// The kinds of Error.
const (
	Invalid  Kind = iota // the request itself is wrong (400)
	NotFound             // it names something that does not exist (404)
	Conflict             // it contradicts the current state (409)
)

// Error is a change the state refuses. Its message is for people and never
// carries a secret.
type Error struct {
	Kind Kind
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

func errorf(k Kind, format string, a ...any) error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, a...)}
}

// CreateSite adds a participant with its default keyset and that keyset's
// first keys. Type grants with Future cover it at once.
func (s *State) CreateSite(name string, types []Type, domains, apps []string, now int64) (*Site, error) {
	name, err := CheckName("site", name)
	if err != nil {
		return nil, err
	}
	for i := range s.Sites {
		if strings.ToLower(s.Sites[i].Name) == strings.ToLower(name) { // as Validate compares them
			return nil, errorf(Conflict, "site %d is already named %q", s.Sites[i].ID, s.Sites[i].Name)
		}
	}
	if err := checkTypes(types); err != nil {
		return nil, err
	}
	domains, err = names("domain", domains, CheckDomain)
	if err != nil {
		return nil, err
	}
	apps, err = names("app", apps, CheckAppName)
	if err != nil {
		return nil, err
	}
	site := Site{
		ID: s.NextSiteID, Name: name, Types: slices.Clone(types),
		Domains: domains, Apps: apps, KeysetID: s.NextKeysetID, Created: now,
	}
	s.NextSiteID++
	s.NextKeysetID++
	s.Sites = append(s.Sites, site)
	s.maintainKeyset(site.KeysetID, now)
	return s.Site(site.ID), nil
}

func typeList() string {
	list := make([]string, len(Types))
	for i, t := range Types {
		list[i] = string(t)
	}
	return strings.Join(list, ", ")
}

// names checks and normalises a site's domain or app names: lower case,
// sorted, no duplicates.
func names(what string, in []string, check func(string) (string, error)) ([]string, error) {
	if len(in) > maxNames {
		return nil, errorf(Invalid, "at most %d %s names per site", maxNames, what)
	}
	var out []string
	for _, n := range in {
		n, err := check(n)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// CreateAPIKey gives a site a new API key with the given roles. It returns
// the bearer token, which is not kept and so can be shown only now.
func (s *State) CreateAPIKey(siteID int, roles []Role, name string, now int64) (*APIKey, string, error) {
	site := s.Site(siteID)
	if site == nil {
		return nil, "", errorf(NotFound, "no site %d", siteID)
	}
	if err := checkRoles(roles); err != nil {
		return nil, "", err
	}
	// The name is optional.
	if name != "" {
		var err error
		if name, err = CheckName("API key", name); err != nil {
			return nil, "", err
		}
	}
	// The operator's keys look like UID2-C-L-<site>-<random>; the prefix
	// names the site, which helps people tell keys apart.
	bearer := fmt.Sprintf("UID2-C-L-%d-%s", siteID, randomText(30))
	key := APIKey{
		ID:      fmt.Sprintf("K%d", s.NextAPIKeyID),
		Name:    name,
		SiteID:  siteID,
		Roles:   slices.Clone(roles),
		Hash:    hashBearer(bearer),
		Secret:  base64.StdEncoding.EncodeToString(randomBytes(32)),
		Created: now,
	}
	s.NextAPIKeyID++
	s.APIKeys = append(s.APIKeys, key)
	return &s.APIKeys[len(s.APIKeys)-1], bearer, nil
}

func hashBearer(bearer string) string {
	sum := sha256.Sum256([]byte(bearer))
	return hex.EncodeToString(sum[:])
}

// Authenticate returns the enabled API key a bearer token belongs to, or
// nil.
func (s *State) Authenticate(bearer string) *APIKey {
	h := hashBearer(bearer)
	for i := range s.APIKeys {
		if s.APIKeys[i].Hash == h && s.APIKeys[i].Disabled == 0 {
			return &s.APIKeys[i]
		}
	}
	return nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // cannot happen on Linux
	}
	return b
}

func randomText(n int) string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(n))
}

// GrantSite lets receiver fetch sender's keys.
func (s *State) GrantSite(sender, receiver int, now int64) (*Grant, error) {
	if err := s.checkPair(sender, receiver); err != nil {
		return nil, err
	}
	if g := s.grantCovering(sender, receiver); g != nil {
		if g.Type != "" {
			return nil, errorf(Conflict, "site %d already receives from site %d through its grant to type %s (grant %d)", receiver, sender, g.Type, g.ID)
		}
		return nil, errorf(Conflict, "site %d already shares with site %d (grant %d)", sender, receiver, g.ID)
	}
	return s.addGrant(Grant{Sender: sender, Site: receiver}, now), nil
}

// GrantType lets every site of type t fetch sender's keys: the sites of t
// now, and with future also those created later.
func (s *State) GrantType(sender int, t Type, future bool, now int64) (*Grant, error) {
	if s.Site(sender) == nil {
		return nil, errorf(NotFound, "no site %d", sender)
	}
	if !slices.Contains(Types, t) {
		return nil, errorf(Invalid, "unknown site type %q; types are %s", t, typeList())
	}
	for i := range s.Grants {
		if g := &s.Grants[i]; g.Sender == sender && g.Type == t {
			return nil, errorf(Conflict, "site %d already shares with type %s (grant %d); revoke it first to change it", sender, t, g.ID)
		}
	}
	g := Grant{Sender: sender, Type: t, Future: future}
	if !future {
		for i := range s.Sites {
			if site := &s.Sites[i]; site.ID != sender && site.HasType(t) {
				g.Members = append(g.Members, site.ID)
			}
		}
	}
	return s.addGrant(g, now), nil
}

func (s *State) addGrant(g Grant, now int64) *Grant {
	g.ID = s.NextGrantID
	g.Created = now
	s.NextGrantID++
	s.Grants = append(s.Grants, g)
	return &s.Grants[len(s.Grants)-1]
}

// RevokeSite ends sender's grant to receiver; receiver loses the keys at
// its next refresh.
func (s *State) RevokeSite(sender, receiver int) (*Grant, error) {
	if err := s.checkPair(sender, receiver); err != nil {
		return nil, err
	}
	for i := range s.Grants {
		if g := s.Grants[i]; g.Sender == sender && g.Site == receiver {
			s.Grants = slices.Delete(s.Grants, i, i+1)
			return &g, nil
		}
	}
	if g := s.grantCovering(sender, receiver); g != nil {
		return nil, errorf(Conflict, "site %d receives from site %d through the grant to type %s (grant %d); revoke that type instead", receiver, sender, g.Type, g.ID)
	}
	return nil, errorf(NotFound, "site %d does not share with site %d", sender, receiver)
}

// RevokeType ends sender's grant to type t.
func (s *State) RevokeType(sender int, t Type) (*Grant, error) {
	if s.Site(sender) == nil {
		return nil, errorf(NotFound, "no site %d", sender)
	}
	for i := range s.Grants {
		if g := s.Grants[i]; g.Sender == sender && g.Type == t {
			s.Grants = slices.Delete(s.Grants, i, i+1)
			return &g, nil
		}
	}
	return nil, errorf(NotFound, "site %d does not share with type %q", sender, t)
}

// RequestSharing records receiver asking sender for its keys. Nothing is
// shared until sender accepts.
func (s *State) RequestSharing(receiver, sender int, now int64) (*Request, error) {
	if err := s.checkPair(sender, receiver); err != nil {
		return nil, err
	}
	if g := s.grantCovering(sender, receiver); g != nil {
		return nil, errorf(Conflict, "site %d already shares with site %d (grant %d)", sender, receiver, g.ID)
	}
	for i := range s.Requests {
		if r := &s.Requests[i]; r.Sender == sender && r.Receiver == receiver && r.Status == Pending {
			return nil, errorf(Conflict, "site %d already asked site %d (request %d is pending)", receiver, sender, r.ID)
		}
	}
	r := Request{ID: s.NextRequestID, Sender: sender, Receiver: receiver, Status: Pending, Created: now}
	s.NextRequestID++
	s.Requests = append(s.Requests, r)
	return &s.Requests[len(s.Requests)-1], nil
}

// Accept is sender approving a pending request: the receiver gets a grant
// (unless a grant made meanwhile covers it already).
func (s *State) Accept(sender, requestID int, now int64) (*Request, *Grant, error) {
	r, err := s.pending(sender, requestID)
	if err != nil {
		return nil, nil, err
	}
	r.Status, r.Decided = Accepted, now
	g := s.grantCovering(sender, r.Receiver)
	if g == nil {
		g = s.addGrant(Grant{Sender: sender, Site: r.Receiver, Request: r.ID}, now)
	}
	return r, g, nil
}

// Decline is sender refusing a pending request.
func (s *State) Decline(sender, requestID int, now int64) (*Request, error) {
	r, err := s.pending(sender, requestID)
	if err != nil {
		return nil, err
	}
	r.Status, r.Decided = Declined, now
	return r, nil
}

func (s *State) pending(sender, requestID int) (*Request, error) {
	if s.Site(sender) == nil {
		return nil, errorf(NotFound, "no site %d", sender)
	}
	for i := range s.Requests {
		r := &s.Requests[i]
		if r.ID != requestID {
			continue
		}
		if r.Sender != sender {
			return nil, errorf(Conflict, "request %d was made to site %d, not %d", r.ID, r.Sender, sender)
		}
		if r.Status != Pending {
			return nil, errorf(Conflict, "request %d is already %s", r.ID, r.Status)
		}
		return r, nil
	}
	return nil, errorf(NotFound, "no request %d", requestID)
}

func (s *State) checkPair(sender, receiver int) error {
	if s.Site(sender) == nil {
		return errorf(NotFound, "no site %d", sender)
	}
	if s.Site(receiver) == nil {
		return errorf(NotFound, "no site %d", receiver)
	}
	if sender == receiver {
		return errorf(Invalid, "a site always has its own keys; it cannot share with itself")
	}
	return nil
}

// grantCovering returns a grant that lets receiver fetch sender's keys, or
// nil.
func (s *State) grantCovering(sender, receiver int) *Grant {
	site := s.Site(receiver)
	for i := range s.Grants {
		if g := &s.Grants[i]; g.Sender == sender && g.covers(site) {
			return g
		}
	}
	return nil
}

// covers reports whether g lets site fetch the sender's keys.
func (g *Grant) covers(site *Site) bool {
	switch {
	case site.ID == g.Sender:
		return false
	case g.Type == "":
		return g.Site == site.ID
	case g.Future:
		return site.HasType(g.Type)
	default:
		return slices.Contains(g.Members, site.ID)
	}
}

// Receivers lists the sites g currently lets fetch the sender's keys.
func (s *State) Receivers(g *Grant) []int {
	out := []int{}
	for i := range s.Sites {
		if g.covers(&s.Sites[i]) {
			out = append(out, s.Sites[i].ID)
		}
	}
	return out
}

// ReceivesFrom reports whether a grant lets receiver fetch sender's keys.
func (s *State) ReceivesFrom(sender, receiver int) bool {
	return s.Site(receiver) != nil && s.grantCovering(sender, receiver) != nil
}
