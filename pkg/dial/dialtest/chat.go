package dialtest

import (
	"encoding/json"
	"fmt"
	"math"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
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

// Reply is what the chat model answers.
type Reply struct {
	// Content is the answer text; a stream sends it word by word.
	Content string
	// Attachments are sent in the message's custom_content (as one delta
	// after the text when streaming).
	Attachments []Attachment
	// Stages are sent in custom_content: when streaming, each opens with its
	// name, sends its content and closes with its status.
	Stages []Stage
	// State, when non-nil, is sent as custom_content.state.
	State any
	// ToolCalls are sent as the message's tool_calls; the finish reason
	// becomes "tool_calls". Arguments stream in two halves.
	ToolCalls []ToolCall
	// FinishReason overrides the finish reason ("stop" by default).
	FinishReason string
	// FailAfter > 0 makes a stream send that many content chunks, then a
	// `data: {"error": …}` event with FailMessage, then [DONE].
	FailAfter   int
	FailMessage string
	// Error, when set, fails the request before any output (JSON error).
	Error *Error
}

// Attachment is a custom_content attachment.
type Attachment struct {
	Type, Title, Data, URL string
}

// Stage is a custom_content stage.
type Stage struct {
	Name, Content string
	Failed        bool
}

// ToolCall is one tool call of the answer.
type ToolCall struct {
	ID, Name, Arguments string
}

// Error is an error the chat model answers with.
type Error struct {
	Status  int    // HTTP status (default 500)
	Type    string // error.type (default "runtime_error")
	Code    string // error.code (default the status)
	Message string
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

func textOf(content any) string {
	switch c := content.(type) {
	case string:
		return c
	case []any:
		var parts []string
		for _, p := range c {
			if m, ok := p.(map[string]any); ok {
				if t, ok := m["text"].(string); ok {
					parts = append(parts, t)
				}
			}
		}
		return strings.Join(parts, " ")
	}
	return ""
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
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "Your request contained invalid JSON: "+err.Error())
		return
	}
	req := Request{Deployment: id, APIVersion: r.URL.Query().Get("api-version"), User: user, Body: body}
	req.Stream, _ = body["stream"].(bool)
	msgs, _ := body["messages"].([]any)
	if len(msgs) == 0 {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "Your request contained invalid structure on path messages. List should have at least 1 item")
		return
	}
	var promptTokens int64
	for _, m := range msgs {
		mm, _ := m.(map[string]any)
		role, _ := mm["role"].(string)
		text := textOf(mm["content"])
		promptTokens += countTokens(text)
		req.Messages = append(req.Messages, Message{Role: role, Text: text})
		if role == "user" {
			req.Prompt = text
		}
	}
	s.mu.Lock()
	responder := s.responder
	s.mu.Unlock()
	reply := responder(req)
	applyConfiguration(body, &reply)
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
	usage := map[string]any{
		"prompt_tokens":     promptTokens,
		"completion_tokens": countTokens(reply.Content),
		"total_tokens":      promptTokens + countTokens(reply.Content),
	}
	finish := reply.FinishReason
	if finish == "" {
		finish = "stop"
		if len(reply.ToolCalls) > 0 {
			finish = "tool_calls"
		}
	}
	respID := fmt.Sprintf("chatcmpl-%d", s.nextID())
	created := s.now().Unix()
	if !req.Stream {
		s.chatJSON(w, reply, respID, created, id, finish, usage)
		return
	}
	s.chatStream(w, reply, respID, created, id, finish, usage)
}

// applyConfiguration honours the emulator's knobs in
// custom_fields.configuration, so clients in any language can ask for a
// failure: {"fail_after": n, "fail_message": "…"} makes a stream send n
// content chunks and then an error event; {"fail_status": 503} fails the
// request before any output.
func applyConfiguration(body map[string]any, reply *Reply) {
	cf, _ := body["custom_fields"].(map[string]any)
	conf, _ := cf["configuration"].(map[string]any)
	if conf == nil {
		return
	}
	if n, ok := conf["fail_after"].(float64); ok && n > 0 && reply.FailAfter == 0 {
		reply.FailAfter = int(n)
		reply.FailMessage, _ = conf["fail_message"].(string)
	}
	if st, ok := conf["fail_status"].(float64); ok && documentedChatStatus[int(st)] && reply.Error == nil {
		msg, _ := conf["fail_message"].(string)
		if msg == "" {
			msg = "Failure requested by fail_status"
		}
		reply.Error = &Error{Status: int(st), Message: msg}
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

func attachmentJSON(a Attachment, index int, withIndex bool) map[string]any {
	m := map[string]any{}
	if withIndex {
		m["index"] = index
	}
	if a.Type != "" {
		m["type"] = a.Type
	}
	if a.Title != "" {
		m["title"] = a.Title
	}
	if a.Data != "" {
		m["data"] = a.Data
	}
	if a.URL != "" {
		m["url"] = a.URL
	}
	return m
}

func stageStatus(st Stage) string {
	if st.Failed {
		return "failed"
	}
	return "completed"
}

func (s *Server) chatJSON(w http.ResponseWriter, reply Reply, id string, created int64, model, finish string, usage map[string]any) {
	msg := map[string]any{"role": "assistant", "content": reply.Content}
	cc := map[string]any{}
	if len(reply.Attachments) > 0 {
		var as []any
		for i, a := range reply.Attachments {
			as = append(as, attachmentJSON(a, i, false))
		}
		cc["attachments"] = as
	}
	if len(reply.Stages) > 0 {
		var ss []any
		for _, st := range reply.Stages {
			ss = append(ss, map[string]any{"name": st.Name, "content": st.Content, "status": stageStatus(st)})
		}
		cc["stages"] = ss
	}
	if reply.State != nil {
		cc["state"] = reply.State
	}
	if len(cc) > 0 {
		msg["custom_content"] = cc
	}
	if len(reply.ToolCalls) > 0 {
		var tcs []any
		for _, tc := range reply.ToolCalls {
			tcs = append(tcs, map[string]any{"id": tc.ID, "type": "function", "function": map[string]any{"name": tc.Name, "arguments": tc.Arguments}})
		}
		msg["tool_calls"] = tcs
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": id, "object": "chat.completion", "created": created, "model": model,
		"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish}},
		"usage":   usage,
	})
}

// chunkWriter writes SSE chunks of one completion.
type chunkWriter struct {
	w       http.ResponseWriter
	flusher http.Flusher
	head    string // the JSON members shared by every chunk, without braces
	buf     []byte
}

func (c *chunkWriter) write(delta map[string]any, finish any, extra map[string]any) {
	d, _ := json.Marshal(delta)
	f, _ := json.Marshal(finish)
	c.buf = append(c.buf[:0], `data: {"choices":[{"index":0,"delta":`...)
	c.buf = append(c.buf, d...)
	c.buf = append(c.buf, `,"finish_reason":`...)
	c.buf = append(c.buf, f...)
	c.buf = append(c.buf, "}],"...)
	for k, v := range extra {
		b, _ := json.Marshal(v)
		c.buf = strconv.AppendQuote(c.buf, k)
		c.buf = append(c.buf, ':')
		c.buf = append(c.buf, b...)
		c.buf = append(c.buf, ',')
	}
	c.buf = append(c.buf, c.head...)
	c.buf = append(c.buf, "}\n\n"...)
	_, _ = c.w.Write(c.buf)
	if c.flusher != nil {
		c.flusher.Flush()
	}
}

func (c *chunkWriter) raw(line string) {
	_, _ = c.w.Write([]byte("data: " + line + "\n\n"))
	if c.flusher != nil {
		c.flusher.Flush()
	}
}

func (s *Server) chatStream(w http.ResponseWriter, reply Reply, id string, created int64, model, finish string, usage map[string]any) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	head, _ := json.Marshal(map[string]any{"id": id, "object": "chat.completion.chunk", "created": created, "model": model})
	c := &chunkWriter{w: w, head: string(head[1 : len(head)-1])}
	c.flusher, _ = w.(http.Flusher)

	c.write(map[string]any{"role": "assistant"}, nil, nil)
	sent := 0
	fail := func() bool {
		if reply.FailAfter > 0 && sent >= reply.FailAfter {
			msg := reply.FailMessage
			if msg == "" {
				msg = "Error during processing the request"
			}
			b, _ := json.Marshal(map[string]any{"error": map[string]any{"message": msg, "type": "runtime_error", "code": "500"}})
			c.raw(string(b))
			c.raw("[DONE]")
			return true
		}
		return false
	}
	for i, st := range reply.Stages {
		c.write(map[string]any{"custom_content": map[string]any{"stages": []any{map[string]any{"index": i, "name": st.Name, "status": nil}}}}, nil, nil)
		for _, piece := range words(st.Content) {
			c.write(map[string]any{"custom_content": map[string]any{"stages": []any{map[string]any{"index": i, "content": piece}}}}, nil, nil)
		}
		c.write(map[string]any{"custom_content": map[string]any{"stages": []any{map[string]any{"index": i, "status": stageStatus(st)}}}}, nil, nil)
	}
	for _, piece := range words(reply.Content) {
		if fail() {
			return
		}
		c.write(map[string]any{"content": piece}, nil, nil)
		sent++
	}
	if fail() {
		return
	}
	for i, tc := range reply.ToolCalls {
		half := len(tc.Arguments) / 2
		c.write(map[string]any{"tool_calls": []any{map[string]any{"index": i, "id": tc.ID, "type": "function",
			"function": map[string]any{"name": tc.Name, "arguments": tc.Arguments[:half]}}}}, nil, nil)
		c.write(map[string]any{"tool_calls": []any{map[string]any{"index": i, "function": map[string]any{"arguments": tc.Arguments[half:]}}}}, nil, nil)
	}
	if len(reply.Attachments) > 0 {
		var as []any
		for i, a := range reply.Attachments {
			as = append(as, attachmentJSON(a, i, true))
		}
		c.write(map[string]any{"custom_content": map[string]any{"attachments": as}}, nil, nil)
	}
	if reply.State != nil {
		c.write(map[string]any{"custom_content": map[string]any{"state": reply.State}}, nil, nil)
	}
	c.write(map[string]any{}, finish, map[string]any{"usage": usage})
	c.raw("[DONE]")
}

func (s *Server) tokenize(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.findDeployment(r.PathValue("deploymentId")); !ok {
		writeText(w, http.StatusNotFound, "Deployment not found: "+r.PathValue("deploymentId"))
		return
	}
	var body struct {
		Inputs []struct {
			Type  string          `json:"type"`
			Value json.RawMessage `json:"value"`
		} `json:"inputs"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", err.Error())
		return
	}
	outs := make([]any, 0, len(body.Inputs))
	for _, in := range body.Inputs {
		switch in.Type {
		case "string":
			var s string
			_ = json.Unmarshal(in.Value, &s)
			outs = append(outs, map[string]any{"status": "success", "token_count": countTokens(s)})
		default:
			var req struct {
				Messages []struct {
					Content any `json:"content"`
				} `json:"messages"`
			}
			if err := json.Unmarshal(in.Value, &req); err != nil {
				outs = append(outs, map[string]any{"status": "error", "error": err.Error()})
				continue
			}
			var n int64
			for _, m := range req.Messages {
				n += countTokens(textOf(m.Content))
			}
			outs = append(outs, map[string]any{"status": "success", "token_count": n})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"outputs": outs})
}

func (s *Server) truncatePrompt(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.findDeployment(r.PathValue("deploymentId")); !ok {
		writeText(w, http.StatusNotFound, "Deployment not found: "+r.PathValue("deploymentId"))
		return
	}
	var body struct {
		Inputs []struct {
			Messages []struct {
				Role    string `json:"role"`
				Content any    `json:"content"`
			} `json:"messages"`
			MaxPromptTokens any `json:"max_prompt_tokens"`
		} `json:"inputs"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", err.Error())
		return
	}
	outs := make([]any, 0, len(body.Inputs))
	for _, in := range body.Inputs {
		limit, ok := in.MaxPromptTokens.(float64)
		if !ok {
			outs = append(outs, map[string]any{"status": "success", "discarded_messages": []int{}})
			continue
		}
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
			outs = append(outs, map[string]any{"status": "error",
				"error": fmt.Sprintf("The requested maximum prompt tokens is %d. However, the system messages and the last user message resulted in %d tokens.", int64(limit), total)})
			continue
		}
		outs = append(outs, map[string]any{"status": "success", "discarded_messages": discarded})
	}
	writeJSON(w, http.StatusOK, map[string]any{"outputs": outs})
}
