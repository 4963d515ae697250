package keyservice

import (
	"fmt"
	"net/http"

	"github.com/libuid2/libuid2/go/sharing"
)

// View runs f on the current state, after any key rotation that is due, as
// the admin API's reads do. f must not change the state or keep it.
func (s *Service) View(f func(st *sharing.State, now int64)) { f(s.snapshot()) }

// Change applies change to a copy of the state and saves it, exactly as
// the admin API's changes are made: a refused change or a failed save
// leaves the state as it was. The Portal (package portal) makes its
// changes through here, with the same operations of package sharing.
func (s *Service) Change(change func(st *sharing.State, now int64) (any, error)) (any, error) {
	return s.update(change)
}

// userInfo is a Portal user as listed: never the password hash.
type userInfo struct {
	ID         int    `json:"id"`
	SiteID     int    `json:"site_id"`
	Email      string `json:"email"`
	MustChange bool   `json:"must_change_password"`
	Created    int64  `json:"created"`
}

func userInfoOf(u *sharing.User) userInfo {
	return userInfo{ID: u.ID, SiteID: u.SiteID, Email: u.Email, MustChange: u.MustChange, Created: u.Created}
}

func (s *Service) createUser(r *http.Request) (any, error) {
	var req struct {
		Email string `json:"email"`
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	return s.change(r, func(st *sharing.State, site int, now int64) (any, error) {
		u, otp, err := st.CreateUser(site, req.Email, now)
		if err != nil {
			return nil, err
		}
		return struct {
			userInfo
			OneTimePassword string `json:"one_time_password"`
		}{userInfoOf(u), otp}, nil
	})
}

func (s *Service) listUsers(r *http.Request) (any, error) {
	return siteList(s, r, func(st *sharing.State, site int) []userInfo {
		out := []userInfo{}
		for i := range st.Users {
			if st.Users[i].SiteID == site {
				out = append(out, userInfoOf(&st.Users[i]))
			}
		}
		return out
	})
}

// siteList answers the list of the path's site's things: 404 for a site
// that does not exist, [] for one that has none.
func siteList[T any](s *Service, r *http.Request, list func(st *sharing.State, site int) []T) (any, error) {
	id, err := pathInt(r, "site")
	if err != nil {
		return nil, err
	}
	return s.view(func(st *sharing.State, _ int64) (any, error) {
		if st.Site(id) == nil {
			return nil, &sharing.Error{Kind: sharing.NotFound, Msg: fmt.Sprintf("no site %d", id)}
		}
		return list(st, id), nil
	})
}

func (s *Service) disableAPIKey(r *http.Request) (any, error) {
	key := r.PathValue("key")
	return s.change(r, func(st *sharing.State, site int, now int64) (any, error) {
		k, err := st.DisableAPIKey(site, key, now)
		if err != nil {
			return nil, err
		}
		return infoOf(k), nil
	})
}
