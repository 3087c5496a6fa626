package dial

import (
	"context"
	"net/url"
	"strings"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/internal/core"
	"github.com/aiclients/sdk-go/pkg/internal/redact"
)

// InvalidURLError reports a storage URL that cannot be used; no request was
// sent. It unwraps to an *apierror.InputError.
type InvalidURLError struct {
	URL    string // the input, with any userinfo and query removed
	Reason string
}

// Error renders e.g. `dial: invalid file URL "files/b/../x": segment ".." is not allowed`.
func (e *InvalidURLError) Error() string {
	return "dial: invalid file URL " + quote(e.URL) + ": " + e.Reason
}

// Unwrap returns the equivalent *apierror.InputError, so errors.As finds
// either type.
func (e *InvalidURLError) Unwrap() error {
	return &apierror.InputError{Service: ServiceName, Field: "file URL", Reason: e.Reason}
}

func quote(s string) string {
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}

func invalidURL(input, reason string) error {
	shown := input
	if u, err := url.Parse(input); err == nil && (u.User != nil || u.RawQuery != "") {
		shown = redact.URL(u)
		if i := strings.IndexByte(shown, '?'); i >= 0 {
			shown = shown[:i]
		}
	}
	return &InvalidURLError{URL: shown, Reason: reason}
}

// FileURL is a validated DIAL storage URL of a file or folder:
// "files/<bucket>/<path>", relative to the API root. Its segments are kept
// decoded; String encodes each one (only A-Z a-z 0-9 - _ . ~ stay literal)
// and joins them with "/". A trailing "/" marks a folder. The zero value is
// not a valid URL.
type FileURL struct {
	bucket string
	segs   []string // decoded path segments after the bucket
	folder bool
}

// resourceTypes are the first segments of DIAL storage URLs.
var resourceTypes = map[string]bool{"files": true, "prompts": true, "conversations": true, "applications": true, "toolsets": true, "skills": true}

// ParseFileURL parses "files/<bucket>/<path>" (a trailing "/" marks a
// folder; "files/<bucket>/" is the bucket root). Segments may be given raw
// ("my file.txt") or percent-encoded ("my%20file.txt"); they are decoded
// first, so encoding is never doubled. Empty, "." and ".." segments, segments
// that decode to contain "/", control characters, "{" or "}" are rejected.
func ParseFileURL(s string) (FileURL, error) {
	if s == "" {
		return FileURL{}, invalidURL(s, "must not be empty")
	}
	if strings.HasPrefix(s, "/") {
		return FileURL{}, invalidURL(s, "root-relative URL is forbidden; use files/<bucket>/<path>")
	}
	if strings.ContainsAny(s, "?#") {
		return FileURL{}, invalidURL(s, "must not contain a query or fragment (encode ? and # in names)")
	}
	typ, rest, _ := strings.Cut(s, "/")
	switch {
	case typ == "v1" || typ == "v2":
		return FileURL{}, invalidURL(s, "API prefix as relative part is not allowed; use files/<bucket>/<path>")
	case typ != "files" && resourceTypes[typ]:
		return FileURL{}, invalidURL(s, "invalid resource type "+quote(typ)+" for a file")
	case typ != "files":
		return FileURL{}, invalidURL(s, "must start with files/<bucket>/")
	}
	bucket, path, ok := strings.Cut(rest, "/")
	if bucket == "" || !ok {
		return FileURL{}, invalidURL(s, "missing bucket in URL")
	}
	if b, err := decodeSegment(bucket); err != "" || b != bucket || !alnum(bucket) {
		return FileURL{}, invalidURL(s, "bucket must be letters and digits")
	}
	u := FileURL{bucket: bucket, folder: path == "" || strings.HasSuffix(path, "/")}
	if path == "" {
		return u, nil
	}
	segs, reason := splitSegments(strings.TrimSuffix(path, "/"))
	if reason != "" {
		return FileURL{}, invalidURL(s, reason)
	}
	u.segs = segs
	return u, nil
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return s != ""
}

func splitSegments(path string) ([]string, string) {
	parts := strings.Split(path, "/")
	segs := make([]string, 0, len(parts))
	for _, p := range parts {
		d, reason := decodeSegment(p)
		if reason != "" {
			return nil, reason
		}
		segs = append(segs, d)
	}
	return segs, ""
}

// decodeSegment percent-decodes one segment leniently (a "%" not followed by
// two hex digits stays literal, as Python's unquote does) and validates it.
func decodeSegment(seg string) (string, string) {
	var b strings.Builder
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if c == '%' && i+2 < len(seg) && isHex(seg[i+1]) && isHex(seg[i+2]) {
			b.WriteByte(unhex(seg[i+1])<<4 | unhex(seg[i+2]))
			i += 2
			continue
		}
		b.WriteByte(c)
	}
	d := b.String()
	if reason := checkSegment(d); reason != "" {
		return "", reason
	}
	return d, ""
}

// checkSegment validates one decoded path segment the way DIAL Core does;
// it returns why the segment is refused, or "".
func checkSegment(d string) string {
	switch {
	case d == "":
		return "empty path segment"
	case d == "." || d == "..":
		return "segment " + quote(d) + " is not allowed"
	case strings.Contains(d, "/"):
		return "a segment must not contain an encoded slash (%2F)"
	case strings.ContainsAny(d, "{}"):
		return "a segment must not contain { or }"
	}
	for _, r := range d {
		if r < 0x20 || r == 0x7f {
			return "a segment must not contain control characters"
		}
	}
	return ""
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// String returns "files/<bucket>/<encoded path>", ending in "/" for folders.
func (u FileURL) String() string {
	if u.bucket == "" {
		return ""
	}
	return "files/" + u.bucket + "/" + u.encodedPath()
}

func (u FileURL) encodedPath() string {
	var b strings.Builder
	for i, s := range u.segs {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(core.EscapeSegment(s))
	}
	if u.folder && len(u.segs) > 0 {
		b.WriteByte('/')
	}
	return b.String()
}

// Bucket returns the bucket id.
func (u FileURL) Bucket() string { return u.bucket }

// Path returns the decoded path inside the bucket, "/"-joined, ending in
// "/" for folders ("" for the bucket root).
func (u FileURL) Path() string {
	p := strings.Join(u.segs, "/")
	if u.folder && p != "" {
		p += "/"
	}
	return p
}

// Name returns the decoded last segment ("" for the bucket root).
func (u FileURL) Name() string {
	if len(u.segs) == 0 {
		return ""
	}
	return u.segs[len(u.segs)-1]
}

// IsFolder reports whether the URL names a folder (it ends in "/").
func (u FileURL) IsFolder() bool { return u.folder }

// IsZero reports whether u is the zero FileURL.
func (u FileURL) IsZero() bool { return u.bucket == "" }

// Parent returns the folder containing u (the root's parent is the root).
func (u FileURL) Parent() FileURL {
	if len(u.segs) == 0 {
		return u
	}
	return FileURL{bucket: u.bucket, segs: u.segs[: len(u.segs)-1 : len(u.segs)-1], folder: true}
}

// Join returns the file or folder at rel below the folder u. rel is a
// "/"-separated relative path whose segments are raw or percent-encoded; a
// trailing "/" makes the result a folder. Being a path, not a URL, rel may
// hold "?" and "#" as name characters ("a#b.txt" becomes "a%23b.txt").
func (u FileURL) Join(rel string) (FileURL, error) {
	if u.bucket == "" {
		return FileURL{}, invalidURL(rel, "joined to an empty FileURL")
	}
	if !u.folder {
		return FileURL{}, invalidURL(u.String(), "not a folder (a folder URL ends with /)")
	}
	if rel == "" {
		return u, nil
	}
	if strings.HasPrefix(rel, "/") {
		return FileURL{}, invalidURL(rel, "must be relative (no leading /)")
	}
	segs, reason := splitSegments(strings.TrimSuffix(rel, "/"))
	if reason != "" {
		return FileURL{}, invalidURL(rel, reason)
	}
	all := make([]string, 0, len(u.segs)+len(segs))
	all = append(append(all, u.segs...), segs...)
	return FileURL{bucket: u.bucket, segs: all, folder: strings.HasSuffix(rel, "/")}, nil
}

// URL resolves a storage URL in any accepted form:
//
//   - "files/<bucket>/<path>", relative to the API root (as DIAL returns them);
//   - an absolute URL of the same DIAL host: "<base URL>/v1/files/<bucket>/<path>"
//     (its query is dropped);
//   - a path relative to the caller's home folder, such as "reports/q1.csv"
//     (this looks up the bucket once, see Client.Home). A first segment that
//     is a DIAL resource type (files, prompts, …) is not home-relative. As
//     in Join, "?" and "#" are part of the names here; in the URL forms
//     above they must be percent-encoded.
//
// Anything else, another host, "..", empty segments or forbidden characters
// give *InvalidURLError without any request.
func (f *FilesService) URL(ctx context.Context, s string) (FileURL, error) {
	return f.c.resolveURL(ctx, s)
}

func (c *Client) resolveURL(ctx context.Context, s string) (FileURL, error) {
	if strings.TrimSpace(s) != s || s == "" {
		if s == "" {
			return FileURL{}, invalidURL(s, "must not be empty")
		}
		return FileURL{}, invalidURL(s, "must not start or end with whitespace")
	}
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.Contains(s, "://") {
		return c.parseAbsolute(ctx, s)
	}
	first, _, _ := strings.Cut(s, "/")
	if strings.HasPrefix(s, "/") || first == "v1" || first == "v2" || resourceTypes[first] {
		return ParseFileURL(s)
	}
	// Validate the path before the bucket lookup: bad input sends nothing.
	if _, err := (FileURL{bucket: "home", folder: true}).Join(s); err != nil {
		return FileURL{}, err
	}
	home, err := c.Home(ctx)
	if err != nil {
		return FileURL{}, err
	}
	return home.Join(s)
}

func (c *Client) parseAbsolute(ctx context.Context, s string) (FileURL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return FileURL{}, invalidURL(s, "not an http(s) URL")
	}
	base, err := url.Parse(c.core.CallConfig(ctx).BaseURL)
	if err != nil {
		return FileURL{}, invalidURL(s, "the client's base URL is invalid")
	}
	if !strings.EqualFold(u.Host, base.Host) || u.Scheme != base.Scheme {
		return FileURL{}, invalidURL(s, "not a DIAL URL of "+base.Scheme+"://"+base.Host)
	}
	rel, ok := strings.CutPrefix(u.EscapedPath(), strings.TrimSuffix(base.EscapedPath(), "/")+"/v1/")
	if !ok {
		return FileURL{}, invalidURL(s, "path does not start with the DIAL API URL "+c.core.CallConfig(ctx).BaseURL+"/v1/")
	}
	return ParseFileURL(rel)
}
