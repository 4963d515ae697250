package sharing

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Names are shown in terminals and web pages: nothing that prints as
// something else or controls the terminal.
func TestNamesAndDomains(t *testing.T) {
	st := New(testConfig())
	for _, bad := range []string{"a\x00b", "a\x1b[31mred", "evil\u202egnp.exe", "zero\u200bwidth", "two\nlines", "\xff", strings.Repeat("x", 101)} {
		_, err := st.CreateSite(bad, []Type{DSP}, nil, nil, t0)
		assert.Equal(t, Invalid, kindOf(err), "site name %q", bad)
		_, _, err = st.CreateAPIKey(firstSiteID, []Role{Sharer}, bad, t0)
		assert.Error(t, err, "API key name %q", bad)
	}
	for _, bad := range []string{"a\x00.com", "<script>x", "a..com", ".a.com", "a.com.", "-a.com", "a-.com", "com", "1.2.3.4", "a_b.com", "é.com", strings.Repeat("a", 64) + ".com"} {
		_, err := st.CreateSite("X", []Type{DSP}, []string{bad}, nil, t0)
		assert.Equal(t, Invalid, kindOf(err), "domain %q", bad)
	}
	for _, bad := range []string{"com..app", ".app", "a b", "<script>", "a\x00"} {
		_, err := st.CreateSite("X", []Type{DSP}, nil, []string{bad}, t0)
		assert.Equal(t, Invalid, kindOf(err), "app %q", bad)
	}
	s, err := st.CreateSite("  Ünïcode Ltd.  ", []Type{DSP}, []string{"Sub-1.Example.CO.uk", "xn--bcher-kva.example"}, []string{"com.Example.App", "123456789"}, t0)
	require.NoError(t, err)
	assert.Equal(t, "Ünïcode Ltd.", s.Name)
	assert.Equal(t, []string{"sub-1.example.co.uk", "xn--bcher-kva.example"}, s.Domains)
	assert.Equal(t, []string{"123456789", "com.example.app"}, s.Apps)
}

// Keys cannot pile up: the schedule is bounded by the configuration, and
// Rotate stops at MaxKeysPerKeyset.
func TestKeyBounds(t *testing.T) {
	c := DefaultConfig()
	c.KeyLifetime = 1
	assert.ErrorContains(t, c.Check(), "key lifetime")
	c.KeyLifetime = 60 // with 30-day tokens: 43,000 keys per keyset
	assert.ErrorContains(t, c.Check(), "keys per keyset")
	c.KeyLifetime = 3 * 3600
	c.TokenExpiry = 1 << 62
	assert.ErrorContains(t, c.Check(), "token expiry")
	require.NoError(t, DefaultConfig().Check())

	st := New(testConfig())
	st.Maintain(t0)
	for i := range MaxKeysPerKeyset - 2 {
		_, err := st.Rotate(0, t0+int64(i))
		require.NoError(t, err)
	}
	_, err := st.Rotate(0, t0)
	assert.Equal(t, Conflict, kindOf(err), "the master keyset is full")
	require.NoError(t, st.Validate(), "a full keyset is a valid state")
}

// A saved state is checked like a request before the service uses it.
func TestValidate(t *testing.T) {
	w := newWorld(t)
	adv := w.add(t, "adv", []Type{Advertiser}, Sharer)
	dsp := w.add(t, "dsp", []Type{DSP}, Bidder)
	r, err := w.st.RequestSharing(dsp, adv, t0)
	require.NoError(t, err)
	_, _, err = w.st.Accept(adv, r.ID, t0)
	require.NoError(t, err)
	_, err = w.st.GrantType(adv, Publisher, false, t0)
	require.NoError(t, err)
	_, _, err = w.st.CreateUser(adv, "ann@example.com", t0)
	require.NoError(t, err)
	_, _, err = w.st.CreateUser(dsp, "bob@example.com", t0)
	require.NoError(t, err)
	require.NoError(t, w.st.Validate())
	good, _ := json.Marshal(w.st)
	_, err = Parse(good)
	require.NoError(t, err)

	for what, breakIt := range map[string]func(s *State){
		"config":           func(s *State) { s.Config = Config{} },
		"identity scope":   func(s *State) { s.Config.IdentityScope = "" },
		"site id 0":        func(s *State) { s.Sites[0].ID = 0 },
		"site id reused":   func(s *State) { s.Sites[1].ID = s.Sites[0].ID },
		"site past next":   func(s *State) { s.NextSiteID = s.Sites[0].ID },
		"keyset shared":    func(s *State) { s.Sites[1].KeysetID = s.Sites[0].KeysetID },
		"site name":        func(s *State) { s.Sites[0].Name = "a\x00" },
		"site name reused": func(s *State) { s.Sites[1].Name = "ADV" },
		"site types":       func(s *State) { s.Sites[0].Types = nil },
		"domain":           func(s *State) { s.Sites[0].Domains = []string{"<script>x"} },
		"API key site":     func(s *State) { s.APIKeys[0].SiteID = 999 },
		"API key id":       func(s *State) { s.APIKeys[1].ID = s.APIKeys[0].ID },
		"API key secret":   func(s *State) { s.APIKeys[0].Secret = "short" },
		"API key hash":     func(s *State) { s.APIKeys[0].Hash = "x" },
		"API key roles":    func(s *State) { s.APIKeys[0].Roles = []Role{"root"} },
		"key keyset":       func(s *State) { s.Keys[0].KeysetID = 77 },
		"key id reused":    func(s *State) { s.Keys[1].ID = s.Keys[0].ID },
		"key secret":       func(s *State) { s.Keys[0].Secret = nil },
		"key times":        func(s *State) { s.Keys[0].Expires = s.Keys[0].Activates },
		"grant sender":     func(s *State) { s.Grants[0].Sender = 999 },
		"grant receiver":   func(s *State) { s.Grants[0].Site = 999 },
		"grant both":       func(s *State) { s.Grants[0].Type = DSP },
		"grant members":    func(s *State) { s.Grants[1].Members = []int{999} },
		"grant request":    func(s *State) { s.Grants[0].Request = 999 },
		"request sites":    func(s *State) { s.Requests[0].Receiver = s.Requests[0].Sender },
		"request status":   func(s *State) { s.Requests[0].Status = "maybe" },
		"next ids":         func(s *State) { s.NextGrantID = 0 },
		"user site":        func(s *State) { s.Users[0].SiteID = 999 },
		"user id reused":   func(s *State) { s.Users[1].ID = s.Users[0].ID },
		"user email":       func(s *State) { s.Users[1].Email = s.Users[0].Email },
		"user password":    func(s *State) { s.Users[0].Password = "plain" },
		"user hash passes": func(s *State) { s.Users[0].Password = strings.Replace(s.Users[0].Password, "t=2", "t=0", 1) },
		"user hash prefix": func(s *State) { s.Users[0].Password = "$argon2id$" },
		"user address":     func(s *State) { s.Users[0].Email = "<script>x" },
		"API key disabled": func(s *State) { s.APIKeys[0].Disabled = -1 },
		"next user id":     func(s *State) { s.NextUserID = 1 },
	} {
		var s State
		require.NoError(t, json.Unmarshal(good, &s))
		breakIt(&s)
		data, _ := json.Marshal(&s)
		_, err := Parse(data)
		assert.ErrorContains(t, err, "not a valid state", what)
	}
	_, err = Parse([]byte(`{}`))
	assert.ErrorContains(t, err, "identity scope", "an empty object is not a state")
}

// A directory the service did not make is used only when it is the
// running user's, writable by no one else, and empty or a key service's;
// it is never changed.
func TestPrepareDir(t *testing.T) {
	base := t.TempDir()
	fresh := filepath.Join(base, "new", "data")
	require.NoError(t, PrepareDir(fresh))
	info, err := os.Stat(fresh)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), info.Mode().Perm(), "made readable by its owner only")

	shared := filepath.Join(base, "shared")
	require.NoError(t, os.Mkdir(shared, 0o755))
	require.NoError(t, os.Chmod(shared, os.ModeSticky|0o777))
	planted := filepath.Join(shared, tmpPrefix+"someone-elses")
	require.NoError(t, os.WriteFile(planted, nil, 0o644))
	_, err = OpenStore(shared)
	assert.ErrorContains(t, err, "writable by other users")
	info, err = os.Stat(shared)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o777)|os.ModeSticky, info.Mode()&(os.ModePerm|os.ModeSticky), "its mode is left alone")
	assert.FileExists(t, planted, "and its files too")

	home := filepath.Join(base, "home")
	require.NoError(t, os.Mkdir(home, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(home, "notes.txt"), nil, 0o644))
	assert.ErrorContains(t, PrepareDir(home), "not a key service's")

	// Only root can give a directory away, and not in every sandbox.
	other := filepath.Join(base, "other")
	require.NoError(t, os.Mkdir(other, 0o700))
	if os.Chown(other, 65534, 65534) == nil {
		assert.ErrorContains(t, PrepareDir(other), "belongs to user 65534")
	}

	// A key service's own directory, however it was made, opens as is.
	mine := filepath.Join(base, "mine")
	require.NoError(t, os.Mkdir(mine, 0o750))
	st, err := OpenStore(mine)
	require.NoError(t, err)
	require.NoError(t, st.Close())
	info, _ = os.Stat(mine)
	assert.Equal(t, os.FileMode(0o750), info.Mode().Perm())
	require.NoError(t, PrepareDir(mine))
}

// FuzzParseState: no state file makes Parse, or a request served from a
// state Parse accepted, panic.
func FuzzParseState(f *testing.F) {
	w := newWorld(&testing.T{})
	adv := w.add(&testing.T{}, "adv", []Type{Advertiser}, Sharer, Generator)
	dsp := w.add(&testing.T{}, "dsp", []Type{DSP}, Bidder)
	_, _ = w.st.GrantSite(adv, dsp, t0)
	_, _ = w.st.GrantType(dsp, Publisher, true, t0)
	good, _ := json.Marshal(w.st)
	f.Add(good)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"config":{"identity_scope":"UID2"},"sites":[{"id":0}]}`))
	f.Add([]byte(strings.Replace(string(good), `"site_id":101`, `"site_id":7`, 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := Parse(data)
		if err != nil {
			return
		}
		now := int64(t0 + 50)
		for i := range st.APIKeys {
			for _, e := range []string{SharingEndpoint, BidstreamEndpoint} {
				if MayUse(&st.APIKeys[i], e) && !json.Valid(st.KeyResponse(&st.APIKeys[i], e, now)) {
					t.Fatal("key response is not JSON")
				}
			}
		}
		for i := range st.Grants {
			st.Receivers(&st.Grants[i])
		}
		c := st.Clone()
		c.Maintain(now)
		c.NextChange()
		if err := c.Validate(); err != nil {
			t.Fatalf("a valid state is invalid after Maintain: %v", err)
		}
	})
}
