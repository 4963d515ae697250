package portal

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/libuid2/libuid2/go/sharing"
)

// sharingData is the Sharing Permissions page and the Home card.
type sharingData struct {
	*sharingView
	BulkTypes []sharing.Type // the checkboxes, in order
	ChipTypes []sharing.Type // the search filter's chips, in order
}

func (p *Portal) loadSharing(s *session) *sharingView {
	var v *sharingView
	p.b.View(func(st *sharing.State, _ int64) { v = buildSharingView(st, s.siteID) })
	return v
}

func (p *Portal) home(w http.ResponseWriter, r *http.Request, s *session) {
	p.showSharing(w, s, "home", "Home", "home")
}

func (p *Portal) sharingPage(w http.ResponseWriter, r *http.Request, s *session) {
	p.showSharing(w, s, "sharing", "Sharing Permissions", "sharing")
}

func (p *Portal) showSharing(w http.ResponseWriter, s *session, name, title, nav string) {
	v := p.loadSharing(s)
	pg := p.pageFor(s, title, nav)
	pg.Data = sharingData{sharingView: v, BulkTypes: bulkOrder, ChipTypes: chipOrder}
	pg.Flashes = p.sessions.takeFlashes(s.id)
	p.render(w, http.StatusOK, name, pg)
}

// formSites reads the form's "site" values as site ids.
func formSites(r *http.Request, field string) ([]int, error) {
	var ids []int
	for _, v := range r.PostForm[field] {
		id, err := strconv.Atoi(v)
		if err != nil || id <= 0 {
			return nil, &sharing.Error{Kind: sharing.Invalid, Msg: fmt.Sprintf("%q is not a participant", v)}
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// saveTypes replaces the site's bulk types with the ticked ones (the
// Portal's shareWithTypes): a type grant including future sites for each
// new type, a revocation for each unticked one, all in one change.
func (p *Portal) saveTypes(w http.ResponseWriter, r *http.Request, s *session) {
	var want []sharing.Type
	for _, v := range r.PostForm["type"] {
		t := sharing.Type(v)
		if !slices.Contains(want, t) {
			want = append(want, t)
		}
	}
	p.apply(w, r, s, p.siteURL(s, "sharing"), func(st *sharing.State, now int64) (string, error) {
		var have []sharing.Type
		for _, g := range st.Grants {
			if g.Sender == s.siteID && g.Type != "" {
				have = append(have, g.Type)
			}
		}
		for _, t := range want {
			if !slices.Contains(have, t) {
				if _, err := st.GrantType(s.siteID, t, true, now); err != nil {
					return "", err
				}
			}
		}
		for _, t := range have {
			if !slices.Contains(want, t) {
				if _, err := st.RevokeType(s.siteID, t); err != nil {
					return "", err
				}
			}
		}
		if err := st.CompleteRecommendations(s.siteID); err != nil {
			return "", err
		}
		return plural(len(want), "participant type", "participant types") + " saved to your sharing permissions.", nil
	})
}

func (p *Portal) addSites(w http.ResponseWriter, r *http.Request, s *session) {
	p.eachSite(w, r, s, "Choose at least one participant to add.", func(st *sharing.State, id int, now int64) error {
		_, err := st.GrantSite(s.siteID, id, now)
		return err
	}, func(n int) string {
		return plural(n, "participant", "participants") + " added to your sharing permissions."
	})
}

func (p *Portal) deleteSites(w http.ResponseWriter, r *http.Request, s *session) {
	p.eachSite(w, r, s, "Choose at least one sharing permission to delete.", func(st *sharing.State, id int, _ int64) error {
		_, err := st.RevokeSite(s.siteID, id)
		return err
	}, func(n int) string { return plural(n, "sharing permission", "sharing permissions") + " deleted." })
}

// eachSite applies op to every site of the form, all in one change: one
// refusal and none is made.
func (p *Portal) eachSite(w http.ResponseWriter, r *http.Request, s *session, none string,
	op func(st *sharing.State, site int, now int64) error, done func(n int) string) {
	ids, err := formSites(r, "site")
	p.apply(w, r, s, p.siteURL(s, "sharing"), func(st *sharing.State, now int64) (string, error) {
		if err != nil {
			return "", err
		}
		if len(ids) == 0 {
			return "", &sharing.Error{Kind: sharing.Invalid, Msg: none}
		}
		for _, id := range ids {
			if err := op(st, id, now); err != nil {
				return "", err
			}
		}
		return done(len(ids)), nil
	})
}

// sendRequest is the site asking another to share with it. Only a site
// that could be shared with (spec §5.7) may ask.
func (p *Portal) sendRequest(w http.ResponseWriter, r *http.Request, s *session) {
	ids, err := formSites(r, "sender")
	p.apply(w, r, s, p.siteURL(s, "sharing#requests"), func(st *sharing.State, now int64) (string, error) {
		if err != nil {
			return "", err
		}
		if len(ids) != 1 {
			return "", &sharing.Error{Kind: sharing.Invalid, Msg: "Choose the participant to ask."}
		}
		if !canBeSharedWith(st, st.Site(s.siteID)) {
			return "", &sharing.Error{Kind: sharing.Conflict, Msg: "Only a participant that can receive shared keys (an API key with the Sharer role, or a DSP with the Bidder role) can ask others to share."}
		}
		req, err := st.RequestSharing(s.siteID, ids[0], now)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("Your request to %s is sent.", st.Site(req.Sender).Name), nil
	})
}

func (p *Portal) answerRequest(w http.ResponseWriter, r *http.Request, s *session) {
	id, err := strconv.Atoi(r.PathValue("id"))
	verb := r.PathValue("verb")
	if err != nil || id <= 0 || verb != "accept" && verb != "decline" {
		p.refuse(w, r, s, http.StatusNotFound, "There is no such request.")
		return
	}
	p.apply(w, r, s, p.siteURL(s, "sharing#requests"), func(st *sharing.State, now int64) (string, error) {
		// Another pair's request is not found: the model's refusal would
		// name the site that was asked.
		if !slices.ContainsFunc(st.Requests, func(x sharing.Request) bool { return x.ID == id && x.Sender == s.siteID }) {
			return "", &sharing.Error{Kind: sharing.NotFound, Msg: "There is no such request."}
		}
		if verb == "decline" {
			req, err := st.Decline(s.siteID, id, now)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("The request of %s is declined.", st.Site(req.Receiver).Name), nil
		}
		req, _, err := st.Accept(s.siteID, id, now)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("The request of %s is accepted: it can now decrypt your UID2 tokens.", st.Site(req.Receiver).Name), nil
	})
}

// apiKey is an API key as the page lists it.
type apiKey struct {
	ID       string
	Name     string
	Roles    []sharing.Role
	Created  time.Time
	Disabled bool
}

type apiKeysData struct {
	Keys  []apiKey
	Roles []sharing.Role
	// Created is the key just made, with its secrets (shown once).
	Created *createdKey
}

type createdKey struct {
	ID, Name, APIKey, Secret string
}

func (p *Portal) apiKeysPage(w http.ResponseWriter, r *http.Request, s *session) {
	p.showAPIKeys(w, s, nil)
}

func (p *Portal) showAPIKeys(w http.ResponseWriter, s *session, created *createdKey) {
	d := apiKeysData{Roles: roleOrder, Created: created}
	p.b.View(func(st *sharing.State, _ int64) {
		for _, k := range st.APIKeys {
			if k.SiteID == s.siteID {
				d.Keys = append(d.Keys, apiKey{ID: k.ID, Name: k.Name, Roles: k.Roles, Created: time.Unix(k.Created, 0), Disabled: k.Disabled != 0})
			}
		}
	})
	pg := p.pageFor(s, "API Keys", "apikeys")
	pg.Data = d
	pg.Flashes = p.sessions.takeFlashes(s.id)
	p.render(w, http.StatusOK, "apikeys", pg)
}

// createAPIKey makes a key and shows its secrets on the answer itself (not
// kept anywhere, so shown this once; the page is not cached).
func (p *Portal) createAPIKey(w http.ResponseWriter, r *http.Request, s *session) {
	var roles []sharing.Role
	for _, v := range r.PostForm["role"] {
		roles = append(roles, sharing.Role(v))
	}
	name := r.PostForm.Get("name")
	res, err := p.b.Change(func(st *sharing.State, now int64) (any, error) {
		k, bearer, err := st.CreateAPIKey(s.siteID, roles, name, now)
		if err != nil {
			return nil, err
		}
		return &createdKey{ID: k.ID, Name: k.Name, APIKey: bearer, Secret: k.Secret}, nil
	})
	if err != nil {
		p.sessions.addFlash(s.id, flash{Error: true, Text: message(err)})
		http.Redirect(w, r, p.siteURL(s, "apikeys"), http.StatusSeeOther)
		return
	}
	p.sessions.addFlash(s.id, flash{Text: "API key " + res.(*createdKey).ID + " created."})
	p.showAPIKeys(w, s, res.(*createdKey))
}

func (p *Portal) disableAPIKey(w http.ResponseWriter, r *http.Request, s *session) {
	key := r.PathValue("key")
	p.apply(w, r, s, p.siteURL(s, "apikeys"), func(st *sharing.State, now int64) (string, error) {
		k, err := st.DisableAPIKey(s.siteID, key, now)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("API key %s is disabled.", k.ID), nil
	})
}

type detailsData struct {
	ID      int
	Name    string
	Types   []sharing.Type
	Domains []string
	Apps    []string
	Roles   []sharing.Role
	Users   []string
}

func (p *Portal) detailsPage(w http.ResponseWriter, r *http.Request, s *session) {
	var d detailsData
	p.b.View(func(st *sharing.State, _ int64) {
		site := st.Site(s.siteID)
		d = detailsData{ID: site.ID, Name: site.Name, Types: site.Types, Domains: site.Domains, Apps: site.Apps, Roles: roles(st, site.ID)}
		for _, u := range st.Users {
			if u.SiteID == site.ID {
				d.Users = append(d.Users, u.Email)
			}
		}
	})
	pg := p.pageFor(s, "Participant Information", "details")
	pg.Data = d
	pg.Flashes = p.sessions.takeFlashes(s.id)
	p.render(w, http.StatusOK, "details", pg)
}
