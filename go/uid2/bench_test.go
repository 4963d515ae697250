package uid2_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/libuid2/libuid2/go/keys"
	"github.com/libuid2/libuid2/go/uid2"
)

// benchClient is a sharing client with the keys of sharing.json and a
// token of each version, valid at now.
func benchClient(tb testing.TB) (c *uid2.SharingClient, tokens map[string]string, now time.Time) {
	tb.Helper()
	f := loadVectors(tb)["sharing.json"]
	c, err := uid2.NewSharingClient("", "", "")
	require.NoError(tb, err)
	require.NoError(tb, c.RefreshJSON(f.Keys))
	tokens = map[string]string{}
	for _, tc := range f.Cases {
		switch tc.Name {
		case "v2", "v3 email", "v4 email":
			tokens[tc.Name[:2]] = tc.Token
			now = time.UnixMilli(tc.NowMs)
		}
	}
	require.Len(tb, tokens, 3)
	return c, tokens, now
}

func BenchmarkDecrypt(b *testing.B) {
	c, tokens, now := benchClient(b)
	for _, v := range []string{"v2", "v3", "v4"} {
		b.Run(v, func(b *testing.B) {
			tok := tokens[v]
			b.ReportAllocs()
			defer startCPU(b)()
			for i := 0; i < b.N; i++ {
				if r := c.DecryptTokenIntoRawUIDAt(tok, now); r.Status != uid2.Success {
					b.Fatal(r.Status)
				}
			}
		})
	}
	// The allocation-free path the C ABI takes.
	b.Run("v4-append", func(b *testing.B) {
		tok, buf, ms := tokens["v4"], make([]byte, 0, 64), now.UnixMilli()
		b.ReportAllocs()
		defer startCPU(b)()
		for i := 0; i < b.N; i++ {
			if d := c.DecryptAppend(buf, tok, "", ms); d.Status != uid2.Success {
				b.Fatal(d.Status)
			}
		}
	})
}

func BenchmarkEncrypt(b *testing.B) {
	c, _, now := benchClient(b)
	raw := "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM="
	b.Run("v4", func(b *testing.B) {
		b.ReportAllocs()
		defer startCPU(b)()
		for i := 0; i < b.N; i++ {
			if r := c.EncryptRawUIDIntoTokenWith(raw, uid2.EncryptOptions{Now: now}); r.Status != uid2.Success {
				b.Fatal(r.Status)
			}
		}
	})
	b.Run("v4-append", func(b *testing.B) {
		buf, ms := make([]byte, 0, 256), now.UnixMilli()
		b.ReportAllocs()
		defer startCPU(b)()
		for i := 0; i < b.N; i++ {
			if _, st := c.EncryptAppend(buf, raw, ms, 0); st != uid2.Success {
				b.Fatal(st)
			}
		}
	})
}

// BenchmarkParseKeys parses a sharing response of 1,000 keys.
func BenchmarkParseKeys(b *testing.B) {
	var ks []string
	for i := 0; i < 1000; i++ {
		ks = append(ks, fmt.Sprintf(`{"id":%d,"keyset_id":%d,"created":1700000000,"activates":1700000000,"expires":1800000000,"secret":"ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo="}`, i+1, i%50+1))
	}
	doc := []byte(`{"body":{"caller_site_id":1,"master_keyset_id":1,"default_keyset_id":2,"token_expiry_seconds":"2592000","keys":[` + strings.Join(ks, ",") + `]}}`)
	require.True(b, json.Valid(doc))
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := keys.Parse(doc, keys.ScopeUID2); err != nil {
			b.Fatal(err)
		}
	}
}

// The hot paths' allocation budget (not their speed, which the benchmarks
// measure): a decrypt allocates only its result string, an encrypt only its
// token string; the append forms allocate nothing.
func TestAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop buffers")
	}
	c, tokens, now := benchClient(t)
	raw := "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM="
	buf := make([]byte, 0, 256)
	ms := now.UnixMilli()
	// Warm the scratch pool.
	c.DecryptAppend(buf, tokens["v4"], "", ms)
	// Each returns its status: the budget counts only calls that succeed (a
	// failing call may allocate nothing at all).
	for name, f := range map[string]func() uid2.Status{
		"decrypt v4":        func() uid2.Status { return c.DecryptTokenIntoRawUIDAt(tokens["v4"], now).Status },
		"decrypt v2":        func() uid2.Status { return c.DecryptTokenIntoRawUIDAt(tokens["v2"], now).Status },
		"encrypt":           func() uid2.Status { return c.EncryptRawUIDIntoTokenWith(raw, uid2.EncryptOptions{Now: now}).Status },
		"decrypt v4 append": func() uid2.Status { return c.DecryptAppend(buf, tokens["v4"], "", ms).Status },
		"encrypt append": func() uid2.Status {
			_, st := c.EncryptAppend(buf, raw, ms, 0)
			return st
		},
	} {
		require.Equal(t, uid2.Success, f(), name)
		limit := 1.0
		if strings.HasSuffix(name, "append") {
			limit = 0
		}
		if got := testing.AllocsPerRun(200, func() { f() }); got > limit {
			t.Errorf("%s: %v allocations per run, want <= %v", name, got, limit)
		}
	}
}
