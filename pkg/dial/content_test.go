package dial_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/dial"
)

// Content is the hand-written union behind Message.content (x-go-type):
// a text, a list of parts, or null.
func TestContentJSON(t *testing.T) {
	tests := []struct {
		name string
		msg  dial.Message
		want string
	}{
		{"text", dial.UserMessage("hi"), `{"role":"user","content":"hi"}`},
		{"empty text", dial.Message{Role: dial.RoleTool, ToolCallID: "c1"}, `{"role":"tool","content":"","tool_call_id":"c1"}`},
		{"parts", dial.PartsMessage(dial.RoleUser, dial.TextPart("a"), dial.ImagePart("http://x/y.png", "low")),
			`{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"http://x/y.png","detail":"low"}}]}`},
		{"no parts", dial.PartsMessage(dial.RoleUser), `{"role":"user","content":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.msg)
			require.NoError(t, err)
			require.JSONEq(t, tt.want, string(b))
			var back dial.Message
			require.NoError(t, json.Unmarshal(b, &back))
			require.Equal(t, tt.msg.Text(), back.Text())
		})
	}

	var m dial.Message
	require.NoError(t, json.Unmarshal([]byte(`{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"u"}},{"type":"text","text":"b"}]}`), &m))
	require.Equal(t, "ab", m.Text(), "Text joins the text parts")
	require.Len(t, m.Content.Parts, 3)
	require.NoError(t, json.Unmarshal([]byte(`{"role":"assistant","content":null}`), &m))
	require.Equal(t, dial.Content{}, m.Content)
	require.Error(t, json.Unmarshal([]byte(`{"role":"user","content":5}`), &m))
}

// The chat calls send the empty content of a message with tool calls (or a
// function call) as null, and any other empty content as "", as before the
// content union was generated.
func TestChatNullContent(t *testing.T) {
	srv, c := newClient(t, nil)
	call := dial.Message{Role: dial.RoleAssistant, ToolCalls: []dial.ToolCall{{ID: "c1", Type: "function", Function: dial.FunctionCall{Name: "f", Arguments: "{}"}}}}
	req := &dial.ChatCompletionRequest{Messages: []dial.Message{
		dial.UserMessage("hi"), call, dial.ToolMessage("c1", ""), dial.UserMessage("and?"),
	}}
	_, err := c.Chat.Create(context.Background(), "gpt-4", req)
	require.NoError(t, err)
	var body struct{ Messages []map[string]any }
	require.NoError(t, json.Unmarshal(srv.Requests()[0].Body, &body))
	require.Len(t, body.Messages, 4)
	require.Contains(t, body.Messages[1], "content")
	require.Nil(t, body.Messages[1]["content"], "tool calls without text: null")
	require.Equal(t, "", body.Messages[2]["content"], "an empty tool result stays a string")
	b, err := json.Marshal(req.Messages[1])
	require.NoError(t, err)
	require.Contains(t, string(b), `"content":""`, "the caller's request is not changed")
}

func TestStopJSON(t *testing.T) {
	var r dial.ChatCompletionRequest
	require.NoError(t, json.Unmarshal([]byte(`{"messages":[],"stop":"END"}`), &r))
	require.Equal(t, dial.Stop{"END"}, r.Stop)
	require.NoError(t, json.Unmarshal([]byte(`{"messages":[],"stop":["a","b"]}`), &r))
	require.Equal(t, dial.Stop{"a", "b"}, r.Stop)
	b, err := json.Marshal(dial.ChatCompletionRequest{Messages: []dial.Message{}, Stop: []string{"x"}})
	require.NoError(t, err)
	require.JSONEq(t, `{"messages":[],"stop":["x"]}`, string(b))
}

// WithExtraFields on the client applies to every chat call, and on
// TruncatePrompt to each of its requests.
func TestExtraFieldsEverywhere(t *testing.T) {
	srv, c := newClient(t, nil, dial.WithExtraFields(map[string]any{"custom_flag": 1}))
	ctx := context.Background()
	_, err := c.Chat.Create(ctx, "gpt-4", ask("hi"))
	require.NoError(t, err)
	_, err = c.Chat.TruncatePrompt(ctx, "gpt-4", []dial.ChatCompletionRequest{*ask("a"), *ask("b")})
	require.NoError(t, err)
	_, err = c.Chat.Create(ctx, "gpt-4", ask("hi"), dial.WithExtraFields(nil))
	require.NoError(t, err)
	reqs := srv.Requests()
	require.Len(t, reqs, 3)
	var body map[string]any
	require.NoError(t, json.Unmarshal(reqs[0].Body, &body))
	require.EqualValues(t, 1, body["custom_flag"])
	var tp struct{ Inputs []map[string]any }
	require.NoError(t, json.Unmarshal(reqs[1].Body, &tp))
	require.Len(t, tp.Inputs, 2)
	for _, in := range tp.Inputs {
		require.EqualValues(t, 1, in["custom_flag"])
	}
	body = nil
	require.NoError(t, json.Unmarshal(reqs[2].Body, &body))
	require.NotContains(t, body, "custom_flag", "nil clears the client's extra fields for one call")

	_, err = c.Chat.TruncatePrompt(ctx, "gpt-4", []dial.ChatCompletionRequest{*ask("a")}, dial.WithExtraFields(map[string]any{"messages": "x"}))
	var ie *apierror.InputError
	require.ErrorAs(t, err, &ie, "messages is set in each request")
	require.Len(t, srv.Requests(), 3)
}
