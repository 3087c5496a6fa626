package sdkuser_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
	"github.com/aiclients/sdk-go/pkg/option"
)

func staged(t *testing.T, cc *dial.ChatCompletion) {
	t.Helper()
	msg := cc.Choices[0].Message
	require.Equal(t, "Found it.", cc.Text())
	require.NotNil(t, msg.CustomContent)
	require.Len(t, msg.CustomContent.Stages, 1)
	st := msg.CustomContent.Stages[0]
	require.Equal(t, "Search", st.Name)
	require.Equal(t, "two pages", st.Content)
	require.Equal(t, dial.StageCompleted, st.Status)
	require.Equal(t, "https://example.com/a", st.Attachments[0].URL)
	require.Equal(t, "hello", msg.CustomContent.Attachments[0].Data)
	require.JSONEq(t, `{"step":1}`, string(msg.CustomContent.State))
}

// TestDialScriptedReplies scripts DIAL replies from this module, with the Go
// API and over HTTP (as cmd/emulator users do), and reads them with the
// dial client.
func TestDialScriptedReplies(t *testing.T) {
	ctx := context.Background()
	srv := dialtest.NewServer(t)
	client, err := dial.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(dialtest.APIKey), option.WithMaxRetries(0))
	require.NoError(t, err)
	ask := &dial.ChatCompletionRequest{Messages: []dial.Message{dial.UserMessage("find it")}}

	answer := dialtest.Reply{
		Stages:      []dialtest.Stage{{Name: "Search", Content: "two pages", Attachments: []dialtest.Attachment{{Title: "Page", URL: "https://example.com/a"}}}},
		Content:     "Found it.",
		Attachments: []dialtest.Attachment{{Type: "text/plain", Title: "Note", Data: "hello"}},
		State:       map[string]int{"step": 1},
	}

	// Go API: a staged application answer, then a 429.
	err = srv.ScriptReplies("echo", answer, dialtest.Reply{Error: &dialtest.Error{Status: http.StatusTooManyRequests, Message: "slow down"}})
	require.NoError(t, err)
	s, err := client.Chat.Stream(ctx, "echo", ask)
	require.NoError(t, err)
	got, err := dial.Accumulate(s)
	require.NoError(t, err)
	staged(t, got)
	_, err = client.Chat.Create(ctx, "echo", ask)
	apiErr := as[*apierror.Error](t, err)
	require.Equal(t, http.StatusTooManyRequests, apiErr.StatusCode)
	require.Equal(t, "slow down", apiErr.Message)

	// HTTP: the same answer as JSON, then a tool call.
	body, err := json.Marshal(dialtest.ScriptedReplies{Deployment: "echo", Replies: []dialtest.Reply{
		answer,
		{ToolCalls: []dialtest.ToolCall{{ID: "call_1", Name: "weather", Arguments: `{"city":"Paris"}`}}},
	}})
	require.NoError(t, err)
	resp, err := http.Post(srv.URL+dialtest.AdminRepliesPath, "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode, string(msg))
	require.Equal(t, map[string]int{"echo": 2}, srv.PendingReplies())

	full, err := client.Chat.Create(ctx, "echo", ask)
	require.NoError(t, err)
	staged(t, full)
	s, err = client.Chat.Stream(ctx, "echo", ask)
	require.NoError(t, err)
	call, err := dial.Accumulate(s)
	require.NoError(t, err)
	require.Equal(t, "tool_calls", call.Choices[0].FinishReason)
	require.Equal(t, "weather", call.Choices[0].Message.ToolCalls[0].Function.Name)
	require.Equal(t, `{"city":"Paris"}`, call.Choices[0].Message.ToolCalls[0].Function.Arguments)
	require.Empty(t, srv.PendingReplies())
	require.Empty(t, srv.Violations())
}
