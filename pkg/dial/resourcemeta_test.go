package dial_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
)

// TestConversationAndPromptMetadata: /v1/metadata/{conversations,prompts}/…
// (read by aidial-client 0.3.0) through Client.Do and Raw().
func TestConversationAndPromptMetadata(t *testing.T) {
	srv, c := newClient(t, nil)
	ctx := context.Background()
	bucket := dialtest.BucketOf(dialtest.DefaultUser)
	etag := srv.PutConversation(dialtest.DefaultUser, "work/chat 1.json", []byte(`{"id":"c1","messages":[]}`))
	srv.PutPrompt(dialtest.DefaultUser, "p.json", []byte(`{"content":"hi"}`))

	var root dial.Metadata
	require.NoError(t, c.Do(ctx, http.MethodGet, "v1/metadata/conversations/"+bucket+"/", nil, &root))
	require.Equal(t, dial.NodeFolder, root.NodeType)
	require.Equal(t, "CONVERSATION", root.ResourceType)
	require.Len(t, root.Items, 1)
	require.Equal(t, "conversations/"+bucket+"/work/", root.Items[0].URL)

	// Nested paths through Raw(), which encodes each segment as DIAL Core expects.
	resp, err := c.Raw().GetConversationMetadata(ctx, bucket, "work/chat 1.json", nil)
	require.NoError(t, err)
	var item dial.Metadata
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&item))
	_ = resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, dial.NodeItem, item.NodeType)
	require.Equal(t, "chat 1.json", item.Name)
	require.Equal(t, etag, item.ETag)
	require.Zero(t, item.ContentLength, "conversations carry no content fields")

	resp, err = c.Raw().GetPromptMetadata(ctx, bucket, "p.json", nil)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode, string(b))
	require.Contains(t, string(b), `"resourceType":"PROMPT"`)

	err = c.Do(ctx, http.MethodGet, "v1/metadata/prompts/"+bucket+"/missing.json", nil, &item)
	require.True(t, dial.IsNotFound(err), "%v", err)
	resp, err = c.Raw().GetConversationMetadata(ctx, bucket, "work", nil)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, 404, resp.StatusCode, "a folder without the slash is an item: 404")
}
