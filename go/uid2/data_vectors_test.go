package uid2_test

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/libuid2/libuid2/go/uid2"
)

type dataVectorFile struct {
	Client string          `json:"client"`
	Keys   json.RawMessage `json:"keys"`
	Cases  []struct {
		Name             string          `json:"name"`
		Op               string          `json:"op"`
		Data             string          `json:"data"`
		SiteID           *int32          `json:"site_id"`
		AdvertisingToken *string         `json:"advertising_token"`
		KeyID            *int64          `json:"key_id"`
		IV               string          `json:"iv"`
		NowMs            int64           `json:"now_ms"`
		Encrypted        string          `json:"encrypted"`
		Expect           json.RawMessage `json:"expect"`
	} `json:"cases"`
}

type encryptDataExpect struct {
	Status    string `json:"status"`
	Encrypted string `json:"encrypted"`
}

type decryptDataExpect struct {
	Status        string `json:"status"`
	Data          string `json:"data"`
	EncryptedAtMs int64  `json:"encrypted_at_ms"`
	SiteID        int32  `json:"site_id"`
}

// TestDataVectors runs every legacy encrypted-data vector through the
// public Go API, byte for byte.
func TestDataVectors(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(vectorDir, "encrypted-data", "*.json"))
	require.NoError(t, err)
	require.Len(t, paths, 4)
	cases := 0
	for _, p := range paths {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		var f dataVectorFile
		require.NoError(t, json.Unmarshal(data, &f), p)
		t.Run(filepath.Base(p), func(t *testing.T) {
			require.Equal(t, "sharing", f.Client)
			client, err := uid2.NewSharingClient("", "", "")
			require.NoError(t, err)
			if string(f.Keys) != "null" {
				require.NoError(t, client.RefreshJSON(f.Keys))
			}
			for _, c := range f.Cases {
				cases++
				switch c.Op {
				case "encrypt_data":
					var want encryptDataExpect
					require.NoError(t, json.Unmarshal(c.Expect, &want))
					req := uid2.EncryptionDataRequest{Now: time.UnixMilli(c.NowMs)}
					req.Data, err = hex.DecodeString(c.Data)
					require.NoError(t, err)
					req.IV, err = hex.DecodeString(c.IV)
					require.NoError(t, err)
					if c.SiteID != nil {
						req.SiteID = *c.SiteID
					}
					if c.AdvertisingToken != nil {
						req.AdvertisingToken = *c.AdvertisingToken
					}
					if c.KeyID != nil {
						req.KeyID = *c.KeyID
					}
					got, err := client.EncryptData(req)
					require.NoError(t, err, c.Name)
					assert.Equal(t, want, encryptDataExpect{got.Status.String(), got.EncryptedData}, c.Name)
				case "decrypt_data":
					var want decryptDataExpect
					require.NoError(t, json.Unmarshal(c.Expect, &want))
					got := client.DecryptData(c.Encrypted)
					g := decryptDataExpect{Status: got.Status.String(), Data: hex.EncodeToString(got.DecryptedData), SiteID: got.SiteID}
					if !got.EncryptedAt.IsZero() {
						g.EncryptedAtMs = got.EncryptedAt.UnixMilli()
					}
					assert.Equal(t, want, g, c.Name)
				default:
					t.Fatalf("%s: unknown op %q", c.Name, c.Op)
				}
			}
		})
	}
	assert.Greater(t, cases, 60)
}

// A request names exactly one of site, token and key, and a 12-byte IV or
// none; without an IV each blob is fresh.
func TestEncryptDataRequests(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(vectorDir, "encrypted-data", "encrypted-data.json"))
	require.NoError(t, err)
	var f dataVectorFile
	require.NoError(t, json.Unmarshal(data, &f))
	client, err := uid2.NewBidstreamClient("", "", "") // any client may encrypt data
	require.NoError(t, err)
	require.NoError(t, client.RefreshJSON(f.Keys))
	for name, req := range map[string]uid2.EncryptionDataRequest{
		"none":           {Data: []byte("x")},
		"site and key":   {SiteID: 9000, KeyID: 301},
		"site and token": {SiteID: 9000, AdvertisingToken: "t"},
		"token and key":  {AdvertisingToken: "t", KeyID: 301},
		"IV of 16":       {SiteID: 9000, IV: make([]byte, 16)},
		"empty IV":       {SiteID: 9000, IV: []byte{}},
	} {
		_, err := client.EncryptData(req)
		assert.ErrorIs(t, err, uid2.ErrInvalidDataRequest, name)
	}
	a, err := client.EncryptData(uid2.EncryptionDataRequest{Data: []byte("same"), SiteID: 9000})
	require.NoError(t, err)
	b, err := client.EncryptData(uid2.EncryptionDataRequest{Data: []byte("same"), SiteID: 9000})
	require.NoError(t, err)
	require.Equal(t, uid2.Success, a.Status)
	assert.NotEqual(t, a.EncryptedData, b.EncryptedData, "a random IV each time")
	for _, blob := range []string{a.EncryptedData, b.EncryptedData} {
		got := client.DecryptData(blob)
		assert.Equal(t, uid2.Success, got.Status)
		assert.Equal(t, []byte("same"), got.DecryptedData)
		assert.Equal(t, int32(9000), got.SiteID)
		assert.WithinDuration(t, time.Now(), got.EncryptedAt, time.Minute)
	}
}
