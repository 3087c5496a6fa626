package infsh_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/infsh/infshtest"
	"github.com/aiclients/sdk-go/pkg/internal/emulator"
	"github.com/aiclients/sdk-go/pkg/option"
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
	evs := collect(t, a.Send(ctx, "Hello there").All())
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
	evs := collect(t, a.Send(ctx, `please add {"a": 2, "b": 3}`).All())
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
			for ev, err := range a.Send(ctx, `please delete_file {"path": "a.txt"}`).All() {
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
	for ev, err := range a.Send(ctx, "delete_file now").All() {
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
	evs := collect(t, a.Resume(ctx).All())
	require.Contains(t, lastAssistant(evs).Text(), "The tool delete_file returned")
}

func TestAgentAttachmentsAndOutput(t *testing.T) {
	c, srv := newClient(t)
	ctx := context.Background()
	a := c.Agents.AdHoc(infsh.AgentConfig{CoreApp: infsh.CoreApp{Ref: "infsh/scripted-llm@latest"},
		OutputSchema: infsh.JSONSchema(`{"type": "object"}`)})
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
	for ev, err := range a.Send(context.Background(), "stream me please").All() {
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
	for ev, err := range a.Send(ctx, "delete_file please").All() {
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

// TestHeartbeatsKeepChatStreamOpen: the same for an agent that thinks longer
// than the idle timeout.
func TestHeartbeatsKeepChatStreamOpen(t *testing.T) {
	slow := func(turn infshtest.ModelTurn) infshtest.ModelStep {
		time.Sleep(800 * time.Millisecond)
		return infshtest.ScriptedModel(turn)
	}
	c, srv := newClientWith(t, infsh.FollowPolicy{ReconnectDelay: time.Millisecond, PollInterval: 5 * time.Millisecond,
		IdleTimeout: 300 * time.Millisecond}, infshtest.WithHeartbeat(10*time.Millisecond), infshtest.WithModel(slow))
	m, err := c.Agents.Template(infshtest.AgentAssistant).Reply(context.Background(), "take your time", nil)
	require.NoError(t, err)
	require.Equal(t, "You said: take your time", m.Text())
	require.Equal(t, 1, countRequests(srv, "/stream"), "the chat stream was given up although heartbeats arrived")
}

// chatServer answers POST /agents/run with chat c1 and serves the n-th
// connection of its stream (1-based) with stream; it takes answers to the
// tool invocation inv1. It returns a client for it and a counter of the
// stream connections.
func chatServer(t *testing.T, stream func(n int, w io.Writer)) (*infsh.Client, func() int) {
	t.Helper()
	var streams counter
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/agents/run":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"data":{"user_message":{"id":"m1","chat_id":"c1","role":"user","status":"ready"},`+
				`"assistant_message":{"id":"m2","chat_id":"c1","role":"assistant","status":"pending"}}}`)
		case "/chats/c1/stream":
			n := streams.add()
			w.Header().Set("Content-Type", "application/x-ndjson")
			stream(n, w)
		case "/tools/inv1", "/tools/inv1/invoke", "/tools/inv1/reject":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"data":{"id":"inv1","status":"completed"}}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	c, err := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("k"),
		infsh.WithFollowPolicy(infsh.FollowPolicy{ReconnectDelay: time.Millisecond}))
	require.NoError(t, err)
	return c, streams.get
}

// TestChatReconnectBudgetResetsOnProgress: a chat stream that is cut many
// times, but brings something new on every connection, is followed to the
// end; the reconnect bound counts only connections that bring nothing.
func TestChatReconnectBudgetResetsOnProgress(t *testing.T) {
	const cuts = 8
	c, streams := chatServer(t, func(n int, w io.Writer) {
		if n <= cuts { // one new step, then the connection is cut
			fmt.Fprintf(w, `{"event":"chat_messages","data":{"id":"m2","chat_id":"c1","role":"assistant","status":"pending","content":[{"type":"text","text":"step %d"}]}}`+"\n", n)
			return
		}
		fmt.Fprintln(w, `{"event":"chat_messages","data":{"id":"m2","chat_id":"c1","role":"assistant","status":"ready","content":[{"type":"text","text":"done"}]}}`)
		fmt.Fprintln(w, `{"event":"chats","data":{"id":"c1","status":"idle"}}`)
	})
	m, err := c.Agents.Template("a/b@1").Reply(context.Background(), "hi", nil)
	require.NoError(t, err)
	require.Equal(t, "done", m.Text())
	require.Equal(t, cuts+1, streams())
}

// TestChatStreamRepeatingItselfIsBounded: a chat stream that repeats the
// same state and is cut, again and again, ends the reply with an error
// after a bounded number of reconnects (repeats are not progress).
func TestChatStreamRepeatingItselfIsBounded(t *testing.T) {
	c, streams := chatServer(t, func(_ int, w io.Writer) {
		fmt.Fprintln(w, `{"event":"chat_messages","data":{"id":"m2","chat_id":"c1","role":"assistant","status":"pending"}}`)
		fmt.Fprintln(w, `{"event":"chats","data":{"id":"c1","status":"busy","active_run":{"id":"r1","state":"working"}}}`)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n := 0
	var last error
	for ev, err := range c.Agents.Template("a/b@1").Send(ctx, "hi").All() {
		if err != nil {
			last = err
			continue
		}
		if ev.Type == infsh.EventChat {
			n++
		}
	}
	require.ErrorContains(t, last, "kept ending")
	require.Equal(t, 1, n, "the repeated chat state is yielded once")
	require.Equal(t, 6, streams())
}

// TestToolHandlerPanicIsAnswered: a Go tool handler that panics answers
// the agent with an error result; the reply goes on.
func TestToolHandlerPanicIsAnswered(t *testing.T) {
	c, srv := newClient(t)
	a := c.Agents.Template(infshtest.AgentTools).HandleTool("add", func(context.Context, infsh.ToolCall) (string, error) {
		panic("handler bug")
	})
	m, err := a.Reply(context.Background(), `add {"a": 1, "b": 2}`, nil)
	require.NoError(t, err)
	require.Contains(t, m.Text(), "error: tool handler panicked: handler bug")
	var answered bool
	for _, r := range srv.Requests() {
		answered = answered || strings.HasPrefix(r.Path, "/tools/")
	}
	require.True(t, answered)
}

// TestPartialChatUpdatesAreMerged: a partial chat update that does not
// touch the status (a rename) does not end the reply; chat and message
// events carry the merged state.
func TestPartialChatUpdatesAreMerged(t *testing.T) {
	c, _ := chatServer(t, func(_ int, w io.Writer) {
		fmt.Fprintln(w, `{"event":"chats","data":{"id":"c1","status":"busy","name":"Chat"}}`)
		fmt.Fprintln(w, `{"event":"chats","data":{"id":"c1","name":"Renamed"},"fields":["name"]}`)
		fmt.Fprintln(w, `{"event":"chat_messages","data":{"id":"m2","chat_id":"c1","role":"assistant","status":"pending","content":[{"type":"text","text":"done"}]}}`)
		fmt.Fprintln(w, `{"event":"chat_messages","data":{"id":"m2","status":"ready"},"fields":["status"]}`)
		fmt.Fprintln(w, `{"event":"chats","data":{"id":"c1","status":"idle"},"fields":["status"]}`)
	})
	var chats []infsh.Chat
	var last *infsh.ChatMessage
	for ev, err := range c.Agents.Template("a/b@1").Send(context.Background(), "hi").All() {
		require.NoError(t, err)
		switch ev.Type {
		case infsh.EventChat:
			chats = append(chats, *ev.Chat)
		case infsh.EventMessage:
			last = ev.Message
		}
	}
	require.NotNil(t, last, "the reply ended before the message")
	require.Equal(t, "ready", last.Status)
	require.Equal(t, "done", last.Text(), "the status update keeps the text")
	require.Len(t, chats, 3)
	require.Equal(t, "busy", chats[1].Status, "the rename keeps the status")
	require.Equal(t, "Renamed", chats[2].Name, "the status change keeps the name")
}

// TestToolArgumentsAsString: tool arguments that arrive JSON-encoded in a
// string (as some model wire formats send them) reach the handler as the
// object.
func TestToolArgumentsAsString(t *testing.T) {
	c, _ := chatServer(t, func(n int, w io.Writer) {
		if n == 1 {
			fmt.Fprintln(w, `{"event":"chat_messages","data":{"id":"m2","chat_id":"c1","role":"assistant","status":"pending",`+
				`"tool_invocations":[{"id":"inv1","type":"client","status":"awaiting_input","function":{"name":"add","arguments":"{\"a\":2,\"b\":3}"}}]}}`)
			fmt.Fprintln(w, `{"event":"chats","data":{"id":"c1","status":"awaiting_input","active_run":{"id":"r1","state":"input_required"}}}`)
			return
		}
		fmt.Fprintln(w, `{"event":"chat_messages","data":{"id":"m2","chat_id":"c1","role":"assistant","status":"ready","content":[{"type":"text","text":"5"}]}}`)
		fmt.Fprintln(w, `{"event":"chats","data":{"id":"c1","status":"idle"}}`)
	})
	var got json.RawMessage
	a := c.Agents.Template("a/b@1").HandleTool("add", func(_ context.Context, call infsh.ToolCall) (string, error) {
		got = call.Arguments
		return "5", nil
	})
	m, err := a.Reply(context.Background(), "add", nil)
	require.NoError(t, err)
	require.Equal(t, "5", m.Text())
	require.JSONEq(t, `{"a":2,"b":3}`, string(got))
}

// TestApprovalTakenUpLate: after an approval the chat stream may still show
// the waiting state for a moment; the reply follows on until the agent has
// taken the approval up (in the loop and with Resume).
func TestApprovalTakenUpLate(t *testing.T) {
	waitingLines := `{"event":"chat_messages","data":{"id":"m2","chat_id":"c1","role":"assistant","status":"pending",` +
		`"tool_invocations":[{"id":"inv1","type":"app","status":"awaiting_approval","function":{"name":"delete_file","arguments":{}}}]}}` + "\n" +
		`{"event":"chats","data":{"id":"c1","status":"awaiting_input","active_run":{"id":"r1","state":"input_required"}}}` + "\n"
	doneLines := `{"event":"chat_messages","data":{"id":"m2","chat_id":"c1","role":"assistant","status":"ready","content":[{"type":"text","text":"deleted"}]}}` + "\n" +
		`{"event":"chats","data":{"id":"c1","status":"idle","active_run":{"id":"r1","state":"completed"}}}` + "\n"
	serve := func(n int, w io.Writer) {
		if n <= 3 { // the first stream asks, two more still show the old state
			fmt.Fprint(w, waitingLines)
			return
		}
		fmt.Fprint(w, doneLines)
	}
	t.Run("in the loop", func(t *testing.T) {
		c, streams := chatServer(t, serve)
		m, err := c.Agents.Template("a/b@1").Reply(context.Background(), "delete it", func(infsh.ToolInvocation) bool { return true })
		require.NoError(t, err)
		require.Equal(t, "deleted", m.Text())
		require.Equal(t, 4, streams())
	})
	t.Run("resume", func(t *testing.T) {
		c, _ := chatServer(t, serve)
		a := c.Agents.Template("a/b@1")
		var pending *infsh.ToolInvocation
		for ev, err := range a.Send(context.Background(), "delete it").All() {
			require.NoError(t, err)
			if ev.Type == infsh.EventApproval {
				pending = ev.ToolCall
			}
		}
		require.NotNil(t, pending)
		require.NoError(t, a.Approve(context.Background(), pending.ID))
		var last *infsh.ChatMessage
		for ev, err := range a.Resume(context.Background()).All() {
			require.NoError(t, err)
			if ev.Type == infsh.EventMessage {
				last = ev.Message
			}
		}
		require.NotNil(t, last)
		require.Equal(t, "deleted", last.Text())
	})
}

// TestZeroAgentIsAnInputError: an Agent not made by Agents.Template or
// Agents.AdHoc answers every call with an input error instead of a panic.
func TestZeroAgentIsAnInputError(t *testing.T) {
	ctx := context.Background()
	a := &infsh.Agent{}
	var ie *apierror.InputError
	require.NotPanics(t, func() {
		a.HandleTool("x", nil).WithContext(map[string]string{"k": "v"}).Reset()
		for _, err := range a.Send(ctx, "hi").All() {
			require.ErrorAs(t, err, &ie)
		}
		for _, err := range a.Resume(ctx).All() {
			require.ErrorAs(t, err, &ie)
		}
		require.ErrorAs(t, a.Approve(ctx, "inv"), &ie)
		require.ErrorAs(t, a.Reject(ctx, "inv", "no"), &ie)
		require.ErrorAs(t, a.SubmitToolResult(ctx, "inv", "r"), &ie)
		_, err := a.Chat(ctx)
		require.ErrorAs(t, err, &ie)
		require.ErrorAs(t, infsh.AgentEvent{}.Approve(ctx), &ie)
	})
}
