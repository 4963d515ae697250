package keyservice

import (
	"context"
	"fmt"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/libuid2/libuid2/go/identitymap"
	"github.com/libuid2/libuid2/go/publisher"
	"github.com/libuid2/libuid2/go/sharing"
)

// benchService is a service on loopback with a publisher and a mapper
// client, called by 4 concurrent goroutines on a 2-core machine.
func benchService(b *testing.B) (*publisher.Client, *identitymap.Client) {
	b.Helper()
	svc, err := New(Options{AdminToken: adminToken, Config: sharing.DefaultConfig()})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(svc)
	b.Cleanup(func() { srv.Close(); svc.Close() })
	key := func(types []sharing.Type, role sharing.Role) (string, string) {
		var bearer, secret string
		_, err := svc.update(func(st *sharing.State, now int64) (any, error) {
			site, err := st.CreateSite(string(role), types, nil, nil, now)
			if err != nil {
				return nil, err
			}
			k, token, err := st.CreateAPIKey(site.ID, []sharing.Role{role}, "", now)
			if err == nil {
				bearer, secret = token, k.Secret
			}
			return nil, err
		})
		if err != nil {
			b.Fatal(err)
		}
		return bearer, secret
	}
	pk, ps := key([]sharing.Type{sharing.Publisher}, sharing.Generator)
	mk, ms := key([]sharing.Type{sharing.Advertiser}, sharing.Mapper)
	pub, err := publisher.NewClient(srv.URL, pk, ps)
	if err != nil {
		b.Fatal(err)
	}
	mapper, err := identitymap.NewClient(srv.URL, mk, ms)
	if err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(max(1, 4/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	return pub, mapper
}

// BenchmarkServeGenerateRefresh: one token generate and one refresh per op.
func BenchmarkServeGenerateRefresh(b *testing.B) {
	pub, _ := benchService(b)
	ctx := context.Background()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			g, err := pub.GenerateToken(ctx, publisher.FromEmail("bench@example.org"))
			if err != nil || !g.IsSuccess() {
				b.Error(err)
				return
			}
			if r, err := pub.RefreshToken(ctx, g.Identity); err != nil || !r.IsSuccess() {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "requests/s")
}

// BenchmarkServeIdentityMap: one identity map v3 request of 1,000 emails
// per op.
func BenchmarkServeIdentityMap(b *testing.B) {
	_, mapper := benchService(b)
	emails := make([]string, 1000)
	for i := range emails {
		emails[i] = fmt.Sprintf("user%d@example.org", i)
	}
	in := identitymap.FromEmails(emails)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := mapper.GenerateIdentityMap(context.Background(), in); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(1000*b.N)/b.Elapsed().Seconds(), "identities/s")
}
