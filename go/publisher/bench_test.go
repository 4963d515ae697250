package publisher

import (
	"testing"
	"time"

	"github.com/libuid2/libuid2/go/internal/pubvectors"
)

// BenchmarkGenerateClientSide is the client's work per token generate:
// normalise and hash the email, seal the envelope, open and read the
// response (the Java SDK's fixed response, so the nonce is fixed too).
func BenchmarkGenerateClientSide(b *testing.B) {
	h, err := NewHelper(pubvectors.ClientSecret)
	if err != nil {
		b.Fatal(err)
	}
	nonce, iv := fixedNonceIV(&testing.T{})
	response := []byte(pubvectors.GenerateResponse)
	b.ReportAllocs()
	for b.Loop() {
		env, err := h.createEnvelope(FromEmail("Jane.Saoirse+Work@gmail.com"), pubvectors.RequestTimeMs, nonce, iv)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := h.ParseGenerateResponse(response, env); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRefreshClientSide is the client's work per token refresh:
// decrypt the response with refresh_response_key and read the identity.
func BenchmarkRefreshClientSide(b *testing.B) {
	current, err := IdentityTokensFromJSON(pubvectors.GenerateBody)
	if err != nil {
		b.Fatal(err)
	}
	response := []byte(pubvectors.RefreshResponse)
	at := time.UnixMilli(1668062281329)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseRefreshResponse(response, current, at); err != nil {
			b.Fatal(err)
		}
	}
}
