package identitymap

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkMapChunkClientSide is the client's work for one full request
// of MaxChunk emails: normalise and hash them, write the request JSON,
// read a response of mapped identities. It reports the time per
// identity.
func BenchmarkMapChunkClientSide(b *testing.B) {
	emails := make([]string, MaxChunk)
	elements := make([]string, MaxChunk)
	for i := range emails {
		emails[i] = fmt.Sprintf("User.%d@Example.com", i)
		elements[i] = `{"u":"DV+U/c/kb0a+sME2zDkOvz2EiIBo5q83UxaRJKmVqIs=","p":null,"r":1735689600}`
	}
	response := []byte(`{"body":{"email":[],"email_hash":[` + strings.Join(elements, ",") + `],"phone":[],"phone_hash":[]},"status":"success"}`)
	b.ReportAllocs()
	for b.Loop() {
		in := FromEmails(emails)
		_ = in.RequestJSON()
		if _, err := ParseResponse(response, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*MaxChunk), "ns/identity")
}
