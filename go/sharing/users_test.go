package sharing

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPasswordHashing(t *testing.T) {
	h := HashPassword("a long enough password")
	assert.True(t, strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$"), h)
	assert.NotContains(t, h, "a long enough password")
	assert.True(t, CheckPassword(h, "a long enough password"))
	assert.False(t, CheckPassword(h, "a long enough passwore"))
	assert.False(t, CheckPassword(h, ""))
	assert.NotEqual(t, h, HashPassword("a long enough password"), "every hash has its own salt")
	// Malformed or tampered encodings match nothing, and never panic.
	parts := strings.Split(h, "$")
	for _, bad := range []string{
		"", "plain", "$argon2i$" + strings.Join(parts[2:], "$"),
		strings.Replace(h, "v=19", "v=16", 1),
		strings.Replace(h, "m=19456", "m=99999999", 1), // a memory bomb is refused, not run
		strings.Replace(h, "p=1", "p=0", 1),
		strings.Replace(h, "t=2", "t=0", 1), // argon2 panics on no passes
		h[:len(h)-4],
		strings.Join(parts[:5], "$") + "$!!!",
	} {
		assert.False(t, CheckPassword(bad, "a long enough password"), bad)
	}
}

func TestUsers(t *testing.T) {
	w := newWorld(t)
	w.add(t, "pub", []Type{Publisher}, Generator)
	u, otp, err := w.st.CreateUser(w.site["pub"], " Ann@Example.com ", t0)
	require.NoError(t, err)
	assert.Equal(t, "ann@example.com", u.Email)
	assert.True(t, u.MustChange)
	assert.Len(t, otp, 20)
	// The one-time password signs in; it is not kept.
	data, _ := json.Marshal(w.st)
	assert.NotContains(t, string(data), otp)
	assert.Equal(t, u.ID, w.st.SignIn("ANN@example.com", otp).ID)
	assert.Nil(t, w.st.SignIn("ann@example.com", otp+"x"))
	assert.Nil(t, w.st.SignIn("bob@example.com", otp))
	assert.Nil(t, w.st.SignIn("ann@example.com", strings.Repeat("x", 10000)))

	_, _, err = w.st.CreateUser(w.site["pub"], "ann@example.com", t0)
	assert.Equal(t, Conflict, kindOf(err))
	for _, bad := range []string{"", "ann", "Ann <ann@example.com>", "a@b@c"} {
		_, _, err = w.st.CreateUser(w.site["pub"], bad, t0)
		assert.Equal(t, Invalid, kindOf(err))
	}
	_, _, err = w.st.CreateUser(999, "x@example.com", t0)
	assert.Equal(t, NotFound, kindOf(err))

	assert.Equal(t, Invalid, kindOf(w.st.SetPassword(u.ID, "short")))
	assert.Equal(t, Invalid, kindOf(w.st.SetPassword(u.ID, "ann@example.com")))
	require.NoError(t, w.st.SetPassword(u.ID, "a long enough password"))
	assert.False(t, w.st.User(u.ID).MustChange)
	assert.Nil(t, w.st.SignIn("ann@example.com", otp), "the one-time password is spent")
	assert.NotNil(t, w.st.SignIn("ann@example.com", "a long enough password"))

	// Users are part of the state a Clone copies.
	c := w.st.Clone()
	c.Users[0].Email = "changed@example.com"
	assert.Equal(t, "ann@example.com", w.st.Users[0].Email)
}

func TestDisableAPIKey(t *testing.T) {
	w := newWorld(t)
	w.add(t, "pub", []Type{Publisher}, Generator)
	w.add(t, "dsp", []Type{DSP}, Bidder)
	k, bearer, err := w.st.CreateAPIKey(w.site["pub"], []Role{Sharer}, "", t0)
	require.NoError(t, err)
	id := k.ID
	require.NotNil(t, w.st.Authenticate(bearer))
	// Another site cannot name it.
	_, err = w.st.DisableAPIKey(w.site["dsp"], id, t0)
	assert.Equal(t, NotFound, kindOf(err))
	require.NotNil(t, w.st.Authenticate(bearer))
	_, err = w.st.DisableAPIKey(w.site["pub"], id, t0+5)
	require.NoError(t, err)
	assert.Nil(t, w.st.Authenticate(bearer), "a disabled key no longer works")
	_, err = w.st.DisableAPIKey(w.site["pub"], id, t0+6)
	assert.Equal(t, Conflict, kindOf(err))
}
