package sharing

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func reopen(t *testing.T, st *Store, dir string) (*Store, *State) {
	t.Helper()
	require.NoError(t, st.Close())
	st, err := OpenStore(dir)
	require.NoError(t, err)
	loaded, err := st.Load()
	require.NoError(t, err)
	return st, loaded
}

// requireSameState compares two states as saved, where an empty list and
// none are the same.
func requireSameState(t *testing.T, want, got *State, msg string) {
	t.Helper()
	w, _ := json.Marshal(want)
	g, _ := json.Marshal(got)
	w, g = []byte(strings.ReplaceAll(string(w), ":[]", ":null")), []byte(strings.ReplaceAll(string(g), ":[]", ":null"))
	require.JSONEq(t, string(w), string(g), msg)
}

// Changes of every kind, each saved as a difference from the last save,
// load back as the state that was saved: records added, changed, removed
// (expired keys), salts rotated, opt-outs added.
func TestStoreSavesDifferences(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	st, err := OpenStore(dir)
	require.NoError(t, err)
	defer func() { st.Close() }()
	loaded, err := st.Load()
	require.NoError(t, err)
	require.Nil(t, loaded, "nothing saved yet")

	rng := rand.New(rand.NewPCG(1, 2))
	s := New(testConfig())
	s.Salts, err = NewSalts(64, t0)
	require.NoError(t, err)
	now := int64(t0)
	require.NoError(t, st.Save(s))
	var sites []int
	for step := 0; step < 300; step++ {
		next := s.Clone()
		now += int64(rng.IntN(40))
		next.Maintain(now)
		switch op := rng.IntN(6); {
		case op == 0 || len(sites) < 2:
			site, err := next.CreateSite(fmt.Sprintf("site %d", step), []Type{DSP, Publisher}, nil, nil, now)
			require.NoError(t, err)
			sites = append(sites, site.ID)
		case op == 1:
			_, _, err = next.CreateAPIKey(sites[rng.IntN(len(sites))], []Role{Sharer}, "k", now)
			require.NoError(t, err)
		case op == 2:
			a, b := sites[rng.IntN(len(sites))], sites[rng.IntN(len(sites))]
			if a != b && !next.ReceivesFrom(a, b) {
				_, err = next.GrantSite(a, b, now)
			} else if a != b {
				_, err = next.RevokeSite(a, b)
			}
			require.NoError(t, err)
		case op == 3:
			_, err = next.RotateSalts(0.1, now)
			require.NoError(t, err)
		default:
			next.AddOptOut([32]byte{byte(step), byte(step >> 8)}, []byte{byte(step)}, now)
		}
		require.NoError(t, st.Save(next))
		s = next
		if step%50 == 49 {
			// Collections also shrink: revoke every grant.
			next = s.Clone()
			for len(next.Grants) > 0 {
				_, err = next.RevokeSite(next.Grants[0].Sender, next.Grants[0].Site)
				require.NoError(t, err)
			}
			require.NoError(t, st.Save(next))
			s = next
			st, loaded = reopen(t, st, dir)
			requireSameState(t, s, loaded, fmt.Sprintf("after step %d", step))
			s = loaded // go on from what was loaded, as a restarted service does
		}
	}
}

// A change writes what changed, not the whole state: adding a site to a
// state with 20,000 opt-outs and 100,000 salt buckets writes a few pages.
func TestStoreWritesLittlePerChange(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	st, err := OpenStore(dir)
	require.NoError(t, err)
	defer func() { st.Close() }()
	s := New(testConfig())
	s.Salts, err = NewSalts(100_000, t0)
	require.NoError(t, err)
	for i := 0; i < 20_000; i++ {
		s.AddOptOut([32]byte{byte(i), byte(i >> 8)}, []byte{1}, t0)
	}
	require.NoError(t, st.Save(s))
	next := s.Clone()
	_, err = next.CreateSite("one more", []Type{DSP}, nil, nil, t0)
	require.NoError(t, err)
	stats := st.db.Stats()
	before := stats.TxStats.GetWrite()
	require.NoError(t, st.Save(next))
	stats = st.db.Stats()
	written := stats.TxStats.GetWrite() - before
	assert.Less(t, written, int64(20), "pages written for one site")

	st, loaded := reopen(t, st, dir)
	requireSameState(t, next, loaded, "the state after one more site")
}
