package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
)

// maxSecretFile bounds a token or credentials file: they hold a few
// hundred bytes.
const maxSecretFile = 64 << 10

// readSecretFile reads a file that holds a secret (an admin token, API
// credentials). A file that other users can read or write, or that
// belongs to another user, may be known or planted by someone else: with
// strict it is refused, else used with a warning on stderr.
func readSecretFile(path string, strict bool, stderr io.Writer) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	problem := ""
	if st, ok := info.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		problem = fmt.Sprintf("belongs to user %d, not to you", st.Uid)
	} else if perm := info.Mode().Perm(); perm&0o077 != 0 {
		problem = fmt.Sprintf("can be read or written by other users (mode %04o; chmod 600 it)", perm)
	}
	if problem != "" && strict {
		return nil, fmt.Errorf("%s holds a secret but %s", path, problem)
	}
	if problem != "" {
		fmt.Fprintf(stderr, "uid2: warning: %s holds a secret but %s\n", path, problem)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err == nil && len(data) > maxSecretFile {
		err = fmt.Errorf("%s is larger than %d KiB; it should hold one secret", path, maxSecretFile>>10)
	}
	return data, err
}

// readToken reads an admin token file (see readSecretFile).
func readToken(file string, strict bool, stderr io.Writer) (string, error) {
	b, err := readSecretFile(file, strict, stderr)
	if err != nil {
		return "", err
	}
	t := strings.TrimSpace(string(b))
	if t == "" {
		return "", fmt.Errorf("%s is empty", file)
	}
	return t, nil
}

// Environment variables that hold --keys-url credentials.
const (
	apiKeyEnv = "UID2_API_KEY"
	secretEnv = "UID2_SECRET"
)

// credentials finds the API key and client secret for --keys-url: each
// from its argument if given (with a warning: any local user can read a
// command line), else from the --credentials file, else from the
// environment.
func (k *keyFlags) credentials(stderr io.Writer) (apiKey, secret string, err error) {
	for _, arg := range []struct{ name, value string }{{"--api-key", k.apiKey}, {"--secret", k.secret}} {
		if arg.value != "" {
			fmt.Fprintf(stderr, "uid2: warning: %s on the command line can be read by other users of this machine; use $%s and $%s or --credentials FILE\n", arg.name, apiKeyEnv, secretEnv)
		}
	}
	var file struct {
		APIKey string `json:"api_key"`
		Secret string `json:"secret"`
	}
	if k.credsFile != "" {
		data, err := readSecretFile(k.credsFile, true, stderr)
		if err != nil {
			return "", "", err
		}
		if err := json.Unmarshal(data, &file); err != nil {
			return "", "", fmt.Errorf("%s is not a JSON object with \"api_key\" and \"secret\"", k.credsFile)
		}
	}
	return first(k.apiKey, file.APIKey, os.Getenv(apiKeyEnv)), first(k.secret, file.Secret, os.Getenv(secretEnv)), nil
}

func first(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
