package sharing

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/libuid2/libuid2/go/keys"
)

const t0 = 1_700_000_000

func testConfig() Config {
	c := DefaultConfig()
	c.KeyLifetime = 100
	c.TokenExpiry = 1000
	return c
}

// world is a state with a site per name, each with an API key of the
// given roles.
type world struct {
	st   *State
	site map[string]int
	ids  map[string]string // API key ids
}

func newWorld(t *testing.T) *world {
	st := New(testConfig())
	st.Maintain(t0)
	return &world{st: st, site: map[string]int{}, ids: map[string]string{}}
}

// key is name's API key, looked up afresh: appends move the slice.
func (w *world) key(name string) *APIKey {
	for i := range w.st.APIKeys {
		if w.st.APIKeys[i].ID == w.ids[name] {
			return &w.st.APIKeys[i]
		}
	}
	return nil
}

func (w *world) add(t *testing.T, name string, types []Type, roles ...Role) int {
	t.Helper()
	s, err := w.st.CreateSite(name, types, nil, nil, t0)
	require.NoError(t, err)
	k, _, err := w.st.CreateAPIKey(s.ID, roles, "", t0)
	require.NoError(t, err)
	w.site[name], w.ids[name] = s.ID, k.ID
	return s.ID
}

// readable lists the sites whose keys name's API key gets from the
// endpoint (0 for the master keyset).
func (w *world) readable(t *testing.T, name, endpoint string) []int {
	t.Helper()
	var resp struct {
		Keys []struct {
			ID int64 `json:"id"`
		} `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(w.st.KeyResponse(w.key(name), endpoint, t0), &resp))
	owners := map[int]bool{}
	for _, rk := range resp.Keys {
		for _, k := range w.st.Keys {
			if k.ID == rk.ID {
				owner := 0
				if o := w.st.keysetOwner(k.KeysetID); o != nil {
					owner = o.ID
				}
				owners[owner] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(owners))
}

func kindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return -1
}

func TestCreateSiteChecks(t *testing.T) {
	st := New(testConfig())
	_, err := st.CreateSite("Ad", []Type{Advertiser}, []string{"B.com", "a.com", "b.com"}, []string{"com.x.app"}, t0)
	require.NoError(t, err)
	s := st.Site(firstSiteID)
	assert.Equal(t, []string{"a.com", "b.com"}, s.Domains, "lower case, sorted, no duplicates")
	assert.Equal(t, firstKeysetID, s.KeysetID)

	before := st.Clone()
	for _, c := range []struct {
		name    string
		types   []Type
		domains []string
		kind    Kind
	}{
		{"", []Type{DSP}, nil, Invalid},
		{"  ", []Type{DSP}, nil, Invalid},
		{"ad", []Type{DSP}, nil, Conflict}, // names are unique, whatever their case
		{"X", nil, nil, Invalid},
		{"X", []Type{"bank"}, nil, Invalid},
		{"X", []Type{DSP, DSP}, nil, Invalid},
		{"X", []Type{DSP}, []string{"a b.com"}, Invalid},
		{"X", []Type{DSP}, []string{""}, Invalid},
	} {
		_, err := st.CreateSite(c.name, c.types, c.domains, nil, t0)
		assert.Equal(t, c.kind, kindOf(err), "%+v: %v", c, err)
	}
	assert.Equal(t, before, st, "a refused site changes nothing")
}

func TestAPIKeys(t *testing.T) {
	st := New(testConfig())
	s, _ := st.CreateSite("A", []Type{Advertiser}, nil, nil, t0)
	k, bearer, err := st.CreateAPIKey(s.ID, []Role{Sharer, Bidder}, "main", t0)
	require.NoError(t, err)
	assert.Same(t, k, st.Authenticate(bearer))
	assert.Nil(t, st.Authenticate(bearer+"x"))
	assert.NotContains(t, k.Hash, bearer, "the bearer token is not stored")
	state, _ := json.Marshal(st)
	assert.NotContains(t, string(state), bearer)
	assert.Len(t, k.Secret, 44, "base64 of 32 bytes")

	for _, c := range []struct {
		site  int
		roles []Role
		kind  Kind
	}{
		{999, []Role{Sharer}, NotFound},
		{s.ID, nil, Invalid},
		{s.ID, []Role{"admin"}, Invalid},
		{s.ID, []Role{Sharer, Sharer}, Invalid},
	} {
		_, _, err := st.CreateAPIKey(c.site, c.roles, "", t0)
		assert.Equal(t, c.kind, kindOf(err), "%+v", c)
	}
}

func TestGrantToSite(t *testing.T) {
	w := newWorld(t)
	adv := w.add(t, "adv", []Type{Advertiser}, Sharer)
	dp := w.add(t, "dp", []Type{DataProvider}, Sharer)
	other := w.add(t, "other", []Type{DataProvider}, Sharer)

	assert.Equal(t, []int{0, dp}, w.readable(t, "dp", SharingEndpoint), "nothing shared before a grant")
	_, err := w.st.GrantSite(adv, dp, t0)
	require.NoError(t, err)
	assert.Equal(t, []int{0, adv, dp}, w.readable(t, "dp", SharingEndpoint))
	assert.Equal(t, []int{0, other}, w.readable(t, "other", SharingEndpoint), "a grant to one site is for that site only")
	assert.Equal(t, []int{0, adv}, w.readable(t, "adv", SharingEndpoint), "sharing is one way")

	_, err = w.st.GrantSite(adv, dp, t0)
	assert.Equal(t, Conflict, kindOf(err))
	_, err = w.st.GrantSite(adv, adv, t0)
	assert.Equal(t, Invalid, kindOf(err))
	_, err = w.st.GrantSite(adv, 999, t0)
	assert.Equal(t, NotFound, kindOf(err))

	_, err = w.st.RevokeSite(adv, dp)
	require.NoError(t, err)
	assert.Equal(t, []int{0, dp}, w.readable(t, "dp", SharingEndpoint), "revoking takes the keys away")
	_, err = w.st.RevokeSite(adv, dp)
	assert.Equal(t, NotFound, kindOf(err))
}

func TestGrantToType(t *testing.T) {
	w := newWorld(t)
	adv := w.add(t, "adv", []Type{Advertiser}, Sharer)
	dsp1 := w.add(t, "dsp1", []Type{DSP}, Sharer)
	w.add(t, "pub", []Type{Publisher}, Sharer)

	g, err := w.st.GrantType(adv, DSP, false, t0)
	require.NoError(t, err)
	assert.Equal(t, []int{dsp1}, w.st.Receivers(g))
	_, err = w.st.GrantType(adv, DSP, true, t0)
	assert.Equal(t, Conflict, kindOf(err), "one grant per type")
	_, err = w.st.GrantSite(adv, dsp1, t0)
	assert.Equal(t, Conflict, kindOf(err), "a site covered by its type cannot also be granted singly")
	_, err = w.st.RevokeSite(adv, dsp1)
	assert.Equal(t, Conflict, kindOf(err), "revoke the type, not the site")

	dsp2 := w.add(t, "dsp2", []Type{DSP, DataProvider}, Sharer)
	assert.Contains(t, w.readable(t, "dsp1", SharingEndpoint), adv)
	assert.NotContains(t, w.readable(t, "dsp2", SharingEndpoint), adv, "without future, a later DSP is not covered")
	assert.NotContains(t, w.readable(t, "pub", SharingEndpoint), adv)

	_, err = w.st.RevokeType(adv, DSP)
	require.NoError(t, err)
	assert.NotContains(t, w.readable(t, "dsp1", SharingEndpoint), adv)

	g, err = w.st.GrantType(adv, DSP, true, t0)
	require.NoError(t, err)
	dsp3 := w.add(t, "dsp3", []Type{DSP}, Sharer)
	assert.Equal(t, []int{dsp1, dsp2, dsp3}, w.st.Receivers(g), "with future, later DSPs are covered")
	assert.Contains(t, w.readable(t, "dsp3", SharingEndpoint), adv)
	_, err = w.st.GrantType(adv, "bank", false, t0)
	assert.Equal(t, Invalid, kindOf(err))
	_, err = w.st.RevokeType(adv, Publisher)
	assert.Equal(t, NotFound, kindOf(err))
}

func TestRequestAcceptDecline(t *testing.T) {
	w := newWorld(t)
	adv := w.add(t, "adv", []Type{Advertiser}, Sharer)
	dp := w.add(t, "dp", []Type{DataProvider}, Sharer)
	pub := w.add(t, "pub", []Type{Publisher}, Sharer)

	r, err := w.st.RequestSharing(dp, adv, t0)
	require.NoError(t, err)
	assert.Equal(t, Pending, r.Status)
	assert.NotContains(t, w.readable(t, "dp", SharingEndpoint), adv, "a request alone shares nothing")
	_, err = w.st.RequestSharing(dp, adv, t0)
	assert.Equal(t, Conflict, kindOf(err), "one pending request per pair")
	_, _, err = w.st.Accept(pub, r.ID, t0)
	assert.Equal(t, Conflict, kindOf(err), "only the asked sender decides")
	_, _, err = w.st.Accept(adv, 999, t0)
	assert.Equal(t, NotFound, kindOf(err))

	r, g, err := w.st.Accept(adv, r.ID, t0+5)
	require.NoError(t, err)
	assert.Equal(t, Accepted, r.Status)
	assert.Equal(t, int64(t0+5), r.Decided)
	assert.Equal(t, dp, g.Site)
	assert.Equal(t, r.ID, g.Request)
	assert.Contains(t, w.readable(t, "dp", SharingEndpoint), adv)
	_, _, err = w.st.Accept(adv, r.ID, t0)
	assert.Equal(t, Conflict, kindOf(err), "decided once")
	_, err = w.st.RequestSharing(dp, adv, t0)
	assert.Equal(t, Conflict, kindOf(err), "already shared")

	r, err = w.st.RequestSharing(pub, adv, t0)
	require.NoError(t, err)
	r, err = w.st.Decline(adv, r.ID, t0)
	require.NoError(t, err)
	assert.Equal(t, Declined, r.Status)
	assert.NotContains(t, w.readable(t, "pub", SharingEndpoint), adv)
	_, err = w.st.Decline(adv, r.ID, t0)
	assert.Equal(t, Conflict, kindOf(err))
	_, err = w.st.RequestSharing(pub, adv, t0)
	assert.NoError(t, err, "a declined receiver may ask again")
}

func TestBiddersReadGenerators(t *testing.T) {
	w := newWorld(t)
	pub := w.add(t, "pub", []Type{Publisher}, Generator)
	w.add(t, "adv", []Type{Advertiser}, Sharer)
	dsp := w.add(t, "dsp", []Type{DSP}, Bidder)
	sharer := w.add(t, "sharer", []Type{DSP}, Sharer)

	assert.Equal(t, []int{0, pub, dsp}, w.readable(t, "dsp", BidstreamEndpoint), "a bidder reads every generating site, not sharers")
	assert.Equal(t, []int{0, sharer}, w.readable(t, "sharer", SharingEndpoint), "without the bidder role, no generator keys")
	assert.True(t, MayUse(w.key("dsp"), BidstreamEndpoint))
	assert.True(t, MayUse(w.key("dsp"), SharingEndpoint))
	assert.False(t, MayUse(w.key("sharer"), BidstreamEndpoint))
	assert.False(t, MayUse(w.key("pub"), SharingEndpoint), "a generator-only key reads no keys")
}

func TestKeyResponseFields(t *testing.T) {
	w := newWorld(t)
	adv := w.add(t, "adv", []Type{Advertiser}, Sharer)
	dsp := w.add(t, "dsp", []Type{DSP}, Sharer, Bidder)
	_, err := w.st.CreateSite("named", []Type{Publisher}, []string{"b.com", "a.com"}, []string{"com.app"}, t0)
	require.NoError(t, err)
	named := w.st.Sites[len(w.st.Sites)-1].ID
	_, err = w.st.GrantSite(adv, dsp, t0)
	require.NoError(t, err)
	_, err = w.st.GrantSite(named, dsp, t0)
	require.NoError(t, err)

	var body map[string]any
	require.NoError(t, json.Unmarshal(w.st.KeyResponse(w.key("dsp"), SharingEndpoint, t0), &body))
	assert.Equal(t, float64(dsp), body["caller_site_id"])
	assert.Equal(t, float64(MasterKeysetID), body["master_keyset_id"])
	assert.Equal(t, float64(w.st.Site(dsp).KeysetID), body["default_keyset_id"])
	assert.Equal(t, "1000", body["token_expiry_seconds"], "a string, as the operator writes it")
	assert.Equal(t, float64(2592000+10), body["max_sharing_lifetime_seconds"])
	assert.Equal(t, "UID2", body["identity_scope"])
	assert.Equal(t, float64(1800), body["allow_clock_skew_seconds"])
	assert.NotContains(t, body, "max_bidstream_lifetime_seconds")
	assert.Equal(t, []any{map[string]any{"id": float64(named), "domain_names": []any{"a.com", "b.com", "com.app"}}}, body["site_data"])
	var prev float64
	for _, k := range body["keys"].([]any) {
		k := k.(map[string]any)
		assert.Greater(t, k["id"], prev, "sorted by id")
		prev = k["id"].(float64)
		id, has := k["keyset_id"]
		var owner int
		for _, sk := range w.st.Keys {
			if float64(sk.ID) == k["id"] {
				owner = sk.KeysetID
			}
		}
		switch owner {
		case MasterKeysetID, w.st.Site(dsp).KeysetID:
			assert.Equal(t, float64(owner), id)
		default:
			assert.False(t, has, "other sites' keys carry no keyset id, so they cannot encrypt")
		}
	}

	// Our own parser reads it, and a sender can encrypt with what it gets.
	set, err := keys.Parse(w.st.KeyResponse(w.key("adv"), SharingEndpoint, t0), 0)
	require.NoError(t, err)
	assert.NotNil(t, set.ActiveKey(MasterKeysetID, t0*1000))
	assert.NotNil(t, set.ActiveKey(int64(w.st.Site(adv).KeysetID), t0*1000))

	w.key("adv").Roles = []Role{Bidder}
	body = nil
	require.NoError(t, json.Unmarshal(w.st.KeyResponse(w.key("adv"), SharingEndpoint, t0), &body))
	assert.NotContains(t, body, "max_sharing_lifetime_seconds", "only for sharers")

	body = nil
	require.NoError(t, json.Unmarshal(w.st.KeyResponse(w.key("dsp"), BidstreamEndpoint, t0), &body))
	assert.Equal(t, float64(3*24*3600+10), body["max_bidstream_lifetime_seconds"])
	for _, f := range []string{"caller_site_id", "master_keyset_id", "default_keyset_id", "token_expiry_seconds", "max_sharing_lifetime_seconds"} {
		assert.NotContains(t, body, f)
	}
	for _, k := range body["keys"].([]any) {
		assert.NotContains(t, k, "keyset_id")
	}
}

func TestKeyRotation(t *testing.T) {
	st := New(testConfig()) // lifetime 100 s, tokens 1000 s
	assert.True(t, st.Maintain(t0))
	site, err := st.CreateSite("A", []Type{Advertiser}, nil, nil, t0)
	require.NoError(t, err)
	activations := func() []int64 {
		ks, err := st.KeysOf(site.ID)
		require.NoError(t, err)
		var out []int64
		for _, k := range ks {
			out = append(out, k.Activates)
			assert.Equal(t, k.Activates+100+1000, k.Expires, "kept a token lifetime after it stops being newest")
		}
		return out
	}
	assert.Equal(t, []int64{t0, t0 + 100}, activations(), "the current key and the next, published ahead")
	assert.False(t, st.Maintain(t0+99))
	assert.Equal(t, int64(t0+100), st.NextChange())
	assert.True(t, st.Maintain(t0+100))
	assert.Equal(t, []int64{t0, t0 + 100, t0 + 200}, activations())

	// After the first key expires it is dropped.
	assert.True(t, st.Maintain(t0+1100))
	assert.Equal(t, int64(t0+100), activations()[0])
	// A lapsed schedule (service down) starts again from now.
	st.Maintain(t0 + 50_000)
	assert.Equal(t, []int64{t0 + 50_000, t0 + 50_100}, activations())

	// Rotate makes a key current at once; the old ones stay.
	now := int64(t0 + 50_010)
	k, err := st.Rotate(site.ID, now)
	require.NoError(t, err)
	assert.Equal(t, now, k.Activates)
	k2, err := st.Rotate(site.ID, now)
	require.NoError(t, err)
	assert.Equal(t, now+1, k2.Activates, "never ties with the current key")
	assert.Len(t, activations(), 4)
	set, err := keys.Parse(st.KeyResponse(&APIKey{SiteID: site.ID, Roles: []Role{Sharer}}, SharingEndpoint, now+1), 0)
	require.NoError(t, err)
	assert.Equal(t, k2.ID, set.ActiveKey(int64(site.KeysetID), (now+1)*1000).ID)

	m, err := st.Rotate(0, now)
	require.NoError(t, err)
	assert.Equal(t, MasterKeysetID, m.KeysetID)
	_, err = st.Rotate(999, now)
	assert.Equal(t, NotFound, kindOf(err))
}

func TestCloneIsDeep(t *testing.T) {
	w := newWorld(t)
	adv := w.add(t, "adv", []Type{Advertiser}, Sharer)
	_, err := w.st.GrantType(adv, DSP, false, t0)
	require.NoError(t, err)
	before, _ := json.Marshal(w.st)
	c := w.st.Clone()
	c.Sites[0].Types[0] = DSP
	c.APIKeys[0].Roles[0] = Bidder
	c.Keys[0].Secret[0] ^= 1
	c.Grants[0].Members = append(c.Grants[0].Members, 5)
	_, err = c.CreateSite("new", []Type{DSP}, nil, nil, t0)
	require.NoError(t, err)
	after, _ := json.Marshal(w.st)
	assert.JSONEq(t, string(before), string(after))
}
