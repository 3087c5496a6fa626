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

func terminal(status int) bool { return status >= statusCompleted }

// change is one recorded update of a task: the fields it changed and a copy
// of the task's values at that moment.
type change struct {
	fields []string
	data   json.RawMessage  // the task's id, status and changed fields (a Task with those members)
	full   *infsh.Task      // the whole task, for terminal changes
	delta  *infsh.TaskDelta // the data of a delta line; nothing else is set
}

// partialUpdate is a TaskPartialUpdate line whose data holds only the
// members named in fields (the generated Task would add zero timestamps).
type partialUpdate struct {
	Event  string          `json:"event"`
	Data   json.RawMessage `json:"data"`
	Fields []string        `json:"fields"`
}

// raw is v as JSON (nil for nil or a value that does not encode).
func raw(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

// pick returns the members of task's JSON named in keys.
func pick(task infsh.Task, keys []string) json.RawMessage {
	var all map[string]json.RawMessage
	_ = json.Unmarshal(raw(task), &all)
	out := make(map[string]json.RawMessage, len(keys))
	for _, k := range keys {
		if v, ok := all[k]; ok {
			out[k] = v
		}
	}
	return raw(out)
}

type task struct {
	id, shortID, app, function, infra, webhook string
	input, setup                               any
	status                                     int
	output                                     any
	errMsg                                     string
	logs                                       []infsh.TaskLog
	events                                     []infsh.TaskEvent
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

// snapshot returns the task as the API answers it; s.mu is held.
func (t *task) snapshot() infsh.Task {
	return infsh.Task{
		ID: t.id, ShortID: t.shortID, Status: infsh.Status(t.status), StatusText: infsh.Status(t.status).String(),
		AppID: appName(t.app), Function: t.function, Input: raw(t.input), Output: raw(t.output),
		Logs: append([]infsh.TaskLog{}, t.logs...), Events: append([]infsh.TaskEvent{}, t.events...),
		CreatedAt: t.created, UpdatedAt: t.updated, Visibility: "private", Infra: t.infra, Setup: raw(t.setup),
		Webhook: t.webhook, Error: t.errMsg, SessionID: t.sessionID, SessionTimeout: t.sessionTimeout,
	}
}

// result is the TaskResult form (what POST /apps/run answers); s.mu is held.
func (t *task) result() infsh.TaskResult {
	return infsh.TaskResult{
		ID: t.id, ShortID: t.shortID, Status: infsh.Status(t.status), StatusText: infsh.Status(t.status).String(),
		Input: raw(t.input), Output: raw(t.output), CreatedAt: t.created, UpdatedAt: t.updated,
		Error: t.errMsg, SessionID: t.sessionID,
	}
}

// record notes a change of fields; s.mu is held.
func (s *Server) record(t *task, fields ...string) {
	t.updated = s.now()
	snap := t.snapshot()
	c := change{fields: fields, data: pick(snap, append([]string{"id", "status"}, fields...))}
	if terminal(t.status) {
		c.full = &snap
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
	t.events = append(t.events, infsh.TaskEvent{ID: s.newID(), TaskID: t.id, Status: infsh.Status(status), CreatedAt: now, EventTime: now})
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
	now := s.now()
	t.logs = append(t.logs, infsh.TaskLog{ID: s.newID(), TaskID: t.id, LogType: infsh.LogTypeRun, Content: line, CreatedAt: now, UpdatedAt: now})
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
	t.changes = append(t.changes, change{delta: &infsh.TaskDelta{Delta: raw(d), Seq: int64(t.deltaSeq)}})
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
	s.mu.Lock()
	app, ok := s.cfg.apps[appName(req.App)]
	s.mu.Unlock()
	if !ok {
		s.problem(w, r, http.StatusNotFound, "APP_NOT_FOUND", fmt.Sprintf("app %q not found", req.App))
		return
	}
	if len(app.Requirements) > 0 {
		writeJSON(w, "application/json", http.StatusPreconditionFailed, infsh.RequirementsBody{Errors: app.Requirements, Satisfied: ptr(false)})
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
	t.events = append(t.events, infsh.TaskEvent{ID: s.newID(), TaskID: t.id, Status: statusReceived, CreatedAt: t.created, EventTime: t.created})
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
	s.answerTask(w, r, id, func(t *task) any { return t.snapshot() })
}

// getTaskStatus implements GET /tasks/{id}/status.
func (s *Server) getTaskStatus(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.answerTask(w, r, id, func(t *task) any {
		return infsh.ResourceStatus{ID: t.id, Status: infsh.Status(t.status), UpdatedAt: t.updated}
	})
}

// answerTask answers with view of task id (taken under s.mu), or 404.
func (s *Server) answerTask(w http.ResponseWriter, r *http.Request, id string, view func(*task) any) {
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

// Task returns a task's current state as the JSON of GET /tasks/{id}
// decoded into a map (for tests).
func (s *Server) Task(id string) (map[string]any, bool) {
	s.mu.Lock()
	t, ok := s.tasks[id]
	var snap infsh.Task
	if ok {
		snap = t.snapshot()
	}
	s.mu.Unlock()
	if !ok {
		return nil, false
	}
	var out jsonObject
	_ = json.Unmarshal(raw(snap), &out)
	return out, true
}

var errNoFile = errors.New("file not found")
