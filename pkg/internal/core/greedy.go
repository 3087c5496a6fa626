package core

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/internal/transport"
)

// GreedyPath is a family of operations whose path ends in a parameter that
// holds a path with "/" (DIAL's /v1/files/{bucket}/{path}). OpenAPI path
// parameters cannot hold "/", so the generated client escapes the whole
// value as one segment ("a%2Fb%20c.txt"); the core sends it as segments,
// each percent-encoded on its own ("a/b%20c.txt"). Every segment is checked
// first, so a restored "/" can never make the path climb out of its prefix.
type GreedyPath struct {
	// Prefix is the path after the base URL up to the parameters, with
	// slashes on both ends: "/v1/files/".
	Prefix string
	// Fixed counts the single-segment parameters between Prefix and the
	// greedy one (DIAL's bucket: 1). They may not hold "/".
	Fixed int
	// CheckFixed, if set, validates each fixed parameter (decoded) and
	// returns why it is refused, or "".
	CheckFixed func(seg string) string
	// Check, if set, validates each segment of the greedy parameter
	// (decoded) beyond the built-in rules (not empty except a trailing
	// folder slash, not "." or ".."), returning why it is refused, or "".
	Check func(seg string) string
}

// EscapeSegment percent-encodes every byte of s that is not an RFC 3986
// unreserved character (letters, digits, "-", "_", ".", "~"): the strictest
// encoding of one path segment, which every server decodes the same way.
func EscapeSegment(s string) string {
	const hexd = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexd[c>>4], hexd[c&15])
	}
	return string(b)
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}

// rewriteGreedy restores the "/" of a greedy parameter in req (built by the
// generated client against base). Requests of other operations pass as they are.
func (c *Client) rewriteGreedy(req *http.Request, base string) error {
	if len(c.Service.GreedyPaths) == 0 || req.URL == nil {
		return nil
	}
	basePath := ""
	if u, err := transport.ParseBase(base); err == nil {
		basePath = strings.TrimSuffix(u.EscapedPath(), "/")
	}
	rest, ok := strings.CutPrefix(req.URL.EscapedPath(), basePath)
	if !ok {
		return nil
	}
	for _, g := range c.Service.GreedyPaths {
		params, ok := strings.CutPrefix(rest, g.Prefix)
		if !ok {
			continue
		}
		fixed := strings.SplitN(params, "/", g.Fixed+1)
		if len(fixed) != g.Fixed+1 {
			return nil // not this operation's shape (a listing of the prefix itself)
		}
		out := make([]string, 0, g.Fixed+4)
		for _, f := range fixed[:g.Fixed] {
			d, err := url.PathUnescape(f)
			if err != nil || d == "" || strings.Contains(d, "/") {
				return c.pathErr("path parameter", "must be one non-empty segment without /")
			}
			if g.CheckFixed != nil {
				if reason := g.CheckFixed(d); reason != "" {
					return c.pathErr("path parameter", reason)
				}
			}
			out = append(out, EscapeSegment(d))
		}
		segs := strings.Split(fixed[g.Fixed], "%2F")
		for i, seg := range segs {
			d, err := url.PathUnescape(seg)
			if err != nil {
				return c.pathErr("path", "not a valid path")
			}
			if d == "" && i == len(segs)-1 { // the root, or a folder's trailing "/"
				out = append(out, "")
				continue
			}
			if reason := greedyCheck(g, d); reason != "" {
				return c.pathErr("path", reason)
			}
			out = append(out, EscapeSegment(d))
		}
		escaped := basePath + g.Prefix + strings.Join(out, "/")
		decoded, err := url.PathUnescape(escaped)
		if err != nil {
			return c.pathErr("path", "not a valid path")
		}
		req.URL.Path, req.URL.RawPath = decoded, escaped
		return nil
	}
	return nil
}

func greedyCheck(g GreedyPath, d string) string {
	switch {
	case d == "":
		return "empty path segment"
	case d == "." || d == "..":
		return "segment " + d + " is not allowed"
	case strings.Contains(d, "/"):
		return "a segment must not contain an encoded slash (%2F)"
	}
	if g.Check != nil {
		return g.Check(d)
	}
	return ""
}

func (c *Client) pathErr(field, reason string) error {
	return &apierror.InputError{Service: c.Service.Name, Field: field, Reason: reason}
}
