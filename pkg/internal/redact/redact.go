// Package redact removes credentials from headers, URLs and free text before
// they reach an error message, a log line or test output.
//
// The rules are deliberately broad: it is better to hide a harmless header
// than to print one API key.
package redact

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
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
	n := strings.TrimSpace(name)
	var buf [64]byte
	if len(n) <= len(buf) { // lower case without allocating (every call checks every header)
		b := buf[:len(n)]
		for i := 0; i < len(n); i++ {
			c := n[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b[i] = c
		}
		return sensitiveLower(string(b))
	}
	return sensitiveLower(strings.ToLower(n))
}

// sensitiveLower is sensitiveName of a trimmed, lower-case name.
func sensitiveLower(n string) bool {
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
	eachHeaderSecret(h, func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	})
	// Longest first, so that a value containing another is replaced whole.
	slices.SortFunc(out, longestFirst)
	return out
}

// eachHeaderSecret calls add with each secret in the sensitive headers of h
// (trimmed, long enough; maybe more than once).
func eachHeaderSecret(h http.Header, add func(string)) {
	addLong := func(s string) {
		if s = strings.TrimSpace(s); len(s) >= minSecretLen {
			add(s)
		}
	}
	for k, vs := range h {
		if !SensitiveHeader(k) {
			continue
		}
		for _, v := range vs {
			addLong(v)
			if _, rest, ok := strings.Cut(v, " "); ok {
				addLong(rest) // "Bearer <token>", "Basic <creds>", "Token <t>"
			}
		}
	}
}

func longestFirst(a, b string) int { return len(b) - len(a) }

// Scrub replaces every occurrence of each secret in s by Placeholder. Longer
// secrets are replaced first, whatever their order in secrets, so that a
// secret containing another (or joined lists of them) is replaced whole.
//
// A secret is also found when a server echoed it encoded: any of its bytes
// may appear JSON-escaped ("\/", "\u002f", "\u002F", "\"", "\\") or
// percent-encoded ("%2F", "%2f", "+" for a space), in any mix.
//
// The result does not spell a secret as it is. Placeholder and the text next
// to it could (a secret "D00000" in "D0000000000" leaves "REDACTED00000");
// then s is scrubbed again with a placeholder that no secret overlaps (see
// placeholderFor), such as "[REDACTED]". Only secrets that between them hold
// every byte value leave no such placeholder.
func Scrub(s string, secrets []string) string {
	if !slices.IsSortedFunc(secrets, longestFirst) {
		secrets = slices.SortedFunc(slices.Values(secrets), longestFirst)
	}
	out := scrubWith(s, secrets, Placeholder)
	if out == s || !spellsSecret(out, secrets) {
		return out
	}
	return scrubWith(s, secrets, placeholderFor(secrets))
}

// scrubWith is Scrub with placeholder p and secrets sorted longest first.
func scrubWith(s string, secrets []string, p string) string {
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, p)
		}
	}
	if !strings.ContainsAny(s, "\\%+") {
		return s
	}
	return scrubEncoded(s, secrets, p)
}

// spellsSecret reports whether s holds one of secrets as it is.
func spellsSecret(s string, secrets []string) bool {
	return slices.ContainsFunc(secrets, func(sec string) bool { return sec != "" && strings.Contains(s, sec) })
}

// placeholderFor returns a placeholder that no secret overlaps (see
// overlaps): between the pieces of text that a scrub leaves, such a
// placeholder cannot complete a secret. "[REDACTED]", "<REDACTED>" or
// "{REDACTED}" when one fits, else a run of a byte that no secret holds.
func placeholderFor(secrets []string) string {
	for _, p := range []string{"[REDACTED]", "<REDACTED>", "{REDACTED}"} {
		if !slices.ContainsFunc(secrets, func(sec string) bool { return overlaps(p, sec) }) {
			return p
		}
	}
	unused := func(c byte) bool {
		return !slices.ContainsFunc(secrets, func(sec string) bool { return strings.IndexByte(sec, c) >= 0 })
	}
	for c := byte('!'); c <= '~'; c++ { // printable first
		if unused(c) {
			return strings.Repeat(string(c), len(Placeholder))
		}
	}
	for c := 1; c < 256; c++ {
		if unused(byte(c)) {
			return strings.Repeat(string([]byte{byte(c)}), len(Placeholder))
		}
	}
	return Placeholder // the secrets hold every byte value: nothing fits better
}

// overlaps reports whether placeholder p and secret sec share text in a way
// that lets p, next to other text, spell sec: one contains the other, or sec
// begins with the end of p, or ends with the start of p.
func overlaps(p, sec string) bool {
	if sec == "" {
		return false
	}
	if strings.Contains(sec, p) || strings.Contains(p, sec) {
		return true
	}
	for k := 1; k < len(p) && k < len(sec); k++ {
		if strings.HasSuffix(p, sec[:k]) || strings.HasPrefix(p, sec[len(sec)-k:]) {
			return true
		}
	}
	return false
}

// scrubEncoded replaces the encoded occurrences of secrets (see Scrub) by p.
func scrubEncoded(s string, secrets []string, p string) string {
	// Only a secret's first byte, or the start of an encoding, can begin a match.
	var starts [256]bool
	starts['\\'], starts['%'], starts['+'] = true, true, true
	for _, sec := range secrets {
		if sec != "" {
			starts[sec[0]] = true
		}
	}
	var b strings.Builder
	last := 0 // s[last:i] is still to be copied
	for i := 0; i < len(s); {
		if !starts[s[i]] {
			i++
			continue
		}
		n := 0
		for _, sec := range secrets {
			if sec != "" {
				if n = matchAt(s[i:], sec); n > 0 {
					break
				}
			}
		}
		if n == 0 {
			i++
			continue
		}
		if b.Len() == 0 && last == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[last:i])
		b.WriteString(p)
		i += n
		last = i
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// matchAt returns how many bytes of s, from its start, spell sec with any of
// its bytes possibly encoded; 0 when s does not start with sec.
func matchAt(s, sec string) int {
	budget := 256 // bounds the backtracking over ambiguous bytes (\, %, +)
	return matchFrom(s, 0, sec, 0, &budget)
}

// matchFrom matches sec[k:] against s[j:]; it returns the end in s, or 0.
// A byte of s such as "\\" may be the secret's own backslash or start an
// escape, so both readings are tried.
func matchFrom(s string, j int, sec string, k int, budget *int) int {
	for ; k < len(sec); k++ {
		if *budget--; *budget < 0 {
			return 0
		}
		c := sec[k]
		literal := j < len(s) && s[j] == c
		n := 0
		if j < len(s) && (s[j] == '\\' || s[j] == '%' || s[j] == '+') {
			n = encodedByte(s[j:], c)
		}
		switch {
		case n > 0 && literal:
			if end := matchFrom(s, j+n, sec, k+1, budget); end > 0 {
				return end
			}
			j++
		case n > 0:
			j += n
		case literal:
			j++
		default:
			return 0
		}
	}
	return j
}

// encodedByte returns the length of an encoding of c at the start of s: a
// JSON escape (\/, \", \\, \b, \f, \n, \r, \t, \uXXXX for ASCII),
// a percent-encoding (%XX) or "+" for a space; 0 when there is none.
func encodedByte(s string, c byte) int {
	if len(s) == 0 {
		return 0
	}
	switch s[0] {
	case '\\':
		if len(s) < 2 {
			return 0
		}
		switch s[1] {
		case '/', '"', '\\':
			if s[1] == c {
				return 2
			}
		case 'b', 'f', 'n', 'r', 't':
			if jsonShort[s[1]] == c {
				return 2
			}
		case 'u':
			if len(s) >= 6 && c < 0x80 {
				if v, ok := hexValue(s[2:6]); ok && v == int(c) {
					return 6
				}
			}
		}
	case '%':
		if len(s) >= 3 {
			if v, ok := hexValue(s[1:3]); ok && v == int(c) {
				return 3
			}
		}
	case '+':
		if c == ' ' {
			return 1
		}
	}
	return 0
}

var jsonShort = map[byte]byte{'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// hexValue decodes a short run of hex digits (either case).
func hexValue(h string) (int, bool) {
	v := 0
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | int(c-'0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | int(c-'a'+10)
		case 'A' <= c && c <= 'F':
			v = v<<4 | int(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// ScrubBytes is Scrub for a byte slice. It returns b itself when nothing
// needed replacing.
func ScrubBytes(b []byte, secrets []string) []byte {
	if len(b) == 0 || len(secrets) == 0 {
		return b
	}
	s := Scrub(string(b), secrets)
	if s == string(b) {
		return b
	}
	return []byte(s)
}

// ScrubHeader returns a copy of h in which sensitive headers are redacted
// (see Header) and every other value has secrets scrubbed out (a server may
// echo a credential in X-Request-Id, say). A nil h gives nil.
func ScrubHeader(h http.Header, secrets []string) http.Header {
	out := Header(h)
	if len(secrets) == 0 {
		return out
	}
	for k, vs := range out {
		for i, v := range vs {
			vs[i] = Scrub(v, secrets)
		}
		out[k] = vs
	}
	return out
}

// RequestSecrets collects the secrets (see Secrets and QuerySecrets) of req
// and of every request before it in its redirect chain (req.Response.Request).
func RequestSecrets(req *http.Request) []string {
	var out []string
	for i := 0; req != nil && i < 32; i++ {
		for _, s := range append(Secrets(req.Header), QuerySecrets(req.URL)...) {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		if req.Response == nil {
			break
		}
		req = req.Response.Request
	}
	slices.SortFunc(out, longestFirst)
	return out
}

// SecretScrubber is implemented by error types that hold text a server sent
// (a message, a body, headers): ScrubSecrets replaces every secret in that
// text, in place, as Scrub does. ScrubError calls it along an error chain.
type SecretScrubber interface {
	ScrubSecrets(secrets []string)
}

// ScrubError scrubs secrets out of err and every error it wraps (Unwrap()
// error and Unwrap() []error) that implements SecretScrubber. It then
// checks the text of err: when it still holds a secret (an untyped error
// quoting server text), the result is an error with the scrubbed text that
// wraps err, so errors.Is and errors.As keep working.
func ScrubError(err error, secrets []string) error {
	if err == nil || len(secrets) == 0 {
		return err
	}
	scrubChain(err, secrets, 0)
	text := err.Error()
	if clean := Scrub(text, secrets); clean != text {
		return &scrubbedError{text: clean, err: err}
	}
	return err
}

func scrubChain(err error, secrets []string, depth int) {
	if err == nil || depth > 64 {
		return
	}
	if s, ok := err.(SecretScrubber); ok {
		s.ScrubSecrets(secrets)
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		scrubChain(u.Unwrap(), secrets, depth+1)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			scrubChain(e, secrets, depth+1)
		}
	}
}

// scrubbedError is an error whose text had secrets scrubbed out; it wraps
// the original so that errors.Is and errors.As still find its chain.
type scrubbedError struct {
	text string
	err  error
}

// Error returns the scrubbed text.
func (e *scrubbedError) Error() string { return e.text }

// Unwrap returns the original error.
func (e *scrubbedError) Unwrap() error { return e.err }

// Collector gathers the secrets a call sent (every attempt's credentials),
// so that whoever turns the call's outcome into an error can scrub them,
// whatever middleware or redirects did to the request. See WithCollector.
type Collector struct {
	mu      sync.Mutex
	secrets []string
}

type collectorKey struct{}

// WithCollector returns a context carrying a new Collector, and it.
func WithCollector(ctx context.Context) (context.Context, *Collector) {
	c := &Collector{}
	return context.WithValue(ctx, collectorKey{}, c), c
}

// Collect adds the secrets of h and u (see Secrets, QuerySecrets) to the
// Collector of ctx, if it has one.
func Collect(ctx context.Context, h http.Header, u *url.URL) {
	c, _ := ctx.Value(collectorKey{}).(*Collector)
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	add := func(s string) {
		if !slices.Contains(c.secrets, s) {
			c.secrets = append(c.secrets, s)
		}
	}
	// Straight into the collector: an attempt whose secrets are known
	// already allocates nothing.
	eachHeaderSecret(h, add)
	for _, s := range QuerySecrets(u) {
		add(s)
	}
}

// Range calls f with each secret collected so far, in the order they were
// collected, without copying them (f must not use the Collector). A nil
// Collector has none.
func (c *Collector) Range(f func(string)) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.secrets {
		f(s)
	}
}

// Secrets returns the secrets collected so far, longest first. A nil
// Collector has none.
func (c *Collector) Secrets() []string {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.SortedFunc(slices.Values(c.secrets), longestFirst)
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
	if u.RawQuery == "" {
		return out // (u.Query() would allocate an empty map)
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
