package infsh_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/infsh/infshtest"
	"github.com/aiclients/sdk-go/pkg/internal/emulator"
)

func collect(t *testing.T, seq func(func(infsh.AgentEvent, error) bool)) []infsh.AgentEvent {
	t.Helper()
	var out []infsh.AgentEvent
	for ev, err := range seq {
		require.NoError(t, err)
		out = append(out, ev)
	}
	return out
}

func lastAssistant(evs []infsh.AgentEvent) *infsh.ChatMessage {
	var m *infsh.ChatMessage
	for _, ev := range evs {
		if ev.Type == infsh.EventMessage && ev.Message.Role == "assistant" {
			m = ev.Message
		}
	}
	return m
}

func TestTemplateAgentConversation(t *testing.T) {
	c, _ := newClient(t)
	ctx := context.Background()
	a := c.Agents.Template(infshtest.AgentAssistant + "@latest")
	evs := collect(t, a.Send(ctx, "Hello there"))
	m := lastAssistant(evs)
	require.NotNil(t, m)
	require.Equal(t, "ready", m.Status)
	require.Equal(t, "You said: Hello there", m.Text())
	first := a.ChatID()
	require.NotEmpty(t, first)

	// The same chat goes on.
	m, err := a.Reply(ctx, "again", nil)
	require.NoError(t, err)
	require.Equal(t, "You said: again", m.Text())
	require.Equal(t, first, a.ChatID())
	hist, err := a.History(ctx)
	require.NoError(t, err)
	require.Len(t, hist, 4)
	require.Equal(t, "user", hist[0].Role)

	a.Reset()
	_, err = a.Reply(ctx, "fresh", nil)
	require.NoError(t, err)
	require.NotEqual(t, first, a.ChatID())
}

func TestAdHocAgentClientTool(t *testing.T) {
	c, srv := newClient(t)
	ctx := context.Background()
	add := infsh.ClientTool("add").Describe("Add two numbers").
		Param("a", infsh.NumberParam("First number")).Param("b", infsh.NumberParam("Second number")).Build()
	a := c.Agents.AdHoc(infsh.AgentConfig{
		Name: "Calculator", SystemPrompt: "You add.", CoreApp: infsh.CoreApp{Ref: "infsh/scripted-llm@latest"},
		Tools: []infsh.AgentTool{add}, InternalTools: ptr(infsh.InternalTools().None().Build()),
	})
	var calls []infsh.ToolCall
	a.HandleTool("add", func(_ context.Context, call infsh.ToolCall) (string, error) {
		calls = append(calls, call)
		var in struct{ A, B float64 }
		if err := json.Unmarshal(call.Arguments, &in); err != nil {
			return "", err
		}
		return fmt.Sprint(in.A + in.B), nil
	})
	evs := collect(t, a.Send(ctx, `please add {"a": 2, "b": 3}`))
	require.Len(t, calls, 1)
	require.JSONEq(t, `{"a":2,"b":3}`, string(calls[0].Arguments))
	var toolEv *infsh.AgentEvent
	for i := range evs {
		if evs[i].Type == infsh.EventToolCall {
			toolEv = &evs[i]
		}
	}
	require.NotNil(t, toolEv)
	require.True(t, toolEv.Handled)
	require.Equal(t, "5", toolEv.Result)
	require.Equal(t, "The tool add returned: 5", lastAssistant(evs).Text())

	// The wire: agent_config with the builder's tool, the result on /tools/{id}.
	var sawConfig, sawResult bool
	for _, r := range srv.Requests() {
		switch {
		case r.Path == "/agents/run":
			var body map[string]any
			require.NoError(t, json.Unmarshal(r.Body, &body))
			cfg := body["agent_config"].(map[string]any)
			require.Equal(t, "Calculator", body["agent_name"])
			require.Equal(t, "add", cfg["tools"].([]any)[0].(map[string]any)["name"])
			sawConfig = true
		case strings.HasPrefix(r.Path, "/tools/"):
			require.JSONEq(t, `{"result":"5"}`, string(r.Body))
			sawResult = true
		}
	}
	require.True(t, sawConfig)
	require.True(t, sawResult)
}

func ptr[T any](v T) *T { return &v }

func TestUnhandledClientToolIsAnswered(t *testing.T) {
	c, _ := newClient(t)
	a := c.Agents.Template(infshtest.AgentTools)
	m, err := a.Reply(context.Background(), "use add", nil)
	require.NoError(t, err)
	require.Contains(t, m.Text(), "not_available")
}

func TestApproval(t *testing.T) {
	for _, approve := range []bool{true, false} {
		t.Run(fmt.Sprint("approve=", approve), func(t *testing.T) {
			c, _ := newClient(t)
			ctx := context.Background()
			a := c.Agents.Template(infshtest.AgentTools)
			var asked []infsh.ToolInvocation
			var last *infsh.ChatMessage
			for ev, err := range a.Send(ctx, `please delete_file {"path": "a.txt"}`) {
				require.NoError(t, err)
				switch ev.Type {
				case infsh.EventApproval:
					asked = append(asked, *ev.ToolCall)
					if approve {
						require.NoError(t, ev.Approve(ctx))
					} else {
						require.NoError(t, ev.Reject(ctx, "not today"))
					}
				case infsh.EventMessage:
					if ev.Message.Role == "assistant" {
						last = ev.Message
					}
				}
			}
			require.Len(t, asked, 1)
			require.Equal(t, "delete_file", asked[0].Function.Name)
			require.Equal(t, "ready", last.Status)
			if approve {
				require.Contains(t, last.Text(), `The tool delete_file returned: delete_file ran with {"path":"a.txt"}`)
			} else {
				require.Equal(t, "The call to delete_file was rejected: not today", last.Text())
			}
			// Approving twice is refused by the server.
			err := a.Approve(ctx, asked[0].ID)
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			require.Equal(t, 409, ae.StatusCode)
		})
	}
}

func TestApprovalOutsideTheLoop(t *testing.T) {
	c, _ := newClient(t)
	ctx := context.Background()
	a := c.Agents.Template(infshtest.AgentTools)
	var pending *infsh.ToolInvocation
	for ev, err := range a.Send(ctx, "delete_file now") {
		require.NoError(t, err)
		if ev.Type == infsh.EventApproval {
			pending = ev.ToolCall
		}
	}
	require.NotNil(t, pending, "the reply stops at the approval")
	chat, err := a.Chat(ctx)
	require.NoError(t, err)
	require.Len(t, chat.PendingInterrupts, 1)
	require.Equal(t, pending.ID, chat.PendingInterrupts[0].ResourceID)

	require.NoError(t, a.Approve(ctx, pending.ID))
	evs := collect(t, a.Resume(ctx))
	require.Contains(t, lastAssistant(evs).Text(), "The tool delete_file returned")
}

func TestAgentAttachmentsAndOutput(t *testing.T) {
	c, srv := newClient(t)
	ctx := context.Background()
	a := c.Agents.AdHoc(infsh.AgentConfig{CoreApp: infsh.CoreApp{Ref: "infsh/scripted-llm@latest"},
		OutputSchema: map[string]any{"type": "object"}})
	_, err := a.Reply(ctx, "look at this", nil, infsh.FileFromBytes([]byte("PNG..."), "cat.png", "image/png"))
	require.NoError(t, err)
	hist, err := a.History(ctx)
	require.NoError(t, err)
	require.Equal(t, "image", hist[0].Content[1].Type)
	got, err := srv.FileContent(hist[0].Content[1].Image)
	require.NoError(t, err)
	require.Equal(t, "PNG...", string(got))
	var out struct{ Answer string }
	ok, err := a.Output(ctx, &out)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "You said: look at this", out.Answer)
}

func TestAgentErrors(t *testing.T) {
	c, _ := newClient(t)
	ctx := context.Background()
	_, err := c.Agents.Template("nobody/none@1").Reply(ctx, "hi", nil)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 404, ae.StatusCode)
	_, err = c.Agents.AdHoc(infsh.AgentConfig{}).Reply(ctx, "hi", nil)
	var ie *apierror.InputError
	require.ErrorAs(t, err, &ie)
	_, err = c.Agents.Template(infshtest.AgentAssistant).History(ctx)
	require.ErrorAs(t, err, &ie)
}

func TestAgentTokenDeltas(t *testing.T) {
	c, _ := newClient(t)
	a := c.Agents.Template(infshtest.AgentAssistant)
	var text string
	n := 0
	for ev, err := range a.Send(context.Background(), "stream me please") {
		require.NoError(t, err)
		if ev.Type == infsh.EventDelta {
			n++
			require.Equal(t, n, ev.Delta.Seq)
			text = ev.Delta.Text
		}
	}
	require.Greater(t, n, 1)
	require.Equal(t, "You said: stream me please", text)
}

func TestDeltasNotRepeatedAfterApprovalReconnect(t *testing.T) {
	c, _ := newClient(t)
	ctx := context.Background()
	a := c.Agents.Template(infshtest.AgentTools)
	texts := map[string]string{}
	for ev, err := range a.Send(ctx, "delete_file please") {
		require.NoError(t, err)
		switch ev.Type {
		case infsh.EventApproval:
			require.NoError(t, ev.Approve(ctx))
		case infsh.EventDelta:
			texts[ev.Delta.MessageID] = ev.Delta.Text
		}
	}
	require.Len(t, texts, 1)
	for _, txt := range texts {
		require.True(t, strings.HasPrefix(txt, "The tool delete_file returned"), txt)
		require.Equal(t, 1, strings.Count(txt, "The tool"))
	}
}

func TestAgentReplySurvivesStreamCut(t *testing.T) {
	c, srv := newClient(t, infshtest.WithStepDelay(30*time.Millisecond))
	srv.InjectFault(emulator.Fault{Method: "GET", Path: "/chats/{id}/stream", Nth: 1, DropAfter: 20})
	m, err := c.Agents.Template(infshtest.AgentAssistant).Reply(context.Background(), "cut me", nil)
	require.NoError(t, err)
	require.Equal(t, "You said: cut me", m.Text())
}
