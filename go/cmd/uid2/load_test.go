package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libuid2/libuid2/go/envelope"
)

// BenchmarkServeLoad runs a real "uid2 serve --data DIR" on loopback and
// drives it for loadDuration with loadClients clients fetching keys: alone
// ("quiet"), while one admin client makes churnRate changes a second
// ("churn"), and while it changes grants as fast as the service takes them
// ("churn-max"). It is a measurement, not a test: run it on purpose (see
// BENCHMARKS.md), with -benchtime 1x, since each run takes its fixed
// duration whatever b.N is.
//
//	go test -run XXX -bench ServeLoad -benchtime 1x ./cmd/uid2/
func BenchmarkServeLoad(b *testing.B) {
	const adminToken = "load-benchmark-admin-token"
	b.Setenv("UID2_ADMIN_TOKEN", adminToken)
	_, _, url := startServe(b, true, "--data", filepath.Join(b.TempDir(), "data"), "--listen", "127.0.0.1:0")
	l := &loadRun{b: b, url: url, token: adminToken,
		http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: loadClients + 1}}}
	for i := range 20 {
		site := l.admin("POST", "/admin/v1/sites", fmt.Sprintf(`{"name":"site %d","types":["publisher","dsp"],"domain_names":["s%d.example"]}`, i, i))
		key := l.admin("POST", fmt.Sprintf("/admin/v1/sites/%v/apikeys", site["id"]), `{"roles":["sharer"]}`)
		l.sites = append(l.sites, int(site["id"].(float64)))
		l.keys = append(l.keys, [2]string{key["api_key"].(string), key["secret"].(string)})
	}
	l.admin("POST", fmt.Sprintf("/admin/v1/sites/%d/grants", l.sites[0]), `{"type":"dsp"}`)
	for _, phase := range []struct {
		name string
		rate int // changes a second; 0: none, -1: as fast as they go
	}{{"quiet", 0}, {"churn", churnRate}, {"churn-max", -1}} {
		b.Run(phase.name, func(b *testing.B) { l.measure(b, phase.rate) })
	}
}

const (
	loadClients  = 4
	loadDuration = 20 * time.Second
	// churnRate is a busy admin: twenty changes a second, each a full
	// save; both the service before and after readers stopped waiting for
	// saves keep up with it on two shared cores.
	churnRate = 20
)

type loadRun struct {
	b          testing.TB
	url, token string
	http       *http.Client
	sites      []int
	keys       [][2]string // API key, secret
}

func (l *loadRun) admin(method, path, body string) map[string]any {
	req, _ := http.NewRequest(method, l.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+l.token)
	resp, err := l.http.Do(req)
	if err != nil {
		l.b.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		l.b.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return out
}

// keyRequest fetches and opens one key response.
func (l *loadRun) keyRequest(cipher *envelope.Cipher, apiKey string) error {
	var nonce [envelope.NonceSize]byte
	var iv [12]byte
	_, _ = rand.Read(nonce[:])
	_, _ = rand.Read(iv[:])
	req, _ := http.NewRequest("POST", l.url+"/v2/key/sharing", strings.NewReader(cipher.SealRequest(time.Now().UnixMilli(), nonce, nil, iv)))
	req.Header.Set("Authorization", "Bearer "+apiKey)
	resp, err := l.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, data)
	}
	_, err = cipher.OpenResponse(bytes.TrimSpace(data), nonce)
	return err
}

func (l *loadRun) measure(b *testing.B, churnRate int) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var requests, changes atomic.Int64
	var mu sync.Mutex
	var latencies []time.Duration
	var failure atomic.Pointer[error]
	for c := range loadClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cipher, _ := envelope.NewCipher(l.keys[c][1])
			var mine []time.Duration
			for {
				select {
				case <-stop:
					mu.Lock()
					latencies = append(latencies, mine...)
					mu.Unlock()
					return
				default:
				}
				t0 := time.Now()
				if err := l.keyRequest(cipher, l.keys[c][0]); err != nil {
					failure.Store(&err)
					continue
				}
				mine = append(mine, time.Since(t0))
				requests.Add(1)
			}
		}()
	}
	if churnRate != 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Unpaced, the closed channel never waits.
			pace := make(chan time.Time)
			close(pace)
			var ticks <-chan time.Time = pace
			if churnRate > 0 {
				ticker := time.NewTicker(2 * time.Second / time.Duration(churnRate))
				defer ticker.Stop()
				ticks = ticker.C
			}
			// Grant and revoke in pairs: every change is a full save, and
			// the state keeps its size, so the phases stay comparable.
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-ticks:
				}
				sender, receiver := l.sites[1+i%10], l.sites[11+i%9]
				l.admin("POST", fmt.Sprintf("/admin/v1/sites/%d/grants", sender), fmt.Sprintf(`{"site":%d}`, receiver))
				l.admin("DELETE", fmt.Sprintf("/admin/v1/sites/%d/grants/site/%d", sender, receiver), "")
				changes.Add(2)
			}
		}()
	}
	b.ResetTimer()
	time.Sleep(loadDuration)
	close(stop)
	wg.Wait()
	b.StopTimer()
	if err := failure.Load(); err != nil {
		b.Fatal(*err)
	}
	slices.Sort(latencies)
	secs := loadDuration.Seconds()
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(requests.Load())/secs, "keyreq/s")
	b.ReportMetric(float64(changes.Load())/secs, "changes/s")
	if n := len(latencies); n > 0 {
		b.ReportMetric(float64(latencies[n/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(latencies[n*99/100].Microseconds()), "p99-µs")
	}
}
