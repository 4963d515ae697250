// Package sharing holds the state of a local UID2 key service and the rules
// of the sharing model (uid2-spec §9): sites with participant types, API
// keys with roles, one default keyset per site, keys that rotate, and the
// sender-grants permissions — to single sites, to whole participant types
// (optionally including sites that join later), or by accepting a
// receiver's request. It decides which keys each API key may fetch and
// writes the key responses of spec §4.3.
//
// State is a plain value: every change is made on a copy (see Clone) so
// that a caller can persist the copy before it replaces the old state and a
// failed change leaves nothing half-applied. State is not safe for
// concurrent use; the key service serialises changes.
package sharing

import "slices"

// Type is a participant type (spec §9.1).
type Type string

// The participant types.
const (
	Publisher    Type = "publisher"
	Advertiser   Type = "advertiser"
	DSP          Type = "dsp"
	DataProvider Type = "data-provider"
)

// Types lists every participant type.
var Types = []Type{Publisher, Advertiser, DSP, DataProvider}

// Role is an API key permission (spec §9.1; Bidder is the operator's
// ID_READER).
type Role string

// The roles.
const (
	Sharer    Role = "sharer"
	Bidder    Role = "bidder"
	Generator Role = "generator"
	Mapper    Role = "mapper"
)

// Roles lists every role.
var Roles = []Role{Sharer, Bidder, Generator, Mapper}

// MasterKeysetID is the id the key endpoints give the master keyset, as the
// operator does (spec §4.3).
const MasterKeysetID = 9999999

// Ids start above the operator's reserved ones (spec §9.2: keysets −2…3).
const (
	firstSiteID   = 101
	firstKeysetID = 4
	firstKeyID    = 1
)

// Site is a sharing participant.
type Site struct {
	ID      int      `json:"id"`
	Name    string   `json:"name"`
	Types   []Type   `json:"types"`
	Domains []string `json:"domain_names,omitempty"`
	Apps    []string `json:"app_names,omitempty"`
	// KeysetID is the site's default keyset: what it encrypts with.
	KeysetID int   `json:"keyset_id"`
	Created  int64 `json:"created"`
	// RecommendationsDone: the site has saved its Portal sharing types once.
	RecommendationsDone bool `json:"recommendations_done,omitempty"`
}

// HasType reports whether s is a participant of type t.
func (s *Site) HasType(t Type) bool { return slices.Contains(s.Types, t) }

// APIKey is a client's credential. The bearer token itself is not kept,
// only its SHA-256, so the state file does not give API keys away; the
// client secret has to be kept, as the service encrypts with it.
type APIKey struct {
	ID      string `json:"key_id"`
	Name    string `json:"name,omitempty"`
	SiteID  int    `json:"site_id"`
	Roles   []Role `json:"roles"`
	Hash    string `json:"key_hash"`
	Secret  string `json:"secret"`
	Created int64  `json:"created"`
	// Disabled is when the key stopped working (0: it works).
	Disabled int64 `json:"disabled,omitempty"`
}

// Has reports whether the key has role r.
func (k *APIKey) Has(r Role) bool { return slices.Contains(k.Roles, r) }

// Key is an encryption key of a keyset. Times are epoch seconds.
type Key struct {
	ID        int64  `json:"id"`
	KeysetID  int    `json:"keyset_id"`
	Created   int64  `json:"created"`
	Activates int64  `json:"activates"`
	Expires   int64  `json:"expires"`
	Secret    []byte `json:"secret"`
}

// Grant is a sender's permission for receivers to fetch its keys: one site,
// or every site of a type — those of the time of the grant, or, with
// Future, also every site of that type created later.
type Grant struct {
	ID     int  `json:"id"`
	Sender int  `json:"sender"`
	Site   int  `json:"site,omitempty"`
	Type   Type `json:"type,omitempty"`
	Future bool `json:"future,omitempty"`
	// Members are the sites a type grant without Future covers.
	Members []int `json:"members,omitempty"`
	// Request is the accepted request this grant came from, if any.
	Request int   `json:"request,omitempty"`
	Created int64 `json:"created"`
}

// Request states.
const (
	Pending  = "pending"
	Accepted = "accepted"
	Declined = "declined"
)

// Request is a receiver asking a sender to share with it.
type Request struct {
	ID       int    `json:"id"`
	Sender   int    `json:"sender"`
	Receiver int    `json:"receiver"`
	Status   string `json:"status"`
	Created  int64  `json:"created"`
	Decided  int64  `json:"decided,omitempty"`
}

// Config is what the service operator chooses. Durations are seconds.
type Config struct {
	// IdentityScope is "UID2" or "EUID".
	IdentityScope string `json:"identity_scope"`
	// KeyLifetime is how long each key is a keyset's newest; the next key
	// is published one lifetime before it activates.
	KeyLifetime int64 `json:"key_lifetime"`
	// TokenExpiry is the sharing token lifetime senders use
	// (token_expiry_seconds); keys are kept this long after their last
	// use, so every token they made can be decrypted until it expires.
	TokenExpiry int64 `json:"token_expiry"`
	// MaxSharingLifetime and MaxBidstreamLifetime are the lifetimes
	// receivers accept, before the operator's 10 s tolerance.
	MaxSharingLifetime   int64 `json:"max_sharing_lifetime"`
	MaxBidstreamLifetime int64 `json:"max_bidstream_lifetime"`
	AllowClockSkew       int64 `json:"allow_clock_skew"`
}

// DefaultConfig is the operator's default configuration (spec §4.3), with
// keys rotating daily.
func DefaultConfig() Config {
	return Config{
		IdentityScope:        "UID2",
		KeyLifetime:          24 * 3600,
		TokenExpiry:          2592000,
		MaxSharingLifetime:   2592000,
		MaxBidstreamLifetime: 3 * 24 * 3600,
		AllowClockSkew:       1800,
	}
}

// State is everything the key service knows.
type State struct {
	Config   Config    `json:"config"`
	Sites    []Site    `json:"sites"`
	APIKeys  []APIKey  `json:"api_keys"`
	Keys     []Key     `json:"keys"`
	Grants   []Grant   `json:"grants"`
	Requests []Request `json:"requests"`
	Users    []User    `json:"users,omitempty"`
	// Salts and OptOuts serve token generate, refresh and identity map
	// (operator.go).
	Salts   *Salts   `json:"salts,omitempty"`
	OptOuts []OptOut `json:"optouts,omitempty"`

	NextSiteID    int   `json:"next_site_id"`
	NextKeysetID  int   `json:"next_keyset_id"`
	NextKeyID     int64 `json:"next_key_id"`
	NextGrantID   int   `json:"next_grant_id"`
	NextRequestID int   `json:"next_request_id"`
	NextAPIKeyID  int   `json:"next_api_key_id"`
	NextUserID    int   `json:"next_user_id,omitempty"`
}

// New returns an empty state with the given configuration.
func New(cfg Config) *State {
	return &State{
		Config:        cfg,
		NextSiteID:    firstSiteID,
		NextKeysetID:  firstKeysetID,
		NextKeyID:     firstKeyID,
		NextGrantID:   1,
		NextRequestID: 1,
		NextAPIKeyID:  1,
		NextUserID:    1,
	}
}

// Clone returns a deep copy of s.
func (s *State) Clone() *State {
	c := *s
	c.Sites = slices.Clone(s.Sites)
	for i := range c.Sites {
		c.Sites[i].Types = slices.Clone(c.Sites[i].Types)
		c.Sites[i].Domains = slices.Clone(c.Sites[i].Domains)
		c.Sites[i].Apps = slices.Clone(c.Sites[i].Apps)
	}
	c.APIKeys = slices.Clone(s.APIKeys)
	for i := range c.APIKeys {
		c.APIKeys[i].Roles = slices.Clone(c.APIKeys[i].Roles)
	}
	c.Keys = slices.Clone(s.Keys)
	for i := range c.Keys {
		c.Keys[i].Secret = slices.Clone(c.Keys[i].Secret)
	}
	c.Grants = slices.Clone(s.Grants)
	for i := range c.Grants {
		c.Grants[i].Members = slices.Clone(c.Grants[i].Members)
	}
	c.Requests = slices.Clone(s.Requests)
	c.Users = slices.Clone(s.Users)
	// Salts and opt-outs, the collections that grow with the data, are
	// shared until changed: RotateSalts copies the salts before rotating,
	// and the clipped opt-outs are copied by the append that adds one.
	c.OptOuts = slices.Clip(s.OptOuts)
	return &c
}

// Site returns the site with the given id, or nil.
func (s *State) Site(id int) *Site {
	for i := range s.Sites {
		if s.Sites[i].ID == id {
			return &s.Sites[i]
		}
	}
	return nil
}
