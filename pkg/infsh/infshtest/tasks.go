package infshtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aiclients/sdk-go/pkg/infsh"
)

// Task status numbers (the current numbering).
const (
	statusReceived   = 1
	statusQueued     = 2
	statusDispatched = 3
	statusPreparing  = 4
	statusServing    = 5
	statusSettingUp  = 6
	statusRunning    = 7
	statusCancelling = 8
	statusUploading  = 9
	statusCompleted  = 10
	statusFailed     = 11
	statusCancelled  = 12
)

var statusNames = map[int]string{
	0: "unknown", 1: "received", 2: "queued", 3: "dispatched", 4: "preparing", 5: "serving",
	6: "setting_up", 7: "running", 8: "cancelling", 9: "uploading", 10: "completed",
	11: "failed", 12: "cancelled", 13: "rejected",
}

func terminal(status int) bool { return status >= statusCompleted }

// change is one recorded update of a task: the fields it changed and a copy
// of the task's values at that moment.
type change struct {
	fields []string
	data   map[string]any // id, status and the changed fields
	full   map[string]any // the whole task, for terminal changes
	delta  map[string]any // the data of a delta line ({"delta", "seq"}); nothing else is set
}

type task struct {
	id, shortID, app, function, infra, webhook string
	input, setup                               any
	status                                     int
	output                                     any
	errMsg                                     string
	logs                                       []map[string]any
	events                                     []map[string]any
	sessionID                                  string
	sessionTimeout                             int
	created, updated                           time.Time
	deltaSeq                                   int

	changes []change
	notify  chan struct{} // closed and replaced on every change
	cancel  context.CancelFunc
}

// changeLog returns the task's changes and the channel closed at the next
// one; s.mu is held.
func (t *task) changeLog() ([]change, <-chan struct{}) { return t.changes, t.notify }

// snapshot returns the task as JSON-ready values; s.mu is held.
func (t *task) snapshot() map[string]any {
	m := map[string]any{
		"id": t.id, "short_id": t.shortID, "status": t.status, "status_text": statusNames[t.status],
		"app_id": appName(t.app), "function": t.function, "input": t.input, "output": t.output,
		"logs": append([]map[string]any{}, t.logs...), "events": append([]map[string]any{}, t.events...),
		"created_at": t.created.Format(time.RFC3339Nano), "updated_at": t.updated.Format(time.RFC3339Nano),
		"visibility": "private",
	}
	if t.infra != "" {
		m["infra"] = t.infra
	}
	if t.setup != nil {
		m["setup"] = t.setup
	}
	if t.webhook != "" {
		m["webhook"] = t.webhook
	}
	if t.errMsg != "" {
		m["error"] = t.errMsg
	}
	if t.sessionID != "" {
		m["session_id"] = t.sessionID
	}
	if t.sessionTimeout > 0 {
		m["session_timeout"] = t.sessionTimeout
	}
	return m
}

// result is the TaskResult form (what POST /apps/run answers).
func (t *task) result() map[string]any {
	m := map[string]any{
		"id": t.id, "short_id": t.shortID, "status": t.status, "status_text": statusNames[t.status],
		"input": t.input, "output": t.output,
		"created_at": t.created.Format(time.RFC3339Nano), "updated_at": t.updated.Format(time.RFC3339Nano),
	}
	if t.errMsg != "" {
		m["error"] = t.errMsg
	}
	if t.sessionID != "" {
		m["session_id"] = t.sessionID
	}
	return m
}

// record notes a change of fields; s.mu is held.
func (s *Server) record(t *task, fields ...string) {
	t.updated = s.now()
	snap := t.snapshot()
	data := map[string]any{"id": t.id, "status": t.status}
	for _, f := range fields {
		data[f] = snap[f]
	}
	c := change{fields: fields, data: data}
	if terminal(t.status) {
		c.full = snap
	}
	t.changes = append(t.changes, c)
	close(t.notify)
	t.notify = make(chan struct{})
}

func (s *Server) setStatus(t *task, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setStatusLocked(t, status)
}

func (s *Server) setStatusLocked(t *task, status int) {
	if terminal(t.status) {
		return
	}
	t.status = status
	now := s.now()
	t.events = append(t.events, map[string]any{
		"id": s.newID(), "task_id": t.id, "status": status,
		"created_at": now.Format(time.RFC3339Nano), "event_time": now.Format(time.RFC3339Nano),
	})
	fields := []string{"status", "status_text", "events"}
	switch status {
	case statusCompleted:
		fields = append(fields, "output")
	case statusFailed:
		fields = append(fields, "error")
	}
	s.record(t, fields...)
}

func (s *Server) appendLog(t *task, line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().Format(time.RFC3339Nano)
	t.logs = append(t.logs, map[string]any{
		"id": s.newID(), "task_id": t.id, "log_type": 1, "content": line, "created_at": now, "updated_at": now,
	})
	s.record(t, "logs")
}

// addDelta records a delta line of t's output.
func (s *Server) addDelta(t *task, d any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if terminal(t.status) {
		return
	}
	t.deltaSeq++
	t.changes = append(t.changes, change{delta: map[string]any{"delta": d, "seq": t.deltaSeq}})
	close(t.notify)
	t.notify = make(chan struct{})
}

func (s *Server) setOutput(t *task, out any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if terminal(t.status) {
		return
	}
	t.output = out
	s.record(t, "output")
}

// runApp implements POST /apps/run.
func (s *Server) runApp(w http.ResponseWriter, r *http.Request) {
	var req infsh.RunRequest
	if !s.decodeBody(w, r, &req) {
		return
	}
	app, ok := s.cfg.apps[appName(req.App)]
	if !ok {
		s.problem(w, r, http.StatusNotFound, "APP_NOT_FOUND", fmt.Sprintf("app %q not found", req.App))
		return
	}
	if len(app.Requirements) > 0 {
		writeJSON(w, "application/json", http.StatusPreconditionFailed, map[string]any{"errors": app.Requirements, "satisfied": false})
		return
	}
	function := "run"
	if _, fn, ok := strings.Cut(req.App, ":"); ok && fn != "" {
		function = fn
	}
	if req.Function != nil && *req.Function != "" {
		function = *req.Function
	}
	sessRef := ""
	if req.Session != nil {
		sessRef = *req.Session
	}
	if req.SessionTimeout != nil && sessRef != "new" {
		s.problem(w, r, http.StatusBadRequest, "VALIDATION", `session_timeout is only valid with session "new"`)
		return
	}
	t := &task{
		id: s.newID(), app: req.App, function: function, input: req.Input, setup: req.Setup,
		status: statusReceived, notify: make(chan struct{}),
	}
	t.shortID = t.id[:8]
	t.created, t.updated = s.now(), s.now()
	if req.Infra != nil {
		t.infra = string(*req.Infra)
	}
	if req.Webhook != nil {
		t.webhook = *req.Webhook
	}
	var sess *session
	if sessRef != "" {
		var code string
		var status int
		sess, status, code = s.claimSession(sessRef, req.App, req.SessionTimeout, t)
		if sess == nil {
			s.problem(w, r, status, code, sessionMessage(code, sessRef))
			return
		}
		t.sessionID = sess.id
		if req.SessionTimeout != nil {
			t.sessionTimeout = *req.SessionTimeout
		}
	}
	ctx, cancel := context.WithCancel(s.ctx)
	t.cancel = cancel
	s.mu.Lock()
	s.tasks[t.id] = t
	t.events = append(t.events, map[string]any{"id": s.newID(), "task_id": t.id, "status": statusReceived,
		"created_at": t.created.Format(time.RFC3339Nano), "event_time": t.created.Format(time.RFC3339Nano)})
	s.mu.Unlock()
	run := &Run{TaskID: t.id, App: req.App, Function: function, Input: req.Input, Setup: req.Setup, srv: s, task: t}
	if sess != nil {
		run.SessionID, run.Session = sess.id, sess.state
	}
	s.goRun(func() { s.execute(ctx, app, run, sess) })

	if req.Wait != nil && *req.Wait {
		s.waitTerminal(r.Context(), t)
		s.mu.Lock()
		res, status, msg := t.result(), t.status, t.errMsg
		s.mu.Unlock()
		switch {
		case status == statusCompleted:
		case status == statusFailed:
			s.problem(w, r, http.StatusUnprocessableEntity, "TASK_FAILED", msg)
			return
		case terminal(status):
			s.problem(w, r, http.StatusUnprocessableEntity, "TASK_CANCELLED", "task cancelled")
			return
		default: // the caller went away or the server is closing
			s.problem(w, r, http.StatusServiceUnavailable, "UNAVAILABLE", "server closing")
			return
		}
		s.ok(w, r, res)
		return
	}
	s.mu.Lock()
	res := t.result()
	s.mu.Unlock()
	s.ok(w, r, res)
}

// waitTerminal blocks until t is terminal or ctx (or the server) ends.
func (s *Server) waitTerminal(ctx context.Context, t *task) {
	for {
		s.mu.Lock()
		done, ch := terminal(t.status), t.notify
		s.mu.Unlock()
		if done {
			return
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return
		case <-s.ctx.Done():
			return
		}
	}
}

// execute walks t through the status sequence and runs the app.
func (s *Server) execute(ctx context.Context, app *App, run *Run, sess *session) {
	t := run.task
	defer t.cancel()
	defer s.releaseSession(sess, t)
	pause := func() bool {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(s.cfg.stepDelay):
			return true
		}
	}
	for _, st := range []int{statusQueued, statusDispatched, statusPreparing, statusServing, statusSettingUp, statusRunning} {
		if !pause() {
			s.finishCancelled(t)
			return
		}
		s.setStatus(t, st)
	}
	out, err := s.callApp(ctx, app, run)
	if ctx.Err() != nil {
		s.finishCancelled(t)
		return
	}
	if err != nil {
		s.mu.Lock()
		t.errMsg = err.Error()
		s.setStatusLocked(t, statusFailed)
		s.mu.Unlock()
		return
	}
	s.setStatus(t, statusUploading)
	if !pause() {
		s.finishCancelled(t)
		return
	}
	s.mu.Lock()
	t.output = out
	s.setStatusLocked(t, statusCompleted)
	s.mu.Unlock()
}

// callApp runs the app, turning a panic into a failure.
func (s *Server) callApp(ctx context.Context, app *App, run *Run) (out any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("app panicked: %v", p)
		}
	}()
	if app.Run == nil {
		return run.Input, nil
	}
	out, err = app.Run(ctx, run)
	// Outputs go through JSON, as on the wire.
	if err == nil && out != nil {
		b, mErr := json.Marshal(out)
		if mErr != nil {
			return nil, fmt.Errorf("app output is not JSON: %w", mErr)
		}
		out = nil
		_ = json.Unmarshal(b, &out)
	}
	return out, err
}

func (s *Server) finishCancelled(t *task) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if terminal(t.status) {
		return
	}
	if s.ctx.Err() != nil { // server closing: leave the task as it is
		return
	}
	if t.status != statusCancelling {
		s.setStatusLocked(t, statusCancelling)
	}
	s.setStatusLocked(t, statusCancelled)
}

// lookup finds m[id]; when there is none it answers 404 with code and
// "<what> <id> not found".
func lookup[T any](s *Server, w http.ResponseWriter, r *http.Request, m map[string]*T, id, code, what string) *T {
	s.mu.Lock()
	v := m[id]
	s.mu.Unlock()
	if v == nil {
		s.problem(w, r, http.StatusNotFound, code, fmt.Sprintf("%s %s not found", what, id))
	}
	return v
}

func (s *Server) lookupTask(w http.ResponseWriter, r *http.Request, id string) *task {
	return lookup(s, w, r, s.tasks, id, "TASK_NOT_FOUND", "task")
}

// getTask implements GET /tasks/{id}.
func (s *Server) getTask(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.answerTask(w, r, id, (*task).snapshot)
}

// getTaskStatus implements GET /tasks/{id}/status.
func (s *Server) getTaskStatus(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.answerTask(w, r, id, func(t *task) map[string]any {
		return map[string]any{"id": t.id, "status": t.status, "updated_at": t.updated.Format(time.RFC3339Nano)}
	})
}

// answerTask answers with view of task id (taken under s.mu), or 404.
func (s *Server) answerTask(w http.ResponseWriter, r *http.Request, id string, view func(*task) map[string]any) {
	t := s.lookupTask(w, r, id)
	if t == nil {
		return
	}
	s.mu.Lock()
	body := view(t)
	s.mu.Unlock()
	s.ok(w, r, body)
}

// cancelTask implements POST /tasks/{id}/cancel.
func (s *Server) cancelTask(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	t := s.lookupTask(w, r, id)
	if t == nil {
		return
	}
	s.mu.Lock()
	if !terminal(t.status) && t.status != statusCancelling {
		s.setStatusLocked(t, statusCancelling)
	}
	res := t.result()
	s.mu.Unlock()
	t.cancel()
	s.ok(w, r, res)
}

// Task returns a task's current state as JSON-ready values (for tests).
func (s *Server) Task(id string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[id]
	if !ok {
		return nil, false
	}
	return t.snapshot(), true
}

var errNoFile = errors.New("file not found")
