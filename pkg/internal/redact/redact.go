// Package redact removes credentials from headers, URLs and free text before
// they reach an error message, a log line or test output.
//
// The rules are deliberately broad: it is better to hide a harmless header
// than to print one API key.
package redact

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Placeholder replaces every redacted value.
const Placeholder = "REDACTED"

// exactNames are sensitive names (lower case) that the substring rules below
// would not catch.
var exactNames = []string{
	"cookie", "set-cookie", "sig", "x-amz-credential", "x-amz-security-token",
}

// fragments mark a name as sensitive when it contains one of them (lower case).
// "auth" covers Authorization and Proxy-Authorization, "key" covers api-key,
// x-api-key and VECTORVEIN-API-KEY.
var fragments = []string{
	"key", "token", "secret", "auth", "signature", "password", "passwd",
	"credential", "session", "cookie",
}

// SensitiveHeader reports whether a header with this name may carry a
// credential: Authorization, Proxy-Authorization, Cookie, Set-Cookie, api-key,
// x-api-key, VECTORVEIN-API-KEY, and any name containing "key", "token",
// "secret", "auth", "signature", "password", "credential" or "session"
// (case-insensitive).
func SensitiveHeader(name string) bool {
	return sensitiveName(name)
}

// SensitiveQuery reports whether a URL query parameter with this name may
// carry a credential. It uses the same rules as SensitiveHeader.
func SensitiveQuery(name string) bool {
	return sensitiveName(name)
}

func sensitiveName(name string) bool {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" {
		return false
	}
	if slices.Contains(exactNames, n) {
		return true
	}
	for _, f := range fragments {
		if strings.Contains(n, f) {
			return true
		}
	}
	return false
}

// Header returns a copy of h in which the value of every sensitive header is
// replaced by Placeholder. A nil h gives nil.
func Header(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		if SensitiveHeader(k) {
			red := make([]string, len(vs))
			for i := range red {
				red[i] = Placeholder
			}
			out[k] = red
			continue
		}
		out[k] = slices.Clone(vs)
	}
	return out
}

// URL renders u without secrets: userinfo is dropped and the value of every
// sensitive query parameter is replaced by Placeholder. A nil u gives "".
func URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		c.RawQuery = redactQuery(c.RawQuery)
	}
	if c.Fragment != "" || c.RawFragment != "" {
		c.Fragment, c.RawFragment = "", ""
	}
	return c.String()
}

// URLString is URL for a URL held as a string. A string that does not parse
// as a URL is replaced by Placeholder entirely, since its secrets cannot be
// located.
func URLString(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil {
		return Placeholder
	}
	return URL(u)
}

// redactQuery replaces sensitive values in a raw query while keeping the
// order and encoding of every other parameter.
func redactQuery(raw string) string {
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		name, _, hasValue := strings.Cut(p, "=")
		dec, err := url.QueryUnescape(name)
		if err != nil {
			dec = name
		}
		if hasValue && SensitiveQuery(dec) {
			parts[i] = name + "=" + Placeholder
		}
	}
	return strings.Join(parts, "&")
}

// minSecretLen is the shortest value Secrets collects: shorter values are too
// likely to match ordinary text and too weak to be real credentials.
const minSecretLen = 6

// Secrets collects the values of the sensitive headers in h (for
// "Authorization: Bearer x" both the whole value and x), so that text that
// echoes them can be scrubbed with Scrub.
func Secrets(h http.Header) []string {
	var out []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		if len(s) >= minSecretLen && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for k, vs := range h {
		if !SensitiveHeader(k) {
			continue
		}
		for _, v := range vs {
			add(v)
			if _, rest, ok := strings.Cut(v, " "); ok {
				add(rest) // "Bearer <token>", "Basic <creds>", "Token <t>"
			}
		}
	}
	// Longest first, so that a value containing another is replaced whole.
	slices.SortFunc(out, longestFirst)
	return out
}

func longestFirst(a, b string) int { return len(b) - len(a) }

// Scrub replaces every occurrence of each secret in s by Placeholder. Longer
// secrets are replaced first, whatever their order in secrets, so that a
// secret containing another (or joined lists of them) is replaced whole.
func Scrub(s string, secrets []string) string {
	if !slices.IsSortedFunc(secrets, longestFirst) {
		secrets = slices.SortedFunc(slices.Values(secrets), longestFirst)
	}
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, Placeholder)
		}
	}
	return s
}

// ScrubBytes is Scrub for a byte slice. It returns b itself when nothing
// needed replacing.
func ScrubBytes(b []byte, secrets []string) []byte {
	changed := false
	for _, sec := range secrets {
		if sec != "" && strings.Contains(string(b), sec) {
			changed = true
			break
		}
	}
	if !changed {
		return b
	}
	return []byte(Scrub(string(b), secrets))
}

// QuerySecrets collects the values of the sensitive query parameters (as
// decoded and as query-escaped) and the password of u, for use with Scrub.
func QuerySecrets(u *url.URL) []string {
	if u == nil {
		return nil
	}
	var out []string
	if p, ok := u.User.Password(); ok && len(p) >= minSecretLen {
		out = append(out, p)
	}
	for k, vs := range u.Query() {
		if !SensitiveQuery(k) {
			continue
		}
		for _, v := range vs {
			// A server echoing the URL quotes the value as it was sent.
			for _, form := range []string{v, url.QueryEscape(v)} {
				if len(form) >= minSecretLen && !slices.Contains(out, form) {
					out = append(out, form)
				}
			}
		}
	}
	return out
}
