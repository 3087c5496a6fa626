package infsh

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/internal/transport"
	"github.com/aiclients/sdk-go/pkg/option"
	"github.com/aiclients/sdk-go/pkg/poll"
	"github.com/aiclients/sdk-go/pkg/stream"
)

// DecodeOutput decodes the task's output into v.
func (t *Task) DecodeOutput(v any) error {
	if len(t.Output) == 0 || bytes.Equal(t.Output, []byte("null")) {
		return fmt.Errorf("%s: task %s has no output", ServiceName, t.ID)
	}
	if err := json.Unmarshal(t.Output, v); err != nil {
		return fmt.Errorf("%s: decoding the output of task %s: %w", ServiceName, t.ID, err)
	}
	return nil
}

// LogLines returns the text of the task's logs.
func (t *Task) LogLines() []string {
	out := make([]string, 0, len(t.Logs))
	for _, l := range t.Logs {
		out = append(out, l.Content)
	}
	return out
}

// MarshalJSON writes the task's members; times that are not set (the
// zero time) are left out rather than written as year 1.
func (t Task) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(taskFields(t))
	if err != nil {
		return nil, err
	}
	m := members(b)
	for k, v := range m {
		if string(v) == `"0001-01-01T00:00:00Z"` {
			delete(m, k)
		}
	}
	return json.Marshal(m)
}

// taskFields is Task without its methods, for decoding and encoding.
type taskFields Task

// UnmarshalJSON reads a task tolerantly: a member of an unexpected type is
// ignored, a status may be a number or a name (or come from status_text
// alone), and logs may be plain strings as older servers sent them.
func (t *Task) UnmarshalJSON(b []byte) error {
	d, err := decodeTask(b)
	if err != nil {
		return fmt.Errorf("%s: task: %w", ServiceName, err)
	}
	*t = *d
	return nil
}

// taskFromFields builds a task from its members, tolerantly (see
// Task.UnmarshalJSON).
func taskFromFields(m map[string]json.RawMessage) *Task {
	t, _ := decodeTask(objectOf(m))
	return t
}

// decodeTask decodes a task at once when every member has its type, else
// member by member, so that one of a wrong type drops only itself. Only a
// body that is not a JSON object (nor null) is an error.
func decodeTask(b []byte) (*Task, error) {
	var f taskFields
	if err := json.Unmarshal(b, &f); err != nil {
		m := members(b)
		if m == nil {
			var v map[string]any
			if err := json.Unmarshal(b, &v); err != nil {
				return &Task{}, err
			}
		}
		f = taskFields{}
		for k, v := range m {
			if k != "logs" {
				_ = json.Unmarshal(objectOf(map[string]json.RawMessage{k: v}), &f)
			}
		}
		f.Logs = decodeLogs(m["logs"])
	}
	t := (*Task)(&f)
	if t.Status == StatusUnknown && t.StatusText != "" {
		t.Status, _ = ParseStatus(t.StatusText)
	}
	for _, raw := range []*json.RawMessage{&t.Input, &t.Output, &t.Setup} {
		if bytes.Equal(*raw, []byte("null")) {
			*raw = nil
		}
	}
	return t, nil
}

// appendKey appends k as a JSON string.
func appendKey(b []byte, k string) []byte {
	for i := 0; i < len(k); i++ {
		if c := k[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			q, _ := json.Marshal(k)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, k...)
	return append(b, '"')
}

// objectOf writes members as a JSON object (their values are JSON already:
// they were decoded as json.RawMessage).
func objectOf(m map[string]json.RawMessage) []byte {
	n := 2
	for k, v := range m {
		n += len(k) + len(v) + 4
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	for k, v := range m {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = appendKey(b, k)
		b = append(b, ':')
		if len(v) == 0 {
			v = json.RawMessage("null")
		}
		b = append(b, v...)
	}
	return append(b, '}')
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

// SessionNew, as RunParams.Session, starts a new session.
const SessionNew = "new"

// RunParams describes a run of an app.
type RunParams struct {
	// App is "namespace/name@version", optionally with ":function".
	App string
	// Input is the app input, usually a map or a struct. *File values
	// anywhere inside it are uploaded first and sent as their URI; strings
	// are sent as they are (never read from disk), but one that names a
	// local file is refused with a *LocalPathError before the run starts
	// (see WithLocalPathCheck).
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

// request is the generated RunRequest for p.
func (p *RunParams) request() RunRequest {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	no := false
	r := RunRequest{App: p.App, Input: p.Input, Setup: p.Setup, Workers: p.Workers, Session: opt(p.Session),
		Function: opt(p.Function), Webhook: opt(p.Webhook), Metadata: p.Metadata, Wait: &no}
	if r.Input == nil {
		r.Input = map[string]any{}
	}
	if p.Infra != "" {
		infra := p.Infra
		r.Infra = &infra
	}
	if p.SessionTimeout != 0 {
		n := int(p.SessionTimeout / time.Second)
		r.SessionTimeout = &n
	}
	if !p.RunAt.IsZero() {
		t := p.RunAt.UTC()
		r.RunAt = &t
	}
	return r
}

// WaitOptions is the one waiting shape of Run and Wait (and of every
// "run and wait" of this SDK): Interval is the interval of the polling
// fallback (default: the follow policy's PollInterval, 2s), Timeout bounds
// the whole wait (an *apierror.TimeoutError carrying the task id and the
// last *Task seen), and Progress is called with every update of the task.
// The zero value follows the task until it ends or ctx does.
type WaitOptions = poll.WaitOptions[*Task]

// FollowPolicy tunes how tasks and agent chats are followed (reconnects,
// idle timeout). Set it for a client or one call with WithFollowPolicy.
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
	// PollInterval is the interval of the polling fallback (default 2s);
	// WaitOptions.Interval, when set, takes its place for Run and Wait.
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

type followKey struct{}

// WithFollowPolicy sets how tasks (Run, Wait, Updates) and agent chats are
// followed: pass it to NewClient for every call, or to one task call. Zero
// fields keep their defaults.
func WithFollowPolicy(p FollowPolicy) option.RequestOption {
	return func(c *option.Config) error {
		c.SetValue(followKey{}, p)
		return nil
	}
}

// pathCheck reports whether a call with opts checks its input for local
// paths (see WithLocalPathCheck).
func (c *Client) pathCheck(ctx context.Context, opts []option.RequestOption) (bool, error) {
	cctx, err := c.core.Context(ctx, opts)
	if err != nil {
		return false, err
	}
	off, _ := c.core.CallConfig(cctx).Value(pathCheckKey{}).(bool)
	return !off, nil
}

// policy is the follow policy of a call with opts.
func (c *Client) policy(ctx context.Context, opts []option.RequestOption) (FollowPolicy, error) {
	cctx, err := c.core.Context(ctx, opts)
	if err != nil {
		return FollowPolicy{}, err
	}
	p, _ := c.core.CallConfig(cctx).Value(followKey{}).(FollowPolicy)
	return p.norm(), nil
}

// TaskService runs apps and follows tasks.
type TaskService struct {
	c *Client
}

// Submit starts a run and returns at once with the created task (status
// received): fire and forget. Files in the input are uploaded first.
func (s *TaskService) Submit(ctx context.Context, p RunParams, opts ...option.RequestOption) (*Task, error) {
	t, _, err := s.submit(ctx, p, opts)
	return t, err
}

// submit is Submit, also returning the task's members as received.
func (s *TaskService) submit(ctx context.Context, p RunParams, opts []option.RequestOption) (*Task, map[string]json.RawMessage, error) {
	if err := p.check(); err != nil {
		return nil, nil, err
	}
	check, err := s.c.pathCheck(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	if check {
		// Before the uploads when the input encodes without them (it has no
		// *File), so that nothing is uploaded for a run that cannot start.
		if early, err := json.Marshal(p.request()); err == nil {
			if err := checkLocalPaths(early, "input", "setup"); err != nil {
				return nil, nil, err
			}
			check = false
		}
	}
	if err := s.c.Files.uploadValues(ctx, opts, p.Input, p.Setup); err != nil {
		return nil, nil, err
	}
	body, err := marshal(p.request())
	if err != nil {
		return nil, nil, err
	}
	if check {
		if err := checkLocalPaths(body, "input", "setup"); err != nil {
			return nil, nil, err
		}
	}
	var m map[string]json.RawMessage
	err = s.c.core.Call(ctx, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.RunAppWithBody(ctx, "application/json", bytes.NewReader(body))
	}, &m)
	if err != nil {
		return nil, nil, err
	}
	t := taskFromFields(m)
	if t.ID == "" {
		return nil, nil, fmt.Errorf("%s: the run response has no task id", ServiceName)
	}
	return t, m, nil
}

// Run starts a run and waits for the task's end by following its stream
// (see Wait). A task that fails, is cancelled or rejected gives an
// *apierror.RunError whose Last is the *Task (its error message and logs
// included; FailedTask returns it).
func (s *TaskService) Run(ctx context.Context, p RunParams, w WaitOptions, opts ...option.RequestOption) (*Task, error) {
	t, m, err := s.submit(ctx, p, opts)
	if err != nil {
		return nil, err
	}
	if t.Status.IsTerminal() {
		if w.Progress != nil {
			w.Progress(1, t)
		}
		return s.finished(t)
	}
	return s.wait(ctx, t.ID, m, w, opts)
}

// Wait follows a task until it ends: it reads GET /tasks/{id}/stream,
// merging partial updates and skipping heartbeats; when the stream ends
// early it re-reads the task and reconnects (up to FollowPolicy.MaxReconnects
// times in a row), then falls back to polling GET /tasks/{id}/status every
// w.Interval. A task that did not complete gives an *apierror.RunError; a
// wait that ends first (w.Timeout, or ctx) an *apierror.TimeoutError.
func (s *TaskService) Wait(ctx context.Context, id string, w WaitOptions, opts ...option.RequestOption) (*Task, error) {
	if id == "" {
		return nil, inputErr("task id", "must not be empty")
	}
	return s.wait(ctx, id, nil, w, opts)
}

func (s *TaskService) wait(ctx context.Context, id string, known map[string]json.RawMessage, w WaitOptions, opts []option.RequestOption) (*Task, error) {
	start := time.Now()
	if w.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, w.Timeout)
		defer cancel()
	}
	var last *Task
	n := 0
	t, err := s.follow(ctx, id, known, opts, w.Interval, nil, func(u Update) bool {
		last = u.Task
		n++
		if w.Progress != nil {
			w.Progress(n, u.Task)
		}
		return true
	})
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		var lastState any
		if last != nil {
			lastState = last
		}
		return nil, &apierror.TimeoutError{Service: ServiceName, Kind: "task", ID: id, Elapsed: time.Since(start),
			Last: lastState, Err: ctx.Err()}
	}
	return t, err
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
	// Fields holds every top-level member of the task as received so far,
	// those the spec does not describe included.
	Fields map[string]json.RawMessage
	// Delta is set on an update made of a delta line
	// ({"event":"delta","data":{"delta":{...},"seq":n}}): a piece of an LLM
	// app's output (for LLM apps, text to append to output.response). Task,
	// Status and Fields are then as before it, and Changed is empty. A delta
	// a reconnected stream sends again (same seq) is not repeated.
	Delta *TaskDelta
}

// Updates follows a task like Wait and streams every update, the terminal
// one included; the stream then ends. A task that fails is not an error
// here (its last update says so); errors are calls that failed. Closing
// the stream (or stopping a range over All early) stops following.
//
// Token deltas that LLM apps stream ({"event":"delta"} lines) are yielded
// as updates with Delta set (and Task as known so far, unchanged): they
// preview output that the task's own updates carry later. Wait and Run
// skip them; like heartbeats, they keep the stream from going idle.
func (s *TaskService) Updates(ctx context.Context, id string, opts ...option.RequestOption) *stream.Stream[Update] {
	ctx, cancel := context.WithCancel(ctx)
	return stream.FromSeq(func(yield func(Update, error) bool) {
		if id == "" {
			yield(Update{}, inputErr("task id", "must not be empty"))
			return
		}
		stopped := false
		each := func(u Update) bool {
			if !yield(u, nil) {
				stopped = true
				return false
			}
			return true
		}
		_, err := s.follow(ctx, id, nil, opts, 0, each, each)
		var re *apierror.RunError
		if err != nil && !stopped && !errors.As(err, &re) && !errors.Is(err, errStopped) {
			yield(Update{}, err)
		}
	}, cancel)
}

// Get reads a task.
func (s *TaskService) Get(ctx context.Context, id string, opts ...option.RequestOption) (*Task, error) {
	m, err := s.fields(ctx, id, opts)
	if err != nil {
		return nil, err
	}
	// An empty, null or {} body is not a task: the spec requires its id.
	if err := s.c.core.CheckMembers("GET /tasks/"+id, m, &Task{}); err != nil {
		return nil, err
	}
	return taskFromFields(m), nil
}

// fields reads a task's members as received.
func (s *TaskService) fields(ctx context.Context, id string, opts []option.RequestOption) (map[string]json.RawMessage, error) {
	if id == "" {
		return nil, inputErr("task id", "must not be empty")
	}
	var m map[string]json.RawMessage
	err := s.c.core.Call(ctx, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.GetTask(ctx, id)
	}, &m)
	return m, err
}

// Status reads only a task's status (cheap; for polling).
func (s *TaskService) Status(ctx context.Context, id string, opts ...option.RequestOption) (Status, error) {
	if id == "" {
		return StatusUnknown, inputErr("task id", "must not be empty")
	}
	var m map[string]json.RawMessage
	err := s.c.core.Call(ctx, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.GetTaskStatus(ctx, id)
	}, &m)
	if err != nil {
		return StatusUnknown, err
	}
	// An empty, null or {} body is not a status: the spec requires it.
	if err := s.c.core.CheckMembers("GET /tasks/"+id+"/status", m, &ResourceStatus{}); err != nil {
		return StatusUnknown, err
	}
	var st Status
	_ = st.UnmarshalJSON(m["status"])
	return st, nil
}

// Cancel asks for a task to be cancelled; it passes through cancelling to
// cancelled. The returned task is its state right after the request.
func (s *TaskService) Cancel(ctx context.Context, id string, opts ...option.RequestOption) (*Task, error) {
	if id == "" {
		return nil, inputErr("task id", "must not be empty")
	}
	var t Task
	err := s.c.core.Call(ctx, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.CancelTaskWithBody(ctx, id, "application/json", http.NoBody)
	}, &t)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// finished returns t, or an *apierror.RunError when it did not complete
// (its message scrubbed of the credentials the client sent).
func (s *TaskService) finished(t *Task) (*Task, error) {
	if t.Status == StatusCompleted {
		return t, nil
	}
	return t, s.c.core.ScrubError(runError(t))
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
	// onDelta, when set, receives delta lines.
	onDelta func(Update) bool
	// seen is the highest delta seq passed on, per resource: a stream that
	// reconnects may send the deltas again.
	seen map[string]int64
}

// delta passes a delta line on; it reports whether the consumer wants more.
func (f *follower) delta(d *TaskDelta) bool {
	if f.onDelta == nil {
		return true
	}
	if d.Seq > 0 {
		if d.Seq <= f.seen[d.ResourceID] {
			return true
		}
		if f.seen == nil {
			f.seen = map[string]int64{}
		}
		f.seen[d.ResourceID] = d.Seq
	}
	fields := cloneFields(f.fields)
	t := taskFromFields(fields)
	return f.onDelta(Update{Task: t, Status: t.Status, Fields: fields, Delta: d})
}

// deltaLine reads a delta line ({"event":"delta","data":{"delta":...}}); nil
// for any other line.
func deltaLine(data []byte) *TaskDelta {
	top := members(data)
	if str(top, "event") != "delta" {
		return nil
	}
	var d TaskDelta
	if json.Unmarshal(top["data"], &d) != nil || len(d.Delta) == 0 {
		return nil
	}
	return &d
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
	fields := cloneFields(f.fields)
	t := taskFromFields(fields)
	var newLogs []TaskLog
	if len(t.Logs) > f.logs {
		newLogs = t.Logs[f.logs:]
		f.logs = len(t.Logs)
	}
	more := true
	if f.onUp != nil {
		more = f.onUp(Update{Task: t, Status: t.Status, Changed: changed, NewLogs: newLogs, Fields: fields})
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
	top := members(data)
	if top == nil {
		return nil, false
	}
	if str(top, "type") == "heartbeat" || str(top, "event") == "delta" || top["delta"] != nil {
		return nil, true
	}
	if raw, ok := top["data"]; ok && top["id"] == nil && top["status"] == nil {
		inner := members(raw)
		if inner == nil {
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
	delta   *TaskDelta
}

// follow is the engine of Run, Wait and Updates. interval, when not 0,
// replaces the policy's PollInterval.
func (s *TaskService) follow(ctx context.Context, id string, known map[string]json.RawMessage, opts []option.RequestOption,
	interval time.Duration, onDelta, onUp func(Update) bool) (*Task, error) {
	pol, err := s.c.policy(ctx, opts)
	if err != nil {
		return nil, err
	}
	if interval > 0 {
		pol.PollInterval = interval
	}
	f := &follower{fields: map[string]json.RawMessage{}, onUp: onUp, onDelta: onDelta}
	for k, v := range known {
		f.fields[k] = v
	}
	done := func() (*Task, error) { return s.finished(taskFromFields(cloneFields(f.fields))) }
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
			return nil, err
		}
		// The stream ended early: re-sync with the task itself.
		m, gerr := s.fields(ctx, id, opts)
		if gerr == nil {
			st, _, more := f.apply(m, true)
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
		if err := transport.Sleep(ctx, pol.ReconnectDelay); err != nil {
			return nil, err
		}
	}
}

// readStream reads one connection of the task stream. end tells that the
// task ended (or the consumer stopped, or a fatal error happened: then err
// is set).
func (s *TaskService) readStream(ctx context.Context, id string, opts []option.RequestOption, pol FollowPolicy, f *follower) (end bool, err error) {
	resp, err := s.c.core.Send(ctx, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.StreamTask(ctx, id, acceptNDJSON)
	})
	if err != nil {
		var ae *apierror.Error
		var ie *apierror.InputError
		if errors.As(err, &ae) && !ae.Retryable() || errors.As(err, &ie) {
			return true, err
		}
		return false, err
	}
	decode := func(ev stream.Event) (lineItem, error) {
		if d := deltaLine(ev.Data); d != nil {
			return lineItem{delta: d}, nil
		}
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
		if d := st.Current().delta; d != nil {
			if !f.delta(d) {
				return true, errStopped
			}
			continue
		}
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
	m, err := s.fields(ctx, id, opts)
	if err != nil {
		return nil, err
	}
	if _, _, more := f.apply(m, true); !more {
		return nil, errStopped
	}
	return s.finished(taskFromFields(cloneFields(f.fields)))
}
