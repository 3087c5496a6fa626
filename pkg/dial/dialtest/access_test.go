package dialtest_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
	"github.com/aiclients/sdk-go/pkg/option"
)

// TestChatAttachmentAccess: a chat request that attaches a file in another
// user's bucket is refused as DIAL Core refuses it (CollectRequestAttachmentsFn:
// 403, plain text "Access denied to the file <url>"), wherever the URL is
// attached; the caller's own bucket, the public bucket, absolute and data
// URLs pass.
func TestChatAttachmentAccess(t *testing.T) {
	srv := dialtest.NewServer(t, dialtest.WithAPIKey("key-alice", "alice"), dialtest.WithAPIKey("key-bob", "bob"))
	chatURL := srv.URL + "/openai/deployments/gpt-4o/chat/completions"
	alice := map[string]string{"api-key": "key-alice"}
	bobs := "files/" + dialtest.BucketOf("bob") + "/docs/x.png"
	own := "files/" + dialtest.BucketOf("alice") + "/docs/x.png"
	withAttachment := func(where, url string) string {
		switch where {
		case "part":
			return fmt.Sprintf(`{"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}, {"type": "image_url", "image_url": {"url": %q}}]}]}`, url)
		case "stage":
			return fmt.Sprintf(`{"messages": [{"role": "assistant", "content": "a", "custom_content": {"stages": [{"index": 0, "name": "S", "attachments": [{"url": %q}]}]}}, {"role": "user", "content": "hi"}]}`, url)
		case "metadata":
			return fmt.Sprintf(`{"messages": [{"role": "user", "content": "hi", "custom_content": {"attachments": [{"type": "application/vnd.dial.metadata+json", "url": %q}]}}]}`, "metadata/"+url)
		}
		return fmt.Sprintf(`{"messages": [{"role": "user", "content": "hi", "custom_content": {"attachments": [{"type": "image/png", "url": %q}]}}]}`, url)
	}
	require.NoError(t, srv.ScriptReplies("gpt-4o", dialtest.Reply{Content: "scripted"}))
	for _, where := range []string{"attachment", "part", "stage", "metadata"} {
		status, body, ct := send(t, "POST", chatURL, alice, withAttachment(where, bobs))
		require.Equal(t, http.StatusForbidden, status, where)
		require.Equal(t, "Access denied to the file "+bobs, body, where)
		require.Equal(t, "text/plain; charset=utf-8", ct, where)
	}
	require.Equal(t, map[string]int{"gpt-4o": 1}, srv.PendingReplies(), "a refused request takes no scripted reply")

	encoded := "files/" + dialtest.BucketOf("bob") + "/a%20b.png"
	status, body, _ := send(t, "POST", chatURL, alice, withAttachment("attachment", encoded))
	require.Equal(t, http.StatusForbidden, status)
	require.Equal(t, "Access denied to the file "+encoded, body)

	for _, ok := range []string{own, "files/public/x.png", "https://example.com/x.png", "data:image/png;base64,AAAA", "conversations/" + dialtest.BucketOf("alice") + "/c"} {
		status, body, _ := send(t, "POST", chatURL, alice, withAttachment("attachment", ok))
		require.Equal(t, http.StatusOK, status, ok+": "+body)
	}
	status, body, _ = send(t, "POST", chatURL, map[string]string{"api-key": "key-bob"}, withAttachment("part", bobs))
	require.Equal(t, http.StatusOK, status, "bob reads his own file: "+body)

	// Through the Go client: a typed 403.
	c, err := dial.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("key-alice"), option.WithMaxRetries(0))
	require.NoError(t, err)
	req := &dial.ChatCompletionRequest{Messages: []dial.Message{{Role: dial.RoleUser, Content: dial.Content{Text: "look"},
		CustomContent: &dial.CustomContent{Attachments: []dial.Attachment{{Type: "image/png", URL: bobs}}}}}}
	_, err = c.Chat.Create(context.Background(), "gpt-4o", req)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, http.StatusForbidden, ae.StatusCode)
	require.Contains(t, ae.Message, "Access denied to the file "+bobs)
}

// TestChatAttachmentURLForms: DIAL Core answers an empty 400 for an
// attached URL it cannot parse (ResourceDescriptorFactory.fromUrl,
// UrlUtil.decodePath, reached from CollectRequestAttachmentsFn) and so does
// the emulator, wherever the URL is attached; the forms Core accepts pass.
func TestChatAttachmentURLForms(t *testing.T) {
	srv := dialtest.NewServer(t, dialtest.WithAPIKey("key-alice", "alice"), dialtest.WithAPIKey("key-bob", "bob"))
	chatURL := srv.URL + "/openai/deployments/gpt-4o/chat/completions"
	alice := map[string]string{"api-key": "key-alice"}
	own := "files/" + dialtest.BucketOf("alice")
	bobs := "files/" + dialtest.BucketOf("bob") + "/x.png"
	attach := func(typ string, urls ...string) string {
		var msgs []string
		for _, u := range urls {
			msgs = append(msgs, fmt.Sprintf(`{"role": "user", "content": "hi", "custom_content": {"attachments": [{"type": %q, "url": %q}]}}`, typ, u))
		}
		return `{"messages": [` + strings.Join(msgs, ", ") + `]}`
	}
	require.NoError(t, srv.ScriptReplies("gpt-4o", dialtest.Reply{Content: "scripted"}))

	rejected := map[string]string{
		"one segment":                  "b.png",
		"leading slash":                "/" + own + "/b.png",
		"leading slash, two segments":  "/b.png",
		"two segments, no slash":       own,
		"unknown resource type":        "foo/" + dialtest.BucketOf("alice") + "/x",
		"resource type of another API": "limits/" + dialtest.BucketOf("alice") + "/x",
		"empty path element":           own + "/a//b.png",
		"escaped slash in a name":      own + "/a%2Fb.png",
		"escaped brace in a name":      own + "/%7Bb%7D.png",
		"escaped control character":    own + "/a%01.png",
		"space (not a URI)":            own + "/c d.png",
		"query":                        own + "/x.png?v=1",
		"fragment":                     own + "/x.png#p",
		"malformed escape":             own + "/%zz.png",
		"colon after a digit":          own + "/1a:b.png",
		"empty bucket":                 "files//x.png",
	}
	for name, u := range rejected {
		for _, where := range []string{"attachment", "part", "stage"} {
			var body string
			switch where {
			case "attachment":
				body = attach("image/png", u)
			case "part":
				body = fmt.Sprintf(`{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": %q}}]}]}`, u)
			case "stage":
				body = fmt.Sprintf(`{"messages": [{"role": "assistant", "content": "a", "custom_content": {"stages": [{"index": 0, "name": "S", "attachments": [{"url": %q}]}]}}, {"role": "user", "content": "hi"}]}`, u)
			}
			status, got, _ := send(t, "POST", chatURL, alice, body)
			require.Equal(t, http.StatusBadRequest, status, "%s (%s) %q: %s", name, where, u, got)
			require.Empty(t, got, "%s (%s)", name, where)
		}
	}
	// A metadata attachment must name its resource as "metadata/<url>".
	status, got, _ := send(t, "POST", chatURL, alice, attach("application/vnd.dial.metadata+json", own+"/x.png"))
	require.Equal(t, http.StatusBadRequest, status, got)
	require.Empty(t, got)
	require.Equal(t, map[string]int{"gpt-4o": 1}, srv.PendingReplies(), "a refused request takes no scripted reply")

	// The first refused URL decides, in message order.
	status, got, _ = send(t, "POST", chatURL, alice, attach("image/png", bobs, "b.png"))
	require.Equal(t, http.StatusForbidden, status, got)
	status, got, _ = send(t, "POST", chatURL, alice, attach("image/png", "b.png", bobs))
	require.Equal(t, http.StatusBadRequest, status, got)

	accepted := []string{
		own + "/b.png", own + "/", own + "/docs/", own + "/a%20b.png", own + "/a:b.png", own + "/é.png",
		own + "/a+b(1)~!$&'*,;=@.png", "files/public/x.png", "conversations/" + dialtest.BucketOf("alice") + "/c",
		"https://example.com/b.png", "HTTP://example.com/b.png", "s3://bucket/b.png", "data:image/png;base64,AAAA",
	}
	for _, u := range accepted {
		status, got, _ := send(t, "POST", chatURL, alice, attach("image/png", u))
		require.Equal(t, http.StatusOK, status, "%q: %s", u, got)
	}
	status, got, _ = send(t, "POST", chatURL, alice, attach("application/vnd.dial.metadata+json", "metadata/"+own+"/x.png"))
	require.Equal(t, http.StatusOK, status, got)

	// Through the Go client: a typed 400, the user's URL sent unchanged.
	c, err := dial.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("key-alice"), option.WithMaxRetries(0))
	require.NoError(t, err)
	req := &dial.ChatCompletionRequest{Messages: []dial.Message{{Role: dial.RoleUser, Content: dial.Content{Text: "look"},
		CustomContent: &dial.CustomContent{Attachments: []dial.Attachment{{Type: "image/png", URL: "b.png"}}}}}}
	_, err = c.Chat.Create(context.Background(), "gpt-4o", req)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, http.StatusBadRequest, ae.StatusCode)
	require.Empty(t, srv.Violations())
}
