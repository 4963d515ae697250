package uid2_test

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/libuid2/libuid2/go/keys"
	"github.com/libuid2/libuid2/go/uid2"
)

// vectorDir holds the shared vectors, relative to this package.
const vectorDir = "../../tests/vectors"

type vectorFile struct {
	Client string          `json:"client"`
	Keys   json.RawMessage `json:"keys"`
	Cases  []vectorCase    `json:"cases"`
}

type vectorCase struct {
	Name     string          `json:"name"`
	Op       string          `json:"op"`
	Token    string          `json:"token"`
	Domain   *string         `json:"domain"`
	RawUID   string          `json:"raw_uid"`
	NowMs    int64           `json:"now_ms"`
	KeysetID *int64          `json:"keyset_id"`
	Nonces   string          `json:"nonces"`
	Expect   json.RawMessage `json:"expect"`
}

type decryptExpect struct {
	Status                string  `json:"status"`
	UID                   string  `json:"uid"`
	EstablishedMs         int64   `json:"established_ms"`
	ExpiryMs              int64   `json:"expiry_ms"`
	SiteID                int32   `json:"site_id"`
	SiteKeySiteID         int32   `json:"site_key_site_id"`
	IdentityScope         string  `json:"identity_scope"`
	IdentityType          *string `json:"identity_type"`
	Version               int32   `json:"version"`
	IsClientSideGenerated bool    `json:"is_client_side_generated"`
}

type encryptExpect struct {
	Status string `json:"status"`
	Token  string `json:"token"`
}

func loadVectors(t testing.TB) map[string]vectorFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(vectorDir, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, paths, "no vector files in %s", vectorDir)
	files := map[string]vectorFile{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		var f vectorFile
		require.NoError(t, json.Unmarshal(data, &f), p)
		files[filepath.Base(p)] = f
	}
	return files
}

// TestVectors runs every shared vector through the public Go API, byte for
// byte and field by field.
func TestVectors(t *testing.T) {
	for name, f := range loadVectors(t) {
		t.Run(name, func(t *testing.T) {
			var sharing *uid2.SharingClient
			var bidstream *uid2.BidstreamClient
			var err error
			var client uid2.Client
			if f.Client == "sharing" {
				sharing, err = uid2.NewSharingClient("", "", "")
				client = sharing
			} else {
				bidstream, err = uid2.NewBidstreamClient("", "", "")
				client = bidstream
			}
			require.NoError(t, err)
			if string(f.Keys) != "null" {
				require.NoError(t, client.RefreshJSON(f.Keys))
			}
			for _, c := range f.Cases {
				now := time.UnixMilli(c.NowMs)
				switch c.Op {
				case "decrypt":
					var want decryptExpect
					require.NoError(t, json.Unmarshal(c.Expect, &want))
					var got uid2.DecryptionResponse
					if sharing != nil {
						got = sharing.DecryptTokenIntoRawUIDAt(c.Token, now)
					} else {
						domain := ""
						if c.Domain != nil {
							domain = *c.Domain
						}
						got = bidstream.DecryptTokenIntoRawUIDAt(c.Token, domain, now)
					}
					assert.Equal(t, want, toExpect(got), c.Name)
				case "encrypt":
					require.NotNil(t, sharing, "encrypt case in a bidstream file")
					var want encryptExpect
					require.NoError(t, json.Unmarshal(c.Expect, &want))
					nonceBytes, err := hex.DecodeString(c.Nonces)
					require.NoError(t, err)
					var nonces [uid2.NonceSize]byte
					require.Equal(t, uid2.NonceSize, copy(nonces[:], nonceBytes))
					var keyset int64
					if c.KeysetID != nil {
						keyset = *c.KeysetID
					}
					tok, st := sharing.EncryptAppendWithNoncesInsecureForTests(nil, c.RawUID, c.NowMs, keyset, nonces)
					assert.Equal(t, want, encryptExpect{Status: st.String(), Token: string(tok)}, c.Name)
				default:
					t.Fatalf("%s: unknown op %q", c.Name, c.Op)
				}
			}
		})
	}
}

func toExpect(r uid2.DecryptionResponse) decryptExpect {
	e := decryptExpect{
		Status:                r.Status.String(),
		UID:                   r.UID,
		SiteID:                r.SiteID,
		SiteKeySiteID:         r.SiteKeySiteID,
		IdentityScope:         r.IdentityScope.String(),
		Version:               r.AdvertisingTokenVersion,
		IsClientSideGenerated: r.IsClientSideGenerated,
	}
	if !r.Established.IsZero() {
		e.EstablishedMs = r.Established.UnixMilli()
		e.ExpiryMs = r.Expiry.UnixMilli()
	}
	if r.IdentityType != uid2.IdentityTypeUnknown {
		s := r.IdentityType.String()
		e.IdentityType = &s
	}
	return e
}

// TestVectorsCoverEveryStatus keeps the vectors complete: every status a
// decrypt or encrypt can return is reached by some case.
func TestVectorsCoverEveryStatus(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range loadVectors(t) {
		for _, c := range f.Cases {
			var e struct{ Status string }
			require.NoError(t, json.Unmarshal(c.Expect, &e))
			seen[e.Status] = true
		}
	}
	for s := uid2.Success; s <= uid2.KeyInactive; s++ {
		switch s {
		case uid2.InvalidPayloadType, uid2.TokenDecryptFailure, uid2.KeyInactive:
			continue // legacy encrypted-data statuses, never returned
		}
		assert.True(t, seen[s.String()], "no vector reaches %s", s)
	}
}

// euidVectorsUnnamed returns the EUID vector file and its keys with the
// response's identity_scope removed.
func euidVectorsUnnamed(t *testing.T) (vectorFile, []byte) {
	t.Helper()
	f := loadVectors(t)["sharing-euid.json"]
	var doc map[string]map[string]any
	require.NoError(t, json.Unmarshal(f.Keys, &doc))
	delete(doc["body"], "identity_scope")
	unnamed, err := json.Marshal(doc)
	require.NoError(t, err)
	return f, unnamed
}

// The EUID vectors with keys whose response names no scope: a client left
// at the default (UID2) refuses the EUID tokens, one told EUID decrypts
// them and refuses the UID2 token.
func TestDefaultIdentityScope(t *testing.T) {
	f, unnamed := euidVectorsUnnamed(t)

	for _, scope := range []int{keys.ScopeUID2, keys.ScopeEUID} {
		c, err := uid2.NewSharingClient("", "", "")
		require.NoError(t, err)
		require.NoError(t, c.SetDefaultIdentityScope(scope))
		require.NoError(t, c.RefreshJSON(unnamed))
		checked := 0
		for _, tc := range f.Cases {
			if tc.Token == "" || !strings.HasPrefix(tc.Name, "EUID v") && tc.Name != "UID2 token" {
				continue
			}
			checked++
			euidToken := tc.Name != "UID2 token"
			want := uid2.InvalidIdentityScope
			if euidToken == (scope == keys.ScopeEUID) {
				want = uid2.Success
			}
			got := c.DecryptTokenIntoRawUIDAt(tc.Token, time.UnixMilli(tc.NowMs)).Status
			assert.Equal(t, want, got, "default scope %d, %s", scope, tc.Name)
		}
		require.Equal(t, 4, checked, "the EUID v2/v3/v4 tokens and the UID2 token of the vectors")
		// A response that names its scope keeps it.
		require.NoError(t, c.RefreshJSON(f.Keys))
		checked = 0
		for _, tc := range f.Cases {
			if tc.Name == "EUID v4 email" {
				assert.Equal(t, uid2.Success, c.DecryptTokenIntoRawUIDAt(tc.Token, time.UnixMilli(tc.NowMs)).Status)
				checked++
			}
		}
		require.Equal(t, 1, checked, "the vectors' EUID v4 email case")
	}
	c, err := uid2.NewSharingClient("", "", "")
	require.NoError(t, err)
	assert.ErrorIs(t, c.SetDefaultIdentityScope(2), uid2.ErrInvalidScope)
}
