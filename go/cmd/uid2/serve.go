package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/libuid2/libuid2/go/keyservice"
	"github.com/libuid2/libuid2/go/portal"
	"github.com/libuid2/libuid2/go/sharing"
)

// serveCmd runs the local key service until SIGINT or SIGTERM (or, with
// --until-stdin-closes, until stdin reaches end of file).
func serveCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := sharing.DefaultConfig()
	data := fs.String("data", "", "data directory that keeps the state across restarts")
	memory := fs.Bool("memory", false, "keep the state in memory only (for tests)")
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on (loopback unless you mean otherwise)")
	tokenFile := fs.String("admin-token-file", "", "file holding the admin token (default: $UID2_ADMIN_TOKEN, else DATA/admin-token, created if missing)")
	scope := fs.String("scope", def.IdentityScope, "identity scope of a new state: UID2 or EUID")
	lifetime := fs.Duration("key-lifetime", time.Duration(def.KeyLifetime)*time.Second, "how long each key is its keyset's newest (rotation period)")
	expiry := fs.Duration("token-expiry", time.Duration(def.TokenExpiry)*time.Second, "lifetime of the sharing tokens senders make (token_expiry_seconds)")
	buckets := fs.Int("salt-buckets", sharing.DefaultSaltBuckets, "salt bucket count of a new state")
	identityExpiry := fs.Duration("identity-expiry", 0, "advertising token lifetime (default the operator's 72h)")
	refreshExpiry := fs.Duration("refresh-expiry", 0, "refresh token lifetime (default the operator's 720h, at most --token-expiry)")
	refreshAfter := fs.Duration("refresh-after", 0, "when a token is due for refresh, after it is made (default the operator's 1h)")
	faults := fs.Bool("faults", false, "enable POST /admin/v1/faults, to make key requests fail on purpose")
	untilStdin := fs.Bool("until-stdin-closes", false, "also stop when standard input reaches end of file: a service started with a pipe on stdin ends with the process holding the pipe, however that ends")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 || (*data == "") == !*memory {
		return usageError("serve needs exactly one of --data DIR or --memory")
	}
	// The data directory is checked before anything is written to it.
	if *data != "" {
		if err := sharing.PrepareDir(*data); err != nil {
			return err
		}
	}
	token, err := adminToken(*tokenFile, *data)
	if err != nil {
		return err
	}
	cfg := def
	cfg.IdentityScope = strings.ToUpper(*scope)
	cfg.KeyLifetime = int64(lifetime.Seconds())
	cfg.TokenExpiry = int64(expiry.Seconds())
	cfg.MaxSharingLifetime = cfg.TokenExpiry
	lifetimes, err := lifetimesOf(*identityExpiry, *refreshExpiry, *refreshAfter)
	if err != nil {
		return err
	}
	svc, err := keyservice.New(keyservice.Options{DataDir: *data, AdminToken: token, Config: cfg, Faults: *faults,
		SaltBuckets: *buckets, Lifetimes: lifetimes,
		Log: log.New(stderr, "uid2 serve: ", log.LstdFlags|log.Lmsgprefix)})
	if err != nil {
		return err
	}
	defer svc.Close()
	// A saved state keeps the configuration it was made with; a flag that
	// asks for another must not be ignored silently.
	saved := svc.Config()
	var conflict error
	fs.Visit(func(f *flag.Flag) {
		switch {
		case f.Name == "scope" && saved.IdentityScope != cfg.IdentityScope,
			f.Name == "key-lifetime" && saved.KeyLifetime != cfg.KeyLifetime,
			f.Name == "token-expiry" && saved.TokenExpiry != cfg.TokenExpiry,
			f.Name == "salt-buckets" && svc.SaltBuckets() != *buckets:
			conflict = usageError("--%s differs from the configuration %s was created with; use a new data directory", f.Name, *data)
		}
	})
	if conflict != nil {
		return conflict
	}
	// Signals are caught before the URL is printed: whoever reads the URL
	// may stop the service at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *untilStdin {
		// A killed parent leaves no orphaned service: the kernel closes its
		// end of the pipe. Whatever is written to stdin is ignored.
		go func() {
			_, _ = io.Copy(io.Discard, stdin)
			stop()
		}()
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	if addr, ok := ln.Addr().(*net.TCPAddr); ok && !addr.IP.IsLoopback() {
		fmt.Fprintf(stderr, "uid2 serve: warning: listening on %s, not loopback: other machines can reach the admin API and the key endpoints over plain HTTP\n", ln.Addr())
	}
	// The first line of standard output is the base URL, for scripts.
	fmt.Fprintf(stdout, "http://%s\n", ln.Addr())
	if f, ok := stdout.(*os.File); ok {
		_ = f.Sync()
	}
	c := svc.Config()
	fmt.Fprintf(stderr, "uid2 serve: %s keys rotate every %s, tokens last %s; state %s\n",
		c.IdentityScope, time.Duration(c.KeyLifetime)*time.Second, time.Duration(c.TokenExpiry)*time.Second, where(*data))
	fmt.Fprintf(stderr, "uid2 serve: the Portal is at http://%s%s (users: uid2 user create)\n", ln.Addr(), portal.Prefix)

	// The Portal's pages under /portal/, everything else is the key service.
	mux := http.NewServeMux()
	mux.Handle(portal.Prefix, portal.New(svc, portal.Options{}))
	mux.Handle("/", svc)
	srv, limited := newServer(mux, ln, serveLimits)
	return runServer(ctx, srv, limited, serveLimits.grace)
}

func where(data string) string {
	if data == "" {
		return "in memory"
	}
	return "in " + data
}

// adminToken finds the admin token: the given file, else $UID2_ADMIN_TOKEN,
// else DATA/admin-token; a file that does not exist yet is made with a
// random token, readable by its owner only. A file that others can read or
// that belongs to someone else is refused: whoever wrote or read it would
// hold the admin API. The token is never printed.
func adminToken(file, data string) (string, error) {
	if t := os.Getenv("UID2_ADMIN_TOKEN"); t != "" && file == "" {
		return t, nil
	}
	if file == "" && data == "" {
		return "", usageError("set UID2_ADMIN_TOKEN or --admin-token-file for a --memory service")
	}
	if file == "" {
		file = filepath.Join(data, sharing.AdminTokenFile)
	}
	t, err := readToken(file, true, io.Discard)
	if !errors.Is(err, fs.ErrNotExist) {
		return t, err
	}
	var b [24]byte
	_, _ = rand.Read(b[:])
	t = base64.RawURLEncoding.EncodeToString(b[:])
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	_, err = fmt.Fprintln(f, t)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return t, err
}
