package normalize

import (
	"strings"
	"testing"
)

// FuzzEmail: a normalised email is normalised already, has one '@' and no
// ASCII capital, and its hash is the hash of that form.
func FuzzEmail(f *testing.F) {
	for _, v := range validEmails {
		f.Add(v.in)
	}
	for _, in := range invalidEmails {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, email string) {
		n, err := Email(email)
		if err != nil {
			return
		}
		again, err := Email(n)
		if err != nil || again != n {
			t.Fatalf("%q normalises to %q, which normalises to %q (%v)", email, n, again, err)
		}
		if strings.Count(n, "@") != 1 || strings.ContainsAny(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
			t.Fatalf("%q normalises to %q", email, n)
		}
		if h, _ := EmailHash(email); h != Hash(n) {
			t.Fatalf("%q: hash %q is not the hash of %q", email, h, n)
		}
	})
}
