package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/libuid2/libuid2/go/keyservice"
	"github.com/libuid2/libuid2/go/operator"
	"github.com/libuid2/libuid2/go/publisher"
)

// operatorAdminCmd runs "uid2 optout add" and "uid2 salts rotate": the
// admin side of the operator's endpoints.
func operatorAdminCmd(group string, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError("%s needs a command; see uid2 --help", group)
	}
	fs := flag.NewFlagSet(group+" "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	a := adminFlags{stderr: stderr}
	a.register(fs)
	var run func() error
	switch group + " " + args[0] {
	case "optout add":
		id := identityFlags(fs)
		run = func() error {
			body, err := id.json()
			if err != nil {
				return err
			}
			return a.call(stdout, "POST", "/admin/v1/optouts", body)
		}
	case "salts rotate":
		fraction := fs.String("fraction", "", "rotate this fraction of the buckets (above 0, at most 1), the least recently rotated first")
		all := fs.Bool("all", false, "rotate every bucket")
		run = func() error {
			if (*fraction == "") == !*all {
				return usageError("salts rotate needs one of --fraction F or --all")
			}
			if *all {
				return a.call(stdout, "POST", "/admin/v1/salts/rotate", map[string]any{"all": true})
			}
			f, err := strconv.ParseFloat(*fraction, 64)
			if err != nil {
				return usageError("--fraction needs a number, not %q", *fraction)
			}
			return a.call(stdout, "POST", "/admin/v1/salts/rotate", map[string]any{"fraction": f})
		}
	default:
		return usageError("unknown command %q; see uid2 --help", group+" "+args[0])
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q", fs.Arg(0))
	}
	return run()
}

// identity is one of --email, --phone, --email-hash, --phone-hash.
type identity struct{ email, phone, emailHash, phoneHash *string }

func identityFlags(fs *flag.FlagSet) identity {
	return identity{
		email:     fs.String("email", "", "email address"),
		phone:     fs.String("phone", "", "phone number, E.164 (+ and digits)"),
		emailHash: fs.String("email-hash", "", "base64 SHA-256 of a normalised email"),
		phoneHash: fs.String("phone-hash", "", "base64 SHA-256 of a phone number"),
	}
}

// json is the identity as the operator's request keys.
func (id identity) json() (map[string]string, error) {
	out := map[string]string{}
	for k, v := range map[string]*string{"email": id.email, "phone": id.phone, "email_hash": id.emailHash, "phone_hash": id.phoneHash} {
		if *v != "" {
			out[k] = *v
		}
	}
	if len(out) != 1 {
		return nil, usageError("give exactly one of --email, --phone, --email-hash, --phone-hash")
	}
	return out, nil
}

// input is the identity as a publisher's token generate input.
func (id identity) input() (*publisher.TokenGenerateInput, error) {
	m, err := id.json()
	if err != nil {
		return nil, err
	}
	switch {
	case m["email"] != "":
		return publisher.FromEmail(m["email"]), nil
	case m["phone"] != "":
		return publisher.FromPhone(m["phone"]), nil
	case m["email_hash"] != "":
		return publisher.FromHashedEmail(m["email_hash"]), nil
	default:
		return publisher.FromHashedPhone(m["phone_hash"]), nil
	}
}

// registerCredentials registers the flags of a command that calls the
// service's operator endpoints with an API key (token, map).
func (k *keyFlags) registerCredentials(fs *flag.FlagSet) {
	fs.StringVar(&k.credsFile, "credentials", "", `JSON file with "api_key" and "secret" (only you may read it)`)
	fs.StringVar(&k.apiKey, "api-key", "", "API key (prefer $"+apiKeyEnv+" or --credentials: others can read a command line)")
	fs.StringVar(&k.secret, "secret", "", "client secret (prefer $"+secretEnv+" or --credentials)")
}

// tokenCmd runs "uid2 token generate|refresh" against a service, as a
// publisher would (package publisher's client).
func tokenCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "generate" && args[0] != "refresh") {
		return usageError("token needs generate or refresh; see uid2 --help")
	}
	verb := args[0]
	fs := flag.NewFlagSet("token "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "", "base URL of the UID2 service (required)")
	var k keyFlags
	k.registerCredentials(fs)
	var id identity
	if verb == "generate" {
		id = identityFlags(fs)
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *base == "" {
		return usageError("--url is needed")
	}
	apiKey, secret, err := k.credentials(stderr)
	if err != nil {
		return err
	}
	if apiKey == "" || secret == "" {
		return usageError("an API key and a secret are needed: $%s and $%s, or --credentials FILE", apiKeyEnv, secretEnv)
	}
	client, err := publisher.NewClient(*base, apiKey, secret)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var resp *publisher.Response
	if verb == "generate" {
		if fs.NArg() > 0 {
			return usageError("unexpected argument %q", fs.Arg(0))
		}
		in, err := id.input()
		if err != nil {
			return err
		}
		if resp, err = client.GenerateToken(ctx, in); err != nil {
			return refusedError{err.Error()}
		}
	} else {
		stored, err := identityArg(fs.Args(), stdin)
		if err != nil {
			return err
		}
		current, err := publisher.IdentityTokensFromJSON(stored)
		if err != nil {
			return usageError("the identity is not an identity's JSON: %v", err)
		}
		if resp, err = client.RefreshToken(ctx, current); err != nil {
			return refusedError{err.Error()}
		}
	}
	out := map[string]any{"status": string(resp.Status)}
	if resp.IsSuccess() {
		out["identity"] = json.RawMessage(resp.IdentityJSONString())
	}
	data, err := json.Marshal(out)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", data)
	return err
}

// identityArg is the identity JSON to refresh: the argument, or the first
// line of standard input ("uid2 token generate … | jq -c .identity | uid2
// token refresh …").
func identityArg(args []string, stdin io.Reader) (string, error) {
	switch len(args) {
	case 1:
		return args[0], nil
	case 0:
		line, err := bufio.NewReader(io.LimitReader(stdin, 1<<20)).ReadString('\n')
		if strings.TrimSpace(line) == "" && err != nil {
			return "", usageError("token refresh needs the identity JSON as its argument or on standard input")
		}
		return strings.TrimSpace(line), nil
	}
	return "", usageError("token refresh takes one identity JSON")
}

// lifetimesOf reads the lifetime flags: all unset gives the operator's
// defaults (zero, which the service shortens to fit --token-expiry), else
// any unset one takes the operator's default.
func lifetimesOf(identity, refresh, after time.Duration) (operator.Lifetimes, error) {
	if identity == 0 && refresh == 0 && after == 0 {
		return operator.Lifetimes{}, nil
	}
	l := keyservice.DefaultLifetimes
	for _, f := range []struct {
		name  string
		value time.Duration
		into  *int64
	}{{"--identity-expiry", identity, &l.IdentityS}, {"--refresh-expiry", refresh, &l.RefreshS}, {"--refresh-after", after, &l.RefreshAfterS}} {
		switch {
		case f.value < 0 || f.value%time.Second != 0:
			return l, usageError("%s must be a positive whole number of seconds", f.name)
		case f.value > 0:
			*f.into = int64(f.value / time.Second)
		}
	}
	return l, nil // keyservice.New checks them
}
