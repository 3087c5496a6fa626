package dialtest_test

import (
	"context"
	"fmt"
	"net/http"
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
