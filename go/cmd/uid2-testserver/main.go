// Command uid2-testserver serves UID2 keys with the real v2 envelope for
// the tests of libuid2's bindings (see package internal/testserver for the
// endpoints and the failure controls). It listens on loopback and prints
// its base URL as the first line of standard output.
//
//	uid2-testserver --keys FILE --api-key KEY --secret BASE64 [--listen 127.0.0.1:0]
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"

	"github.com/libuid2/libuid2/go/internal/testserver"
)

func main() {
	keysFile := flag.String("keys", "", "key JSON to serve: a whole key response or its body (required)")
	apiKey := flag.String("api-key", "", "API key that clients must send as a Bearer token (required)")
	secret := flag.String("secret", "", "base64 client secret of the v2 envelope (required)")
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	flag.Parse()
	if *keysFile == "" || *apiKey == "" || *secret == "" {
		fmt.Fprintln(os.Stderr, "uid2-testserver: --keys, --api-key and --secret are required")
		flag.Usage()
		os.Exit(2)
	}
	data, err := os.ReadFile(*keysFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "uid2-testserver:", err)
		os.Exit(1)
	}
	srv, err := testserver.New(*apiKey, *secret, data)
	if err != nil {
		fmt.Fprintln(os.Stderr, "uid2-testserver:", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "uid2-testserver:", err)
		os.Exit(1)
	}
	fmt.Printf("http://%s\n", ln.Addr())
	os.Stdout.Sync()
	if err := http.Serve(ln, srv); err != nil {
		fmt.Fprintln(os.Stderr, "uid2-testserver:", err)
		os.Exit(1)
	}
}
