package dialtest

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/aiclients/sdk-go/pkg/dial"
)

// Request is what the chat model sees of one chat completion request.
type Request struct {
	Deployment string
	APIVersion string // the api-version query parameter, "" when absent
	User       string // the authenticated user
	Stream     bool
	// Prompt is the text of the last user message (text parts joined).
	Prompt string
	// Messages holds every message's role and text.
	Messages []Message
	// Body is the whole request body, decoded.
	Body map[string]any
}

// Message is one request message as the chat model sees it.
type Message struct {
	Role string
	Text string
}

// Reply is what the chat model answers: a Responder returns one, and
// ScriptReplies (or POST /_emulator/replies, whose JSON names are the tags
// below) queues them. The same reply is rendered as one JSON completion or
// as a stream, as the request asks.
type Reply struct {
	// Content is the answer text; a stream sends it word by word.
	Content string `json:"content,omitempty"`
	// Attachments are sent in the message's custom_content (as one delta
	// after the text when streaming). Each needs Data or URL.
	Attachments []Attachment `json:"attachments,omitempty"`
	// Stages are sent in custom_content: when streaming, each opens with its
	// name, sends its content and attachments and closes with its status.
	// Stages stream before the content.
	Stages []Stage `json:"stages,omitempty"`
	// State, when non-nil, is sent as custom_content.state (any JSON).
	State any `json:"state,omitempty"`
	// ToolCalls are sent as the message's tool_calls; the finish reason
	// becomes "tool_calls". Arguments stream in two halves.
	ToolCalls []ToolCall `json:"tool_calls,omitempty"`
	// FinishReason overrides the finish reason ("stop" by default).
	FinishReason string `json:"finish_reason,omitempty"`
	// Usage, when set, is sent as the usage instead of the emulator's count
	// (one token per whitespace-separated word).
	Usage *dial.Usage `json:"usage,omitempty"`
	// FailAfter > 0 makes a stream send that many content chunks (after the
	// stages), then a `data: {"error": …}` event with FailMessage, then
	// [DONE]. A JSON (non-streamed) answer ignores it.
	FailAfter   int    `json:"fail_after,omitempty"`
	FailMessage string `json:"fail_message,omitempty"`
	// Error, when set, fails the request before any output (JSON error).
	Error *Error `json:"error,omitempty"`
}

// Attachment is a custom_content attachment.
type Attachment struct {
	Type          string `json:"type,omitempty"`
	Title         string `json:"title,omitempty"`
	Data          string `json:"data,omitempty"`
	URL           string `json:"url,omitempty"`
	ReferenceType string `json:"reference_type,omitempty"`
	ReferenceURL  string `json:"reference_url,omitempty"`
}

// Stage is a custom_content stage. A stage ends "completed", or "failed"
// when Failed is set.
type Stage struct {
	Name        string       `json:"name"`
	Content     string       `json:"content,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
	Failed      bool         `json:"failed,omitempty"`
}

// ToolCall is one tool call of the answer. An empty ID is sent as
// "call_<n>" (n counts from 1 within the reply).
type ToolCall struct {
	ID        string `json:"id,omitempty"`
	Name      string `json:"name"`
	Arguments string `json:"arguments,omitempty"`
}

// Error is an error the chat model answers with.
type Error struct {
	Status  int    `json:"status,omitempty"`  // HTTP status (default 500)
	Type    string `json:"type,omitempty"`    // error.type (default "runtime_error")
	Code    string `json:"code,omitempty"`    // error.code (default the status)
	Message string `json:"message,omitempty"` // error.message
}

// Responder is the chat model: it turns a request into a reply.
type Responder func(Request) Reply

var arithmetic = regexp.MustCompile(`^\s*(-?\d+(?:\.\d+)?)\s*([-+*/x×])\s*(-?\d+(?:\.\d+)?)\s*=?\s*\??\s*$`)

// DefaultResponder answers simple arithmetic such as "2+3=" with the result
// ("5") and echoes any other prompt.
func DefaultResponder(r Request) Reply {
	if m := arithmetic.FindStringSubmatch(r.Prompt); m != nil {
		a, _ := strconv.ParseFloat(m[1], 64)
		b, _ := strconv.ParseFloat(m[3], 64)
		var v float64
		switch m[2] {
		case "+":
			v = a + b
		case "-":
			v = a - b
		case "*", "x", "×":
			v = a * b
		case "/":
			if b == 0 {
				return Reply{Content: "Division by zero is undefined."}
			}
			v = a / b
		}
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return Reply{Content: strconv.FormatInt(int64(v), 10)}
		}
		return Reply{Content: strconv.FormatFloat(v, 'g', -1, 64)}
	}
	if strings.TrimSpace(r.Prompt) == "" {
		return Reply{Content: "Hello! How can I help?"}
	}
	return Reply{Content: r.Prompt}
}

// words splits s into pieces that concatenate back to s: a new piece
// starts at every word that follows whitespace.
func words(s string) []string {
	var out []string
	start := 0
	for i := 1; i < len(s); i++ {
		if isSpace(s[i-1]) && !isSpace(s[i]) {
			out = append(out, s[start:i])
			start = i
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

func countTokens(s string) int64 { return int64(len(strings.Fields(s))) }

// textOf is the readable text of a message content: the text, or its text
// parts joined with spaces.
func textOf(c dial.Content) string {
	if c.Parts == nil {
		return c.Text
	}
	var parts []string
	for _, p := range c.Parts {
		if p.Type == dial.PartText {
			parts = append(parts, p.Text)
		}
	}
	return strings.Join(parts, " ")
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request, user string) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeText(w, http.StatusUnsupportedMediaType, "Only application/json is supported")
		return
	}
	id := r.PathValue("deploymentId")
	_, isModel := s.findDeployment(id)
	_, isApp := s.findApplication(id)
	if !isModel && !isApp {
		writeError(w, http.StatusNotFound, "invalid_request_error", "DeploymentNotFound", "The API deployment for this resource does not exist.")
		return
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil { // Core: DeploymentPostController, "Failed to receive body"
		writeText(w, http.StatusUnprocessableEntity, "Failed to receive body")
		return
	}
	var body map[string]any
	err = json.Unmarshal(raw, &body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "Your request contained invalid JSON: "+err.Error())
		return
	}
	// Only the members the emulator reads are decoded; a member of another
	// shape (the spec allows more than the Go types, e.g. max_prompt_tokens
	// "infinity" sent as an extra field) is left zero, as json does.
	var creq struct {
		Messages     []dial.Message            `json:"messages"`
		Stream       *bool                     `json:"stream"`
		CustomFields *dial.RequestCustomFields `json:"custom_fields"`
	}
	_ = json.Unmarshal(raw, &creq)
	// DIAL Core checks the attached files before the deployment sees the
	// request (CollectRequestAttachmentsFn): an empty 400 for a URL it
	// cannot parse, 403 for one the caller may not read.
	if status, body := s.attachmentRefusal(user, creq.Messages); status != 0 {
		writeText(w, status, body)
		return
	}
	if len(creq.Messages) == 0 {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "Your request contained invalid structure on path messages. List should have at least 1 item")
		return
	}
	req := Request{Deployment: id, APIVersion: r.URL.Query().Get("api-version"), User: user, Body: body,
		Stream: creq.Stream != nil && *creq.Stream}
	var promptTokens int64
	for _, m := range creq.Messages {
		text := textOf(m.Content)
		promptTokens += countTokens(text)
		req.Messages = append(req.Messages, Message{Role: string(m.Role), Text: text})
		if m.Role == dial.RoleUser {
			req.Prompt = text
		}
	}
	reply, scripted := s.script.next(id)
	if !scripted {
		s.mu.Lock()
		responder := s.responder
		s.mu.Unlock()
		reply = responder(req)
	}
	applyConfiguration(creq.CustomFields, &reply)
	if e := reply.Error; e != nil {
		status := e.Status
		if status == 0 {
			status = http.StatusInternalServerError
		}
		typ := e.Type
		if typ == "" {
			typ = "runtime_error"
		}
		writeError(w, status, typ, e.Code, e.Message)
		return
	}
	state, err := reply.state()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "runtime_error", "", "dialtest: reply state: "+err.Error())
		return
	}
	usage := fullUsage{PromptTokens: promptTokens, CompletionTokens: countTokens(reply.Content)}
	if reply.Usage != nil {
		usage = newFullUsage(*reply.Usage)
	} else {
		usage.TotalTokens = usage.PromptTokens + usage.CompletionTokens
	}
	c := completion{reply: reply, state: state, id: fmt.Sprintf("chatcmpl-%d", s.nextID()), created: s.now().Unix(),
		model: id, finish: reply.FinishReason, usage: usage}
	if c.finish == "" {
		c.finish = "stop"
		if len(reply.ToolCalls) > 0 {
			c.finish = "tool_calls"
		}
	}
	if !req.Stream {
		c.writeJSON(w)
		return
	}
	c.writeStream(w)
}

// applyConfiguration honours the emulator's knobs in
// custom_fields.configuration, so clients in any language can ask for a
// failure: {"fail_after": n, "fail_message": "…"} makes a stream send n
// content chunks and then an error event; {"fail_status": 503} fails the
// request before any output.
func applyConfiguration(cf *dial.RequestCustomFields, reply *Reply) {
	if cf == nil || len(cf.Configuration) == 0 {
		return
	}
	var conf struct {
		FailAfter   float64 `json:"fail_after"`
		FailMessage string  `json:"fail_message"`
		FailStatus  float64 `json:"fail_status"`
	}
	// A knob of another type is ignored; the others still apply.
	_ = json.Unmarshal(cf.Configuration, &conf)
	if conf.FailAfter > 0 && reply.FailAfter == 0 {
		reply.FailAfter = int(conf.FailAfter)
		reply.FailMessage = conf.FailMessage
	}
	if st := int(conf.FailStatus); documentedChatStatus[st] && reply.Error == nil {
		msg := conf.FailMessage
		if msg == "" {
			msg = "Failure requested by fail_status"
		}
		reply.Error = &Error{Status: st, Message: msg}
	}
}

// documentedChatStatus lists the error statuses specs/dial.yaml documents
// for chat completions.
var documentedChatStatus = map[int]bool{400: true, 401: true, 403: true, 404: true, 429: true, 500: true, 502: true, 503: true, 504: true}

func (s *Server) nextID() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return s.seq
}

// state is the reply's State as JSON (nil when unset).
func (r Reply) state() (json.RawMessage, error) {
	if r.State == nil {
		return nil, nil
	}
	if raw, ok := r.State.(json.RawMessage); ok {
		return raw, nil
	}
	return json.Marshal(r.State)
}

// fullUsage is dial.Usage with its three counts always sent: the generated
// type omits zeros, and clients (aidial-client's CompletionUsage) require
// all three.
type fullUsage struct {
	dial.Usage
	PromptTokens     int64 `json:"prompt_tokens"`
	CompletionTokens int64 `json:"completion_tokens"`
	TotalTokens      int64 `json:"total_tokens"`
}

func newFullUsage(u dial.Usage) fullUsage {
	return fullUsage{Usage: u, PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
}

// completion is one answer being rendered.
type completion struct {
	reply         Reply
	state         json.RawMessage
	id, model     string
	created       int64
	finish        string
	usage         fullUsage
	chunk, header []byte // stream: the buffer of one event, and the members every chunk shares
	w             http.ResponseWriter
	flusher       http.Flusher
}

func wireAttachments(as []Attachment, indexed bool) []dial.Attachment {
	if len(as) == 0 {
		return nil
	}
	out := make([]dial.Attachment, len(as))
	for i, a := range as {
		out[i] = dial.Attachment{Type: a.Type, Title: a.Title, Data: a.Data, URL: a.URL, ReferenceType: a.ReferenceType, ReferenceURL: a.ReferenceURL}
		if indexed {
			out[i].Index = dial.Ptr(i)
		}
	}
	return out
}

func stageStatus(st Stage) dial.StageStatus {
	if st.Failed {
		return dial.StageFailed
	}
	return dial.StageCompleted
}

func toolCallID(tc ToolCall, i int) string {
	if tc.ID != "" {
		return tc.ID
	}
	return "call_" + strconv.Itoa(i+1)
}

// writeJSON answers with one chat.completion.
func (c *completion) writeJSON(w http.ResponseWriter) {
	msg := dial.Message{Role: dial.RoleAssistant, Content: dial.Content{Text: c.reply.Content}}
	cc := dial.CustomContent{Attachments: wireAttachments(c.reply.Attachments, false), State: c.state}
	for _, st := range c.reply.Stages {
		cc.Stages = append(cc.Stages, dial.Stage{Name: st.Name, Content: st.Content, Status: stageStatus(st),
			Attachments: wireAttachments(st.Attachments, false)})
	}
	if cc.Attachments != nil || cc.Stages != nil || cc.State != nil {
		msg.CustomContent = &cc
	}
	for i, tc := range c.reply.ToolCalls {
		msg.ToolCalls = append(msg.ToolCalls, dial.ToolCall{ID: toolCallID(tc, i), Type: "function",
			Function: dial.FunctionCall{Name: tc.Name, Arguments: tc.Arguments}})
	}
	writeJSON(w, http.StatusOK, struct {
		dial.ChatCompletion
		Usage *fullUsage `json:"usage"`
	}{dial.ChatCompletion{ID: c.id, Object: "chat.completion", Created: c.created, Model: c.model,
		Choices: []dial.Choice{{Index: 0, Message: msg, FinishReason: c.finish}}}, &c.usage})
}

// event writes one chunk with delta (finish_reason null unless finish is
// set; usage only on the last chunk).
func (c *completion) event(delta dial.Delta, finish string, usage *fullUsage) {
	d, _ := json.Marshal(delta) // a Delta of strings, ints and raw JSON cannot fail
	c.chunk = append(c.chunk[:0], `data: {"choices":[{"index":0,"delta":`...)
	c.chunk = append(c.chunk, d...)
	c.chunk = append(c.chunk, `,"finish_reason":`...)
	if finish == "" {
		c.chunk = append(c.chunk, "null"...)
	} else {
		c.chunk = strconv.AppendQuote(c.chunk, finish)
	}
	c.chunk = append(c.chunk, "}]"...)
	if usage != nil {
		u, _ := json.Marshal(usage)
		c.chunk = append(c.chunk, `,"usage":`...)
		c.chunk = append(c.chunk, u...)
	}
	c.chunk = append(c.chunk, c.header...)
	c.chunk = append(c.chunk, "}\n\n"...)
	c.send(c.chunk)
}

func (c *completion) send(b []byte) {
	_, _ = c.w.Write(b)
	if c.flusher != nil {
		c.flusher.Flush()
	}
}

func (c *completion) raw(v any) {
	b, _ := json.Marshal(v)
	c.send([]byte("data: " + string(b) + "\n\n"))
}

func stageDelta(st dial.Stage) dial.Delta {
	return dial.Delta{CustomContent: &dial.CustomContent{Stages: []dial.Stage{st}}}
}

// writeStream answers with server-sent chat.completion.chunk events.
func (c *completion) writeStream(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	c.w = w
	c.flusher, _ = w.(http.Flusher)
	id, _ := json.Marshal(c.id)
	model, _ := json.Marshal(c.model)
	c.header = fmt.Appendf(nil, `,"id":%s,"object":"chat.completion.chunk","created":%d,"model":%s`, id, c.created, model)

	reply := c.reply
	c.event(dial.Delta{Role: dial.RoleAssistant}, "", nil)
	for i, st := range reply.Stages {
		c.event(stageDelta(dial.Stage{Index: dial.Ptr(i), Name: st.Name}), "", nil)
		for _, piece := range words(st.Content) {
			c.event(stageDelta(dial.Stage{Index: dial.Ptr(i), Content: piece}), "", nil)
		}
		if st.Attachments != nil {
			c.event(stageDelta(dial.Stage{Index: dial.Ptr(i), Attachments: wireAttachments(st.Attachments, true)}), "", nil)
		}
		c.event(stageDelta(dial.Stage{Index: dial.Ptr(i), Status: stageStatus(st)}), "", nil)
	}
	sent := 0
	fail := func() bool {
		if reply.FailAfter == 0 || sent < reply.FailAfter {
			return false
		}
		msg := reply.FailMessage
		if msg == "" {
			msg = "Error during processing the request"
		}
		c.raw(dial.Error{Error: dial.ErrorDetails{Message: msg, Type: "runtime_error", Code: "500"}})
		c.send([]byte("data: [DONE]\n\n"))
		return true
	}
	for _, piece := range words(reply.Content) {
		if fail() {
			return
		}
		c.event(dial.Delta{Content: piece}, "", nil)
		sent++
	}
	if fail() {
		return
	}
	for i, tc := range reply.ToolCalls {
		half := len(tc.Arguments) / 2
		c.event(dial.Delta{ToolCalls: []dial.ToolCall{{Index: dial.Ptr(i), ID: toolCallID(tc, i), Type: "function",
			Function: dial.FunctionCall{Name: tc.Name, Arguments: tc.Arguments[:half]}}}}, "", nil)
		c.event(dial.Delta{ToolCalls: []dial.ToolCall{{Index: dial.Ptr(i), Function: dial.FunctionCall{Arguments: tc.Arguments[half:]}}}}, "", nil)
	}
	if len(reply.Attachments) > 0 {
		c.event(dial.Delta{CustomContent: &dial.CustomContent{Attachments: wireAttachments(reply.Attachments, true)}}, "", nil)
	}
	if c.state != nil {
		c.event(dial.Delta{CustomContent: &dial.CustomContent{State: c.state}}, "", nil)
	}
	c.event(dial.Delta{}, c.finish, &c.usage)
	c.send([]byte("data: [DONE]\n\n"))
}

// tokenizeOutput is dial.TokenizeOutput with a zero token_count still sent.
type tokenizeOutput struct {
	dial.TokenizeOutput
	TokenCount *int64 `json:"token_count,omitempty"`
}

func (s *Server) tokenize(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.findDeployment(r.PathValue("deploymentId")); !ok {
		writeText(w, http.StatusNotFound, "Deployment not found: "+r.PathValue("deploymentId"))
		return
	}
	var body struct {
		Inputs []struct {
			Type  dial.TokenizeInputType `json:"type"`
			Value json.RawMessage        `json:"value"`
		} `json:"inputs"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", err.Error())
		return
	}
	outs := make([]tokenizeOutput, 0, len(body.Inputs))
	for _, in := range body.Inputs {
		var n int64
		switch in.Type {
		case dial.TokenizeString:
			var s string
			_ = json.Unmarshal(in.Value, &s)
			n = countTokens(s)
		default:
			var req struct {
				Messages []struct {
					Content dial.Content `json:"content"`
				} `json:"messages"`
			}
			if err := json.Unmarshal(in.Value, &req); err != nil {
				outs = append(outs, tokenizeOutput{TokenizeOutput: dial.TokenizeOutput{Status: dial.TokenizeError, Error: err.Error()}})
				continue
			}
			for _, m := range req.Messages {
				n += countTokens(textOf(m.Content))
			}
		}
		outs = append(outs, tokenizeOutput{TokenizeOutput: dial.TokenizeOutput{Status: dial.TokenizeSuccess}, TokenCount: &n})
	}
	writeJSON(w, http.StatusOK, struct {
		Outputs []tokenizeOutput `json:"outputs"`
	}{outs})
}

// truncateOutput is dial.TruncatePromptOutput with an empty
// discarded_messages still sent.
type truncateOutput struct {
	dial.TruncatePromptOutput
	DiscardedMessages *[]int `json:"discarded_messages,omitempty"`
}

func (s *Server) truncatePrompt(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.findDeployment(r.PathValue("deploymentId")); !ok {
		writeText(w, http.StatusNotFound, "Deployment not found: "+r.PathValue("deploymentId"))
		return
	}
	var body struct {
		Inputs []struct {
			Messages []struct {
				Role    string       `json:"role"`
				Content dial.Content `json:"content"`
			} `json:"messages"`
			MaxPromptTokens *float64 `json:"max_prompt_tokens"`
		} `json:"inputs"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", err.Error())
		return
	}
	outs := make([]truncateOutput, 0, len(body.Inputs))
	success := func(discarded []int) truncateOutput {
		return truncateOutput{TruncatePromptOutput: dial.TruncatePromptOutput{Status: dial.TruncatePromptSuccess}, DiscardedMessages: &discarded}
	}
	for _, in := range body.Inputs {
		if in.MaxPromptTokens == nil {
			outs = append(outs, success([]int{}))
			continue
		}
		limit := *in.MaxPromptTokens
		var total int64
		counts := make([]int64, len(in.Messages))
		for i, m := range in.Messages {
			counts[i] = countTokens(textOf(m.Content))
			total += counts[i]
		}
		discarded := []int{}
		// Drop the oldest non-system messages, keeping the last one.
		for i := 0; i < len(in.Messages)-1 && float64(total) > limit; i++ {
			if in.Messages[i].Role == "system" {
				continue
			}
			discarded = append(discarded, i)
			total -= counts[i]
		}
		if float64(total) > limit {
			outs = append(outs, truncateOutput{TruncatePromptOutput: dial.TruncatePromptOutput{Status: dial.TruncatePromptError,
				Error: fmt.Sprintf("The requested maximum prompt tokens is %d. However, the system messages and the last user message resulted in %d tokens.", int64(limit), total)}})
			continue
		}
		outs = append(outs, success(discarded))
	}
	writeJSON(w, http.StatusOK, struct {
		Outputs []truncateOutput `json:"outputs"`
	}{outs})
}
