package dialtest_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
	"github.com/aiclients/sdk-go/pkg/option"
)

func dialClient(t *testing.T, srv *dialtest.Server, opts ...option.RequestOption) *dial.Client {
	t.Helper()
	c, err := dial.NewClient(append([]option.RequestOption{option.WithBaseURL(srv.URL), option.WithAPIKey(dialtest.APIKey), option.WithMaxRetries(0)}, opts...)...)
	require.NoError(t, err)
	return c
}

func userMessage(text string) *dial.ChatCompletionRequest {
	return &dial.ChatCompletionRequest{Messages: []dial.Message{dial.UserMessage(text)}}
}

// send makes one request with a JSON body and returns status, body and
// Content-Type.
func send(t *testing.T, method, url string, header map[string]string, body string) (int, string, string) {
	t.Helper()
	h := map[string]string{"Content-Type": "application/json"}
	maps.Copy(h, header)
	status, got, hdr := do(t, method, url, h, body)
	return status, got, hdr.Get("Content-Type")
}

var richReply = dialtest.Reply{
	Content: "Here it is.",
	Stages: []dialtest.Stage{
		{Name: "Search", Content: "found two pages", Attachments: []dialtest.Attachment{{Title: "Page", URL: "https://example.com/a"}}},
		{Name: "Render", Failed: true},
	},
	Attachments: []dialtest.Attachment{{Type: "text/plain", Title: "Note", Data: "hello"}, {Type: "image/png", Title: "Pic", URL: "files/b/pic.png"}},
	State:       map[string]any{"step": 2},
	Usage:       &dial.Usage{PromptTokens: 7, CompletionTokens: 3, TotalTokens: 10},
}

func requireRich(t *testing.T, cc *dial.ChatCompletion) {
	t.Helper()
	msg := cc.Choices[0].Message
	require.Equal(t, "Here it is.", msg.Content.Text)
	require.Equal(t, "stop", cc.Choices[0].FinishReason)
	require.NotNil(t, msg.CustomContent)
	st := msg.CustomContent.Stages
	require.Len(t, st, 2)
	require.Equal(t, "Search", st[0].Name)
	require.Equal(t, "found two pages", st[0].Content)
	require.Equal(t, dial.StageCompleted, st[0].Status)
	require.Len(t, st[0].Attachments, 1)
	require.Equal(t, "https://example.com/a", st[0].Attachments[0].URL)
	require.Equal(t, "Render", st[1].Name)
	require.Equal(t, dial.StageFailed, st[1].Status)
	as := msg.CustomContent.Attachments
	require.Len(t, as, 2)
	require.Equal(t, "hello", as[0].Data)
	require.Equal(t, "files/b/pic.png", as[1].URL)
	require.JSONEq(t, `{"step":2}`, string(msg.CustomContent.State))
	require.Equal(t, &dial.Usage{PromptTokens: 7, CompletionTokens: 3, TotalTokens: 10}, cc.Usage)
}

// TestScriptRepliesGoAPI: scripted replies are taken in order by the
// deployment they were queued for, streamed or not as asked; then the
// Responder answers again.
func TestScriptRepliesGoAPI(t *testing.T) {
	srv := dialtest.NewServer(t)
	c := dialClient(t, srv)
	ctx := context.Background()
	toolReply := dialtest.Reply{ToolCalls: []dialtest.ToolCall{{Name: "weather", Arguments: `{"city":"Paris"}`}}}
	require.NoError(t, srv.ScriptReplies("echo", richReply, richReply))
	require.NoError(t, srv.ScriptReplies("gpt-4", toolReply))
	require.Equal(t, map[string]int{"echo": 2, "gpt-4": 1}, srv.PendingReplies())

	s, err := c.Chat.Stream(ctx, "echo", userMessage("go"))
	require.NoError(t, err)
	streamed, err := dial.Accumulate(s)
	require.NoError(t, err)
	requireRich(t, streamed)
	full, err := c.Chat.Create(ctx, "echo", userMessage("go"))
	require.NoError(t, err)
	requireRich(t, full)

	tc, err := c.Chat.Create(ctx, "gpt-4", userMessage("weather?"))
	require.NoError(t, err)
	require.Equal(t, "tool_calls", tc.Choices[0].FinishReason)
	require.Len(t, tc.Choices[0].Message.ToolCalls, 1)
	require.Equal(t, "call_1", tc.Choices[0].Message.ToolCalls[0].ID, "an empty id is filled in")
	require.Equal(t, `{"city":"Paris"}`, tc.Choices[0].Message.ToolCalls[0].Function.Arguments)
	require.Empty(t, srv.PendingReplies())

	again, err := c.Chat.Create(ctx, "echo", userMessage("back to echo"))
	require.NoError(t, err)
	require.Equal(t, "back to echo", again.Text(), "the Responder answers once the queue is empty")

	require.NoError(t, srv.ScriptReplies("gpt-4", toolReply))
	srv.ClearReplies()
	require.Empty(t, srv.PendingReplies())
}

// TestScriptRepliesRefusesBadReplies: a reply that cannot be rendered, or an
// unknown deployment, is refused with a message that says which and why.
func TestScriptRepliesRefusesBadReplies(t *testing.T) {
	srv := dialtest.NewServer(t)
	tests := []struct {
		deployment string
		reply      dialtest.Reply
		want       string
	}{
		{"nope", dialtest.Reply{}, `no deployment or application "nope"`},
		{"gpt-4", dialtest.Reply{Attachments: []dialtest.Attachment{{Title: "x"}}}, "attachments[0]: needs data or url"},
		{"gpt-4", dialtest.Reply{Stages: []dialtest.Stage{{Content: "x"}}}, "stages[0]: needs a name"},
		{"gpt-4", dialtest.Reply{Stages: []dialtest.Stage{{Name: "s", Attachments: []dialtest.Attachment{{}}}}}, "stages[0].attachments[0]"},
		{"gpt-4", dialtest.Reply{ToolCalls: []dialtest.ToolCall{{ID: "1"}}}, "tool_calls[0]: needs a name"},
		{"gpt-4", dialtest.Reply{FailAfter: -1}, "fail_after is -1"},
		{"gpt-4", dialtest.Reply{Error: &dialtest.Error{Status: 418}}, "error.status 418 is not documented"},
		{"gpt-4", dialtest.Reply{State: func() {}}, "state:"},
		{"gpt-4", dialtest.Reply{Usage: &dial.Usage{TotalTokens: -1}}, "cannot be negative"},
	}
	for _, tt := range tests {
		err := srv.ScriptReplies(tt.deployment, dialtest.Reply{Content: "fine"}, tt.reply)
		require.ErrorContains(t, err, tt.want)
	}
	require.Empty(t, srv.PendingReplies(), "nothing is queued when a reply is refused")
}

// TestAdminReplies scripts replies over HTTP, the way cmd/emulator users do.
func TestAdminReplies(t *testing.T) {
	srv := dialtest.NewServer(t)
	admin := srv.URL + dialtest.AdminRepliesPath
	chatURL := srv.URL + "/openai/deployments/echo/chat/completions"
	auth := map[string]string{"api-key": dialtest.APIKey}

	status, body, _ := send(t, "POST", admin, nil, `{"deployment": "echo", "replies": [
	  {"content": "Here it is.",
	   "stages": [{"name": "Search", "content": "found two pages", "attachments": [{"title": "Page", "url": "https://example.com/a"}]},
	              {"name": "Render", "failed": true}],
	   "attachments": [{"type": "text/plain", "title": "Note", "data": "hello"}, {"type": "image/png", "title": "Pic", "url": "files/b/pic.png"}],
	   "state": {"step": 2},
	   "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}},
	  {"tool_calls": [{"id": "call_9", "name": "weather", "arguments": "{}"}], "usage": {"prompt_tokens": 1}},
	  {"content": "a b c d", "fail_after": 2, "fail_message": "upstream died"},
	  {"error": {"status": 429, "message": "slow down"}}]}`)
	require.Equal(t, http.StatusNoContent, status, body)
	status, body, ct := send(t, "GET", admin, nil, "")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "application/json", ct)
	require.JSONEq(t, `{"echo": 4}`, body)

	c := dialClient(t, srv)
	s, err := c.Chat.Stream(context.Background(), "echo", userMessage("go"))
	require.NoError(t, err)
	got, err := dial.Accumulate(s)
	require.NoError(t, err)
	requireRich(t, got)

	// The generated Usage omits zero counts; the wire keeps all three.
	status, body, _ = send(t, "POST", chatURL, auth, `{"messages": [{"role": "user", "content": "x"}]}`)
	require.Equal(t, http.StatusOK, status, body)
	var cc struct {
		Usage   map[string]int64 `json:"usage"`
		Choices []struct {
			Message struct {
				ToolCalls []struct{ ID string } `json:"tool_calls"`
			} `json:"message"`
		} `json:"choices"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &cc))
	require.Equal(t, map[string]int64{"prompt_tokens": 1, "completion_tokens": 0, "total_tokens": 0}, cc.Usage)
	require.Equal(t, "call_9", cc.Choices[0].Message.ToolCalls[0].ID)

	// A mid-stream error: two content chunks, the error event, [DONE].
	status, body, _ = send(t, "POST", chatURL, auth, `{"messages": [{"role": "user", "content": "x"}], "stream": true}`)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `"content":"a "`)
	require.Contains(t, body, `"content":"b "`)
	require.NotContains(t, body, `"content":"c "`)
	require.Contains(t, body, `data: {"error":{"code":"500","message":"upstream died","type":"runtime_error"}}`)
	require.True(t, strings.HasSuffix(body, "data: [DONE]\n\n"))

	status, body, _ = send(t, "POST", chatURL, auth, `{"messages": [{"role": "user", "content": "x"}]}`)
	require.Equal(t, http.StatusTooManyRequests, status)
	require.JSONEq(t, `{"error": {"message": "slow down", "type": "runtime_error", "code": "429"}}`, body)

	status, body, _ = send(t, "GET", admin, nil, "")
	require.Equal(t, http.StatusOK, status)
	require.JSONEq(t, `{}`, body)

	require.NoError(t, srv.ScriptReplies("gpt-4", dialtest.Reply{Content: "x"}))
	status, _, _ = send(t, "DELETE", admin, nil, "")
	require.Equal(t, http.StatusNoContent, status)
	require.Empty(t, srv.PendingReplies())
}

// TestAdminRepliesErrors: bad requests to the admin endpoint say what is
// wrong and queue nothing.
func TestAdminRepliesErrors(t *testing.T) {
	srv := dialtest.NewServer(t)
	admin := srv.URL + dialtest.AdminRepliesPath
	tests := []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"POST", admin, `{"deployment": "gpt-4", "replies": [{"contnet": "typo"}]}`, 400, `unknown field \"contnet\"`},
		{"POST", admin, `{"deployment": "gpt-5", "replies": [{}]}`, 400, `no deployment or application \"gpt-5\"`},
		{"POST", admin, `{"deployment": "gpt-4", "replies": [{"stages": [{"content": "x"}]}]}`, 400, "reply 0: stages[0]: needs a name"},
		{"POST", admin, `not json`, 400, "invalid character"},
		{"PUT", admin, `{}`, 405, "use GET, POST or DELETE"},
		{"GET", srv.URL + "/_emulator/nothing", "", 404, "no admin endpoint GET /_emulator/nothing"},
	}
	for _, tt := range tests {
		status, body, ct := send(t, tt.method, tt.path, nil, tt.body)
		require.Equal(t, tt.status, status, body)
		require.Equal(t, "application/json", ct)
		require.Contains(t, body, tt.want)
	}
	require.Empty(t, srv.PendingReplies())
	// The kit's own admin endpoints still answer.
	status, _, _ := send(t, "GET", srv.URL+"/_emulator/health", nil, "")
	require.Equal(t, http.StatusOK, status)
}

// TestReplyBreakingSpecIsViolation: replies are still validated against the
// spec; one the spec forbids is recorded as a violation (and fails a test
// started with NewServer).
func TestReplyBreakingSpecIsViolation(t *testing.T) {
	srv, err := dialtest.Start(dialtest.WithResponder(func(dialtest.Request) dialtest.Reply {
		return dialtest.Reply{Error: &dialtest.Error{Status: http.StatusTeapot, Message: "no"}}
	}))
	require.NoError(t, err)
	defer srv.Close()
	_, err = dialClient(t, srv).Chat.Create(context.Background(), "gpt-4", userMessage("x"))
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	vs := srv.Violations()
	require.Len(t, vs, 1)
	require.Equal(t, "response", vs[0].Direction)
	require.Contains(t, vs[0].Message, "418")
}
