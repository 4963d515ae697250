package identitymap

import (
	"testing"
)

// FuzzParseResponse: any response is refused or read without a panic, and
// one that is read gives every input exactly one result.
func FuzzParseResponse(f *testing.F) {
	f.Add(`{"body":{"email_hash":[{"u":"A","p":null,"r":1},{"e":"optout"}],"phone_hash":[{"u":"B","p":"C","r":2.0}]},"status":"success"}`)
	f.Add(`{"status":"success","body":{"email_hash":[{"e":"optout"}],"email":[]}}`)
	f.Add(`{"status":"error","body":{}}`)
	inputs := []string{"a@example.com", "A@Example.com", "b@example.com", "not an email", "+12345678901"}
	in := FromEmails(inputs[:4]).WithPhones(inputs[4:])
	f.Fuzz(func(t *testing.T, payload string) {
		r, err := ParseResponse([]byte(payload), in)
		if err != nil {
			return
		}
		for _, input := range inputs {
			_, mapped := r.Mapped[input]
			_, unmapped := r.Unmapped[input]
			if mapped == unmapped {
				t.Fatalf("%q: input %q mapped=%v unmapped=%v", payload, input, mapped, unmapped)
			}
		}
	})
}
