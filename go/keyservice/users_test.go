package keyservice

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/libuid2/libuid2/go/sharing"
	"github.com/libuid2/libuid2/go/uid2"
)

func TestAdminUsers(t *testing.T) {
	h := start(t, Options{})
	site := h.site("Pub", "publisher")
	var created struct {
		ID              int    `json:"id"`
		Email           string `json:"email"`
		MustChange      bool   `json:"must_change_password"`
		OneTimePassword string `json:"one_time_password"`
	}
	path := fmt.Sprintf("/admin/v1/sites/%d/users", site)
	require.Equal(t, 200, h.admin("POST", path, map[string]any{"email": "Ann@Example.com"}, &created))
	assert.Equal(t, "ann@example.com", created.Email)
	assert.True(t, created.MustChange)
	assert.Len(t, created.OneTimePassword, 20)
	// The one-time password signs in through the same state the Portal reads.
	h.svc.View(func(st *sharing.State, _ int64) {
		assert.NotNil(t, st.SignIn("ann@example.com", created.OneTimePassword))
	})
	var list []map[string]any
	require.Equal(t, 200, h.admin("GET", path, nil, &list))
	require.Len(t, list, 1)
	assert.NotContains(t, list[0], "password_hash")
	assert.NotContains(t, list[0], "one_time_password")

	assert.Equal(t, 409, h.admin("POST", path, map[string]any{"email": "ann@example.com"}, nil))
	assert.Equal(t, 400, h.admin("POST", path, map[string]any{"email": "not an address"}, nil))
	assert.Equal(t, 400, h.admin("POST", path, map[string]any{"email": "a@example.com", "role": "x"}, nil), "strict JSON")
	assert.Equal(t, 404, h.admin("POST", "/admin/v1/sites/999/users", map[string]any{"email": "b@example.com"}, nil))
	assert.Equal(t, 404, h.admin("GET", "/admin/v1/sites/999/users", nil, nil))
}

func TestAdminDisableAPIKey(t *testing.T) {
	h := start(t, Options{})
	site := h.site("Pub", "publisher")
	other := h.site("DSP", "dsp")
	c := h.apiKey(site, "sharer")
	h.client(c) // works
	var keys []apiKeyInfo
	require.Equal(t, 200, h.admin("GET", fmt.Sprintf("/admin/v1/sites/%d/apikeys", site), nil, &keys))
	id := keys[0].ID
	// Through another site's path it is not found, and still works.
	assert.Equal(t, 404, h.admin("POST", fmt.Sprintf("/admin/v1/sites/%d/apikeys/%s/disable", other, id), nil, nil))
	h.client(c)
	var info apiKeyInfo
	require.Equal(t, 200, h.admin("POST", fmt.Sprintf("/admin/v1/sites/%d/apikeys/%s/disable", site, id), nil, &info))
	assert.NotZero(t, info.Disabled)
	assert.Equal(t, 409, h.admin("POST", fmt.Sprintf("/admin/v1/sites/%d/apikeys/%s/disable", site, id), nil, nil))
	cl, err := uid2.NewSharingClient(h.srv.URL, c.APIKey, c.Secret)
	require.NoError(t, err)
	assert.Error(t, cl.Refresh(context.Background()), "a disabled key gets no keys")
	require.Equal(t, 200, h.admin("GET", fmt.Sprintf("/admin/v1/sites/%d/apikeys", site), nil, &keys))
	assert.NotZero(t, keys[0].Disabled, "still listed, as disabled")
}
