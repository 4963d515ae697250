package sharing

import (
	"encoding/base64"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A state's salts, opt-outs and refresh keys survive validation; damaged
// ones are refused naming what is wrong.
func TestOperatorStateValidation(t *testing.T) {
	st := New(testConfig())
	st.Maintain(t0)
	require.NotNil(t, st.Salts, "Maintain gives an older state salts")
	assert.Len(t, st.Salts.Buckets, DefaultSaltBuckets)
	_, _, refresh, ok := st.OperatorKeys(0, t0)
	assert.False(t, ok, "no site 0")
	assert.Nil(t, refresh)
	assert.NotNil(t, st.activeKey(RefreshKeysetID, t0), "the refresh keyset rotates like the others")
	var flh [32]byte
	st.AddOptOut(flh, []byte{1, 2}, t0)
	again := st.AddOptOut(flh, []byte{3}, t0+5)
	assert.Equal(t, int64(t0), again.Since, "opting out again keeps the first time")
	assert.Len(t, st.OptOuts, 1)
	require.NoError(t, st.Validate())

	for name, damage := range map[string]func(s *State){
		"no buckets":        func(s *State) { s.Salts.Buckets = nil },
		"empty salt":        func(s *State) { s.Salts.Buckets[3].Current = "" },
		"first-level salt":  func(s *State) { s.Salts.FirstLevel = "" },
		"bucket time":       func(s *State) { s.Salts.Buckets[0].RefreshFrom = -1000 },
		"opt-out hash":      func(s *State) { s.OptOuts[0].FirstLevelHash = "abc" },
		"opt-out twice":     func(s *State) { s.OptOuts = append(s.OptOuts, s.OptOuts[0]) },
		"opt-out raw UID":   func(s *State) { s.OptOuts[0].RawUID = "%%" },
		"refresh key owner": func(s *State) { s.Keys[0].KeysetID = -3 },
	} {
		c := st.Clone()
		// A clone shares salts and opt-outs until they change: damage copies.
		c.Salts, c.OptOuts = c.Salts.clone(), slices.Clone(c.OptOuts)
		damage(c)
		assert.Error(t, c.Validate(), name)
	}
	require.NoError(t, st.Validate(), "damaging copies leaves the original whole")
	c := st.Clone()
	before := st.Salts.Buckets[0]
	_, err := c.RotateSalts(1, t0+86400)
	require.NoError(t, err)
	c.AddOptOut([32]byte{9}, []byte{9}, t0)
	assert.Equal(t, before, st.Salts.Buckets[0], "rotating a clone's salts leaves the original's")
	assert.Len(t, st.OptOuts, 1, "an opt-out added to a clone is not the original's")
}

func TestRotateSalts(t *testing.T) {
	st := New(testConfig())
	var err error
	st.Salts, err = NewSalts(10, t0)
	require.NoError(t, err)
	old := st.Clone().Salts
	n, err := st.RotateSalts(0.25, t0+86400)
	require.NoError(t, err)
	assert.Equal(t, 3, n, "ceil(10 × 0.25)")
	for i, b := range st.Salts.Buckets {
		if i < 3 {
			assert.Equal(t, old.Buckets[i].Current, b.Previous)
			assert.NotEqual(t, old.Buckets[i].Current, b.Current)
		} else {
			assert.Equal(t, old.Buckets[i], b, "bucket %d", i)
		}
	}
	n, err = st.RotateSalts(0.25, t0+2*86400)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	assert.NotEqual(t, old.Buckets[3].Current, st.Salts.Buckets[3].Current, "the least recently rotated go next")
	assert.Equal(t, old.Buckets[0].Current, st.Salts.Buckets[0].Previous, "bucket 0 waits its turn")
	// 90 days on, previous salts are dropped.
	_, err = st.RotateSalts(0.1, t0+100*86400)
	require.NoError(t, err)
	assert.Empty(t, st.Salts.Buckets[1].Previous)
	for _, f := range []float64{0, -1, 1.01} {
		_, err = st.RotateSalts(f, t0)
		assert.Equal(t, Invalid, kindOf(err))
	}
	_, err = NewSalts(0, t0)
	assert.Error(t, err)
	_, err = base64.StdEncoding.DecodeString(st.Salts.FirstLevel)
	assert.NoError(t, err)
}
