package publisher

import (
	"testing"

	"github.com/libuid2/libuid2/go/internal/pubvectors"
)

// FuzzIdentityTokensFromJSON: any text is refused or read without a panic,
// and what is read writes back a string that reads the same.
func FuzzIdentityTokensFromJSON(f *testing.F) {
	f.Add(pubvectors.GenerateBody)
	f.Add(`{"advertising_token":"a","refresh_token":"r","identity_expires":"3","refresh_expires":5,"refresh_from":2}`)
	f.Add("this is not a json string")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := IdentityTokensFromJSON(s)
		if err != nil {
			return
		}
		again, err := IdentityTokensFromJSON(id.JSONString())
		if err != nil || *again != *id {
			t.Fatalf("%q reads as %+v; its JSON string reads as %+v (%v)", s, id, again, err)
		}
	})
}
