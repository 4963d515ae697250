package keyservice

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/libuid2/libuid2/go/sharing"
	"github.com/libuid2/libuid2/go/uid2"
)

// A restarted service serves the same keys, API keys and relationships.
func TestRestartKeepsEverything(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	h := start(t, Options{DataDir: dir})
	adv := h.site("adv", "advertiser")
	dsp := h.site("dsp", "dsp")
	require.Equal(t, 200, h.admin("POST", fmt.Sprintf("/admin/v1/sites/%d/grants", adv), map[string]any{"site": dsp}, nil))
	advKey, dspKey := h.apiKey(adv, "sharer"), h.apiKey(dsp, "sharer")
	token := encrypt(t, h.client(advKey))
	before := keyRequest(t, h, "/v2/key/sharing", dspKey, time.Now(), 200)
	_, err := New(Options{DataDir: dir, AdminToken: adminToken, Config: sharing.DefaultConfig()})
	assert.ErrorContains(t, err, "in use", "one service per data directory")
	h.srv.Close()
	require.NoError(t, h.svc.Close())

	h2 := start(t, Options{DataDir: dir})
	after := keyRequest(t, h2, "/v2/key/sharing", dspKey, time.Now(), 200)
	assert.JSONEq(t, string(before), string(after), "same keys, same answer")
	r := h2.client(dspKey).DecryptTokenIntoRawUID(token)
	assert.Equal(t, uid2.Success, r.Status)
	assert.Equal(t, rawUID, r.UID)

	info, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), info.Mode().Perm(), "the state holds secrets")
	info, err = os.Stat(filepath.Join(dir, "state.db"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	state, _ := os.ReadFile(filepath.Join(dir, "state.db"))
	assert.NotContains(t, string(state), advKey.APIKey, "API keys are kept hashed")
}

// A damaged state file is an error at start, not an empty service that
// would hand out new keys.
func TestDamagedStateRefusesToStart(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "state.json"), []byte(`{"sites": [`), 0o600))
	_, err := New(Options{DataDir: dir, AdminToken: adminToken, Config: sharing.DefaultConfig()})
	assert.ErrorContains(t, err, "damaged")

	dir = t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "state.db"), bytes.Repeat([]byte("x"), 8192), 0o600))
	_, err = New(Options{DataDir: dir, AdminToken: adminToken, Config: sharing.DefaultConfig()})
	assert.Error(t, err, "a database that is not one")
}

// A key service of an earlier version kept its state in one JSON file: it
// is imported once, with everything in it, and set aside.
func TestJSONStateIsImported(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	st := sharing.New(sharing.DefaultConfig())
	site, err := st.CreateSite("old", []sharing.Type{sharing.DSP}, nil, nil, time.Now().Unix())
	require.NoError(t, err)
	st.Maintain(time.Now().Unix())
	data, err := json.Marshal(st)
	require.NoError(t, err)
	require.NoError(t, os.Mkdir(dir, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "state.json"), data, 0o600))

	for range 2 { // the second start reads the database, not the set-aside file
		h := start(t, Options{DataDir: dir})
		var sites []sharing.Site
		require.Equal(t, 200, h.admin("GET", "/admin/v1/sites", nil, &sites))
		require.Len(t, sites, 1)
		assert.Equal(t, site.ID, sites[0].ID)
		assert.NoFileExists(t, filepath.Join(dir, "state.json"))
		assert.FileExists(t, filepath.Join(dir, "state.json.imported"))
		h.srv.Close()
		require.NoError(t, h.svc.Close())
	}
}

// A save that fails leaves the service as it was, and says so.
func TestFailedSaveChangesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	h := start(t, Options{DataDir: dir})
	h.site("a", "dsp")
	store := &failingStore{saver: h.svc.store}
	h.svc.store = store
	store.fail.Store(true)
	assert.Equal(t, 500, h.admin("POST", "/admin/v1/sites", map[string]any{"name": "b", "types": []string{"dsp"}}, nil))
	var sites []sharing.Site
	require.Equal(t, 200, h.admin("GET", "/admin/v1/sites", nil, &sites))
	assert.Len(t, sites, 1)

	// The next change is saved whole: the failed one left nothing behind.
	store.fail.Store(false)
	h.site("c", "dsp")
	h.srv.Close()
	mem, _ := json.Marshal(h.svc.current.Load().state)
	require.NoError(t, h.svc.Close())
	h2 := start(t, Options{DataDir: dir})
	disk, _ := json.Marshal(h2.svc.current.Load().state)
	assert.JSONEq(t, string(mem), string(disk))
}

// killChildEnv makes the test binary a service that writes until killed.
const killChildEnv = "LIBUID2_KEYSERVICE_KILL_CHILD"

// TestKillDuringWrites kills a service process with SIGKILL at random
// moments while it writes; every change it reported done must be there
// after a restart, and the state must always load.
func TestKillDuringWrites(t *testing.T) {
	if dir := os.Getenv(killChildEnv); dir != "" {
		writeUntilKilled(dir)
		return
	}
	dir := t.TempDir()
	acked := map[int]bool{}
	for round := 0; round < 6; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillDuringWrites$")
		cmd.Env = append(os.Environ(), killChildEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		lines := bufio.NewScanner(out)
		want := 5 + rand.IntN(40)
		for n := 0; n < want && lines.Scan(); n++ {
			id, err := strconv.Atoi(strings.TrimPrefix(lines.Text(), "ok "))
			require.NoError(t, err, lines.Text())
			acked[id] = true
		}
		// Let it get into its next write, at a random point.
		time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		for lines.Scan() {
			if id, err := strconv.Atoi(strings.TrimPrefix(lines.Text(), "ok ")); err == nil {
				acked[id] = true
			}
		}
		_ = cmd.Wait()

		svc, err := New(Options{DataDir: dir, AdminToken: adminToken, Config: sharing.DefaultConfig()})
		require.NoError(t, err, "round %d: the state loads after a kill", round)
		have := map[int]bool{}
		for _, s := range svc.current.Load().state.Sites {
			have[s.ID] = true
		}
		for id := range acked {
			require.True(t, have[id], "round %d: site %d was reported saved but is gone", round, id)
		}
		require.NoError(t, svc.Close())
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			assert.False(t, strings.HasPrefix(e.Name(), ".state-"), "leftover %s removed at start", e.Name())
		}
	}
	require.Greater(t, len(acked), 30)
}

// writeUntilKilled creates sites (each with an API key and a grant, so
// each change rewrites a growing file) and prints each id once saved.
func writeUntilKilled(dir string) {
	svc, err := New(Options{DataDir: dir, AdminToken: adminToken, Config: sharing.DefaultConfig()})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	for i := 0; ; i++ {
		name := fmt.Sprintf("site-%d-%d", os.Getpid(), i)
		res, err := svc.update(func(st *sharing.State, now int64) (any, error) {
			s, err := st.CreateSite(name, []sharing.Type{sharing.DSP}, []string{"example.com"}, nil, now)
			if err != nil {
				return nil, err
			}
			id := s.ID
			if _, _, err := st.CreateAPIKey(id, []sharing.Role{sharing.Sharer}, "", now); err != nil {
				return nil, err
			}
			if id > 101 {
				if _, err := st.GrantSite(id-1, id, now); err != nil {
					return nil, err
				}
			}
			return id, nil
		})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Printf("ok %d\n", res.(int))
	}
}

// Admin changes from many goroutines, with key requests among them, all
// land, each once, and what is saved is what is served.
func TestConcurrentAdminChanges(t *testing.T) {
	dir := t.TempDir()
	h := start(t, Options{DataDir: dir})
	hub := h.site("hub", "advertiser")
	hubKey := h.apiKey(hub, "sharer", "bidder")
	const workers, each = 8, 8
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				id := h.site(fmt.Sprintf("w%d-%d", w, i), "dsp")
				h.apiKey(id, "sharer")
				assert.Equal(t, 200, h.admin("POST", fmt.Sprintf("/admin/v1/sites/%d/grants", hub), map[string]any{"site": id}, nil))
				c, err := uid2.NewSharingClient(h.srv.URL, hubKey.APIKey, hubKey.Secret)
				if assert.NoError(t, err) {
					assert.NoError(t, c.Refresh(context.Background()))
				}
			}
		}()
	}
	wg.Wait()

	var sites []sharing.Site
	require.Equal(t, 200, h.admin("GET", "/admin/v1/sites", nil, &sites))
	require.Len(t, sites, 1+workers*each)
	ids := map[int]bool{}
	for _, s := range sites {
		assert.False(t, ids[s.ID], "site id %d given twice", s.ID)
		ids[s.ID] = true
	}
	var sharingList struct {
		Grants []json.RawMessage `json:"grants"`
	}
	require.Equal(t, 200, h.admin("GET", "/admin/v1/sharing", nil, &sharingList))
	assert.Len(t, sharingList.Grants, workers*each)

	mem, _ := json.Marshal(h.svc.current.Load().state)
	h.srv.Close()
	require.NoError(t, h.svc.Close())
	h2 := start(t, Options{DataDir: dir})
	disk, _ := json.Marshal(h2.svc.current.Load().state)
	assert.JSONEq(t, string(mem), string(disk), "what is on disk is what was served")
}

// The key endpoints keep answering while admins write.
func TestKeyRequestsDuringWrites(t *testing.T) {
	h := start(t, Options{DataDir: t.TempDir()})
	site := h.site("s", "advertiser")
	c := h.apiKey(site, "sharer")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			h.site(fmt.Sprintf("x%d", i), "dsp")
		}
	}()
	for i := 0; i < 50; i++ {
		keyRequest(t, h, "/v2/key/sharing", c, time.Now(), http.StatusOK)
	}
	close(stop)
	wg.Wait()
}
