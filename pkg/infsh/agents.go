package infsh

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/option"
	"github.com/aiclients/sdk-go/pkg/stream"
)

// CoreApp is the model app of an ad-hoc agent.
type CoreApp struct {
	// Ref is the model app, "namespace/name@version".
	Ref string `json:"ref"`
	// Setup holds setup values of the model app.
	Setup any `json:"setup,omitempty"`
	// Input holds default input of the model app (temperature and the like).
	Input any `json:"input,omitempty"`
}

// Skill is a skill available to an agent.
type Skill struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	SkillID     string `json:"skill_id,omitempty"`
	VersionID   string `json:"version_id,omitempty"`
	URL         string `json:"url,omitempty"`
	Content     string `json:"content,omitempty"`
	Preload     bool   `json:"preload,omitempty"`
}

// AgentConfig defines an ad-hoc agent (sent as agent_config).
type AgentConfig struct {
	Name           string               `json:"name,omitempty"`
	Description    string               `json:"description,omitempty"`
	SystemPrompt   string               `json:"system_prompt,omitempty"`
	ExamplePrompts []string             `json:"example_prompts,omitempty"`
	CoreApp        CoreApp              `json:"core_app"`
	Tools          []AgentTool          `json:"tools,omitempty"`
	InternalTools  *InternalToolsConfig `json:"internal_tools,omitempty"`
	Skills         []Skill              `json:"skills,omitempty"`
	// OutputSchema asks for structured output (the finish tool's result,
	// read with Agent.Output).
	OutputSchema map[string]any `json:"output_schema,omitempty"`
}

// MessageContent is one part of a chat message.
type MessageContent struct {
	Type  string `json:"type"` // text, reasoning, image, file, tool, event
	Text  string `json:"text,omitempty"`
	Image string `json:"image,omitempty"`
	File  string `json:"file,omitempty"`
	Error string `json:"error,omitempty"`
}

// ToolFunction is the function a tool invocation calls.
type ToolFunction struct {
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments,omitempty"`
}

// UnmarshalJSON reads the arguments as an object, also when the object
// arrives JSON-encoded in a string (as some model wire formats send it).
func (f *ToolFunction) UnmarshalJSON(b []byte) error {
	var raw struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	f.Name, f.Arguments = raw.Name, raw.Arguments
	var s string
	if bytes.HasPrefix(raw.Arguments, []byte(`"`)) && json.Unmarshal(raw.Arguments, &s) == nil {
		if obj := bytes.TrimSpace([]byte(s)); bytes.HasPrefix(obj, []byte("{")) && json.Valid(obj) {
			f.Arguments = obj
		}
	}
	return nil
}

// ToolInvocation is a tool call made by an agent.
type ToolInvocation struct {
	// ID is the invocation's id, the one tool results and approvals use.
	ID string `json:"id"`
	// CallID is the model's own call id (tool_invocation_id).
	CallID      string       `json:"tool_invocation_id,omitempty"`
	Type        string       `json:"type,omitempty"`
	DisplayName string       `json:"display_name,omitempty"`
	Status      string       `json:"status,omitempty"`
	Function    ToolFunction `json:"function"`
	Result      *string      `json:"result,omitempty"`
}

// ChatMessage is a message of a chat.
type ChatMessage struct {
	ID              string           `json:"id"`
	ChatID          string           `json:"chat_id,omitempty"`
	Role            string           `json:"role,omitempty"`   // system, user, assistant, tool
	Status          string           `json:"status,omitempty"` // pending, queued, ready, failed, cancelled
	Order           int              `json:"order,omitempty"`
	TaskID          *string          `json:"task_id,omitempty"`
	Content         []MessageContent `json:"content,omitempty"`
	ToolInvocations []ToolInvocation `json:"tool_invocations,omitempty"`
	CreatedAt       time.Time        `json:"created_at,omitempty"`
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

// AgentRun is the current run of a chat's agent.
type AgentRun struct {
	ID    string `json:"id,omitempty"`
	State string `json:"state,omitempty"` // submitted, working, input_required, completed, failed, canceled, ...
}

// Interrupt is something a chat waits on, such as a tool approval.
type Interrupt struct {
	ID         string         `json:"id,omitempty"`
	Reason     string         `json:"reason,omitempty"` // tool_approval, client_tool, ...
	Status     string         `json:"status,omitempty"`
	ResourceID string         `json:"resource_id,omitempty"`
	Meta       map[string]any `json:"meta,omitempty"`
}

// Chat is a conversation with an agent.
type Chat struct {
	ID                string          `json:"id"`
	Status            string          `json:"status,omitempty"` // busy, idle, awaiting_input, completed
	Name              string          `json:"name,omitempty"`
	Output            json.RawMessage `json:"output,omitempty"`
	ActiveRun         *AgentRun       `json:"active_run,omitempty"`
	PendingInterrupts []Interrupt     `json:"pending_interrupts,omitempty"`
	Messages          []ChatMessage   `json:"chat_messages,omitempty"`
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
	c        *Client
	ref      string
	cfg      *AgentConfig
	context  map[string]string
	mu       sync.Mutex
	chatID   string
	handlers map[string]ToolHandler
	handled  map[string]bool // invocation ids answered, approved or rejected
	acted    int             // answers sent since the stream was opened
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

// usable tells an Agent made by Agents.Template or Agents.AdHoc from a zero
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
	// EventDelta: tokens of a message being written (Delta is set).
	EventDelta EventType = "delta"
)

// Delta is a batch of tokens of a message being written.
type Delta struct {
	// MessageID names the message the tokens belong to.
	MessageID string
	// Response is the new answer text; Reasoning the new reasoning text.
	Response  string
	Reasoning string
	// Seq orders the batches of one message.
	Seq int
	// Text is all the answer text of the message so far.
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

type fileRef struct {
	ID          string `json:"id,omitempty"`
	URI         string `json:"uri"`
	Filename    string `json:"filename,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Size        int64  `json:"size,omitempty"`
}

type agentRunBody struct {
	ChatID      *string           `json:"chat_id"`
	Agent       string            `json:"agent,omitempty"`
	AgentConfig *AgentConfig      `json:"agent_config,omitempty"`
	AgentName   string            `json:"agent_name,omitempty"`
	Input       messageInput      `json:"input"`
	Context     map[string]string `json:"context,omitempty"`
}

type messageInput struct {
	Text        string    `json:"text"`
	Attachments []fileRef `json:"attachments,omitempty"`
}

// Send sends a message (with files, uploaded first) and streams the reply:
// message updates, client tool calls (answered by the registered handlers)
// and approval requests. The sequence ends when the agent has finished, or
// waits on an approval the loop did not give; stopping the loop early
// leaves the agent running.
func (a *Agent) Send(ctx context.Context, text string, files ...*File) iter.Seq2[AgentEvent, error] {
	return func(yield func(AgentEvent, error) bool) {
		if err := a.usable(); err != nil {
			yield(AgentEvent{}, err)
			return
		}
		if err := a.send(ctx, text, files); err != nil {
			yield(AgentEvent{}, err)
			return
		}
		a.follow(ctx, yield)
	}
}

// Reply sends a message and waits for the reply, running tool handlers on
// the way; it returns the last assistant message. Approval requests are
// rejected unless approve (which may be nil) says yes.
func (a *Agent) Reply(ctx context.Context, text string, approve func(ToolInvocation) bool, files ...*File) (*ChatMessage, error) {
	var last *ChatMessage
	for ev, err := range a.Send(ctx, text, files...) {
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
func (a *Agent) Resume(ctx context.Context) iter.Seq2[AgentEvent, error] {
	return func(yield func(AgentEvent, error) bool) {
		if err := a.usable(); err != nil {
			yield(AgentEvent{}, err)
			return
		}
		if a.ChatID() == "" {
			yield(AgentEvent{}, inputErr("chat", "no conversation yet; Send a message first"))
			return
		}
		a.follow(ctx, yield)
	}
}

func (a *Agent) send(ctx context.Context, text string, files []*File) error {
	if a.ref == "" && a.cfg == nil {
		return inputErr("agent", "use Agents.Template or Agents.AdHoc")
	}
	if a.cfg != nil && a.cfg.CoreApp.Ref == "" && a.ChatID() == "" {
		return inputErr("agent_config.core_app.ref", "must not be empty")
	}
	in := messageInput{Text: text}
	for i, f := range files {
		if f == nil {
			return inputErr(fmt.Sprintf("files[%d]", i), "must not be nil")
		}
		u, err := f.upload(ctx, a.c.Files, nil)
		if err != nil {
			return err
		}
		in.Attachments = append(in.Attachments, fileRef{ID: u.ID, URI: u.URI, Filename: u.Filename, ContentType: u.ContentType, Size: u.Size})
	}
	a.mu.Lock()
	body := agentRunBody{Input: in, Context: a.context}
	if a.chatID != "" {
		id := a.chatID
		body.ChatID = &id
	}
	if a.cfg != nil {
		body.AgentConfig, body.AgentName = a.cfg, a.cfg.Name
	} else {
		body.Agent = a.ref
	}
	a.mu.Unlock()
	rd, err := jsonBody(body)
	if err != nil {
		return err
	}
	var out struct {
		UserMessage      *ChatMessage `json:"user_message"`
		AssistantMessage *ChatMessage `json:"assistant_message"`
	}
	err = a.c.send(ctx, nil, func(ctx context.Context) (*http.Response, error) {
		return a.c.raw.RunAgentWithBody(ctx, "application/json", rd)
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
	drops := 0
	for {
		a.mu.Lock()
		a.acted = 0
		a.mu.Unlock()
		before := st.events
		done, waiting, stop, err := a.readChat(ctx, st, counted)
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
		if err := sleep(ctx, a.c.Tasks.Follow.norm().ReconnectDelay); err != nil {
			yield(AgentEvent{}, err)
			return
		}
	}
}

// readChat reads one connection of the chat stream. done: a chat event said
// the agent is no longer working (waiting: it waits for input, such as an
// approval); stop: the consumer stopped.
func (a *Agent) readChat(ctx context.Context, rs *replyState, yield func(AgentEvent, error) bool) (done, waiting, stop bool, err error) {
	id := a.ChatID()
	cctx, err := a.c.core.Context(ctx, nil)
	if err != nil {
		return false, false, false, err
	}
	resp, err := a.c.core.Check(a.c.raw.StreamChat(cctx, id, acceptNDJSON))
	if err != nil {
		return false, false, false, typedError(err)
	}
	decode := func(ev stream.Event) (chatLine, error) {
		var top struct {
			Type  string          `json:"type"`
			Event string          `json:"event"`
			Data  json.RawMessage `json:"data"`
		}
		if json.Unmarshal(ev.Data, &top) != nil {
			return chatLine{}, stream.ErrSkip
		}
		if top.Type == "heartbeat" {
			return chatLine{}, nil
		}
		name := top.Event
		if name == "" {
			name = ev.Type
		}
		if len(top.Data) == 0 {
			top.Data = ev.Data
		}
		return chatLine{event: name, data: top.Data}, nil
	}
	var st *stream.Stream[chatLine]
	if isSSE(resp) {
		st = stream.NewSSE(resp.Body, decode, stream.WithIdleTimeout(a.c.Tasks.Follow.norm().IdleTimeout))
	} else {
		st = stream.NewNDJSON(resp.Body, decode, stream.WithIdleTimeout(a.c.Tasks.Follow.norm().IdleTimeout))
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
			var d struct {
				ResourceID string `json:"resource_id"`
				Seq        int    `json:"seq"`
				Delta      struct {
					Response  string `json:"response"`
					Reasoning string `json:"reasoning"`
				} `json:"delta"`
			}
			if json.Unmarshal(line.data, &d) != nil || d.ResourceID == "" {
				continue // a delta that names no message cannot be placed
			}
			if d.Seq > 0 && d.Seq <= rs.seq[d.ResourceID] {
				continue // replayed after a reconnect
			}
			rs.seq[d.ResourceID] = d.Seq
			rs.texts[d.ResourceID] += d.Delta.Response
			ev := &Delta{MessageID: d.ResourceID, Response: d.Delta.Response, Reasoning: d.Delta.Reasoning,
				Seq: d.Seq, Text: rs.texts[d.ResourceID]}
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
	return a.act(ctx, invocationID, "awaiting_input", opts, map[string]string{"result": result},
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
	return a.act(ctx, invocationID, "awaiting_approval", opts, map[string]string{"reason": reason},
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
	var rd io.Reader
	if body != nil {
		var err error
		if rd, err = jsonBody(body); err != nil {
			return err
		}
	}
	err := a.c.send(ctx, opts, func(ctx context.Context) (*http.Response, error) { return do(ctx, rd) }, nil)
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
	return call[Chat](ctx, s.c, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.GetChat(ctx, id)
	})
}
