package dialtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/aiclients/sdk-go/pkg/dial"
)

// AdminRepliesPath is the admin endpoint that scripts chat replies over
// HTTP, for clients that cannot call ScriptReplies (cmd/emulator, other
// languages):
//
//	POST   /_emulator/replies  queue ScriptedReplies given as JSON (204)
//	GET    /_emulator/replies  how many replies each deployment has left, {"gpt-4": 1}
//	DELETE /_emulator/replies  drop every queued reply (204)
//
// A bad body answers 400 {"error":{"type":"invalid_request","message":…}}
// saying what is wrong; nothing is queued then.
const AdminRepliesPath = "/_emulator/replies"

// ScriptedReplies is the JSON body of POST /_emulator/replies: the replies
// the next chat completions of Deployment get, in order. Unknown fields are
// refused. Example:
//
//	{"deployment": "echo", "replies": [{
//	  "stages": [{"name": "Search", "content": "found 2 pages",
//	              "attachments": [{"title": "Page", "url": "https://example.com/a"}]}],
//	  "content": "Here it is.",
//	  "attachments": [{"type": "text/plain", "title": "Note", "data": "hello"}],
//	  "state": {"step": 2},
//	  "usage": {"prompt_tokens": 3, "completion_tokens": 3, "total_tokens": 6}},
//	 {"tool_calls": [{"id": "call_1", "name": "weather", "arguments": "{\"city\":\"Paris\"}"}]},
//	 {"content": "a b c", "fail_after": 2, "fail_message": "upstream died"},
//	 {"error": {"status": 429, "message": "slow down"}}]}
type ScriptedReplies struct {
	Deployment string  `json:"deployment"`
	Replies    []Reply `json:"replies"`
}

// replyScript holds the queued replies per deployment.
type replyScript struct {
	mu     sync.Mutex
	queues map[string][]Reply
}

func (q *replyScript) next(deployment string) (Reply, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	rs := q.queues[deployment]
	if len(rs) == 0 {
		return Reply{}, false
	}
	if len(rs) == 1 {
		delete(q.queues, deployment)
	} else {
		q.queues[deployment] = rs[1:]
	}
	return rs[0], true
}

// ScriptReplies queues replies for the next chat completions of deployment
// (a deployment or an application of the server): each request to it takes
// the next reply, in order, instead of asking the Responder, and is answered
// streamed or not as it asks. When the queue is empty the Responder answers
// again. Replies add to those already queued.
//
// It returns an error, and queues nothing, when deployment is unknown or a
// reply cannot be rendered: an attachment without data or url, a stage or
// tool call without a name, a negative FailAfter, an Error status the spec
// does not document for chat completions, a State that is not JSON.
func (s *Server) ScriptReplies(deployment string, replies ...Reply) error {
	_, isModel := s.findDeployment(deployment)
	_, isApp := s.findApplication(deployment)
	if !isModel && !isApp {
		return fmt.Errorf("dialtest: ScriptReplies: no deployment or application %q (configure it with WithDeployments or WithApplications)", deployment)
	}
	for i, r := range replies {
		if err := r.validate(); err != nil {
			return fmt.Errorf("dialtest: ScriptReplies: reply %d: %w", i, err)
		}
	}
	s.script.mu.Lock()
	defer s.script.mu.Unlock()
	if s.script.queues == nil {
		s.script.queues = map[string][]Reply{}
	}
	s.script.queues[deployment] = append(s.script.queues[deployment], replies...)
	return nil
}

// PendingReplies returns how many scripted replies each deployment has not
// used yet (deployments with none are absent).
func (s *Server) PendingReplies() map[string]int {
	s.script.mu.Lock()
	defer s.script.mu.Unlock()
	out := make(map[string]int, len(s.script.queues))
	for d, rs := range s.script.queues {
		out[d] = len(rs)
	}
	return out
}

// ClearReplies drops every scripted reply.
func (s *Server) ClearReplies() {
	s.script.mu.Lock()
	s.script.queues = nil
	s.script.mu.Unlock()
}

func validAttachments(as []Attachment, where string) error {
	for i, a := range as {
		if a.Data == "" && a.URL == "" {
			return fmt.Errorf("%sattachments[%d]: needs data or url", where, i)
		}
	}
	return nil
}

// validate says why r cannot be rendered as a valid answer.
func (r Reply) validate() error {
	if r.FailAfter < 0 {
		return fmt.Errorf("fail_after is %d; want 0 (no failure) or more", r.FailAfter)
	}
	if e := r.Error; e != nil && e.Status != 0 && !documentedChatStatus[e.Status] {
		return fmt.Errorf("error.status %d is not documented for chat completions; use one of %v", e.Status, slices.Sorted(maps.Keys(documentedChatStatus)))
	}
	if err := validAttachments(r.Attachments, ""); err != nil {
		return err
	}
	for i, st := range r.Stages {
		if strings.TrimSpace(st.Name) == "" {
			return fmt.Errorf("stages[%d]: needs a name", i)
		}
		if err := validAttachments(st.Attachments, fmt.Sprintf("stages[%d].", i)); err != nil {
			return err
		}
	}
	for i, tc := range r.ToolCalls {
		if tc.Name == "" {
			return fmt.Errorf("tool_calls[%d]: needs a name", i)
		}
	}
	if _, err := r.state(); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	if u := r.Usage; u != nil && (u.PromptTokens < 0 || u.CompletionTokens < 0 || u.TotalTokens < 0) {
		return errors.New("usage: token counts cannot be negative")
	}
	return nil
}

// serveAdmin serves the DIAL emulator's own admin endpoints (the kit passes
// every /_emulator/ path it does not serve itself).
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != AdminRepliesPath {
		adminError(w, http.StatusNotFound, "not_found", "emulator: no admin endpoint "+r.Method+" "+r.URL.Path)
		return
	}
	switch r.Method {
	case http.MethodPost:
		var body ScriptedReplies
		dec := json.NewDecoder(io.LimitReader(r.Body, 8<<20))
		dec.DisallowUnknownFields()
		err := dec.Decode(&body)
		if err == nil {
			err = s.ScriptReplies(body.Deployment, body.Replies...)
		}
		if err != nil {
			adminError(w, http.StatusBadRequest, "invalid_request", "emulator: replies: "+strings.TrimPrefix(err.Error(), "dialtest: ScriptReplies: "))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case http.MethodGet:
		writeJSON(w, http.StatusOK, s.PendingReplies())
	case http.MethodDelete:
		s.ClearReplies()
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "GET, POST, DELETE")
		adminError(w, http.StatusMethodNotAllowed, "method_not_allowed", "emulator: "+r.Method+" "+AdminRepliesPath+": use GET, POST or DELETE")
	}
}

// adminError answers the way the kit's admin endpoints do.
func adminError(w http.ResponseWriter, status int, typ, msg string) {
	writeJSON(w, status, dial.Error{Error: dial.ErrorDetails{Type: typ, Message: msg}})
}
