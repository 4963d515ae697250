package token

import (
	"crypto/cipher"
	"encoding/base64"
	"testing"

	"github.com/libuid2/libuid2/go/internal/pubvectors"
)

// FuzzDecodeRefresh: any text is refused or decoded without a panic, and a
// refresh token v3 that decodes is exactly what AppendRefreshV3 writes for
// its content.
func FuzzDecodeRefresh(f *testing.F) {
	f.Add(pubvectors.CurrentRefreshTokenV3)
	f.Add(pubvectors.RefreshRefreshToken)
	f.Add(pubvectors.CurrentWrapper)
	f.Add("")
	keys := refreshKeys(&testing.T{})
	aead, _ := cipher.NewGCM(keys(4))
	f.Fuzz(func(t *testing.T, text string) {
		_, _ = DecodeWrapper(text, keys)
		rt, err := DecodeRefresh(text, keys)
		if err != nil {
			return
		}
		raw, _ := base64.StdEncoding.DecodeString(text)
		if raw[1] != versionByteV3 {
			return
		}
		var iv [12]byte
		copy(iv[:], raw[6:18])
		if again := string(AppendRefreshV3(nil, &rt, aead, &iv)); again != base64.StdEncoding.EncodeToString(raw) {
			t.Fatalf("%q decodes to %+v, which encodes to %q", text, rt, again)
		}
	})
}
