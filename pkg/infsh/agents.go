package infsh

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/internal/core"
	"github.com/aiclients/sdk-go/pkg/internal/transport"
	"github.com/aiclients/sdk-go/pkg/option"
	"github.com/aiclients/sdk-go/pkg/stream"
)

// UnmarshalJSON reads the arguments as an object, also when the object
// arrives JSON-encoded in a string (as some model wire formats send it).
func (f *ToolCallFunction) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if n, ok := raw["name"]; ok {
		if err := json.Unmarshal(n, &f.Name); err != nil {
			return fmt.Errorf("tool function name: %w", err)
		}
	}
	f.Arguments = raw["arguments"]
	var s string
	if bytes.HasPrefix(f.Arguments, []byte(`"`)) && json.Unmarshal(f.Arguments, &s) == nil {
		if obj := bytes.TrimSpace([]byte(s)); bytes.HasPrefix(obj, []byte("{")) && json.Valid(obj) {
			f.Arguments = obj
		}
	}
	return nil
}

// Text joins the message's text parts.
func (m *ChatMessage) Text() string {
	var parts []string
	for _, c := range m.Content {
		if c.Type == "text" && c.Text != "" {
			parts = append(parts, c.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// IsTerminal reports whether the message is final (ready, failed, cancelled).
func (m *ChatMessage) IsTerminal() bool {
	return m.Status == "ready" || m.Status == "failed" || m.Status == "cancelled"
}

// working reports whether the agent is still on it. Without a run the
// chat's status decides (idle and completed are done); a chat that tells
// neither is taken as working.
func (c *Chat) working() bool {
	if c.ActiveRun != nil && c.ActiveRun.State != "" {
		return c.ActiveRun.State == "working" || c.ActiveRun.State == "submitted"
	}
	return c.Status == "busy" || c.Status == ""
}

// ToolCall is a client tool call for a Go handler.
type ToolCall struct {
	// ID is the invocation id.
	ID        string
	Name      string
	Arguments json.RawMessage
}

// ToolHandler answers a client tool call; the string is the tool's result.
// An error is sent to the agent as the result "error: <message>".
type ToolHandler func(ctx context.Context, call ToolCall) (string, error)

// AgentService starts conversations with agents.
type AgentService struct{ c *Client }

// Template is a conversation with the template agent ref
// ("namespace/name@version"). Nothing is sent before the first message.
func (s *AgentService) Template(ref string) *Agent {
	return &Agent{c: s.c, ref: ref, handlers: map[string]ToolHandler{}, handled: map[string]bool{}}
}

// ByID is a conversation with the stored agent id, pinned to its version
// versionID (a full or short id), or at its current version when
// versionID is "". Nothing is sent before the first message.
func (s *AgentService) ByID(id, versionID string) *Agent {
	return &Agent{c: s.c, agentID: id, versionID: versionID, handlers: map[string]ToolHandler{}, handled: map[string]bool{}}
}

// AdHoc is a conversation with an agent defined by cfg. Nothing is sent
// before the first message.
func (s *AgentService) AdHoc(cfg AgentConfig) *Agent {
	c := cfg
	return &Agent{c: s.c, cfg: &c, handlers: map[string]ToolHandler{}, handled: map[string]bool{}}
}

// Agent is one conversation with an agent. Register handlers for its client
// tools with HandleTool, then Send messages. An Agent is not safe for
// concurrent Sends.
type Agent struct {
	c   *Client
	ref string
	cfg *AgentConfig
	// agentID and versionID name a stored agent (Agents.ByID).
	agentID, versionID string
	context            map[string]string
	mu                 sync.Mutex
	chatID             string
	handlers           map[string]ToolHandler
	handled            map[string]bool // invocation ids answered, approved or rejected
	acted              int             // answers sent since the stream was opened
	// pending maps invocations answered to the status the answer ends
	// (awaiting_input, awaiting_approval), until a stream shows another.
	pending map[string]string
}

// HandleTool registers the Go handler of the client tool name.
func (a *Agent) HandleTool(name string, h ToolHandler) *Agent {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.handlers == nil {
		a.handlers = map[string]ToolHandler{}
	}
	a.handlers[name] = h
	return a
}

// usable tells an Agent made by Agents.Template, ByID or AdHoc from a zero
// one.
func (a *Agent) usable() error {
	if a == nil || a.c == nil || a.handled == nil {
		return inputErr("agent", "use Agents.Template or Agents.AdHoc")
	}
	return nil
}

// WithContext sets per-chat variables sent with every message.
func (a *Agent) WithContext(vars map[string]string) *Agent {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.context = vars
	return a
}

// ChatID is the id of the conversation ("" before the first message).
func (a *Agent) ChatID() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.chatID
}

// Reset starts a fresh conversation with the next message.
func (a *Agent) Reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.chatID = ""
	a.handled = map[string]bool{}
	a.pending = nil
}

// EventType tells what an AgentEvent carries.
type EventType string

// Agent event types.
const (
	// EventMessage: a message was created or changed (Message is set).
	EventMessage EventType = "message"
	// EventToolCall: the agent called a client tool (ToolCall is set).
	// With a registered handler the call was answered already (Result,
	// Handled); otherwise answer it with Agent.SubmitToolResult before the
	// next iteration, or it is answered "not available".
	EventToolCall EventType = "tool_call"
	// EventApproval: a tool call waits for approval (ToolCall is set): call
	// Approve or Reject on the event (or the Agent).
	EventApproval EventType = "approval"
	// EventChat: the chat's status changed (Chat is set).
	EventChat EventType = "chat"
	// EventDelta: tokens of a message being written (Delta is set):
	// Delta.Response is the new text, Delta.Text the whole answer so far.
	EventDelta EventType = "delta"
)

// Delta is a batch of tokens of a message being written.
type Delta struct {
	// MessageID names the message the tokens belong to.
	MessageID string
	// Response is the answer text new in this batch: print it to show the
	// answer as it is written. Reasoning is the new reasoning text.
	Response  string
	Reasoning string
	// Seq orders the batches of one message.
	Seq int
	// Text is the whole answer text of the message so far (every Response
	// up to this one): use it to redraw the answer, not to append, or the
	// text repeats.
	Text string
}

// AgentEvent is one event of an agent's reply.
type AgentEvent struct {
	Type     EventType
	Message  *ChatMessage
	ToolCall *ToolInvocation
	Chat     *Chat
	Delta    *Delta
	// Result is what the handler answered (EventToolCall).
	Result string
	// Handled tells that a registered handler answered the call.
	Handled bool

	agent *Agent
}

// Approve approves the tool call of an EventApproval.
func (e AgentEvent) Approve(ctx context.Context, opts ...option.RequestOption) error {
	if e.ToolCall == nil || e.agent == nil {
		return inputErr("event", "not an approval event")
	}
	return e.agent.Approve(ctx, e.ToolCall.ID, opts...)
}

// Reject rejects the tool call of an EventApproval.
func (e AgentEvent) Reject(ctx context.Context, reason string, opts ...option.RequestOption) error {
	if e.ToolCall == nil || e.agent == nil {
		return inputErr("event", "not an approval event")
	}
	return e.agent.Reject(ctx, e.ToolCall.ID, reason, opts...)
}

// Send sends a message (with files, uploaded first) and streams the reply:
// message updates, client tool calls (answered by the registered handlers)
// and approval requests. The message is sent when the stream is first read.
// The stream ends when the agent has finished, or waits on an approval the
// loop did not give; closing it early (or stopping a range over All)
// leaves the agent running.
func (a *Agent) Send(ctx context.Context, text string, files ...*File) *stream.Stream[AgentEvent] {
	ctx, cancel := context.WithCancel(ctx)
	return stream.FromSeq(func(yield func(AgentEvent, error) bool) {
		if err := a.usable(); err != nil {
			yield(AgentEvent{}, err)
			return
		}
		if err := a.send(ctx, text, files); err != nil {
			yield(AgentEvent{}, err)
			return
		}
		a.follow(ctx, yield)
	}, cancel)
}

// Reply sends a message and waits for the reply, running tool handlers on
// the way; it returns the last assistant message. Approval requests are
// rejected unless approve (which may be nil) says yes.
func (a *Agent) Reply(ctx context.Context, text string, approve func(ToolInvocation) bool, files ...*File) (*ChatMessage, error) {
	var last *ChatMessage
	for ev, err := range a.Send(ctx, text, files...).All() {
		if err != nil {
			return last, err
		}
		switch ev.Type {
		case EventMessage:
			if ev.Message.Role == "assistant" {
				last = ev.Message
			}
		case EventApproval:
			var err error
			if approve != nil && approve(*ev.ToolCall) {
				err = ev.Approve(ctx)
			} else {
				err = ev.Reject(ctx, "not approved")
			}
			if err != nil {
				return last, err
			}
		}
	}
	return last, nil
}

// Resume streams the current reply again (after approving a call outside
// a Send loop, for instance).
func (a *Agent) Resume(ctx context.Context) *stream.Stream[AgentEvent] {
	ctx, cancel := context.WithCancel(ctx)
	return stream.FromSeq(func(yield func(AgentEvent, error) bool) {
		if err := a.usable(); err != nil {
			yield(AgentEvent{}, err)
			return
		}
		if a.ChatID() == "" {
			yield(AgentEvent{}, inputErr("chat", "no conversation yet; Send a message first"))
			return
		}
		a.follow(ctx, yield)
	}, cancel)
}

func (a *Agent) send(ctx context.Context, text string, files []*File) error {
	if a.ref == "" && a.cfg == nil && a.agentID == "" {
		return inputErr("agent", "use Agents.Template, Agents.ByID or Agents.AdHoc")
	}
	if a.cfg != nil && a.cfg.CoreApp.Ref == "" && a.ChatID() == "" {
		return inputErr("agent_config.core_app.ref", "must not be empty")
	}
	in := MessageInput{Text: &text}
	for i, f := range files {
		if f == nil {
			return inputErr(fmt.Sprintf("files[%d]", i), "must not be nil")
		}
		u, err := f.upload(ctx, a.c.Files, nil)
		if err != nil {
			return err
		}
		in.Attachments = append(in.Attachments, FileRef{ID: u.ID, URI: u.URI, Filename: u.Filename, ContentType: u.ContentType, Size: u.Size})
	}
	a.mu.Lock()
	req := AgentRunRequest{Input: in, Context: a.context}
	if a.chatID != "" {
		id := a.chatID
		req.ChatID = &id
	}
	if a.cfg != nil {
		req.AgentConfig = a.cfg
		if a.cfg.Name != "" {
			name := a.cfg.Name
			req.AgentName = &name
		}
	} else if a.agentID != "" {
		id := a.agentID
		req.AgentID = &id
		if a.versionID != "" {
			v := a.versionID
			req.AgentVersionID = &v
		}
	} else {
		ref := a.ref
		req.Agent = &ref
	}
	a.mu.Unlock()
	body, err := marshal(req)
	if err != nil {
		return err
	}
	var out AgentRunResult
	err = a.c.core.Call(ctx, nil, func(ctx context.Context) (*http.Response, error) {
		return a.c.raw.RunAgentWithBody(ctx, "application/json", bytes.NewReader(body))
	}, &out)
	if err != nil {
		return err
	}
	chatID := ""
	for _, m := range []*ChatMessage{out.AssistantMessage, out.UserMessage} {
		if m != nil && m.ChatID != "" {
			chatID = m.ChatID
			break
		}
	}
	if chatID == "" {
		return fmt.Errorf("%s: the agent run response names no chat", ServiceName)
	}
	a.mu.Lock()
	a.chatID, a.acted, a.pending = chatID, 0, nil
	a.mu.Unlock()
	return nil
}

// replyState is what one reply's stream connections have shown so far.
type replyState struct {
	seen   map[string]string // message id -> the JSON last yielded
	texts  map[string]string // message id -> token text so far
	seq    map[string]int    // message id -> last delta seq
	chat   string            // the chat JSON last yielded
	events int               // events yielded
	// The members of the chat and of each message (by id) as merged from
	// full and partial updates.
	chatFields map[string]json.RawMessage
	msgFields  map[string]map[string]json.RawMessage
}

// merge merges the members of the JSON object part into fields and returns
// the merged object; ok is false when part is not an object.
func merge(fields map[string]json.RawMessage, part json.RawMessage) (merged []byte, ok bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(part, &m) != nil || m == nil {
		return nil, false
	}
	for k, v := range m {
		fields[k] = v
	}
	merged, err := json.Marshal(fields)
	return merged, err == nil
}

// decodeDelta reads a delta event's data: {"resource_id", "seq",
// "delta": {"response", "reasoning"}}. ok is false when it is malformed or
// names no message.
func decodeDelta(data json.RawMessage) (d Delta, ok bool) {
	m := members(data)
	if m == nil {
		return d, false
	}
	inner := members(m["delta"])
	if raw, has := m["seq"]; has && json.Unmarshal(raw, &d.Seq) != nil {
		return d, false
	}
	for _, f := range []struct {
		m   map[string]json.RawMessage
		k   string
		dst *string
	}{{m, "resource_id", &d.MessageID}, {inner, "response", &d.Response}, {inner, "reasoning", &d.Reasoning}} {
		if raw, has := f.m[f.k]; has && json.Unmarshal(raw, f.dst) != nil {
			return d, false
		}
	}
	if raw, has := m["delta"]; has && inner == nil && !bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return d, false
	}
	return d, d.MessageID != ""
}

// chatLine is one line of a chat stream; a heartbeat has no event and no
// data (it is yielded all the same: it resets the stream's idle timer).
type chatLine struct {
	event string
	data  json.RawMessage
}

// follow streams the chat until the agent is done; it reconnects after a
// drop (up to 5 times in a row without a new event) and after an answer to
// a tool call (given in the loop, or before Resume) until a stream shows the
// call past the state the answer ended.
func (a *Agent) follow(ctx context.Context, yield func(AgentEvent, error) bool) {
	st := &replyState{seen: map[string]string{}, texts: map[string]string{}, seq: map[string]int{},
		chatFields: map[string]json.RawMessage{}, msgFields: map[string]map[string]json.RawMessage{}}
	counted := func(ev AgentEvent, err error) bool {
		st.events++
		return yield(ev, err)
	}
	pol, err := a.c.policy(ctx, nil)
	if err != nil {
		yield(AgentEvent{}, err)
		return
	}
	drops := 0
	for {
		a.mu.Lock()
		a.acted = 0
		a.mu.Unlock()
		before := st.events
		done, waiting, stop, err := a.readChat(ctx, pol, st, counted)
		if st.events > before {
			drops = 0 // the budget counts reconnects that brought nothing new
		}
		if stop {
			return
		}
		if err != nil {
			var ae *apierror.Error
			if errors.As(err, &ae) && !ae.Retryable() || ctx.Err() != nil {
				yield(AgentEvent{}, err)
				return
			}
		}
		a.mu.Lock()
		acted, pending := a.acted, len(a.pending) > 0
		a.mu.Unlock()
		switch {
		case done && (!waiting || !pending):
			return // finished, or it waits on input not given here
		case done && acted > 0:
			continue // answered in the loop: follow the agent going on
		}
		// The stream ended early, or it still shows the state from before an
		// answer the agent has not taken up yet.
		drops++
		if drops > 5 {
			if done {
				return // still waiting, as far as the stream tells
			}
			if err == nil {
				err = fmt.Errorf("%s: chat stream kept ending before the agent finished", ServiceName)
			}
			yield(AgentEvent{}, err)
			return
		}
		if err := transport.Sleep(ctx, pol.ReconnectDelay); err != nil {
			yield(AgentEvent{}, err)
			return
		}
	}
}

// readChat reads one connection of the chat stream. done: a chat event said
// the agent is no longer working (waiting: it waits for input, such as an
// approval); stop: the consumer stopped.
func (a *Agent) readChat(ctx context.Context, pol FollowPolicy, rs *replyState, yield func(AgentEvent, error) bool) (done, waiting, stop bool, err error) {
	id := a.ChatID()
	resp, err := a.c.core.Send(ctx, nil, func(ctx context.Context) (*http.Response, error) {
		return a.c.raw.StreamChat(ctx, id, acceptNDJSON)
	})
	if err != nil {
		return false, false, false, err
	}
	decode := func(ev stream.Event) (chatLine, error) {
		top := members(ev.Data)
		if top == nil {
			return chatLine{}, stream.ErrSkip
		}
		if str(top, "type") == "heartbeat" {
			return chatLine{}, nil
		}
		name := str(top, "event")
		if name == "" {
			name = ev.Type
		}
		data := top["data"]
		if len(data) == 0 {
			data = ev.Data
		}
		return chatLine{event: name, data: data}, nil
	}
	var st *stream.Stream[chatLine]
	if isSSE(resp) {
		st = stream.NewSSE(resp.Body, decode, stream.WithIdleTimeout(pol.IdleTimeout))
	} else {
		st = stream.NewNDJSON(resp.Body, decode, stream.WithIdleTimeout(pol.IdleTimeout))
	}
	defer st.Close()
	for st.Next() {
		line := st.Current()
		if line.event == "" && line.data == nil {
			continue // a heartbeat
		}
		switch line.event {
		case "chats":
			merged, ok := merge(rs.chatFields, line.data)
			var c Chat
			if !ok || json.Unmarshal(merged, &c) != nil {
				continue
			}
			if key := string(merged); key != rs.chat { // a reconnect repeats it
				rs.chat = key
				if !yield(AgentEvent{Type: EventChat, Chat: &c, agent: a}, nil) {
					return false, false, true, nil
				}
			}
			if !c.working() {
				waiting = c.Status == "awaiting_input" || (c.ActiveRun != nil && c.ActiveRun.State == "input_required")
				return true, waiting, false, nil
			}
		case "delta":
			d, ok := decodeDelta(line.data)
			if !ok {
				continue // a delta that names no message cannot be placed
			}
			if d.Seq > 0 && d.Seq <= rs.seq[d.MessageID] {
				continue // replayed after a reconnect
			}
			rs.seq[d.MessageID] = d.Seq
			rs.texts[d.MessageID] += d.Response
			d.Text = rs.texts[d.MessageID]
			ev := &d
			if !yield(AgentEvent{Type: EventDelta, Delta: ev, agent: a}, nil) {
				return false, false, true, nil
			}
		case "chat_messages", "message", "":
			var m ChatMessage
			if json.Unmarshal(line.data, &m) != nil || m.ID == "" {
				continue
			}
			if rs.msgFields[m.ID] == nil {
				rs.msgFields[m.ID] = map[string]json.RawMessage{}
			}
			merged, _ := merge(rs.msgFields[m.ID], line.data)
			m = ChatMessage{}
			if json.Unmarshal(merged, &m) != nil {
				continue
			}
			if !a.onMessage(ctx, m, merged, rs.seen, yield) {
				return false, false, true, nil
			}
		}
	}
	return false, false, false, st.Err()
}

// onMessage yields a changed message and handles its tool invocations.
func (a *Agent) onMessage(ctx context.Context, m ChatMessage, raw json.RawMessage, seen map[string]string, yield func(AgentEvent, error) bool) bool {
	key := string(bytes.TrimSpace(raw))
	if seen[m.ID] != key {
		seen[m.ID] = key
		if !yield(AgentEvent{Type: EventMessage, Message: &m, agent: a}, nil) {
			return false
		}
	}
	for i := range m.ToolInvocations {
		inv := m.ToolInvocations[i]
		a.mu.Lock()
		if from, ok := a.pending[inv.ID]; ok && inv.Status != from {
			delete(a.pending, inv.ID) // the agent took the answer up
		}
		done := a.handled[inv.ID+"/"+inv.Status]
		h := a.handlers[inv.Function.Name]
		a.mu.Unlock()
		if done {
			continue
		}
		switch {
		case inv.Status == "awaiting_approval":
			a.mark(inv.ID + "/" + inv.Status)
			if !yield(AgentEvent{Type: EventApproval, ToolCall: &inv, agent: a}, nil) {
				return false
			}
		case inv.Status == "awaiting_input" && inv.Type == ToolTypeClient:
			a.mark(inv.ID + "/" + inv.Status)
			ev := AgentEvent{Type: EventToolCall, ToolCall: &inv, agent: a}
			if h != nil {
				ev.Result = runHandler(ctx, h, ToolCall{ID: inv.ID, Name: inv.Function.Name, Arguments: inv.Function.Arguments})
				ev.Handled = true
				if err := a.SubmitToolResult(ctx, inv.ID, ev.Result); err != nil {
					return yield(AgentEvent{}, err) && false
				}
			}
			if !yield(ev, nil) {
				return false
			}
			if !ev.Handled && !a.answered(inv.ID) {
				msg, _ := json.Marshal(map[string]string{"status": "not_available",
					"message": "no handler is registered for the tool " + inv.Function.Name})
				if err := a.SubmitToolResult(ctx, inv.ID, string(msg)); err != nil {
					return yield(AgentEvent{}, err) && false
				}
			}
		}
	}
	return true
}

func runHandler(ctx context.Context, h ToolHandler, call ToolCall) (res string) {
	defer func() {
		if p := recover(); p != nil {
			res = fmt.Sprintf("error: tool handler panicked: %v", p)
		}
	}()
	out, err := h(ctx, call)
	if err != nil {
		return "error: " + err.Error()
	}
	return out
}

func (a *Agent) mark(key string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.handled[key] = true
}

func (a *Agent) answered(id string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.handled[id+"/answered"]
}

// noteAction notes an answer to invocation id, which was in state from.
func (a *Agent) noteAction(id, from string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.handled[id+"/answered"] = true
	a.acted++
	if a.pending == nil {
		a.pending = map[string]string{}
	}
	a.pending[id] = from
}

// SubmitToolResult answers a client tool call (POST /tools/{id}).
func (a *Agent) SubmitToolResult(ctx context.Context, invocationID, result string, opts ...option.RequestOption) error {
	return a.act(ctx, invocationID, "awaiting_input", opts, ToolResultRequest{Result: result},
		func(ctx context.Context, body io.Reader) (*http.Response, error) {
			return a.c.raw.SubmitToolResultWithBody(ctx, invocationID, "application/json", body)
		})
}

// Approve lets a tool call that requires approval run (POST /tools/{id}/invoke).
func (a *Agent) Approve(ctx context.Context, invocationID string, opts ...option.RequestOption) error {
	return a.act(ctx, invocationID, "awaiting_approval", opts, nil, func(ctx context.Context, _ io.Reader) (*http.Response, error) {
		return a.c.raw.ApproveTool(ctx, invocationID)
	})
}

// Reject refuses a tool call that requires approval (POST /tools/{id}/reject).
func (a *Agent) Reject(ctx context.Context, invocationID, reason string, opts ...option.RequestOption) error {
	return a.act(ctx, invocationID, "awaiting_approval", opts, RejectToolRequest{Reason: &reason},
		func(ctx context.Context, body io.Reader) (*http.Response, error) {
			return a.c.raw.RejectToolWithBody(ctx, invocationID, "application/json", body)
		})
}

// act sends one answer to a tool invocation in state from (with body as
// JSON, unless nil) and notes that the invocation was answered.
func (a *Agent) act(ctx context.Context, invocationID, from string, opts []option.RequestOption, body any,
	do func(ctx context.Context, body io.Reader) (*http.Response, error)) error {
	if err := a.usable(); err != nil {
		return err
	}
	if invocationID == "" {
		return inputErr("tool invocation id", "must not be empty")
	}
	var data []byte
	if body != nil {
		var err error
		if data, err = marshal(body); err != nil {
			return err
		}
	}
	err := a.c.core.Call(ctx, opts, func(ctx context.Context) (*http.Response, error) {
		if data == nil {
			return do(ctx, nil)
		}
		return do(ctx, bytes.NewReader(data))
	}, nil)
	if err == nil {
		a.noteAction(invocationID, from)
	}
	return err
}

// Chat reads the conversation with its messages.
func (a *Agent) Chat(ctx context.Context, opts ...option.RequestOption) (*Chat, error) {
	id := a.ChatID()
	if id == "" {
		return nil, inputErr("chat", "no conversation yet; Send a message first")
	}
	return a.c.Agents.GetChat(ctx, id, opts...)
}

// History returns the conversation's messages.
func (a *Agent) History(ctx context.Context, opts ...option.RequestOption) ([]ChatMessage, error) {
	c, err := a.Chat(ctx, opts...)
	if err != nil {
		return nil, err
	}
	return c.Messages, nil
}

// Output decodes the chat's structured output (the finish tool's result)
// into v; it reports false when there is none.
func (a *Agent) Output(ctx context.Context, v any, opts ...option.RequestOption) (bool, error) {
	c, err := a.Chat(ctx, opts...)
	if err != nil {
		return false, err
	}
	if len(c.Output) == 0 || bytes.Equal(c.Output, []byte("null")) {
		return false, nil
	}
	if err := json.Unmarshal(c.Output, v); err != nil {
		return false, fmt.Errorf("%s: decoding the chat output: %w", ServiceName, err)
	}
	return true, nil
}

// GetChat reads a chat by id.
func (s *AgentService) GetChat(ctx context.Context, id string, opts ...option.RequestOption) (*Chat, error) {
	if id == "" {
		return nil, inputErr("chat id", "must not be empty")
	}
	var c Chat
	err := s.c.core.Call(ctx, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.GetChat(ctx, id)
	}, &c)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// ChatStatus reads only chat id's status (GET /chats/{id}/status): cheap,
// for polling; read the whole chat with GetChat when it changed. The values
// the SDKs name are "busy", "idle", "awaiting_input", "waiting" (paused on
// the agent's own wait call) and "completed"; others are passed through as
// the server sent them.
func (s *AgentService) ChatStatus(ctx context.Context, id string, opts ...option.RequestOption) (string, error) {
	if id == "" {
		return "", inputErr("chat id", "must not be empty")
	}
	// An empty, null or {} body is a typed error, not "": the spec requires status.
	st, err := core.Execute[ChatStatusInfo](ctx, s.c.core, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.GetChatStatus(ctx, id)
	})
	if err != nil {
		return "", err
	}
	return st.Status, nil
}

// Status reads the conversation's status ("busy", "idle", …; see
// AgentService.ChatStatus); before the first message there is no chat and it
// returns "" and no error.
func (a *Agent) Status(ctx context.Context, opts ...option.RequestOption) (string, error) {
	if err := a.usable(); err != nil {
		return "", err
	}
	id := a.ChatID()
	if id == "" {
		return "", nil
	}
	return a.c.Agents.ChatStatus(ctx, id, opts...)
}

// StopChat stops the current run of chat id (POST /chats/{id}/stop): its
// pending reply and tool calls end as cancelled.
func (s *AgentService) StopChat(ctx context.Context, id string, opts ...option.RequestOption) error {
	if id == "" {
		return inputErr("chat id", "must not be empty")
	}
	return s.c.core.Call(ctx, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.StopChat(ctx, id)
	}, nil)
}

// Stop stops the agent's current reply in its conversation; before the
// first message there is nothing to stop and it does nothing.
func (a *Agent) Stop(ctx context.Context, opts ...option.RequestOption) error {
	if err := a.usable(); err != nil {
		return err
	}
	id := a.ChatID()
	if id == "" {
		return nil
	}
	return a.c.Agents.StopChat(ctx, id, opts...)
}
