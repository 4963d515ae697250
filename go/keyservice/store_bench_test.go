package keyservice

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/libuid2/libuid2/go/sharing"
)

// BenchmarkChangeAtScale measures one admin change (a site create, an
// opt-out) on a data directory that already holds many records: the cost
// a persistent state pays per change as it grows.
func BenchmarkChangeAtScale(b *testing.B) {
	for _, tc := range []struct {
		name           string
		sites, optouts int
		buckets        int
	}{
		{"sites=1500", 1500, 0, 1024},
		{"optouts=100000", 10, 100000, 1024},
		{"buckets=1000000", 10, 0, 1000000},
	} {
		b.Run(tc.name, func(b *testing.B) {
			svc, err := New(Options{DataDir: filepath.Join(b.TempDir(), "data"), AdminToken: adminToken, Config: sharing.DefaultConfig(), SaltBuckets: tc.buckets})
			if err != nil {
				b.Fatal(err)
			}
			defer svc.Close()
			_, err = svc.Change(func(st *sharing.State, now int64) (any, error) {
				for i := 0; i < tc.sites; i++ {
					if _, err := st.CreateSite(fmt.Sprintf("site %d", i), []sharing.Type{sharing.DSP}, nil, nil, now); err != nil {
						return nil, err
					}
				}
				for i := 0; i < tc.optouts; i++ {
					var h [32]byte
					h[0], h[1], h[2] = byte(i), byte(i>>8), byte(i>>16)
					st.AddOptOut(h, h[:], now)
				}
				return nil, nil
			})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := svc.Change(func(st *sharing.State, now int64) (any, error) {
					return st.CreateSite(fmt.Sprintf("bench %d", i), []sharing.Type{sharing.DSP}, nil, nil, now)
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
