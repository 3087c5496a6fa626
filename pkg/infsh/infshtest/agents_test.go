package infshtest_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/infsh/infshtest"
)

// MessageInput (inferencesh 0.36.0 types.py) still takes the deprecated
// images and files URI lists, read only when attachments is empty.
func TestRunAgentDeprecatedImagesAndFiles(t *testing.T) {
	srv := infshtest.NewServer(t)
	resp, b := do(t, srv, "POST", "/agents/run", `{"agent":"infsh/assistant@latest",
		"input":{"text":"look","images":["https://cdn/i.png"],"files":["https://cdn/f.pdf"]}}`)
	require.Equal(t, 200, resp.StatusCode, string(b))
	var env struct {
		Data struct {
			UserMessage struct {
				Content []map[string]any `json:"content"`
			} `json:"user_message"`
		}
	}
	require.NoError(t, json.Unmarshal(b, &env))
	require.Equal(t, []map[string]any{
		{"type": "text", "text": "look"},
		{"type": "image", "image": "https://cdn/i.png"},
		{"type": "file", "file": "https://cdn/f.pdf"},
	}, env.Data.UserMessage.Content)

	// @inferencesh/sdk 0.6.54 (dist/api/agents.js) still sends the older
	// LLMInput members; the spec does not describe them but lets them pass.
	resp, b = do(t, srv, "POST", "/agents/run", `{"chat_id":null,"agent":"infsh/assistant@latest","input":{"text":"js",
		"images":[],"files":[],"role":"user","context":[],"system_prompt":"","context_size":0}}`)
	require.Equal(t, 200, resp.StatusCode, string(b))
	require.Empty(t, srv.Violations())
}

// AgentTool.type takes harness (ToolType in inferencesh 0.36.0 types.py),
// and a tool carries approval_timeout and the call and internal configs:
// the request validates against the spec.
func TestRunAgentToolTypes(t *testing.T) {
	srv := infshtest.NewServer(t)
	resp, b := do(t, srv, "POST", "/agents/run", `{"agent_config":{"name":"a","core_app":{"ref":"infsh/scripted-llm@latest"},
		"tools":[{"name":"edit","type":"harness"},
		{"name":"notify","type":"call","approval_timeout":60,"call":{"url":"https://example.com/n"}},
		{"name":"plan","type":"internal","internal":{"category":"plan","operation":"update"}}]},
		"input":{"text":"hi"}}`)
	require.Equal(t, 200, resp.StatusCode, string(b))
	require.Empty(t, srv.Violations())
}
