package dialtest

import (
	"net/http"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aiclients/sdk-go/pkg/dial"
)

// metadataType is the attachment type whose url is "metadata/<resource url>"
// (DIAL Core's MetadataBase.MIME_TYPE).
const metadataType = "application/vnd.dial.metadata+json"

// absoluteURL and "data:" mark the attachment URLs DIAL Core does not check
// (UrlUtil.isAbsoluteUrl, isDataUrl).
var absoluteURL = regexp.MustCompile(`(?i)^[a-z][a-z0-9+.-]*?://`)

// resourceTypes are the first URL segments DIAL Core resolves to a resource
// (ResourceTypes.of).
var resourceTypes = map[string]bool{"files": true, "conversations": true, "prompts": true,
	"invitations": true, "publications": true, "applications": true}

// attachmentRefusal returns how DIAL Core refuses the first URL attached to
// msgs that it cannot parse or user may not read: status 0 if none. Core
// (ai-dial-core 0.18 function/CollectRequestAttachmentsFn.java,
// util/ProxyUtil.java collectAttachedFilesFromRequest) looks, message by
// message, at the image_url content parts, then the custom_content
// attachments, then the stages' attachments. Absolute and data: URLs pass
// unchecked. A URL it cannot parse (resourceBucket) is an empty 400, as is
// a metadata attachment whose url lacks "metadata/"; a resource the caller
// cannot read is 403 "Access denied to the file <url>". The emulator shares
// nothing, so a resource is readable only in the caller's own bucket or the
// public one.
//
// Not emulated: Core answers 400 for a bucket it cannot decrypt (one it did
// not issue), where the emulator takes every bucket for a real one and
// answers 403; for a path over 900 bytes once stored; and for an empty url
// or a null type, which the emulator's decoding cannot tell from absent.
func (s *Server) attachmentRefusal(user string, msgs []dial.Message) (int, string) {
	own := BucketOf(user)
	check := func(u string) (int, string) {
		if u == "" || absoluteURL.MatchString(u) || strings.HasPrefix(u, "data:") {
			return 0, ""
		}
		bucket, ok := resourceBucket(u)
		switch {
		case !ok:
			return http.StatusBadRequest, ""
		case bucket != own && bucket != "public":
			return http.StatusForbidden, "Access denied to the file " + u
		}
		return 0, ""
	}
	checkAll := func(as []dial.Attachment) (int, string) {
		for _, a := range as {
			u := a.URL
			if a.Type == metadataType && u != "" {
				var ok bool
				if u, ok = strings.CutPrefix(u, "metadata/"); !ok {
					return http.StatusBadRequest, ""
				}
			}
			if status, body := check(u); status != 0 {
				return status, body
			}
		}
		return 0, ""
	}
	for _, m := range msgs {
		for _, p := range m.Content.Parts {
			if p.Type == dial.PartImageURL && p.ImageURL != nil {
				if status, body := check(p.ImageURL.URL); status != 0 {
					return status, body
				}
			}
		}
		if m.CustomContent == nil {
			continue
		}
		if status, body := checkAll(m.CustomContent.Attachments); status != 0 {
			return status, body
		}
		for _, st := range m.CustomContent.Stages {
			if status, body := checkAll(st.Attachments); status != 0 {
				return status, body
			}
		}
	}
	return 0, ""
}

// resourceBucket parses a relative DIAL URL as DIAL Core does
// (ai-dial-core 0.18 resource/ResourceDescriptorFactory.java fromUrl and
// fromEncoded) and returns its decoded bucket, or false where Core throws:
// fewer than two segments (`b.png`), a leading `/`, two segments without a
// trailing `/` (`files/bucket`), a resource type other than those of
// ResourceTypes.of (`foo/bucket/x`), a segment that is not a valid URI or
// has a query or fragment (UrlUtil.decodePath), an empty bucket (nothing
// to decrypt), or a path element that is empty or holds a control
// character, `/`, `{` or `}` once decoded.
func resourceBucket(u string) (string, bool) {
	parts := javaSplit(u)
	if len(parts) < 2 || strings.HasPrefix(u, "/") || (len(parts) == 2 && !strings.HasSuffix(u, "/")) {
		return "", false
	}
	typ, ok := decodeSegment(parts[0])
	if !ok || !resourceTypes[typ] {
		return "", false
	}
	bucket, ok := decodeSegment(parts[1])
	if !ok || bucket == "" { // no key decrypts an empty bucket
		return "", false
	}
	path := u[len(parts[0])+len(parts[1])+2:]
	if strings.TrimSpace(path) == "" { // the bucket's root folder
		return bucket, true
	}
	for _, el := range javaSplit(path) {
		name, ok := decodeSegment(el)
		if !ok || name == "" || strings.ContainsFunc(name, func(r rune) bool { return r <= 0x1f || r == '/' || r == '{' || r == '}' }) {
			return "", false
		}
	}
	return bucket, true
}

// javaSplit splits s at each "/" as Java's String.split does: trailing
// empty strings are dropped, and s without a "/" is returned whole.
func javaSplit(s string) []string {
	if !strings.Contains(s, "/") {
		return []string{s}
	}
	parts := strings.Split(s, "/")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// decodeSegment is DIAL Core's UrlUtil.decodePath for one URL segment: the
// segment must parse as a java.net.URI without a query or fragment, and
// its %XX escapes are decoded.
func decodeSegment(seg string) (string, bool) {
	if i := strings.IndexAny(seg, ":?#"); i >= 0 && seg[i] == ':' {
		// A scheme, then an opaque part (java.net.URI).
		scheme, rest := seg[:i], seg[i+1:]
		if scheme == "" || !isAlpha(scheme[0]) || !uriChars(scheme[1:], "+-.", false) ||
			rest == "" || rest[0] == '#' || strings.Contains(rest, "#") || !uriChars(rest, ";/?:@&=+$,[]-_.!~*'()", true) {
			return "", false
		}
	} else if strings.ContainsAny(seg, "?#") || !uriChars(seg, ";/:@&=+$,-_.!~*'()", true) {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(seg); i++ {
		if seg[i] == '%' { // well formed: uriChars checked it
			b.WriteByte(unhex(seg[i+1])<<4 | unhex(seg[i+2]))
			i += 2
			continue
		}
		b.WriteByte(seg[i])
	}
	return b.String(), true
}

// uriChars reports whether s holds only ASCII letters, digits and the bytes
// of extra, and, if escaped, well-formed %XX escapes and the non-ASCII
// characters java.net.URI takes as "other" (not a space or control).
func uriChars(s, extra string, escaped bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case isAlpha(c) || ('0' <= c && c <= '9') || strings.IndexByte(extra, c) >= 0:
			i++
		case escaped && c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
			i += 3
		case escaped && c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r <= 0x9f || unicode.In(r, unicode.Zs, unicode.Zl, unicode.Zp) {
				return false
			}
			i += n
		default:
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func isHex(c byte) bool { return ('0' <= c && c <= '9') || ('a' <= c|0x20 && c|0x20 <= 'f') }

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c | 0x20 - 'a' + 10
}
