// Command uid2 decrypts and encrypts UID2 tokens from the command line, for
// people and for scripts, and runs and manages a local UID2 key service.
// The usage text below says what each command does.
//
// decrypt and encrypt print one JSON object per input on its own line.
// With no TOKEN or RAW_UID they read standard input, one per line,
// streaming. They exit 0 when every input was processed, whatever the
// statuses, and 2 with a message on bad flags or keys that cannot be read.
// The admin commands print the key service's JSON answer and exit 1 when
// the service refuses the request (its message goes to standard error).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/libuid2/libuid2/go/token"
	"github.com/libuid2/libuid2/go/uid2"
)

const usage = `uid2 decrypts and encrypts UID2 tokens, and runs a local UID2 key service.

Usage:
  uid2 decrypt KEYS [--bidstream] [--domain NAME] [--now TIME] [TOKEN...]
  uid2 encrypt KEYS [--now TIME] [--keyset-id N] [RAW_UID...]
  uid2 inspect TOKEN...
  uid2 token generate --url URL [CREDENTIALS] (--email E | --phone P |
                      --email-hash H | --phone-hash H)
  uid2 token refresh --url URL [CREDENTIALS] [IDENTITY_JSON]
      a publisher's token generate and refresh (the identity to refresh
      is the argument or the first line of standard input); prints
      {"status": "success", "identity": {...}} or {"status": "optout"};
      CREDENTIALS as for --keys-url below
  uid2 map --url URL [CREDENTIALS] [--in FILE] [--out FILE] [--format csv|jsonl]
           [--column NAME] [--kind email|phone|email-hash|phone-hash|auto]
           [--refresh [--now TIME]]
      maps a CSV or JSON-lines file of emails, phones or their hashes to
      raw UID2s (identity map v3), streaming, in input order: each row gets
      raw_uid, previous_raw_uid and refresh_from, or unmapped and why;
      --refresh re-maps only the rows of a previous output that are due;
      an interrupted run resumes where it stopped (FILE.checkpoint); the
      column and kind are found from the header; "uid2 map -h" says how
  uid2 version

The local key service (the key endpoints /v2/key/sharing and
/v2/key/bidstream with the v2 envelope, and an admin API):
  uid2 serve (--data DIR | --memory) [--listen 127.0.0.1:8080] [--faults]
             [--scope UID2|EUID] [--key-lifetime 24h] [--token-expiry 720h]
             [--admin-token-file FILE] [--until-stdin-closes]
      prints its base URL as the first line; the admin token (16 characters
      or more) comes from --admin-token-file (made if missing), else
      $UID2_ADMIN_TOKEN, else DIR/admin-token (made if missing); a token
      file must be yours and readable by you only (chmod 600); stops on
      SIGINT or SIGTERM, and with --until-stdin-closes also when standard
      input reaches end of file
      DIR is created readable by you only; an existing DIR must be yours,
      writable by no one else, and empty or a key service's
      --key-lifetime is at least 1m and at least --token-expiry / 497, so
      that a keyset keeps at most 500 keys on its schedule ("keys rotate"
      stops at 1,000); when the state cannot be saved (a full disk), key
      requests get the keys still valid and rotation waits for the disk
      a --listen address beyond loopback gets a warning: plain HTTP
      connections: 5 s to send the headers, 10 s the body, 30 s idle;
      at most 512 (128 per client address); when full, the connection
      idle longest is closed, else a request still sending its body
      after 1 s; a stop waits 3 s for requests in progress
      it also serves the Portal's web pages under /portal/ (its address is
      printed on standard error), where a site's users (uid2 user create)
      manage their sharing permissions and API keys.
      As the operator it serves POST /v2/token/generate (generator role),
      /v2/token/refresh, /v2/token/validate, /v3/identity/map (mapper
      role, binary or base64 envelope), /v2/identity/map,
      /v2/identity/buckets and /v2/optout/status, with raw UIDs from a
      first-level salt and salt buckets:
             [--salt-buckets 1024] [--identity-expiry 72h]
             [--refresh-expiry 720h] [--refresh-after 1h]
      the bucket count is that of a new state; the lifetimes must satisfy
      refresh >= identity >= refresh-after, and refresh at most
      --token-expiry (unset, the operator's defaults are shortened to fit)

Managing it (ADMIN: --admin-url URL or $UID2_ADMIN_URL, and the admin token
in $UID2_ADMIN_TOKEN or --admin-token-file FILE):
  uid2 site create ADMIN --name NAME --types publisher,advertiser,dsp,data-provider
                   [--domains a.com,b.com] [--apps com.example.app]
  uid2 site list ADMIN
  uid2 apikey create ADMIN --site ID --roles sharer,bidder,generator,mapper [--name N]
      the API key and its client secret are shown this once
  uid2 apikey list ADMIN --site ID
  uid2 apikey disable ADMIN --site ID --key KEY_ID
  uid2 user create ADMIN --site ID --email EMAIL
      a Portal user of the site; the one-time password is shown this once
  uid2 user list ADMIN --site ID
  uid2 sharing grant ADMIN --site SENDER (--to RECEIVER | --type TYPE [--future])
  uid2 sharing revoke ADMIN --site SENDER (--to RECEIVER | --type TYPE)
  uid2 sharing request ADMIN --site RECEIVER --from SENDER
  uid2 sharing accept|decline ADMIN --site SENDER --request ID
  uid2 sharing list ADMIN [--site ID]
  uid2 keys list|rotate ADMIN --site ID|master
  uid2 optout add ADMIN (--email E | --phone P | --email-hash H | --phone-hash H)
      token generate, refresh and identity map answer opt-out from now on
  uid2 salts rotate ADMIN (--fraction F | --all)
      new salts for that fraction of the buckets, least recently rotated
      first; identity map serves the previous raw UID for 90 days
  uid2 fault set ADMIN --mode none|500|garbage|wrong-nonce|wrong-secret|slow
      (a service started with --faults)

KEYS is either
  --keys FILE            a key response, whole ({"body": ...}) or its body
                         (at most 64 MiB)
  --keys-url URL         fetch keys from the UID2 service at URL, with the
                         API key and client secret from
                           $UID2_API_KEY and $UID2_SECRET, or
                           --credentials FILE: JSON with "api_key" and
                           "secret" (what "uid2 apikey create" prints),
                           yours and readable by you only (chmod 600)
                         --api-key KEY --secret SECRET still work, with a
                         warning: other users can read a command line

decrypt and encrypt print one JSON object per input line. With no TOKEN or
RAW_UID arguments they read standard input, one per line; a line over
16 MiB gets {"status": "INVALID_PAYLOAD" (decrypt) or "ENCRYPTION_FAILURE"
(encrypt), "error": "input line longer than 16 MiB"} and the next lines
go on. TIME is RFC 3339 (2024-01-02T03:04:05Z) or Unix epoch
milliseconds; default now.
Run "uid2 COMMAND -h" (for the admin commands "uid2 COMMAND VERB -h", e.g.
"uid2 site create -h") for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "decrypt":
		err = decryptCmd(args[1:], stdin, stdout, stderr)
	case "encrypt":
		err = encryptCmd(args[1:], stdin, stdout, stderr)
	case "inspect":
		err = inspectCmd(args[1:], stdout)
	case "serve":
		err = serveCmd(args[1:], stdin, stdout, stderr)
	case "site", "apikey", "sharing", "keys", "fault", "user":
		err = adminCmd(args[0], args[1:], stdout, stderr)
	case "optout", "salts":
		err = operatorAdminCmd(args[0], args[1:], stdout, stderr)
	case "token":
		err = tokenCmd(args[1:], stdin, stdout, stderr)
	case "map":
		err = mapCmd(args[1:], stdin, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, uid2.Version)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
	default:
		err = usageError("unknown command %q", args[0])
	}
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(stderr, "uid2:", err)
	var refused refusedError
	if errors.As(err, &refused) {
		return 1
	}
	return 2
}

func usageError(format string, a ...any) error { return fmt.Errorf(format, a...) }

// keyFlags are the flags that say where keys come from.
type keyFlags struct {
	file, url, apiKey, secret, credsFile string
}

func (k *keyFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&k.file, "keys", "", "key JSON file: a whole key response or its body")
	fs.StringVar(&k.url, "keys-url", "", "base URL of the UID2 service to fetch keys from")
	fs.StringVar(&k.credsFile, "credentials", "", `JSON file with "api_key" and "secret" for --keys-url (only you may read it)`)
	fs.StringVar(&k.apiKey, "api-key", "", "API key for --keys-url (prefer $"+apiKeyEnv+" or --credentials: others can read a command line)")
	fs.StringVar(&k.secret, "secret", "", "client secret (base64) for --keys-url (prefer $"+secretEnv+" or --credentials)")
}

// maxKeysFile bounds --keys FILE: a key response with a thousand keys is
// about 360 KB, so 64 MiB is far above any real one and far below what
// would exhaust memory (reading /dev/zero, say).
const maxKeysFile = 64 << 20

// load fills a client with keys from the file or the service.
func (k *keyFlags) load(bidstream bool, stderr io.Writer) (uid2.Client, error) {
	if (k.file == "") == (k.url == "") {
		return nil, usageError("give exactly one of --keys and --keys-url")
	}
	apiKey, secret := "", ""
	if k.url != "" {
		var err error
		if apiKey, secret, err = k.credentials(stderr); err != nil {
			return nil, err
		}
		if apiKey == "" || secret == "" {
			return nil, usageError("--keys-url needs an API key and a secret: $%s and $%s, or --credentials FILE", apiKeyEnv, secretEnv)
		}
	}
	var c uid2.Client
	var err error
	if bidstream {
		c, err = uid2.NewBidstreamClient(k.url, apiKey, secret)
	} else {
		c, err = uid2.NewSharingClient(k.url, apiKey, secret)
	}
	if err != nil {
		return nil, err
	}
	if k.file != "" {
		data, err := readKeysFile(k.file)
		if err != nil {
			return nil, err
		}
		if err := c.RefreshJSON(data); err != nil {
			return nil, fmt.Errorf("%s: %v", k.file, err)
		}
		return c, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return c, c.Refresh(ctx)
}

func readKeysFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeysFile+1))
	if err == nil && len(data) > maxKeysFile {
		err = fmt.Errorf("%s is larger than %d MiB, more than any key response", path, maxKeysFile>>20)
	}
	return data, err
}

// parseNow reads --now: RFC 3339 or Unix ms; "" is the current time (0).
func parseNow(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil && ms > 0 {
		return ms, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, usageError("--now %q is neither RFC 3339 nor Unix epoch milliseconds", s)
	}
	return t.UnixMilli(), nil
}

// maxLine bounds an input line. A longer one (no token or raw UID is
// anywhere near) gets its own error result, and the lines after it are
// processed as usual: the output has one object per input line.
const maxLine = 16 << 20

// errLineTooLong is the error result of such a line.
var errLineTooLong = fmt.Sprintf("input line longer than %d MiB", maxLine>>20)

// inputs calls f for each argument, or else for each line of stdin; for a
// line over maxLine, f gets "" and tooLong.
func inputs(args []string, stdin io.Reader, f func(in string, tooLong bool)) error {
	if len(args) > 0 {
		for _, a := range args {
			f(a, false)
		}
		return nil
	}
	r := bufio.NewReaderSize(stdin, 64<<10)
	var line []byte
	started, tooLong := false, false
	for {
		chunk, err := r.ReadSlice('\n')
		started = started || len(chunk) > 0
		if !tooLong && len(line)+len(chunk) > maxLine+len("\r\n") {
			tooLong, line = true, line[:0]
		}
		if !tooLong {
			line = append(line, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && err != io.EOF {
			return err
		}
		if err == nil || started {
			text := strings.TrimSuffix(strings.TrimSuffix(string(line), "\n"), "\r")
			if tooLong || len(text) <= maxLine {
				f(text, tooLong)
			} else {
				f("", true)
			}
		}
		if err == io.EOF {
			return nil
		}
		line, started, tooLong = line[:0], false, false
	}
}

type decrypted struct {
	Status                string  `json:"status"`
	Error                 string  `json:"error,omitempty"`
	UID                   string  `json:"uid"`
	EstablishedMs         int64   `json:"established_ms"`
	SiteID                int32   `json:"site_id"`
	SiteKeySiteID         int32   `json:"site_key_site_id"`
	IdentityScope         string  `json:"identity_scope"`
	IdentityType          *string `json:"identity_type"`
	Version               int32   `json:"version"`
	ExpiryMs              int64   `json:"expiry_ms"`
	IsClientSideGenerated bool    `json:"is_client_side_generated"`
}

func decryptCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("decrypt", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var kf keyFlags
	kf.register(fs)
	bidstream := fs.Bool("bidstream", false, "decrypt as a bidstream client (keys from /v2/key/bidstream, domain checks)")
	domain := fs.String("domain", "", "domain or app name for client-side generated bidstream tokens")
	nowFlag := fs.String("now", "", "time to decrypt at: RFC 3339 or Unix epoch ms (default now)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	now, err := parseNow(*nowFlag)
	if err != nil {
		return err
	}
	c, err := kf.load(*bidstream, stderr)
	if err != nil {
		return err
	}
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	buf := make([]byte, 0, 128)
	return inputs(fs.Args(), stdin, func(tok string, tooLong bool) {
		if tooLong {
			_ = enc.Encode(decrypted{Status: uid2.InvalidPayload.String(), Error: errLineTooLong})
			return
		}
		d := c.DecryptAppend(buf, tok, *domain, now)
		r := decrypted{Status: d.Status.String(), UID: string(d.UID), EstablishedMs: d.EstablishedMs,
			SiteID: d.SiteID, SiteKeySiteID: d.SiteKeySiteID, IdentityScope: d.IdentityScope.String(),
			Version: d.AdvertisingTokenVersion, ExpiryMs: d.ExpiryMs, IsClientSideGenerated: d.IsClientSideGenerated}
		if d.IdentityType != uid2.IdentityTypeUnknown {
			s := d.IdentityType.String()
			r.IdentityType = &s
		}
		_ = enc.Encode(r)
	})
}

func encryptCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("encrypt", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var kf keyFlags
	kf.register(fs)
	nowFlag := fs.String("now", "", "time to encrypt at: RFC 3339 or Unix epoch ms (default now)")
	keyset := fs.Int64("keyset-id", 0, "keyset to encrypt with (default: the caller's default keyset)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	now, err := parseNow(*nowFlag)
	if err != nil {
		return err
	}
	c, err := kf.load(false, stderr)
	if err != nil {
		return err
	}
	sharing := c.(*uid2.SharingClient)
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	buf := make([]byte, 0, 256)
	type encrypted struct {
		Status string `json:"status"`
		Token  string `json:"token"`
		Error  string `json:"error,omitempty"`
	}
	return inputs(fs.Args(), stdin, func(raw string, tooLong bool) {
		if tooLong {
			_ = enc.Encode(encrypted{Status: uid2.EncryptionFailure.String(), Error: errLineTooLong})
			return
		}
		tok, st := sharing.EncryptAppend(buf, raw, now, *keyset)
		_ = enc.Encode(encrypted{Status: st.String(), Token: string(tok)})
	})
}

// inspectCmd prints what a token shows without keys: its header.
func inspectCmd(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError("inspect needs a TOKEN")
	}
	enc := json.NewEncoder(stdout)
	for _, text := range args {
		r := map[string]any{"length": len(text)}
		raw, version, err := token.Decode(text, nil)
		switch {
		case err != nil:
			r["error"] = err.Error()
		default:
			r["version"] = version
			r["bytes"] = len(raw)
			r["encoding"] = "base64"
			if strings.ContainsAny(text, "-_") {
				r["encoding"] = "base64url"
			}
			if id, err := token.MasterKeyID(raw, version); err == nil {
				r["master_key_id"] = id
			}
			if version != token.V2 {
				scope, typ := token.Prefix(raw)
				r["identity_scope"] = uid2.IdentityScope(scope).String()
				r["identity_type"] = uid2.IdentityType(typ).String()
			}
		}
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}
