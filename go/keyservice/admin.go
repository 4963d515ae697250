package keyservice

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/libuid2/libuid2/go/sharing"
)

// The admin API. Every call needs Authorization: Bearer <admin token>;
// bodies and answers are JSON; a body is exactly one object whose fields
// are known, each given once and of its type, and ids in paths are plain
// decimal numbers; a refused call answers 4xx with {"error": "…"} and
// changes nothing. Key secrets are never returned; an
// API key's bearer token and client secret only once, when it is created.
//
//	GET    /admin/v1/sites
//	POST   /admin/v1/sites                        {"name","types","domain_names","app_names"}
//	GET    /admin/v1/sites/{site}
//	GET    /admin/v1/sites/{site}/apikeys
//	POST   /admin/v1/sites/{site}/apikeys         {"roles","name"}
//	POST   /admin/v1/sites/{site}/apikeys/{key}/disable
//	GET    /admin/v1/sites/{site}/users           (Portal users)
//	POST   /admin/v1/sites/{site}/users           {"email"}  (answers the one-time password, once)
//	POST   /admin/v1/sites/{site}/grants          {"site"} or {"type","future"}
//	DELETE /admin/v1/sites/{site}/grants/site/{receiver}
//	DELETE /admin/v1/sites/{site}/grants/type/{type}
//	POST   /admin/v1/sites/{site}/requests        {"sender"}  (site asks sender)
//	POST   /admin/v1/sites/{site}/requests/{id}/accept   (site is the sender)
//	POST   /admin/v1/sites/{site}/requests/{id}/decline
//	GET    /admin/v1/sharing[?site=N]
//	GET    /admin/v1/sites/{site}/keys             (site "master": the master keyset)
//	POST   /admin/v1/sites/{site}/keys/rotate
//	POST   /admin/v1/faults                       {"mode"}  (only with Options.Faults)
func (s *Service) routes() {
	m := http.NewServeMux()
	m.HandleFunc("POST /v2/key/sharing", s.serveKeys(sharing.SharingEndpoint))
	m.HandleFunc("POST /v2/key/bidstream", s.serveKeys(sharing.BidstreamEndpoint))

	admin := func(pattern string, h func(r *http.Request) (any, error)) {
		m.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			if !s.adminAuthorized(r) {
				writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "this needs Authorization: Bearer <admin token>"})
				return
			}
			result, err := h(r)
			if err != nil {
				writeJSON(w, errorCode(err), map[string]string{"error": err.Error()})
				return
			}
			writeJSON(w, http.StatusOK, result)
		})
	}
	admin("GET /admin/v1/sites", s.listSites)
	admin("POST /admin/v1/sites", s.createSite)
	admin("GET /admin/v1/sites/{site}", s.getSite)
	admin("GET /admin/v1/sites/{site}/apikeys", s.listAPIKeys)
	admin("POST /admin/v1/sites/{site}/apikeys", s.createAPIKey)
	admin("POST /admin/v1/sites/{site}/apikeys/{key}/disable", s.disableAPIKey)
	admin("GET /admin/v1/sites/{site}/users", s.listUsers)
	admin("POST /admin/v1/sites/{site}/users", s.createUser)
	admin("POST /admin/v1/sites/{site}/grants", s.grant)
	admin("DELETE /admin/v1/sites/{site}/grants/site/{receiver}", s.revokeSite)
	admin("DELETE /admin/v1/sites/{site}/grants/type/{type}", s.revokeType)
	admin("POST /admin/v1/sites/{site}/requests", s.request)
	admin("POST /admin/v1/sites/{site}/requests/{id}/accept", s.accept)
	admin("POST /admin/v1/sites/{site}/requests/{id}/decline", s.decline)
	admin("GET /admin/v1/sharing", s.listSharing)
	admin("GET /admin/v1/sites/{site}/keys", s.listKeys)
	admin("POST /admin/v1/sites/{site}/keys/rotate", s.rotate)
	s.operatorRoutes(m, admin)
	if s.faults {
		admin("POST /admin/v1/faults", s.setFault)
	}
	s.mux = m
}

// badRequest is an admin request that cannot be understood.
type badRequest struct{ msg string }

func (e badRequest) Error() string { return e.msg }

func errorCode(err error) int {
	var se *sharing.Error
	var br badRequest
	switch {
	case errors.As(err, &br):
		return http.StatusBadRequest
	case errors.As(err, &se):
		return map[sharing.Kind]int{
			sharing.Invalid:  http.StatusBadRequest,
			sharing.NotFound: http.StatusNotFound,
			sharing.Conflict: http.StatusConflict,
		}[se.Kind]
	default:
		return http.StatusInternalServerError
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// decode reads a JSON body strictly: exactly one JSON object, no field
// unknown or given twice, each of its type. Its errors speak of the
// request's fields, not of Go types.
func decode(r *http.Request, v any) error {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	switch {
	case err != nil:
		return badRequest{"the request body could not be read"}
	case len(data) > maxRequest:
		return badRequest{fmt.Sprintf("the request body is larger than %d KiB", maxRequest>>10)}
	}
	if err := checkJSON(data); err != nil {
		return err
	}
	if err := checkFieldNames(data, v); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return badRequest{"the request body must be a JSON object"}
	case errors.As(err, &typeErr):
		return badRequest{fmt.Sprintf("%q must be %s", typeErr.Field, jsonKind(typeErr.Type))}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return badRequest{fmt.Sprintf("unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))}
	default:
		return badRequest{"the request body is not valid JSON"}
	}
}

// checkJSON refuses a body that is not exactly one JSON value, or whose
// objects give a field twice (which JSON decoders resolve differently).
func checkJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	// keys[i] holds the fields seen so far of the i-th open object; nil
	// for an array.
	var keys []map[string]bool
	expectKey := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return badRequest{"the request body is not valid JSON"}
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				keys = append(keys, map[string]bool{})
				expectKey = true
				continue
			case '[':
				keys = append(keys, nil)
			default:
				keys = keys[:len(keys)-1]
			}
		case string:
			if expectKey {
				top := keys[len(keys)-1]
				if top[t] {
					return badRequest{fmt.Sprintf("field %q is given twice", t)}
				}
				top[t] = true
				expectKey = false
				continue
			}
		}
		// After a value: inside an object the next token is a key.
		expectKey = len(keys) > 0 && keys[len(keys)-1] != nil
		if len(keys) == 0 && dec.More() {
			return badRequest{"the request body must hold exactly one JSON value"}
		}
	}
	if len(data) == 0 || len(bytes.TrimSpace(data)) == 0 {
		return badRequest{"the request body is empty; it must be a JSON object"}
	}
	return nil
}

// checkFieldNames refuses a field of the request object that is not
// spelled exactly as the API names it (v's json tags): Go's decoder takes
// "Site" or "ſite" for "site", so two spellings of one field would pass
// the check for fields given twice, the last one winning.
func checkFieldNames(data []byte, v any) error {
	var fields map[string]json.RawMessage
	if json.Unmarshal(data, &fields) != nil {
		return nil // not an object: the decoder says so
	}
	t := reflect.TypeOf(v).Elem()
	known := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		known[strings.Split(t.Field(i).Tag.Get("json"), ",")[0]] = true
	}
	for name := range fields {
		if !known[name] {
			return badRequest{fmt.Sprintf("unknown field %q", name)}
		}
	}
	return nil
}

// jsonKind names a Go type as the API's JSON sees it.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int64:
		return "a whole number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list of " + strings.TrimPrefix(jsonKind(t.Elem()), "a ") + "s"
	default:
		return "of another type"
	}
}

// positiveID reads an id from a path or a query: a plain decimal number
// from 1 up, with no sign, leading zero, space or exponent.
func positiveID(name, v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 || n > 1<<31-1 || strconv.Itoa(n) != v {
		return 0, badRequest{fmt.Sprintf("%s %q is not a positive whole number", name, v)}
	}
	return n, nil
}

func pathInt(r *http.Request, name string) (int, error) {
	return positiveID(name, r.PathValue(name))
}

// change runs an update and returns its result; mutate gets the site from
// the path.
func (s *Service) change(r *http.Request, mutate func(st *sharing.State, site int, now int64) (any, error)) (any, error) {
	site, err := pathInt(r, "site")
	if err != nil {
		return nil, err
	}
	return s.update(func(st *sharing.State, now int64) (any, error) { return mutate(st, site, now) })
}

// view runs a read and returns its result.
func (s *Service) view(f func(st *sharing.State, now int64) (any, error)) (any, error) {
	return f(s.snapshot())
}

func (s *Service) listSites(*http.Request) (any, error) {
	// Never null: an empty list is [] to a JSON client.
	return s.view(func(st *sharing.State, _ int64) (any, error) { return append([]sharing.Site{}, st.Sites...), nil })
}

func (s *Service) createSite(r *http.Request) (any, error) {
	var req struct {
		Name    string         `json:"name"`
		Types   []sharing.Type `json:"types"`
		Domains []string       `json:"domain_names"`
		Apps    []string       `json:"app_names"`
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	return s.update(func(st *sharing.State, now int64) (any, error) {
		return st.CreateSite(req.Name, req.Types, req.Domains, req.Apps, now)
	})
}

func (s *Service) getSite(r *http.Request) (any, error) {
	id, err := pathInt(r, "site")
	if err != nil {
		return nil, err
	}
	return s.view(func(st *sharing.State, _ int64) (any, error) {
		if site := st.Site(id); site != nil {
			return *site, nil
		}
		return nil, &sharing.Error{Kind: sharing.NotFound, Msg: fmt.Sprintf("no site %d", id)}
	})
}

// apiKeyInfo is an API key as listed: never its hash or secret.
type apiKeyInfo struct {
	ID      string         `json:"key_id"`
	Name    string         `json:"name,omitempty"`
	SiteID  int            `json:"site_id"`
	Roles   []sharing.Role `json:"roles"`
	Created int64          `json:"created"`
	// Disabled is when the key was disabled (absent: it works).
	Disabled int64 `json:"disabled,omitempty"`
}

func infoOf(k *sharing.APIKey) apiKeyInfo {
	return apiKeyInfo{ID: k.ID, Name: k.Name, SiteID: k.SiteID, Roles: k.Roles, Created: k.Created, Disabled: k.Disabled}
}

func (s *Service) listAPIKeys(r *http.Request) (any, error) {
	return siteList(s, r, func(st *sharing.State, site int) []apiKeyInfo {
		out := []apiKeyInfo{}
		for i := range st.APIKeys {
			if st.APIKeys[i].SiteID == site {
				out = append(out, infoOf(&st.APIKeys[i]))
			}
		}
		return out
	})
}

func (s *Service) createAPIKey(r *http.Request) (any, error) {
	var req struct {
		Roles []sharing.Role `json:"roles"`
		Name  string         `json:"name"`
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	return s.change(r, func(st *sharing.State, site int, now int64) (any, error) {
		key, bearer, err := st.CreateAPIKey(site, req.Roles, req.Name, now)
		if err != nil {
			return nil, err
		}
		return struct {
			apiKeyInfo
			APIKey string `json:"api_key"`
			Secret string `json:"secret"`
		}{infoOf(key), bearer, key.Secret}, nil
	})
}

// grantInfo is a grant with the sites it covers now.
type grantInfo struct {
	sharing.Grant
	Receivers []int `json:"receivers"`
}

func (s *Service) grant(r *http.Request) (any, error) {
	var req struct {
		Site   int          `json:"site"`
		Type   sharing.Type `json:"type"`
		Future bool         `json:"future"`
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	if (req.Site == 0) == (req.Type == "") || req.Future && req.Type == "" {
		return nil, badRequest{`a grant names either a "site" or a "type" (with "future" to include sites of that type created later)`}
	}
	return s.change(r, func(st *sharing.State, sender int, now int64) (any, error) {
		var g *sharing.Grant
		var err error
		if req.Type != "" {
			g, err = st.GrantType(sender, req.Type, req.Future, now)
		} else {
			g, err = st.GrantSite(sender, req.Site, now)
		}
		if err != nil {
			return nil, err
		}
		return grantInfo{*g, st.Receivers(g)}, nil
	})
}

func (s *Service) revokeSite(r *http.Request) (any, error) {
	receiver, err := pathInt(r, "receiver")
	if err != nil {
		return nil, err
	}
	return s.change(r, func(st *sharing.State, sender int, _ int64) (any, error) {
		return st.RevokeSite(sender, receiver)
	})
}

func (s *Service) revokeType(r *http.Request) (any, error) {
	t := sharing.Type(r.PathValue("type"))
	return s.change(r, func(st *sharing.State, sender int, _ int64) (any, error) {
		return st.RevokeType(sender, t)
	})
}

func (s *Service) request(r *http.Request) (any, error) {
	var req struct {
		Sender int `json:"sender"`
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	return s.change(r, func(st *sharing.State, receiver int, now int64) (any, error) {
		return st.RequestSharing(receiver, req.Sender, now)
	})
}

func (s *Service) accept(r *http.Request) (any, error) {
	id, err := pathInt(r, "id")
	if err != nil {
		return nil, err
	}
	return s.change(r, func(st *sharing.State, sender int, now int64) (any, error) {
		req, g, err := st.Accept(sender, id, now)
		if err != nil {
			return nil, err
		}
		return struct {
			Request sharing.Request `json:"request"`
			Grant   grantInfo       `json:"grant"`
		}{*req, grantInfo{*g, st.Receivers(g)}}, nil
	})
}

func (s *Service) decline(r *http.Request) (any, error) {
	id, err := pathInt(r, "id")
	if err != nil {
		return nil, err
	}
	return s.change(r, func(st *sharing.State, sender int, now int64) (any, error) {
		return st.Decline(sender, id, now)
	})
}

func (s *Service) listSharing(r *http.Request) (any, error) {
	site := 0
	if q := r.URL.Query().Get("site"); q != "" {
		v, err := positiveID("site", q)
		if err != nil {
			return nil, err
		}
		site = v
	}
	return s.view(func(st *sharing.State, _ int64) (any, error) {
		if site != 0 && st.Site(site) == nil {
			return nil, &sharing.Error{Kind: sharing.NotFound, Msg: fmt.Sprintf("no site %d", site)}
		}
		out := struct {
			Grants   []grantInfo       `json:"grants"`
			Requests []sharing.Request `json:"requests"`
		}{[]grantInfo{}, []sharing.Request{}}
		for i := range st.Grants {
			g := &st.Grants[i]
			receivers := st.Receivers(g)
			if site == 0 || g.Sender == site || slices.Contains(receivers, site) {
				out.Grants = append(out.Grants, grantInfo{*g, receivers})
			}
		}
		for _, q := range st.Requests {
			if site == 0 || q.Sender == site || q.Receiver == site {
				out.Requests = append(out.Requests, q)
			}
		}
		return out, nil
	})
}

// keyInfo is a key as listed: never its secret.
type keyInfo struct {
	ID        int64 `json:"id"`
	KeysetID  int   `json:"keyset_id"`
	Created   int64 `json:"created"`
	Activates int64 `json:"activates"`
	Expires   int64 `json:"expires"`
}

func keyInfoOf(k *sharing.Key) keyInfo {
	return keyInfo{ID: k.ID, KeysetID: k.KeysetID, Created: k.Created, Activates: k.Activates, Expires: k.Expires}
}

// keysSite reads the {site} of a keys path: a site id, or "master".
func keysSite(r *http.Request) (int, error) {
	if r.PathValue("site") == "master" {
		return 0, nil
	}
	return pathInt(r, "site")
}

func (s *Service) listKeys(r *http.Request) (any, error) {
	site, err := keysSite(r)
	if err != nil {
		return nil, err
	}
	return s.view(func(st *sharing.State, _ int64) (any, error) {
		keys, err := st.KeysOf(site)
		if err != nil {
			return nil, err
		}
		out := make([]keyInfo, len(keys))
		for i := range keys {
			out[i] = keyInfoOf(&keys[i])
		}
		return out, nil
	})
}

func (s *Service) rotate(r *http.Request) (any, error) {
	site, err := keysSite(r)
	if err != nil {
		return nil, err
	}
	return s.update(func(st *sharing.State, now int64) (any, error) {
		k, err := st.Rotate(site, now)
		if err != nil {
			return nil, err
		}
		return keyInfoOf(k), nil
	})
}

func (s *Service) setFault(r *http.Request) (any, error) {
	var req struct {
		Mode string `json:"mode"`
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	if !slices.Contains(Faults, req.Mode) {
		return nil, badRequest{fmt.Sprintf("unknown fault %q; faults are %v", req.Mode, Faults)}
	}
	s.fault.Store(&req.Mode)
	return map[string]string{"mode": req.Mode}, nil
}
