package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// refusedError is a call the key service answered with an error; uid2
// exits 1 for it (2 is for bad command lines).
type refusedError struct{ msg string }

func (e refusedError) Error() string { return e.msg }

// adminFlags say where the key service's admin API is.
type adminFlags struct {
	url, tokenFile string
	stderr         io.Writer
}

func (a *adminFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&a.url, "admin-url", os.Getenv("UID2_ADMIN_URL"), "base URL of the key service (default $UID2_ADMIN_URL)")
	fs.StringVar(&a.tokenFile, "admin-token-file", "", "file holding the admin token (default $UID2_ADMIN_TOKEN)")
}

// call sends one admin request and copies the JSON answer to stdout.
func (a *adminFlags) call(stdout io.Writer, method, path string, body any) error {
	if a.url == "" {
		return usageError("say where the key service is: --admin-url or UID2_ADMIN_URL")
	}
	token := os.Getenv("UID2_ADMIN_TOKEN")
	if a.tokenFile != "" {
		var err error
		if token, err = readToken(a.tokenFile, false, a.stderr); err != nil {
			return err
		}
	}
	if token == "" {
		return usageError("the admin token is needed: UID2_ADMIN_TOKEN or --admin-token-file")
	}
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, strings.TrimRight(a.url, "/")+path, rd)
	if err != nil {
		return usageError("bad --admin-url: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return refusedError{fmt.Sprintf("cannot reach the key service: %v", err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return refusedError{fmt.Sprintf("reading the key service's answer: %v", err)}
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &e) != nil || e.Error == "" {
			// Not the key service's own answer (a proxy's page, say): its
			// start, enough to tell what answered.
			e.Error = strings.TrimSpace(strings.ToValidUTF8(string(data[:min(len(data), 200)]), ""))
		}
		return refusedError{fmt.Sprintf("%s (HTTP %d)", e.Error, resp.StatusCode)}
	}
	_, err = stdout.Write(data)
	return err
}

// adminCmd runs "uid2 GROUP VERB [flags]" for the admin groups.
func adminCmd(group string, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError("%s needs a command; see uid2 --help", group)
	}
	verb := args[0]
	fs := flag.NewFlagSet(group+" "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	a := adminFlags{stderr: stderr}
	a.register(fs)
	site := fs.String("site", "", "site id")
	var run func() error
	switch group + " " + verb {
	case "site create":
		name := fs.String("name", "", "site name (required)")
		types := fs.String("types", "", "participant types, comma-separated: publisher, advertiser, dsp, data-provider")
		domains := fs.String("domains", "", "domain names, comma-separated")
		apps := fs.String("apps", "", "app names, comma-separated")
		run = func() error {
			return a.call(stdout, "POST", "/admin/v1/sites", map[string]any{
				"name": *name, "types": list(*types), "domain_names": list(*domains), "app_names": list(*apps)})
		}
	case "site list":
		run = func() error { return a.call(stdout, "GET", "/admin/v1/sites", nil) }
	case "apikey create":
		roles := fs.String("roles", "", "roles, comma-separated: sharer, bidder, generator, mapper")
		name := fs.String("name", "", "a name to tell the key apart")
		run = func() error {
			return a.siteCall(stdout, "POST", *site, "/apikeys", map[string]any{"roles": list(*roles), "name": *name})
		}
	case "apikey disable":
		key := fs.String("key", "", "key id (from apikey list)")
		run = func() error {
			return a.siteCall(stdout, "POST", *site, "/apikeys/"+url.PathEscape(*key)+"/disable", nil)
		}
	case "user create":
		email := fs.String("email", "", "the user's email address")
		run = func() error { return a.siteCall(stdout, "POST", *site, "/users", map[string]any{"email": *email}) }
	case "user list":
		run = func() error { return a.siteCall(stdout, "GET", *site, "/users", nil) }
	case "apikey list":
		run = func() error { return a.siteCall(stdout, "GET", *site, "/apikeys", nil) }
	case "sharing grant", "sharing revoke":
		to := fs.String("to", "", "receiving site id")
		typ := fs.String("type", "", "receiving participant type")
		future := fs.Bool("future", false, "with --type: include sites of the type created later")
		run = func() error {
			if (*to == "") == (*typ == "") {
				return usageError("%s needs one of --to SITE or --type TYPE", verb)
			}
			if verb == "revoke" {
				if *to != "" {
					return a.siteCall(stdout, "DELETE", *site, "/grants/site/"+url.PathEscape(*to), nil)
				}
				return a.siteCall(stdout, "DELETE", *site, "/grants/type/"+url.PathEscape(*typ), nil)
			}
			body := map[string]any{"type": *typ, "future": *future}
			if *to != "" {
				n, err := positive("--to", *to)
				if err != nil {
					return err
				}
				body = map[string]any{"site": n}
			}
			return a.siteCall(stdout, "POST", *site, "/grants", body)
		}
	case "sharing request":
		from := fs.String("from", "", "sending site id to ask")
		run = func() error {
			n, err := positive("--from", *from)
			if err != nil {
				return err
			}
			return a.siteCall(stdout, "POST", *site, "/requests", map[string]any{"sender": n})
		}
	case "sharing accept", "sharing decline":
		request := fs.String("request", "", "request id")
		run = func() error {
			n, err := positive("--request", *request)
			if err != nil {
				return err
			}
			return a.siteCall(stdout, "POST", *site, fmt.Sprintf("/requests/%d/%s", n, verb), nil)
		}
	case "sharing list":
		run = func() error {
			path := "/admin/v1/sharing"
			if *site != "" {
				path += "?site=" + url.QueryEscape(*site)
			}
			return a.call(stdout, "GET", path, nil)
		}
	case "keys list", "keys rotate":
		run = func() error {
			if verb == "rotate" {
				return a.siteCall(stdout, "POST", *site, "/keys/rotate", nil)
			}
			return a.siteCall(stdout, "GET", *site, "/keys", nil)
		}
	case "fault set":
		mode := fs.String("mode", "", "none, 500, garbage, wrong-nonce, wrong-secret or slow")
		run = func() error { return a.call(stdout, "POST", "/admin/v1/faults", map[string]any{"mode": *mode}) }
	default:
		return usageError("unknown command %q; see uid2 --help", group+" "+verb)
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q", fs.Arg(0))
	}
	return run()
}

// siteCall calls /admin/v1/sites/SITE+rest; keys commands also take
// "master" for SITE.
func (a *adminFlags) siteCall(stdout io.Writer, method, site, rest string, body any) error {
	if site == "" {
		return usageError("--site is needed")
	}
	return a.call(stdout, method, "/admin/v1/sites/"+url.PathEscape(site)+rest, body)
}

func positive(flagName, v string) (int, error) {
	var n int
	if _, err := fmt.Sscanf(v, "%d", &n); err != nil || n <= 0 || fmt.Sprint(n) != v {
		return 0, usageError("%s needs a positive number, not %q", flagName, v)
	}
	return n, nil
}

// list splits a comma-separated flag; empty gives an empty list.
func list(v string) []string {
	out := []string{}
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
