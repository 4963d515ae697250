package sharing

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"strconv"
)

// The key endpoints (spec §4.1).
const (
	SharingEndpoint   = "sharing"
	BidstreamEndpoint = "bidstream"
)

// lifetimeTolerance is what the operator adds to the lifetimes it
// publishes (spec §4.3, TOKEN_LIFETIME_TOLERANCE).
const lifetimeTolerance = 10

// keysetIDs lists every keyset: the master and refresh keysets, then each
// site's.
func (s *State) keysetIDs() []int {
	ids := []int{MasterKeysetID, RefreshKeysetID}
	for i := range s.Sites {
		ids = append(ids, s.Sites[i].KeysetID)
	}
	return ids
}

// Maintain rotates keys on schedule and drops expired ones; it reports
// whether anything changed. Every keyset keeps its current key and the
// next one, published a lifetime before it activates so that receivers
// hold it before any sender encrypts with it; a key expires TokenExpiry
// after it stops being the newest, so every token it made stays
// decryptable for the token's whole life.
func (s *State) Maintain(now int64) bool {
	n := len(s.Keys)
	s.Keys = slices.DeleteFunc(s.Keys, func(k Key) bool { return k.Expires <= now })
	changed := len(s.Keys) != n
	if s.Salts == nil { // a state from before salts were kept
		s.Salts, _ = NewSalts(DefaultSaltBuckets, now)
		changed = true
	}
	for _, id := range s.keysetIDs() {
		if s.maintainKeyset(id, now) {
			changed = true
		}
	}
	return changed
}

func (s *State) maintainKeyset(keysetID int, now int64) bool {
	newest, ok := s.newestActivation(keysetID)
	changed := false
	if !ok || newest+s.Config.KeyLifetime <= now {
		// New, or the schedule lapsed while the service was down.
		s.addKey(keysetID, now, now)
		newest, changed = now, true
	}
	if newest <= now {
		s.addKey(keysetID, newest+s.Config.KeyLifetime, now)
		changed = true
	}
	return changed
}

func (s *State) newestActivation(keysetID int) (int64, bool) {
	var newest int64
	found := false
	for i := range s.Keys {
		if k := &s.Keys[i]; k.KeysetID == keysetID && (!found || k.Activates > newest) {
			newest, found = k.Activates, true
		}
	}
	return newest, found
}

func (s *State) addKey(keysetID int, activates, now int64) *Key {
	s.Keys = append(s.Keys, Key{
		ID:        s.NextKeyID,
		KeysetID:  keysetID,
		Created:   now,
		Activates: activates,
		Expires:   activates + s.Config.KeyLifetime + s.Config.TokenExpiry,
		Secret:    randomBytes(32),
	})
	s.NextKeyID++
	return &s.Keys[len(s.Keys)-1]
}

// Rotate makes a new key of the site's keyset (or, with site 0, of the
// master keyset) that is current from now on, ahead of the schedule: for
// when a key may have leaked. Older keys stay until they expire, so tokens
// they made can still be decrypted.
func (s *State) Rotate(siteID int, now int64) (*Key, error) {
	keysetID, err := s.keysetOf(siteID)
	if err != nil {
		return nil, err
	}
	if held := s.keyCount(keysetID); held >= MaxKeysPerKeyset {
		return nil, errorf(Conflict, "keyset %d already holds %d keys, the most it may; rotate again once old keys expire", keysetID, held)
	}
	// A key activating in the same second as the current one would tie
	// with it in the selection rule (spec §4.4), so it waits a second.
	activates := now
	for i := range s.Keys {
		if k := &s.Keys[i]; k.KeysetID == keysetID && k.Activates <= now && k.Activates >= activates {
			activates = k.Activates + 1
		}
	}
	return s.addKey(keysetID, activates, now), nil
}

func (s *State) keyCount(keysetID int) int {
	n := 0
	for i := range s.Keys {
		if s.Keys[i].KeysetID == keysetID {
			n++
		}
	}
	return n
}

// keysetOf is the keyset of a site; site 0 means the master keyset.
func (s *State) keysetOf(siteID int) (int, error) {
	if siteID == 0 {
		return MasterKeysetID, nil
	}
	site := s.Site(siteID)
	if site == nil {
		return 0, errorf(NotFound, "no site %d", siteID)
	}
	return site.KeysetID, nil
}

// KeysOf lists the keys of a site's keyset (site 0: the master keyset).
func (s *State) KeysOf(siteID int) ([]Key, error) {
	keysetID, err := s.keysetOf(siteID)
	if err != nil {
		return nil, err
	}
	var out []Key
	for _, k := range s.Keys {
		if k.KeysetID == keysetID {
			out = append(out, k)
		}
	}
	return out, nil
}

// canRead reports whether the holder of key may fetch the keys of keyset
// (spec §9.2): the master keyset, its own site's, a site whose grants cover
// it, and — for bidders — every site that generates tokens for the
// bidstream (the operator's keysets with no allowed-sites list).
func (s *State) canRead(key *APIKey, keysetID int) bool {
	if keysetID == MasterKeysetID {
		return true
	}
	owner := s.keysetOwner(keysetID)
	switch {
	case owner == nil:
		return false
	case owner.ID == key.SiteID:
		return true
	case key.Has(Bidder) && s.generates(owner.ID):
		return true
	default:
		return s.grantCovering(owner.ID, key.SiteID) != nil
	}
}

func (s *State) keysetOwner(keysetID int) *Site {
	for i := range s.Sites {
		if s.Sites[i].KeysetID == keysetID {
			return &s.Sites[i]
		}
	}
	return nil
}

// generates reports whether a site has an API key that generates tokens
// for the bidstream.
func (s *State) generates(siteID int) bool {
	for i := range s.APIKeys {
		if k := &s.APIKeys[i]; k.SiteID == siteID && k.Has(Generator) && k.Disabled == 0 {
			return true
		}
	}
	return false
}

// MayUse reports whether key may call the endpoint (spec §4.1).
func MayUse(key *APIKey, endpoint string) bool {
	if endpoint == BidstreamEndpoint {
		return key.Has(Bidder)
	}
	return key.Has(Sharer) || key.Has(Bidder)
}

type responseKey struct {
	ID        int64  `json:"id"`
	KeysetID  *int   `json:"keyset_id,omitempty"`
	Created   int64  `json:"created"`
	Activates int64  `json:"activates"`
	Expires   int64  `json:"expires"`
	Secret    []byte `json:"secret"`
}

type siteData struct {
	ID          int      `json:"id"`
	DomainNames []string `json:"domain_names"`
}

type keyResponse struct {
	CallerSiteID         *int          `json:"caller_site_id,omitempty"`
	MasterKeysetID       *int          `json:"master_keyset_id,omitempty"`
	DefaultKeysetID      *int          `json:"default_keyset_id,omitempty"`
	TokenExpirySeconds   string        `json:"token_expiry_seconds,omitempty"`
	MaxSharingLifetime   *int64        `json:"max_sharing_lifetime_seconds,omitempty"`
	MaxBidstreamLifetime *int64        `json:"max_bidstream_lifetime_seconds,omitempty"`
	IdentityScope        string        `json:"identity_scope"`
	AllowClockSkew       int64         `json:"allow_clock_skew_seconds"`
	Keys                 []responseKey `json:"keys"`
	SiteData             []siteData    `json:"site_data"`
}

// KeyResponse writes the body of a key endpoint's answer to key (spec
// §4.3): exactly the unexpired keys it may read, sorted by id, with keyset
// ids only on its own keys and the master keys (other sites' keys can
// decrypt but never encrypt), and the domain and app names of the sites
// whose keys it gets. The caller must have checked MayUse.
func (s *State) KeyResponse(key *APIKey, endpoint string, now int64) []byte {
	site := s.Site(key.SiteID)
	resp := keyResponse{
		IdentityScope:  s.Config.IdentityScope,
		AllowClockSkew: s.Config.AllowClockSkew,
		Keys:           []responseKey{},
		SiteData:       []siteData{},
	}
	if endpoint == BidstreamEndpoint {
		resp.MaxBidstreamLifetime = ptr(s.Config.MaxBidstreamLifetime + lifetimeTolerance)
	} else {
		resp.CallerSiteID = ptr(site.ID)
		resp.MasterKeysetID = ptr(MasterKeysetID)
		resp.DefaultKeysetID = ptr(site.KeysetID)
		resp.TokenExpirySeconds = strconv.FormatInt(s.Config.TokenExpiry, 10)
		if key.Has(Sharer) {
			resp.MaxSharingLifetime = ptr(s.Config.MaxSharingLifetime + lifetimeTolerance)
		}
	}
	owners := map[int]bool{}
	for _, id := range s.keysetIDs() {
		if !s.canRead(key, id) {
			continue
		}
		for i := range s.Keys {
			k := &s.Keys[i]
			if k.KeysetID != id || k.Expires <= now {
				continue
			}
			rk := responseKey{ID: k.ID, Created: k.Created, Activates: k.Activates, Expires: k.Expires, Secret: k.Secret}
			if endpoint == SharingEndpoint && (id == MasterKeysetID || id == site.KeysetID) {
				rk.KeysetID = ptr(id)
			}
			resp.Keys = append(resp.Keys, rk)
			if owner := s.keysetOwner(id); owner != nil {
				owners[owner.ID] = true
			}
		}
	}
	slices.SortFunc(resp.Keys, func(a, b responseKey) int { return cmp.Compare(a.ID, b.ID) })
	for i := range s.Sites {
		if o := &s.Sites[i]; owners[o.ID] && len(o.Domains)+len(o.Apps) > 0 {
			names := slices.Concat(o.Domains, o.Apps)
			slices.Sort(names)
			resp.SiteData = append(resp.SiteData, siteData{ID: o.ID, DomainNames: slices.Compact(names)})
		}
	}
	body, err := json.Marshal(resp)
	if err != nil {
		panic(err) // plain values only: cannot fail
	}
	return body
}

func ptr[T any](v T) *T { return &v }

// NextChange is the earliest time at which Maintain will have something to
// do: a key expires or a keyset's newest key activates. Before it, the key
// service can serve the state as it is.
func (s *State) NextChange() int64 {
	next := int64(math.MaxInt64)
	for i := range s.Keys {
		next = min(next, s.Keys[i].Expires)
	}
	for _, id := range s.keysetIDs() {
		if newest, ok := s.newestActivation(id); ok {
			next = min(next, newest)
		} else {
			return math.MinInt64
		}
	}
	return next
}
