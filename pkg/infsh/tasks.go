package infsh

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"sort"
	"time"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/option"
	"github.com/aiclients/sdk-go/pkg/poll"
	"github.com/aiclients/sdk-go/pkg/stream"
)

// Task is a run of an app. Every field may be missing from a response (the
// run response carries only a few); Fields holds all members as received,
// with partial stream updates merged in.
type Task struct {
	ID           string
	ShortID      string
	Status       Status
	StatusText   string
	AppID        string
	AppVersionID string
	Function     string
	Infra        string
	Input        json.RawMessage
	Output       json.RawMessage
	Error        string
	SessionID    string
	Logs         []TaskLog
	Events       []TaskEvent
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// Fields holds every top-level member of the task as received.
	Fields map[string]json.RawMessage
}

// TaskLog is one log entry of a task.
type TaskLog struct {
	ID        string    `json:"id"`
	TaskID    string    `json:"task_id"`
	LogType   int       `json:"log_type"` // 0 build, 1 run, 2 serve, 3 setup, 4 task
	Content   string    `json:"content"`
	CreatedAt time.Time `json:"created_at"`
}

// TaskEvent records a status change of a task.
type TaskEvent struct {
	ID        string    `json:"id"`
	TaskID    string    `json:"task_id"`
	Status    Status    `json:"status"`
	EventTime time.Time `json:"event_time"`
}

// DecodeOutput decodes the task's output into v.
func (t *Task) DecodeOutput(v any) error {
	if len(t.Output) == 0 {
		return fmt.Errorf("%s: task %s has no output", ServiceName, t.ID)
	}
	if err := json.Unmarshal(t.Output, v); err != nil {
		return fmt.Errorf("%s: decoding the output of task %s: %w", ServiceName, t.ID, err)
	}
	return nil
}

// UnmarshalJSON reads a task tolerantly: members of an unexpected type are
// kept in Fields but otherwise ignored.
func (t *Task) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("%s: task: %w", ServiceName, err)
	}
	*t = *taskFromFields(m)
	return nil
}

// MarshalJSON writes the task's members as received (for a Task not read
// from the API: its main fields).
func (t *Task) MarshalJSON() ([]byte, error) {
	if t.Fields != nil {
		return json.Marshal(t.Fields)
	}
	m := map[string]any{"id": t.ID, "status": t.Status}
	if len(t.Output) > 0 {
		m["output"] = t.Output
	}
	if len(t.Input) > 0 {
		m["input"] = t.Input
	}
	if t.Error != "" {
		m["error"] = t.Error
	}
	if t.SessionID != "" {
		m["session_id"] = t.SessionID
	}
	return json.Marshal(m)
}

func taskFromFields(m map[string]json.RawMessage) *Task {
	t := &Task{Fields: m}
	str := func(k string) string {
		var s string
		_ = json.Unmarshal(m[k], &s)
		return s
	}
	tm := func(k string) time.Time {
		v, _ := time.Parse(time.RFC3339Nano, str(k))
		return v
	}
	t.ID, t.ShortID, t.StatusText = str("id"), str("short_id"), str("status_text")
	t.AppID, t.AppVersionID, t.Function, t.Infra = str("app_id"), str("app_version_id"), str("function"), str("infra")
	t.Error, t.SessionID = str("error"), str("session_id")
	t.CreatedAt, t.UpdatedAt = tm("created_at"), tm("updated_at")
	if raw, ok := m["status"]; ok {
		_ = t.Status.UnmarshalJSON(raw)
	} else if t.StatusText != "" {
		t.Status, _ = ParseStatus(t.StatusText)
	}
	if raw := m["input"]; len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		t.Input = raw
	}
	if raw := m["output"]; len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		t.Output = raw
	}
	t.Logs = decodeLogs(m["logs"])
	var events []json.RawMessage
	_ = json.Unmarshal(m["events"], &events)
	for _, raw := range events {
		var e TaskEvent
		if json.Unmarshal(raw, &e) == nil {
			t.Events = append(t.Events, e)
		}
	}
	return t
}

// decodeLogs reads TaskLog objects, or plain strings as older servers sent.
func decodeLogs(raw json.RawMessage) []TaskLog {
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return nil
	}
	out := make([]TaskLog, 0, len(items))
	for _, it := range items {
		var l TaskLog
		if json.Unmarshal(it, &l) == nil {
			out = append(out, l)
			continue
		}
		var s string
		if json.Unmarshal(it, &s) == nil {
			out = append(out, TaskLog{Content: s})
		}
	}
	return out
}

// Infra selects where a task runs.
type Infra string

// Infra values.
const (
	InfraCloud        Infra = "cloud"
	InfraPrivate      Infra = "private"
	InfraPrivateFirst Infra = "private_first"
)

// SessionNew, as RunParams.Session, starts a new session.
const SessionNew = "new"

// RunParams describes a run of an app.
type RunParams struct {
	// App is "namespace/name@version", optionally with ":function".
	App string
	// Input is the app input, usually a map or a struct. *File values
	// anywhere inside it are uploaded first and sent as their URI; strings
	// are always sent as they are (never read from disk).
	Input any
	// Setup holds setup parameters (workers with the same setup are warm).
	Setup any
	// Infra chooses cloud or private workers ("" = the server's default).
	Infra Infra
	// Workers names specific private workers.
	Workers []string
	// Session is SessionNew to start a session, or a session id to continue one.
	Session string
	// SessionTimeout is the idle timeout of a new session: whole seconds,
	// 1s to 1h, only with Session == SessionNew. 0 = the server's default.
	SessionTimeout time.Duration
	// Function is the function of a multi-function app ("" = its default).
	Function string
	// Webhook receives a POST when the task ends.
	Webhook string
	// RunAt schedules the task (zero = now).
	RunAt time.Time
	// Metadata is attached to the task.
	Metadata map[string]any
}

type runBody struct {
	App            string         `json:"app"`
	Input          any            `json:"input"`
	Setup          any            `json:"setup,omitempty"`
	Infra          Infra          `json:"infra,omitempty"`
	Workers        []string       `json:"workers,omitempty"`
	Session        string         `json:"session,omitempty"`
	SessionTimeout int            `json:"session_timeout,omitempty"`
	Function       string         `json:"function,omitempty"`
	Webhook        string         `json:"webhook,omitempty"`
	RunAt          *time.Time     `json:"run_at,omitempty"`
	Metadata       map[string]any `json:"metadata,omitempty"`
	Wait           bool           `json:"wait"`
}

// check validates p before anything is sent.
func (p *RunParams) check() error {
	if p.App == "" {
		return inputErr("app", "must not be empty")
	}
	if p.SessionTimeout != 0 {
		if p.Session != SessionNew {
			return inputErr("session_timeout", `only valid with Session %q (starting a session)`, SessionNew)
		}
		if p.SessionTimeout < time.Second || p.SessionTimeout > time.Hour {
			return inputErr("session_timeout", "must be between 1s and 1h, got %s", p.SessionTimeout)
		}
		if p.SessionTimeout%time.Second != 0 {
			return inputErr("session_timeout", "must be whole seconds, got %s", p.SessionTimeout)
		}
	}
	return nil
}

// FollowPolicy tunes how a task is followed to its end.
type FollowPolicy struct {
	// MaxReconnects bounds the stream reconnects in a row without a line
	// (default 5); then the client polls GET /tasks/{id}/status instead.
	MaxReconnects int
	// ReconnectDelay is the pause before a reconnect (default 1s).
	ReconnectDelay time.Duration
	// IdleTimeout ends a stream that delivers nothing, not even a
	// heartbeat, for that long (default 45s; the server beats every 10s).
	// It also bounds agent chat streams. On an SSE stream only data events
	// count: SSE comments never reach the client.
	IdleTimeout time.Duration
	// PollInterval is the interval of the polling fallback (default 2s).
	PollInterval time.Duration
}

func (p FollowPolicy) norm() FollowPolicy {
	if p.MaxReconnects == 0 {
		p.MaxReconnects = 5
	}
	if p.MaxReconnects < 0 {
		p.MaxReconnects = 0
	}
	if p.ReconnectDelay <= 0 {
		p.ReconnectDelay = time.Second
	}
	if p.IdleTimeout <= 0 {
		p.IdleTimeout = 45 * time.Second
	}
	if p.PollInterval <= 0 {
		p.PollInterval = 2 * time.Second
	}
	return p
}

// TaskService runs apps and follows tasks.
type TaskService struct {
	c *Client
	// Follow tunes Run, Wait and Updates. Set it before the client is shared.
	Follow FollowPolicy
}

// Submit starts a run and returns at once with the created task (status
// received): fire and forget. Files in the input are uploaded first.
func (s *TaskService) Submit(ctx context.Context, p RunParams, opts ...option.RequestOption) (*Task, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	if err := s.c.Files.uploadValues(ctx, opts, p.Input, p.Setup); err != nil {
		return nil, err
	}
	body := runBody{
		App: p.App, Input: p.Input, Setup: p.Setup, Infra: p.Infra, Workers: p.Workers, Session: p.Session,
		SessionTimeout: int(p.SessionTimeout / time.Second), Function: p.Function, Webhook: p.Webhook, Metadata: p.Metadata,
	}
	if body.Input == nil {
		body.Input = map[string]any{}
	}
	if !p.RunAt.IsZero() {
		t := p.RunAt.UTC()
		body.RunAt = &t
	}
	rd, err := jsonBody(body)
	if err != nil {
		return nil, err
	}
	var t Task
	err = s.c.send(ctx, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.RunAppWithBody(ctx, "application/json", rd)
	}, &t)
	if err != nil {
		return nil, err
	}
	if t.ID == "" {
		return nil, fmt.Errorf("%s: the run response has no task id", ServiceName)
	}
	return &t, nil
}

// Run starts a run and waits for the task's end by following its stream
// (see Wait). A task that fails, is cancelled or rejected gives a
// *TaskError holding the task, its error message and logs.
func (s *TaskService) Run(ctx context.Context, p RunParams, opts ...option.RequestOption) (*Task, error) {
	t, err := s.Submit(ctx, p, opts...)
	if err != nil {
		return nil, err
	}
	if t.Status.IsTerminal() {
		return finished(t)
	}
	return s.follow(ctx, t.ID, t.Fields, opts, nil)
}

// Wait follows a task until it ends: it reads GET /tasks/{id}/stream,
// merging partial updates and skipping heartbeats; when the stream ends
// early it re-reads the task and reconnects (up to Follow.MaxReconnects
// times in a row), then falls back to polling GET /tasks/{id}/status.
func (s *TaskService) Wait(ctx context.Context, id string, opts ...option.RequestOption) (*Task, error) {
	if id == "" {
		return nil, inputErr("task id", "must not be empty")
	}
	return s.follow(ctx, id, nil, opts, nil)
}

// Update is one progress update of a task.
type Update struct {
	// Task is the task with every update so far merged in.
	Task *Task
	// Status is the task's status after this update.
	Status Status
	// Changed lists the top-level fields this update changed (all of
	// them for the first update).
	Changed []string
	// NewLogs are the log entries this update added.
	NewLogs []TaskLog
}

// Updates follows a task like Wait and yields every update, the terminal
// one included; the sequence then ends. A task that fails is not an error
// here (its last update says so); errors are calls that failed. Stopping
// the loop early closes the stream.
//
// Token deltas that LLM apps stream ({"event":"delta"} lines) are not
// yielded: they only preview text that the task's own updates carry in its
// output. Like heartbeats, they keep the stream from going idle.
func (s *TaskService) Updates(ctx context.Context, id string, opts ...option.RequestOption) iter.Seq2[Update, error] {
	return func(yield func(Update, error) bool) {
		if id == "" {
			yield(Update{}, inputErr("task id", "must not be empty"))
			return
		}
		stopped := false
		_, err := s.follow(ctx, id, nil, opts, func(u Update) bool {
			if !yield(u, nil) {
				stopped = true
				return false
			}
			return true
		})
		var te *TaskError
		if err != nil && !stopped && !errors.As(err, &te) && !errors.Is(err, errStopped) {
			yield(Update{}, err)
		}
	}
}

// Get reads a task.
func (s *TaskService) Get(ctx context.Context, id string, opts ...option.RequestOption) (*Task, error) {
	if id == "" {
		return nil, inputErr("task id", "must not be empty")
	}
	return call[Task](ctx, s.c, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.GetTask(ctx, id)
	})
}

// Status reads only a task's status (cheap; for polling).
func (s *TaskService) Status(ctx context.Context, id string, opts ...option.RequestOption) (Status, error) {
	if id == "" {
		return StatusUnknown, inputErr("task id", "must not be empty")
	}
	var st struct {
		Status Status `json:"status"`
	}
	err := s.c.send(ctx, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.GetTaskStatus(ctx, id)
	}, &st)
	return st.Status, err
}

// Cancel asks for a task to be cancelled; it passes through cancelling to
// cancelled. The returned task is its state right after the request.
func (s *TaskService) Cancel(ctx context.Context, id string, opts ...option.RequestOption) (*Task, error) {
	if id == "" {
		return nil, inputErr("task id", "must not be empty")
	}
	return call[Task](ctx, s.c, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.CancelTaskWithBody(ctx, id, "application/json", http.NoBody)
	})
}

// finished returns t, or a *TaskError when it did not complete.
func finished(t *Task) (*Task, error) {
	if t.Status == StatusCompleted {
		return t, nil
	}
	return t, &TaskError{Task: t}
}

var errStopped = errors.New("stopped")

// follower merges what it learns about one task.
type follower struct {
	fields map[string]json.RawMessage
	logs   int
	onUp   func(Update) bool
	// progressed is set when a payload changed the merged state.
	progressed bool
	// yielded is set once an update was passed on.
	yielded bool
}

// apply merges payload; it reports the incoming status (if the payload has
// one) and whether the consumer wants more.
func (f *follower) apply(payload map[string]json.RawMessage, replace bool) (Status, bool, bool) {
	old := f.fields
	if replace {
		f.fields = map[string]json.RawMessage{}
	}
	changed := make([]string, 0, len(payload))
	for k, v := range payload {
		if prev, ok := old[k]; !ok || !bytes.Equal(prev, v) {
			changed = append(changed, k)
		}
		f.fields[k] = v
	}
	sort.Strings(changed)
	var st Status
	_, hasStatus := payload["status"]
	if hasStatus {
		_ = st.UnmarshalJSON(payload["status"])
	} else if raw, ok := payload["status_text"]; ok {
		var txt string
		_ = json.Unmarshal(raw, &txt)
		st, hasStatus = ParseStatus(txt)
	}
	if len(changed) == 0 && f.yielded {
		return st, hasStatus, true // a repeat (after a reconnect): nothing new to tell
	}
	f.progressed = true
	f.yielded = true
	t := taskFromFields(cloneFields(f.fields))
	var newLogs []TaskLog
	if len(t.Logs) > f.logs {
		newLogs = t.Logs[f.logs:]
		f.logs = len(t.Logs)
	}
	more := true
	if f.onUp != nil {
		more = f.onUp(Update{Task: t, Status: t.Status, Changed: changed, NewLogs: newLogs})
	}
	return st, hasStatus, more
}

func cloneFields(m map[string]json.RawMessage) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// streamLine turns one stream line into a task payload. ok is false for a
// line that is not a JSON object; a heartbeat, a delta or any other line
// that is not a task update gives a nil payload with ok true: the server is
// alive, but there is nothing to merge.
func streamLine(data []byte) (payload map[string]json.RawMessage, ok bool) {
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil || top == nil {
		return nil, false
	}
	var typ, event string
	_ = json.Unmarshal(top["type"], &typ)
	_ = json.Unmarshal(top["event"], &event)
	if typ == "heartbeat" || event == "delta" || top["delta"] != nil {
		return nil, true
	}
	if raw, ok := top["data"]; ok && top["id"] == nil && top["status"] == nil {
		var inner map[string]json.RawMessage
		if json.Unmarshal(raw, &inner) != nil {
			return nil, true
		}
		return inner, true
	}
	return top, true
}

// lineItem is one line of a task stream; a nil payload is a heartbeat or
// another line with nothing to merge. Such lines are still yielded by the
// stream (not skipped), because they count as activity for its idle timeout.
type lineItem struct {
	payload map[string]json.RawMessage
}

// follow is the engine of Run, Wait and Updates.
func (s *TaskService) follow(ctx context.Context, id string, known map[string]json.RawMessage, opts []option.RequestOption, onUp func(Update) bool) (*Task, error) {
	pol := s.Follow.norm()
	f := &follower{fields: map[string]json.RawMessage{}, onUp: onUp}
	for k, v := range known {
		f.fields[k] = v
	}
	done := func() (*Task, error) { return finished(taskFromFields(cloneFields(f.fields))) }
	reconnects := 0
	for {
		f.progressed = false
		end, err := s.readStream(ctx, id, opts, pol, f)
		if end {
			if err != nil {
				return nil, err
			}
			return done()
		}
		if f.progressed { // the budget counts reconnects that brought nothing new
			reconnects = 0
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var ae *apierror.Error
		if errors.As(err, &ae) && !ae.Retryable() {
			return nil, typedError(err)
		}
		// The stream ended early: re-sync with the task itself.
		t, gerr := s.Get(ctx, id, opts...)
		if gerr == nil {
			st, _, more := f.apply(t.Fields, true)
			if !more {
				return nil, errStopped
			}
			if st.IsTerminal() {
				return done()
			}
		} else if errors.As(gerr, &ae) && !ae.Retryable() {
			return nil, gerr
		}
		reconnects++
		if reconnects > pol.MaxReconnects {
			return s.pollToEnd(ctx, id, opts, pol, f)
		}
		if err := sleep(ctx, pol.ReconnectDelay); err != nil {
			return nil, err
		}
	}
}

// readStream reads one connection of the task stream. end tells that the
// task ended (or the consumer stopped, or a fatal error happened: then err
// is set).
func (s *TaskService) readStream(ctx context.Context, id string, opts []option.RequestOption, pol FollowPolicy, f *follower) (end bool, err error) {
	cctx, err := s.c.core.Context(ctx, opts)
	if err != nil {
		return true, err
	}
	resp, err := s.c.core.Check(s.c.raw.StreamTask(cctx, id, acceptNDJSON))
	if err != nil {
		var ae *apierror.Error
		if errors.As(err, &ae) && !ae.Retryable() {
			return true, typedError(err)
		}
		return false, err
	}
	decode := func(ev stream.Event) (lineItem, error) {
		p, ok := streamLine(ev.Data)
		if !ok {
			return lineItem{}, stream.ErrSkip
		}
		return lineItem{payload: p}, nil
	}
	var st *stream.Stream[lineItem]
	if isSSE(resp) {
		st = stream.NewSSE(resp.Body, decode, stream.WithIdleTimeout(pol.IdleTimeout))
	} else {
		st = stream.NewNDJSON(resp.Body, decode, stream.WithIdleTimeout(pol.IdleTimeout))
	}
	defer st.Close()
	for st.Next() {
		payload := st.Current().payload
		if len(payload) == 0 {
			continue // a heartbeat: the idle timer was reset, nothing changed
		}
		status, has, more := f.apply(payload, false)
		if !more {
			return true, errStopped
		}
		if has && status.IsTerminal() {
			return true, nil
		}
	}
	return false, st.Err()
}

func isSSE(resp *http.Response) bool {
	ct := resp.Header.Get("Content-Type")
	return len(ct) >= 17 && ct[:17] == "text/event-stream"
}

// pollToEnd polls the status endpoint until the task is terminal, then
// reads the whole task.
func (s *TaskService) pollToEnd(ctx context.Context, id string, opts []option.RequestOption, pol FollowPolicy, f *follower) (*Task, error) {
	_, err := poll.Until(ctx, poll.Policy{Interval: pol.PollInterval, Immediate: true},
		func(ctx context.Context) (Status, bool, error) {
			st, err := s.Status(ctx, id, opts...)
			return st, err == nil && st.IsTerminal(), err
		}, nil)
	if err != nil {
		return nil, err
	}
	t, err := s.Get(ctx, id, opts...)
	if err != nil {
		return nil, err
	}
	if _, _, more := f.apply(t.Fields, true); !more {
		return nil, errStopped
	}
	return finished(taskFromFields(cloneFields(f.fields)))
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
