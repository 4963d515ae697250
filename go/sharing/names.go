package sharing

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits that keep the state file, the key responses and the pages that
// show names small.
const (
	maxName   = 100 // bytes of a site's or an API key's name
	maxNames  = 100 // domain or app names per site
	maxDomain = 253 // bytes of a domain or app name (a DNS name's limit)
)

// CheckName checks the name of a site or an API key (what says which, for
// the message) and returns it without surrounding spaces. Names are shown
// in lists, terminals and web pages, so they are valid UTF-8 of 1 to 100
// bytes without control characters (NUL, escape sequences, line breaks)
// or invisible format characters (bidi overrides, zero-width spaces) that
// would make a name print as something it is not.
func CheckName(what, name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "" || len(name) > maxName:
		return "", errorf(Invalid, "a %s name has 1 to %d characters", what, maxName)
	case !utf8.ValidString(name):
		return "", errorf(Invalid, "a %s name must be valid UTF-8", what)
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) {
			return "", errorf(Invalid, "a %s name must not hold control or invisible formatting characters (%U)", what, r)
		}
	}
	return name, nil
}

// CheckDomain checks a site's domain name and returns it in lower case.
// Like the operator's admin, which keeps only names that parse as
// internet domain names, it takes a host name of RFC 1123: dot-separated
// labels of 1 to 63 letters, digits and hyphens, no label starting or
// ending with a hyphen, at least two labels, the last not all digits (an
// IP address is not a domain).
func CheckDomain(name string) (string, error) {
	d := strings.ToLower(strings.TrimSpace(name))
	labels := strings.Split(d, ".")
	ok := len(d) <= maxDomain && len(labels) >= 2 && strings.Trim(labels[len(labels)-1], "0123456789") != ""
	for _, l := range labels {
		ok = ok && len(l) >= 1 && len(l) <= 63 && l[0] != '-' && l[len(l)-1] != '-' &&
			strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789-") == ""
	}
	if !ok {
		return "", errorf(Invalid, "%q is not a domain name (labels of letters, digits and hyphens, e.g. example.com)", printable(name))
	}
	return d, nil
}

// CheckAppName checks a site's app name and returns it in lower case: an
// Android package or iOS bundle id (com.example.app) or an App Store id
// (123456789): 1 to 253 letters, digits, dots, hyphens and underscores,
// with no empty part between dots.
func CheckAppName(name string) (string, error) {
	a := strings.ToLower(strings.TrimSpace(name))
	ok := a != "" && len(a) <= maxDomain && strings.Trim(a, "abcdefghijklmnopqrstuvwxyz0123456789._-") == ""
	for _, part := range strings.Split(a, ".") {
		ok = ok && part != ""
	}
	if !ok {
		return "", errorf(Invalid, "%q is not an app name (e.g. com.example.app or 123456789)", printable(name))
	}
	return a, nil
}

// printable shortens a refused value for a message; %q escapes the rest.
func printable(s string) string {
	if len(s) > 64 {
		return strings.ToValidUTF8(s[:64], "") + "…"
	}
	return s
}
