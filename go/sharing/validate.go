package sharing

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Bounds of the configuration and of what a keyset holds.
const (
	// MinKeyLifetime is the shortest rotation period: every rotation is a
	// save of the whole state, and every key a keyset publishes stays
	// TokenExpiry after it stops being newest.
	MinKeyLifetime = 60
	// maxDuration bounds every configured duration (ten years), far below
	// where adding them to a time could overflow.
	maxDuration = 10 * 365 * 24 * 3600
	// MaxKeysPerKeyset bounds the keys one keyset holds at once, which
	// bounds the state file and every key response: the schedule may use
	// half of it (see Config.Check), Rotate refuses past it.
	MaxKeysPerKeyset = 1000
	// maxTime bounds the times a state file may hold (the year 5138).
	maxTime = 1e11
)

// Check refuses a configuration the service cannot run with.
func (c Config) Check() error {
	durations := []struct {
		name  string
		value int64
		min   int64
	}{
		{"key lifetime", c.KeyLifetime, MinKeyLifetime},
		{"token expiry", c.TokenExpiry, 1},
		{"maximum sharing lifetime", c.MaxSharingLifetime, 1},
		{"maximum bidstream lifetime", c.MaxBidstreamLifetime, 1},
		{"allowed clock skew", c.AllowClockSkew, 0},
	}
	if c.IdentityScope != "UID2" && c.IdentityScope != "EUID" {
		return errors.New(`identity scope must be "UID2" or "EUID"`)
	}
	for _, d := range durations {
		if d.value < d.min || d.value > maxDuration {
			return fmt.Errorf("%s must be from %d s to %d s, not %d s", d.name, d.min, int64(maxDuration), d.value)
		}
	}
	if scheduled := c.scheduledKeys(); scheduled > MaxKeysPerKeyset/2 {
		return fmt.Errorf("a key lifetime of %d s with a token expiry of %d s keeps %d keys per keyset; at most %d are allowed: lengthen the key lifetime or shorten the token expiry",
			c.KeyLifetime, c.TokenExpiry, scheduled, MaxKeysPerKeyset/2)
	}
	return nil
}

// scheduledKeys is how many keys a keyset holds at most on its schedule:
// a key lives a lifetime plus the token expiry, one starts every lifetime,
// and the next one is published ahead.
func (c Config) scheduledKeys() int64 {
	return (c.KeyLifetime+c.TokenExpiry)/c.KeyLifetime + 2
}

// Validate checks a state read from outside (a state file) as strictly as
// the changes that make a state: the configuration, every id and name, and
// every reference between sites, API keys, keys, grants, requests and
// Portal users. A
// state that passes cannot make a request fail or panic; the error names
// what is wrong.
func (s *State) Validate() error {
	if err := s.Config.Check(); err != nil {
		return fmt.Errorf("config: %v", err)
	}
	for _, err := range []error{s.validateSites(), s.validateAPIKeys(), s.validateKeys(), s.validateGrants(), s.validateRequests(), s.validateUsers(), s.validateOperator()} {
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *State) validateSites() error {
	if s.NextSiteID < firstSiteID || s.NextKeysetID < firstKeysetID {
		return fmt.Errorf("next_site_id must be at least %d and next_keyset_id at least %d", firstSiteID, firstKeysetID)
	}
	ids, keysets, taken := map[int]bool{}, map[int]bool{}, map[string]bool{}
	for i := range s.Sites {
		site := &s.Sites[i]
		at := fmt.Sprintf("site %d", site.ID)
		if err := checkID(at, "site", site.ID, firstSiteID, s.NextSiteID, ids); err != nil {
			return err
		}
		switch {
		case site.KeysetID < firstKeysetID || site.KeysetID >= s.NextKeysetID || site.KeysetID == MasterKeysetID:
			return fmt.Errorf("%s: keyset_id %d is out of range", at, site.KeysetID)
		case keysets[site.KeysetID]:
			return fmt.Errorf("%s: keyset %d belongs to another site", at, site.KeysetID)
		case !validTime(site.Created):
			return fmt.Errorf("%s: created is out of range", at)
		}
		ids[site.ID], keysets[site.KeysetID] = true, true
		if name, err := CheckName("site", site.Name); err != nil || name != site.Name {
			return fmt.Errorf("%s: the name is not a valid site name", at)
		}
		folded := strings.ToLower(site.Name)
		if taken[folded] {
			return fmt.Errorf("%s: another site has the name %q", at, site.Name)
		}
		taken[folded] = true
		if err := checkTypes(site.Types); err != nil {
			return fmt.Errorf("%s: %v", at, err)
		}
		for _, list := range []struct {
			names []string
			check func(string) (string, error)
		}{{site.Domains, CheckDomain}, {site.Apps, CheckAppName}} {
			normal, err := names(at, list.names, list.check)
			if err != nil || !slices.Equal(normal, list.names) {
				return fmt.Errorf("%s: domain and app names must be valid, lower case, sorted and unique", at)
			}
		}
	}
	return nil
}

// checkTypes checks a site's participant types: at least one, each known,
// none twice.
func checkTypes(types []Type) error {
	if len(types) == 0 {
		return errorf(Invalid, "a site needs at least one type of %s", typeList())
	}
	for i, t := range types {
		if !slices.Contains(Types, t) {
			return errorf(Invalid, "unknown site type %q; types are %s", t, typeList())
		}
		if slices.Contains(types[:i], t) {
			return errorf(Invalid, "site type %q is given twice", t)
		}
	}
	return nil
}

// checkRoles checks an API key's roles: at least one, each known, none
// twice.
func checkRoles(roles []Role) error {
	if len(roles) == 0 {
		return errorf(Invalid, "an API key needs at least one role of sharer, bidder, generator, mapper")
	}
	for i, r := range roles {
		if !slices.Contains(Roles, r) {
			return errorf(Invalid, "unknown role %q; roles are sharer, bidder, generator, mapper", r)
		}
		if slices.Contains(roles[:i], r) {
			return errorf(Invalid, "role %q is given twice", r)
		}
	}
	return nil
}

func (s *State) validateAPIKeys() error {
	if s.NextAPIKeyID < 1 {
		return errors.New("next_api_key_id must be at least 1")
	}
	ids, hashes := map[string]bool{}, map[string]bool{}
	for i := range s.APIKeys {
		k := &s.APIKeys[i]
		at := fmt.Sprintf("API key %q", printable(k.ID))
		var n int
		if _, err := fmt.Sscanf(k.ID, "K%d", &n); err != nil || k.ID != fmt.Sprintf("K%d", n) || n < 1 || n >= s.NextAPIKeyID {
			return fmt.Errorf("%s: an API key id is K1 to K%d", at, s.NextAPIKeyID-1)
		}
		secret, err := base64.StdEncoding.DecodeString(k.Secret)
		hash, herr := hex.DecodeString(k.Hash)
		switch {
		case ids[k.ID]:
			return fmt.Errorf("%s: the id is used twice", at)
		case s.Site(k.SiteID) == nil:
			return fmt.Errorf("%s: site %d does not exist", at, k.SiteID)
		case herr != nil || len(hash) != sha256.Size || k.Hash != strings.ToLower(k.Hash):
			return fmt.Errorf("%s: key_hash is not a SHA-256 in hex", at)
		case hashes[k.Hash]:
			return fmt.Errorf("%s: another API key has the same key_hash", at)
		case err != nil || len(secret) != 32:
			return fmt.Errorf("%s: secret is not 32 bytes of base64", at)
		case !validTime(k.Created) || !validTime(k.Disabled):
			return fmt.Errorf("%s: created or disabled is out of range", at)
		}
		ids[k.ID], hashes[k.Hash] = true, true
		if err := checkRoles(k.Roles); err != nil {
			return fmt.Errorf("%s: %v", at, err)
		}
		if k.Name != "" {
			if name, err := CheckName("API key", k.Name); err != nil || name != k.Name {
				return fmt.Errorf("%s: the name is not a valid API key name", at)
			}
		}
	}
	return nil
}

func (s *State) validateKeys() error {
	if s.NextKeyID < firstKeyID {
		return fmt.Errorf("next_key_id must be at least %d", firstKeyID)
	}
	keysets := map[int]int{MasterKeysetID: 0, RefreshKeysetID: 0}
	for i := range s.Sites {
		keysets[s.Sites[i].KeysetID] = 0
	}
	ids := map[int64]bool{}
	for i := range s.Keys {
		k := &s.Keys[i]
		at := fmt.Sprintf("key %d", k.ID)
		count, known := keysets[k.KeysetID]
		if err := checkID(at, "key", k.ID, firstKeyID, s.NextKeyID, ids); err != nil {
			return err
		}
		switch {
		case !known:
			return fmt.Errorf("%s: keyset %d is neither the master or refresh keyset nor a site's", at, k.KeysetID)
		case count >= MaxKeysPerKeyset+2:
			return fmt.Errorf("%s: keyset %d holds more than %d keys", at, k.KeysetID, MaxKeysPerKeyset+2)
		case len(k.Secret) != 32:
			return fmt.Errorf("%s: the secret is not 32 bytes", at)
		case !validTime(k.Created) || !validTime(k.Activates) || !validTime(k.Expires):
			return fmt.Errorf("%s: a time is out of range", at)
		case k.Activates < k.Created || k.Expires <= k.Activates:
			return fmt.Errorf("%s: it must be created before it activates, and activate before it expires", at)
		}
		ids[k.ID] = true
		keysets[k.KeysetID]++
	}
	return nil
}

func (s *State) validateGrants() error {
	if s.NextGrantID < 1 {
		return errors.New("next_grant_id must be at least 1")
	}
	ids := map[int]bool{}
	for i := range s.Grants {
		g := &s.Grants[i]
		at := fmt.Sprintf("grant %d", g.ID)
		if err := checkID(at, "grant", g.ID, 1, s.NextGrantID, ids); err != nil {
			return err
		}
		switch {
		case s.Site(g.Sender) == nil:
			return fmt.Errorf("%s: sender site %d does not exist", at, g.Sender)
		case (g.Site == 0) == (g.Type == ""):
			return fmt.Errorf("%s: a grant names either a site or a type", at)
		case g.Site != 0 && (s.Site(g.Site) == nil || g.Site == g.Sender):
			return fmt.Errorf("%s: receiver site %d does not exist or is the sender", at, g.Site)
		case g.Type != "" && !slices.Contains(Types, g.Type):
			return fmt.Errorf("%s: unknown site type %q", at, g.Type)
		case g.Future && g.Type == "", len(g.Members) > 0 && (g.Type == "" || g.Future):
			return fmt.Errorf("%s: future and members are only for type grants, and not together", at)
		case g.Request != 0 && !slices.ContainsFunc(s.Requests, func(r Request) bool { return r.ID == g.Request && r.Status == Accepted }):
			return fmt.Errorf("%s: request %d does not exist or was not accepted", at, g.Request)
		case !validTime(g.Created):
			return fmt.Errorf("%s: created is out of range", at)
		}
		ids[g.ID] = true
		for j, m := range g.Members {
			if s.Site(m) == nil || m == g.Sender || slices.Contains(g.Members[:j], m) {
				return fmt.Errorf("%s: member site %d does not exist, is the sender or is listed twice", at, m)
			}
		}
	}
	return nil
}

func (s *State) validateRequests() error {
	if s.NextRequestID < 1 {
		return errors.New("next_request_id must be at least 1")
	}
	ids := map[int]bool{}
	for i := range s.Requests {
		r := &s.Requests[i]
		at := fmt.Sprintf("request %d", r.ID)
		if err := checkID(at, "request", r.ID, 1, s.NextRequestID, ids); err != nil {
			return err
		}
		switch {
		case s.Site(r.Sender) == nil || s.Site(r.Receiver) == nil || r.Sender == r.Receiver:
			return fmt.Errorf("%s: sender %d and receiver %d must be two existing sites", at, r.Sender, r.Receiver)
		case r.Status != Pending && r.Status != Accepted && r.Status != Declined:
			return fmt.Errorf("%s: unknown status %q", at, r.Status)
		case !validTime(r.Created) || !validTime(r.Decided):
			return fmt.Errorf("%s: a time is out of range", at)
		}
		ids[r.ID] = true
	}
	return nil
}

func (s *State) validateUsers() error {
	if len(s.Users) > 0 && s.NextUserID < 1 {
		return errors.New("next_user_id must be at least 1")
	}
	ids := map[int]bool{}
	emails := map[string]bool{}
	for i := range s.Users {
		u := &s.Users[i]
		at := fmt.Sprintf("user %d", u.ID)
		if err := checkID(at, "user", u.ID, 1, s.NextUserID, ids); err != nil {
			return err
		}
		switch {
		case s.Site(u.SiteID) == nil:
			return fmt.Errorf("%s: site %d does not exist", at, u.SiteID)
		case !validEmail(u.Email):
			return fmt.Errorf("%s: the email must be an address in lower case", at)
		case emails[u.Email]:
			return fmt.Errorf("%s: the email is used twice", at)
		case !validHash(u.Password):
			return fmt.Errorf("%s: the password is not an argon2id hash", at)
		case !validTime(u.Created):
			return fmt.Errorf("%s: a time is out of range", at)
		}
		ids[u.ID] = true
		emails[u.Email] = true
	}
	return nil
}

// checkID checks that id lies between first and the state's next id of its
// kind, and that no earlier record of the kind (seen) has it.
func checkID[T int | int64](at, kind string, id, first, next T, seen map[T]bool) error {
	switch {
	case id < first || id >= next:
		return fmt.Errorf("%s: a %s id is from %d to next_%s_id %d", at, kind, first, kind, next-1)
	case seen[id]:
		return fmt.Errorf("%s: the id is used twice", at)
	}
	return nil
}

func validTime(t int64) bool { return t >= 0 && t < maxTime }

func validHash(encoded string) bool {
	_, ok := parseHash(encoded)
	return ok
}
