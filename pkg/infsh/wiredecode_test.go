package infsh_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/gen/infshapi"
	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/option"
)

// The shapes below are those of the server's generated types as the official
// SDKs carry them (inferencesh 0.36.0 inferencesh/types.py, @inferencesh/sdk
// 0.6.54 dist/types.d.ts).

// A full task carries rating as a string (ContentRating), and the V3
// envelope's messages are {level, code, message, meta}. Both the wrapper and
// the generated client must decode it.
func TestDecodeFullTaskWithRating(t *testing.T) {
	body, err := os.ReadFile("testdata/wire/task_full.json")
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer srv.Close()

	c, err := infsh.NewClient(option.WithAPIKey("k"), option.WithBaseURL(srv.URL))
	require.NoError(t, err)
	task, err := c.Tasks.Get(context.Background(), "2khet8d1p6z26krbtvn9d7rkth")
	require.NoError(t, err)
	require.Equal(t, infsh.ContentRatingSafe, task.Rating)
	require.Equal(t, infsh.StatusCompleted, task.Status)

	raw, err := infshapi.NewClientWithResponses(srv.URL)
	require.NoError(t, err)
	resp, err := raw.GetTaskWithResponse(context.Background(), "2khet8d1p6z26krbtvn9d7rkth")
	require.NoError(t, err, "the generated client decodes a full task")
	require.NotNil(t, resp.JSON200)
	require.Equal(t, infshapi.ContentRatingSafe, resp.JSON200.Data.Rating)
	require.NotEmpty(t, resp.JSON200.Messages)
	msg := resp.JSON200.Messages[0]
	require.Equal(t, "warning", msg.Level)
	require.Equal(t, "deprecated_field", msg.Code)
	require.Equal(t, "variant", msg.Meta["field"])
}

// ChatMessage.tools are the LLM tool format, not agent tool definitions.
func TestDecodeChatMessageTools(t *testing.T) {
	const line = `{"id":"m2","chat_id":"c1","role":"assistant","status":"pending","content":[],
		"tools":[{"type":"function","function":{"name":"add","description":"Add two numbers",
		"parameters":{"type":"object","properties":{"a":{"type":"number"}},"required":["a"]},"required":null}}]}`
	var m infsh.ChatMessage
	require.NoError(t, json.Unmarshal([]byte(line), &m))
	require.Len(t, m.Tools, 1)
	require.Equal(t, "function", m.Tools[0].Type)
	require.NotNil(t, m.Tools[0].Function)
	require.Equal(t, "add", m.Tools[0].Function.Name)
	require.JSONEq(t, `{"type":"object","properties":{"a":{"type":"number"}},"required":["a"]}`, string(m.Tools[0].Function.Parameters))
}

// A session's idle_timeout may be null (AppSessionDTO.idle_timeout: Optional[int]).
func TestDecodeSessionNullIdleTimeout(t *testing.T) {
	var s infsh.Session
	require.NoError(t, json.Unmarshal([]byte(`{"id":"s1","status":"active","idle_timeout":null,"call_count":1}`), &s))
	require.Equal(t, 0, s.IdleTimeout)
	require.Equal(t, 1, s.CallCount)
}

// AgentTool (inferencesh 0.36.0 types.py): type harness, the call (HTTP)
// and internal configurations, and approval_timeout.
func TestDecodeAgentToolShapes(t *testing.T) {
	const tools = `[
		{"name":"notify","type":"call","require_approval":true,"approval_timeout":60,"call":{"url":"https://example.com/n","method":"POST"}},
		{"name":"plan","type":"internal","internal":{"category":"plan","operation":"update"}},
		{"name":"edit","type":"harness"}]`
	var got []infsh.AgentTool
	require.NoError(t, json.Unmarshal([]byte(tools), &got))
	require.Len(t, got, 3)
	require.Equal(t, 60, got[0].ApprovalTimeout)
	require.NotNil(t, got[0].Call)
	require.Equal(t, "https://example.com/n", got[0].Call.URL)
	require.NotNil(t, got[1].Internal)
	require.Equal(t, "update", got[1].Internal.Operation)
	require.Equal(t, infsh.AgentToolTypeHarness, got[2].Type)
	require.True(t, got[2].Type.Valid())
}
