package infshtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aiclients/sdk-go/pkg/infsh"
)

// AgentTemplate is a template agent the emulator knows by ref.
type AgentTemplate struct {
	// Config is the agent's definition (tools, prompt, ...): the same
	// generated type the client sends as an ad-hoc agent.
	Config infsh.AgentConfig `json:"config"`
	// ID, when set, also names the agent in POST /agents/run's agent_id.
	// The emulator keeps one version per agent: any agent_version_id runs it.
	ID string `json:"id,omitempty"`
	// Steps, when not empty, are the decisions of the agent's core model, in
	// order: each chat with the agent starts at the first, and every model
	// call (a user message, a tool result, an approval or rejection) takes
	// the next. When they run out, the server's Model decides.
	Steps []ModelStep `json:"steps,omitempty"`
}

// Built-in template agents.
const (
	// AgentAssistant has no tools: the scripted model answers.
	AgentAssistant = "infsh/assistant"
	// AgentTools has a client tool "add" (numbers a, b) and an app tool
	// "delete_file" (string path) that requires approval.
	AgentTools = "infsh/tool-agent"
	// AgentAssistantID is AgentAssistant's id (for agent_id).
	AgentAssistantID = "0e5tassistant0000000000000"
)

func builtinAgents() map[string]AgentTemplate {
	schema := json.RawMessage(`{"type":"object","properties":{"a":{"type":"number","description":"First number"},` +
		`"b":{"type":"number","description":"Second number"}},"required":["a","b"]}`)
	add := infsh.AgentTool{
		Name: "add", DisplayName: ptr("add"), Description: ptr("Add two numbers"), Type: infsh.AgentToolTypeClient,
		Client: &infsh.ClientToolConfig{InputSchema: schema},
	}
	del := infsh.AgentTool{
		Name: "delete_file", DisplayName: ptr("Delete file"), Description: ptr("Delete a file"), Type: infsh.AgentToolTypeApp,
		RequireApproval: ptr(true), App: &infsh.AppToolConfig{Ref: "infsh/echo@latest"},
	}
	return map[string]AgentTemplate{
		AgentAssistant: {ID: AgentAssistantID, Config: infsh.AgentConfig{Name: "Assistant", SystemPrompt: "You are helpful.",
			CoreApp: infsh.CoreApp{Ref: "infsh/scripted-llm@latest"}}},
		AgentTools: {Config: infsh.AgentConfig{Name: "Tool agent",
			CoreApp: infsh.CoreApp{Ref: "infsh/scripted-llm@latest"}, Tools: []infsh.AgentTool{add, del}}},
	}
}

func ptr[T any](v T) *T { return &v }

// ModelMessage is one entry of the conversation a Model sees.
type ModelMessage struct {
	Role string // user, assistant, tool
	Text string // the text; for tool messages the result
	// Tool names the tool of a tool message; Rejected tells it was refused.
	Tool     string
	Rejected bool
}

// ModelTurn is what a Model decides on.
type ModelTurn struct {
	Agent    infsh.AgentConfig
	Messages []ModelMessage
}

// ModelToolCall is a call a Model makes.
type ModelToolCall struct {
	Name      string         `json:"name"`
	Arguments map[string]any `json:"arguments,omitempty"`
}

// ModelStep is a Model's decision: a tool call, or the final text (and an
// optional structured output, the finish tool's result).
type ModelStep struct {
	Text     string         `json:"text,omitempty"`
	ToolCall *ModelToolCall `json:"tool_call,omitempty"`
	Output   any            `json:"output,omitempty"`
	// Approval makes ToolCall wait for the user's approval even when the
	// tool does not require it (an interrupt, as for require_approval).
	Approval bool `json:"approval,omitempty"`
	// Fail ends the run as failed with this error: the assistant message
	// gets status "failed" and a text part carrying the error.
	Fail string `json:"fail,omitempty"`
}

// Model is an agent's core model.
type Model func(turn ModelTurn) ModelStep

// answer is the structured output ScriptedModel gives an agent with an
// output schema.
type answer struct {
	Answer string `json:"answer"`
}

// ScriptedModel is the default Model. After a tool result it answers with
// it; when the user's text names one of the agent's tools it calls that tool,
// with the JSON object found in the text (if any) as arguments; otherwise it
// answers "You said: <text>". With an output schema it also sets the chat's
// output to {"answer": <text>}.
func ScriptedModel(turn ModelTurn) ModelStep {
	if len(turn.Messages) == 0 {
		return ModelStep{Text: "Hello."}
	}
	last := turn.Messages[len(turn.Messages)-1]
	finish := func(text string) ModelStep {
		st := ModelStep{Text: text}
		if turn.Agent.OutputSchema != nil {
			st.Output = answer{Answer: text}
		}
		return st
	}
	if last.Role == "tool" {
		if last.Rejected {
			return finish(fmt.Sprintf("The call to %s was rejected: %s", last.Tool, last.Text))
		}
		return finish(fmt.Sprintf("The tool %s returned: %s", last.Tool, last.Text))
	}
	lower := strings.ToLower(last.Text)
	for _, t := range turn.Agent.Tools {
		if t.Name != "" && strings.Contains(lower, strings.ToLower(t.Name)) {
			args := jsonObject{}
			if i, j := strings.Index(last.Text, "{"), strings.LastIndex(last.Text, "}"); i >= 0 && j > i {
				_ = json.Unmarshal([]byte(last.Text[i:j+1]), &args)
			}
			return ModelStep{ToolCall: &ModelToolCall{Name: t.Name, Arguments: args}}
		}
	}
	return finish("You said: " + last.Text)
}

type invocation struct {
	id, callID, messageID, name, display, typ, status string
	args                                              jsonObject
	result                                            *string
	rejected                                          bool
	created                                           time.Time
}

// dto is the invocation as the API answers it: the client's generated type.
func (v *invocation) dto() infsh.ToolInvocation {
	args, _ := json.Marshal(v.args)
	return infsh.ToolInvocation{
		ID: v.id, ChatMessageID: v.messageID, CallID: v.callID, Type: v.typ, DisplayName: v.display,
		Status: v.status, Function: infsh.ToolCallFunction{Name: v.name, Arguments: args}, Result: v.result,
		CreatedAt: v.created, UpdatedAt: v.created,
	}
}

type message struct {
	id, chatID, runID, role, status, text string
	errText                               string // the error of a failed message
	order                                 int
	attachments                           []infsh.FileRef
	invocations                           []*invocation
	deltas                                []chatEvent // token deltas of its text, replayed to late streams
	created                               time.Time
}

// dto is the message as the API answers it: the client's generated type.
func (m *message) dto() infsh.ChatMessage {
	var content []infsh.MessageContent
	if m.text != "" {
		content = append(content, infsh.MessageContent{Type: "text", Text: m.text})
	}
	if m.errText != "" {
		content = append(content, infsh.MessageContent{Type: "text", Error: m.errText})
	}
	for _, a := range m.attachments {
		part := infsh.MessageContent{Type: "file", File: a.URI}
		if strings.HasPrefix(a.ContentType, "image/") {
			part = infsh.MessageContent{Type: "image", Image: a.URI}
		}
		content = append(content, part)
	}
	invs := make([]infsh.ToolInvocation, 0, len(m.invocations))
	for _, v := range m.invocations {
		invs = append(invs, v.dto())
	}
	return infsh.ChatMessage{
		ID: m.id, ShortID: m.id[:8], ChatID: m.chatID, AgentRunID: m.runID, Order: m.order,
		Status: m.status, Role: m.role, Content: content, ToolInvocations: invs,
		CreatedAt: m.created, UpdatedAt: m.created,
	}
}

// chatEvent is one event of a chat stream: exactly one of msg
// (chat_messages), chat (chats) and delta (delta) is set.
type chatEvent struct {
	event string
	msg   *infsh.ChatMessage
	chat  *infsh.Chat
	delta *infsh.TaskDelta
}

// line is the stream line of e: one of the spec's ChatStreamLine members.
func (e chatEvent) line() any {
	switch {
	case e.msg != nil:
		return infsh.ChatMessagesEvent{Event: infsh.ChatMessagesEventEventChatMessages, Data: *e.msg}
	case e.chat != nil:
		return infsh.ChatsEvent{Event: infsh.ChatsEventEventChats, Data: *e.chat}
	}
	return deltaLine(e.delta)
}

func messageEvent(m infsh.ChatMessage) chatEvent { return chatEvent{event: "chat_messages", msg: &m} }
func chatsEvent(c infsh.Chat) chatEvent          { return chatEvent{event: "chats", chat: &c} }

type chat struct {
	id, name, agentRef string
	config             infsh.AgentConfig
	steps              []ModelStep // the agent's scripted steps
	nextStep           int         // index of the next one
	status             string      // idle, busy, awaiting_input
	runID, runState    string
	messages           []*message
	interrupts         []infsh.Interrupt
	output             any
	created, updated   time.Time
	changes            []chatEvent
	notify             chan struct{}
}

func (c *chat) active() bool { return c.runState == "working" || c.runState == "submitted" }

// dto is the chat as the API answers it: the client's generated type.
func (c *chat) dto(withMessages bool) infsh.Chat {
	out := infsh.Chat{
		ID: c.id, Status: c.status, Name: c.name, AgentID: c.agentRef,
		PendingInterrupts: append([]infsh.Interrupt{}, c.interrupts...),
		CreatedAt:         c.created, UpdatedAt: c.updated,
	}
	if c.output != nil {
		out.Output, _ = json.Marshal(c.output)
	}
	if c.runID != "" {
		out.ActiveRun = &infsh.AgentRun{ID: c.runID, State: c.runState}
	}
	if withMessages {
		out.Messages = make([]infsh.ChatMessage, 0, len(c.messages))
		for _, msg := range c.messages {
			out.Messages = append(out.Messages, msg.dto())
		}
	}
	return out
}

// changeLog returns the chat's events and the channel closed at the next
// one; s.mu is held.
func (c *chat) changeLog() ([]chatEvent, <-chan struct{}) { return c.changes, c.notify }

// emit records events; s.mu is held.
func (s *Server) emit(c *chat, msgs ...*message) {
	c.updated = s.now()
	for _, m := range msgs {
		c.changes = append(c.changes, messageEvent(m.dto()))
	}
	c.changes = append(c.changes, chatsEvent(c.dto(false)))
	close(c.notify)
	c.notify = make(chan struct{})
}

type toolRef struct {
	chat *chat
	msg  *message
	inv  *invocation
}

// agentByID finds the template agent whose ID is id.
func (s *Server) agentByID(id string) (string, AgentTemplate, bool) {
	for ref, tpl := range s.cfg.agents {
		if tpl.ID == id {
			return ref, tpl, true
		}
	}
	return "", AgentTemplate{}, false
}

// runAgent implements POST /agents/run.
func (s *Server) runAgent(w http.ResponseWriter, r *http.Request) {
	var req infsh.AgentRunRequest
	if !s.decodeBody(w, r, &req) {
		return
	}
	s.mu.Lock()
	var c *chat
	if req.ChatID != nil && *req.ChatID != "" {
		c = s.chats[*req.ChatID]
		if c == nil {
			s.mu.Unlock()
			s.chatNotFound(w, r, *req.ChatID)
			return
		}
		if c.active() || c.runState == "input_required" {
			s.mu.Unlock()
			s.problem(w, r, http.StatusConflict, "CHAT_BUSY", "the chat's agent is still working")
			return
		}
	} else {
		c = &chat{id: s.newID(), status: "idle", created: s.now(), notify: make(chan struct{})}
		switch {
		case req.Agent != nil && *req.Agent != "":
			tpl, ok := s.cfg.agents[appName(*req.Agent)]
			if !ok {
				s.mu.Unlock()
				s.problem(w, r, http.StatusNotFound, "AGENT_NOT_FOUND", fmt.Sprintf("agent %q not found", *req.Agent))
				return
			}
			c.agentRef, c.config, c.steps = *req.Agent, tpl.Config, tpl.Steps
		case req.AgentID != nil && *req.AgentID != "":
			ref, tpl, ok := s.agentByID(*req.AgentID)
			if !ok {
				s.mu.Unlock()
				s.problem(w, r, http.StatusNotFound, "AGENT_NOT_FOUND", fmt.Sprintf("agent %s not found", *req.AgentID))
				return
			}
			c.agentRef, c.config, c.steps = ref, tpl.Config, tpl.Steps
		case req.AgentConfig != nil:
			c.config = *req.AgentConfig
		default:
			s.mu.Unlock()
			s.problem(w, r, http.StatusBadRequest, "VALIDATION", "agent, agent_id or agent_config is required")
			return
		}
		c.name = c.config.Name
		if req.AgentName != nil && *req.AgentName != "" {
			c.name = *req.AgentName
		}
		s.chats[c.id] = c
	}
	now := s.now()
	c.runID, c.runState, c.status = s.newID(), "working", "busy"
	c.interrupts = nil
	user := &message{id: s.newID(), chatID: c.id, runID: c.runID, role: "user", status: "ready",
		order: len(c.messages), created: now}
	if req.Input.Text != nil {
		user.text = *req.Input.Text
	}
	user.attachments = req.Input.Attachments
	if len(user.attachments) == 0 { // the deprecated forms, read only without attachments
		for _, u := range req.Input.Images {
			user.attachments = append(user.attachments, infsh.FileRef{URI: u, ContentType: "image/*"})
		}
		for _, u := range req.Input.Files {
			user.attachments = append(user.attachments, infsh.FileRef{URI: u})
		}
	}
	asst := &message{id: s.newID(), chatID: c.id, runID: c.runID, role: "assistant", status: "pending",
		order: len(c.messages) + 1, created: now}
	c.messages = append(c.messages, user, asst)
	s.emit(c, user, asst)
	u, a := user.dto(), asst.dto()
	body := infsh.AgentRunResult{UserMessage: &u, AssistantMessage: &a}
	next := len(c.changes)
	s.mu.Unlock()

	s.goRun(func() { s.advance(c, asst) })
	if req.Stream != nil && *req.Stream && strings.Contains(r.Header.Get("Accept"), "application/x-ndjson") {
		s.streamRun(w, r, c, asst, next)
		return
	}
	s.ok(w, r, body)
}

// streamRun streams snapshots of the assistant message until it is terminal.
func (s *Server) streamRun(w http.ResponseWriter, r *http.Request, c *chat, asst *message, next int) {
	lw := newLineWriter(w, r)
	s.mu.Lock()
	first := asst.dto()
	s.mu.Unlock()
	if lw.item("", first) != nil {
		return
	}
	tail(s, r, lw, c.changeLog, next, func(e chatEvent) bool {
		m := e.msg
		if m == nil || m.ID != asst.id {
			return true
		}
		if lw.item("", *m) != nil {
			return false
		}
		return !m.IsTerminal()
	})
}

// history builds the model's view of the chat; s.mu is held.
func history(c *chat) []ModelMessage {
	var out []ModelMessage
	for _, m := range c.messages {
		if m.text != "" {
			out = append(out, ModelMessage{Role: m.role, Text: m.text})
		}
		for _, v := range m.invocations {
			if v.result != nil {
				out = append(out, ModelMessage{Role: "tool", Tool: v.name, Text: *v.result, Rejected: v.rejected})
			}
		}
	}
	return out
}

// advance lets the model take its next step for the assistant message.
func (s *Server) advance(c *chat, asst *message) {
	select {
	case <-s.ctx.Done():
		return
	case <-time.After(s.cfg.stepDelay):
	}
	s.mu.Lock()
	turn := ModelTurn{Agent: c.config, Messages: history(c)}
	var step ModelStep
	scripted := c.nextStep < len(c.steps)
	if scripted {
		step = c.steps[c.nextStep]
		c.nextStep++
	}
	s.mu.Unlock()
	if !scripted {
		step = s.callModel(turn)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if asst.status == "cancelled" { // the chat was stopped meanwhile
		return
	}
	if step.Fail != "" {
		s.failTurn(c, asst, step.Fail)
		return
	}
	if step.ToolCall == nil {
		s.finishTurn(c, asst, step)
		return
	}
	var def *infsh.AgentTool
	for i := range c.config.Tools {
		if c.config.Tools[i].Name == step.ToolCall.Name {
			def = &c.config.Tools[i]
		}
	}
	if def == nil {
		s.finishTurn(c, asst, ModelStep{Text: fmt.Sprintf("I have no tool named %q.", step.ToolCall.Name)})
		return
	}
	args := step.ToolCall.Arguments
	if args == nil {
		args = jsonObject{}
	}
	inv := &invocation{id: s.newID(), callID: "call_" + s.newID()[:12], messageID: asst.id, name: def.Name,
		typ: string(def.Type), args: args, created: s.now()}
	inv.display = def.Name
	if def.DisplayName != nil && *def.DisplayName != "" {
		inv.display = *def.DisplayName
	}
	asst.invocations = append(asst.invocations, inv)
	s.tools[inv.id] = &toolRef{chat: c, msg: asst, inv: inv}
	switch {
	case step.Approval || (def.RequireApproval != nil && *def.RequireApproval):
		inv.status = "awaiting_approval"
		c.runState, c.status = "input_required", "awaiting_input"
		c.interrupts = append(c.interrupts, infsh.Interrupt{
			ID: s.newID(), ChatID: c.id, Reason: "tool_approval", Status: "pending", ResourceID: inv.id,
			Meta: jsonObject{"tool_invocation_id": inv.id, "tool_name": inv.name, "arguments": inv.args},
		})
		s.emit(c, asst)
	case def.Type == "client":
		inv.status = "awaiting_input"
		c.status = "awaiting_input" // the run goes on: the client answers the tool
		s.emit(c, asst)
	default:
		s.runServerTool(c, asst, inv)
	}
}

// runServerTool "executes" a server-side tool and continues; s.mu is held.
func (s *Server) runServerTool(c *chat, asst *message, inv *invocation) {
	b, _ := json.Marshal(inv.args)
	res := fmt.Sprintf("%s ran with %s", inv.name, b)
	inv.status, inv.result = "completed", &res
	c.runState, c.status = "working", "busy"
	s.emit(c, asst)
	s.goRun(func() { s.advance(c, asst) })
}

func (s *Server) callModel(turn ModelTurn) (step ModelStep) {
	defer func() {
		if p := recover(); p != nil {
			step = ModelStep{Text: fmt.Sprintf("model panicked: %v", p)}
		}
	}()
	return s.cfg.model(turn)
}

// finishTurn completes the assistant message, streaming its text as
// token deltas first; s.mu is held.
func (s *Server) finishTurn(c *chat, asst *message, step ModelStep) {
	for i, chunk := range chunks(step.Text) {
		d := chatEvent{event: "delta", delta: &infsh.TaskDelta{
			ResourceID: asst.id, Seq: int64(i + 1), Delta: raw(llmText{Response: chunk}),
		}}
		asst.deltas = append(asst.deltas, d)
		c.changes = append(c.changes, d)
	}
	asst.text, asst.status = step.Text, "ready"
	if step.Output != nil {
		c.output = step.Output
	}
	c.runState, c.status = "completed", "idle"
	s.emit(c, asst)
}

// failTurn ends the run as failed; s.mu is held.
func (s *Server) failTurn(c *chat, asst *message, reason string) {
	asst.status, asst.errText = "failed", reason
	c.runState, c.status, c.interrupts = "failed", "idle", nil
	s.emit(c, asst)
}

// chunks splits text into word-sized pieces that concatenate back to it.
func chunks(text string) []string {
	var out []string
	start := 0
	for i := 1; i < len(text); i++ {
		if text[i] == ' ' {
			out = append(out, text[start:i])
			start = i
		}
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}

// getChat implements GET /chats/{id}.
func (s *Server) getChat(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	c := s.chats[id]
	var dto infsh.Chat
	if c != nil {
		dto = c.dto(true)
	}
	s.mu.Unlock()
	if c == nil {
		s.chatNotFound(w, r, id)
		return
	}
	s.ok(w, r, dto)
}

// getChatStatus implements GET /chats/{id}/status: the chat's status only.
func (s *Server) getChatStatus(w http.ResponseWriter, r *http.Request) {
	c := s.lockChat(w, r, r.PathValue("id"))
	if c == nil {
		return
	}
	st := infsh.ChatStatusInfo{Status: c.status}
	s.mu.Unlock()
	s.ok(w, r, st)
}

// chatNotFound answers the 404 of an unknown chat.
func (s *Server) chatNotFound(w http.ResponseWriter, r *http.Request, id string) {
	s.problem(w, r, http.StatusNotFound, "CHAT_NOT_FOUND", fmt.Sprintf("chat %s not found", id))
}

// lockChat takes s.mu and returns chat id with it held; an unknown chat is
// answered 404, s.mu released and nil returned.
func (s *Server) lockChat(w http.ResponseWriter, r *http.Request, id string) *chat {
	s.mu.Lock()
	if c := s.chats[id]; c != nil {
		return c
	}
	s.mu.Unlock()
	s.chatNotFound(w, r, id)
	return nil
}

// stopChat implements POST /chats/{id}/stop: the current run ends as
// cancelled, with its pending assistant message and tool calls. A chat with
// no active run is left as it is.
func (s *Server) stopChat(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	c := s.lockChat(w, r, id)
	if c == nil {
		return
	}
	if c.active() || c.runState == "input_required" {
		var stopped []*message
		for _, m := range c.messages {
			if m.runID != c.runID || m.role != "assistant" || m.status != "pending" {
				continue
			}
			m.status = "cancelled"
			for _, v := range m.invocations {
				if v.status == "awaiting_input" || v.status == "awaiting_approval" || v.status == "in_progress" {
					v.status = "cancelled"
				}
			}
			stopped = append(stopped, m)
		}
		c.runState, c.status, c.interrupts = "canceled", "idle", nil // AgentRunState spells it so
		s.emit(c, stopped...)
	}
	dto := c.dto(false)
	s.mu.Unlock()
	s.ok(w, r, dto)
}

// streamChat implements GET /chats/{id}/stream: the current run's messages
// and the chat first, then every change, until the chat has no active run.
func (s *Server) streamChat(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	c := s.lockChat(w, r, id)
	if c == nil {
		return
	}
	var first []chatEvent
	for _, m := range c.messages {
		if m.runID == c.runID {
			first = append(first, m.deltas...)
			first = append(first, messageEvent(m.dto()))
		}
	}
	first = append(first, chatsEvent(c.dto(false)))
	next := len(c.changes)
	active := c.active()
	s.mu.Unlock()
	lw := newLineWriter(w, r)
	write := func(e chatEvent) bool {
		return lw.item(e.event, e.line()) == nil
	}
	for _, e := range first {
		if !write(e) {
			return
		}
	}
	if !active {
		return
	}
	tail(s, r, lw, c.changeLog, next, func(e chatEvent) bool {
		if !write(e) {
			return false
		}
		if e.event != "chats" {
			return true
		}
		if e.chat == nil {
			return true
		}
		run := e.chat.ActiveRun
		return run != nil && (run.State == "working" || run.State == "submitted")
	})
}

func (s *Server) lookupTool(w http.ResponseWriter, r *http.Request, id string) *toolRef {
	return lookup(s, w, r, s.tools, id, "TOOL_INVOCATION_NOT_FOUND", "tool invocation")
}

// submitToolResult implements POST /tools/{id}.
func (s *Server) submitToolResult(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var req infsh.ToolResultRequest
	if !s.decodeBody(w, r, &req) {
		return
	}
	ref := s.lookupTool(w, r, id)
	if ref == nil {
		return
	}
	s.mu.Lock()
	if ref.inv.status != "awaiting_input" {
		st := ref.inv.status
		s.mu.Unlock()
		s.problem(w, r, http.StatusConflict, "TOOL_NOT_AWAITING_INPUT", fmt.Sprintf("tool invocation %s is %s", id, st))
		return
	}
	res := req.Result
	ref.inv.status, ref.inv.result = "completed", &res
	s.resume(w, r, ref)
}

// resume lets the agent go on after an answer to ref's invocation and
// answers with the invocation; s.mu is held and released.
func (s *Server) resume(w http.ResponseWriter, r *http.Request, ref *toolRef) {
	ref.chat.runState, ref.chat.status = "working", "busy"
	s.emit(ref.chat, ref.msg)
	dto := ref.inv.dto()
	s.mu.Unlock()
	s.goRun(func() { s.advance(ref.chat, ref.msg) })
	s.ok(w, r, dto)
}

// resolveApproval checks and resolves the approval interrupt; s.mu is held.
func (s *Server) resolveApproval(ref *toolRef) bool {
	if ref.inv.status != "awaiting_approval" {
		return false
	}
	var kept []infsh.Interrupt // a new slice: events already sent keep theirs
	for _, it := range ref.chat.interrupts {
		if it.ResourceID != ref.inv.id && it.Status == "pending" {
			kept = append(kept, it)
		}
	}
	ref.chat.interrupts = kept
	return true
}

// pendingApproval finds invocation id, which must wait for approval, and
// resolves its interrupt. It returns with s.mu held; nil (s.mu not held)
// when it answered 404 or 409.
func (s *Server) pendingApproval(w http.ResponseWriter, r *http.Request, id string) *toolRef {
	ref := s.lookupTool(w, r, id)
	if ref == nil {
		return nil
	}
	s.mu.Lock()
	if !s.resolveApproval(ref) {
		st := ref.inv.status
		s.mu.Unlock()
		s.problem(w, r, http.StatusConflict, "TOOL_NOT_AWAITING_APPROVAL", fmt.Sprintf("tool invocation %s is %s", id, st))
		return nil
	}
	return ref
}

// approveTool implements POST /tools/{id}/invoke.
func (s *Server) approveTool(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	ref := s.pendingApproval(w, r, id)
	if ref == nil {
		return
	}
	if ref.inv.typ == "client" {
		ref.inv.status = "awaiting_input"
		ref.chat.runState, ref.chat.status = "working", "awaiting_input"
		s.emit(ref.chat, ref.msg)
	} else {
		ref.inv.status = "in_progress"
		s.runServerTool(ref.chat, ref.msg, ref.inv)
	}
	dto := ref.inv.dto()
	s.mu.Unlock()
	s.ok(w, r, dto)
}

// rejectTool implements POST /tools/{id}/reject.
func (s *Server) rejectTool(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var req infsh.RejectToolRequest
	if r.ContentLength != 0 {
		if !s.decodeBody(w, r, &req) {
			return
		}
	}
	ref := s.pendingApproval(w, r, id)
	if ref == nil {
		return
	}
	reason := "rejected by the user"
	if req.Reason != nil && *req.Reason != "" {
		reason = *req.Reason
	}
	ref.inv.status, ref.inv.result, ref.inv.rejected = "cancelled", &reason, true
	s.resume(w, r, ref)
}
