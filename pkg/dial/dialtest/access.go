package dialtest

import (
	"net/url"
	"regexp"
	"strings"

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

// deniedAttachment returns the first URL attached to msgs that user may not
// read, or "". DIAL Core (CollectRequestAttachmentsFn, ProxyUtil) looks at
// every message's image_url content parts and custom_content attachments
// (stage attachments included) and answers 403 "Access denied to the file
// <url>" for a resource the caller cannot read. The emulator shares nothing,
// so a resource is readable only in the caller's own bucket or the public
// one.
//
// Where Core refuses a URL it cannot parse (fewer than two segments, an
// unknown resource type, a bucket it cannot decrypt) with an empty 400, the
// emulator lets it through, except a bucket that is not the caller's, which
// is answered 403.
func (s *Server) deniedAttachment(user string, msgs []dial.Message) string {
	own := BucketOf(user)
	readable := func(u string) bool {
		if u == "" || absoluteURL.MatchString(u) || strings.HasPrefix(u, "data:") {
			return true
		}
		typ, rest, ok := strings.Cut(u, "/")
		if !ok || !resourceTypes[typ] {
			return true
		}
		raw, _, _ := strings.Cut(rest, "/")
		bucket, err := url.PathUnescape(raw)
		if err != nil {
			bucket = raw
		}
		return bucket == own || bucket == "public"
	}
	check := func(as []dial.Attachment) string {
		for _, a := range as {
			u := a.URL
			if a.Type == metadataType {
				u = strings.TrimPrefix(u, "metadata/")
			}
			if !readable(u) {
				return u
			}
		}
		return ""
	}
	for _, m := range msgs {
		for _, p := range m.Content.Parts {
			if p.Type == dial.PartImageURL && p.ImageURL != nil && !readable(p.ImageURL.URL) {
				return p.ImageURL.URL
			}
		}
		if m.CustomContent == nil {
			continue
		}
		if u := check(m.CustomContent.Attachments); u != "" {
			return u
		}
		for _, st := range m.CustomContent.Stages {
			if u := check(st.Attachments); u != "" {
				return u
			}
		}
	}
	return ""
}
