package infsh_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	emukit "github.com/aiclients/sdk-go/pkg/emulator"
	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/infsh/infshtest"
	"github.com/aiclients/sdk-go/pkg/internal/emulator"
	"github.com/aiclients/sdk-go/pkg/option"
)

// fastFollow follows tasks and chats with short pauses, for tests.
var fastFollow = infsh.FollowPolicy{ReconnectDelay: time.Millisecond, PollInterval: 5 * time.Millisecond}

func newClient(t *testing.T, opts ...infshtest.Option) (*infsh.Client, *infshtest.Server) {
	t.Helper()
	return newClientWith(t, fastFollow, opts...)
}

// newClientWith is newClient with the follow policy pol.
func newClientWith(t *testing.T, pol infsh.FollowPolicy, opts ...infshtest.Option) (*infsh.Client, *infshtest.Server) {
	t.Helper()
	srv := infshtest.NewServer(t, opts...)
	c, err := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(srv.APIKey),
		option.WithRetryBackoff(time.Millisecond, 5*time.Millisecond, 0), infsh.WithFollowPolicy(pol))
	require.NoError(t, err)
	t.Cleanup(func() { require.Empty(t, srv.Violations()) })
	return c, srv
}

func TestRunFormats(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []infshtest.Option
	}{
		{"v1", nil},
		{"v3", []infshtest.Option{infshtest.WithFormat(infshtest.FormatV3)}},
		{"bare", []infshtest.Option{infshtest.WithFormat(infshtest.FormatBare),
			// The bare (legacy v2) form is outside the published spec.
			infshtest.WithEmulatorOptions(emukit.WithValidateResponses(false))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newClient(t, tc.opts...)
			task, err := c.Tasks.Run(context.Background(), infsh.RunParams{
				App:   "infsh/text-templating@53bk0yzk",
				Input: map[string]any{"template": "Hello {1}!", "strings": []string{"Go"}},
			}, infsh.WaitOptions{})
			require.NoError(t, err)
			require.Equal(t, infsh.StatusCompleted, task.Status)
			var out struct{ Text string }
			require.NoError(t, task.DecodeOutput(&out))
			require.Equal(t, "Hello Go!", out.Text)
			require.NotEmpty(t, task.Events)
		})
	}
}

func TestSubmitGetCancel(t *testing.T) {
	c, _ := newClient(t)
	ctx := context.Background()
	task, err := c.Tasks.Submit(ctx, infsh.RunParams{App: "infsh/slow", Input: map[string]any{"steps": 50, "delay_ms": 20}})
	require.NoError(t, err)
	require.Equal(t, infsh.StatusReceived, task.Status)
	require.Len(t, task.ShortID, 8)

	got, err := c.Tasks.Get(ctx, task.ID)
	require.NoError(t, err)
	require.Equal(t, task.ID, got.ID)

	_, err = c.Tasks.Cancel(ctx, task.ID)
	require.NoError(t, err)
	_, err = c.Tasks.Wait(ctx, task.ID, infsh.WaitOptions{})
	var re *apierror.RunError
	require.ErrorAs(t, err, &re)
	require.Equal(t, "task", re.Kind)
	te, ok := infsh.FailedTask(err)
	require.True(t, ok)
	require.Equal(t, te.ID, re.ID)
	require.Equal(t, infsh.StatusCancelled, te.Status)

	st, err := c.Tasks.Status(ctx, task.ID)
	require.NoError(t, err)
	require.Equal(t, infsh.StatusCancelled, st)
}

func TestRunFailedTask(t *testing.T) {
	c, _ := newClient(t)
	_, err := c.Tasks.Run(context.Background(), infsh.RunParams{App: "infsh/fail", Input: map[string]any{"message": "boom"}}, infsh.WaitOptions{})
	var re *apierror.RunError
	require.ErrorAs(t, err, &re)
	require.Equal(t, "task", re.Kind)
	te, ok := infsh.FailedTask(err)
	require.True(t, ok)
	require.Equal(t, te.ID, re.ID)
	require.Equal(t, infsh.StatusFailed, te.Status)
	require.Equal(t, "boom", te.Error)
	require.Contains(t, te.LogLines(), "about to fail")
	require.Contains(t, err.Error(), "(status failed): boom")
}

func TestRequirementsError(t *testing.T) {
	c, _ := newClient(t)
	_, err := c.Tasks.Run(context.Background(), infsh.RunParams{App: "infsh/needs-secret"}, infsh.WaitOptions{})
	var re *infsh.RequirementsError
	require.ErrorAs(t, err, &re)
	require.Equal(t, []infsh.Requirement{{Type: "secret", Key: "OPENAI_API_KEY", Message: "Missing secret OPENAI_API_KEY",
		Action: &infsh.RequirementAction{Type: "add_secret"}}}, re.Requirements)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, http.StatusPreconditionFailed, ae.StatusCode)
}

func TestUnknownAppIsAPIError(t *testing.T) {
	c, _ := newClient(t)
	_, err := c.Tasks.Run(context.Background(), infsh.RunParams{App: "nobody/nothing@1"}, infsh.WaitOptions{})
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 404, ae.StatusCode)
	require.Equal(t, "APP_NOT_FOUND", ae.Code)
	require.Contains(t, ae.Message, "nobody/nothing@1")
}

func TestUpdatesStreamProgress(t *testing.T) {
	c, _ := newClient(t)
	ctx := context.Background()
	task, err := c.Tasks.Submit(ctx, infsh.RunParams{App: "infsh/slow", Input: map[string]any{"steps": 3}})
	require.NoError(t, err)
	var statuses []infsh.Status
	var logs []string
	var last infsh.Update
	for u, err := range c.Tasks.Updates(ctx, task.ID).All() {
		require.NoError(t, err)
		if len(statuses) == 0 || statuses[len(statuses)-1] != u.Status {
			statuses = append(statuses, u.Status)
		}
		for _, l := range u.NewLogs {
			logs = append(logs, l.Content)
		}
		last = u
	}
	require.Equal(t, infsh.StatusCompleted, last.Status)
	require.Equal(t, []string{"step 1 of 3", "step 2 of 3", "step 3 of 3"}, logs)
	require.Equal(t, infsh.StatusRunning, statuses[len(statuses)-3])
	require.Equal(t, infsh.StatusUploading, statuses[len(statuses)-2])
}

func TestUpdatesStopEarly(t *testing.T) {
	c, _ := newClient(t)
	ctx := context.Background()
	task, err := c.Tasks.Submit(ctx, infsh.RunParams{App: "infsh/slow", Input: map[string]any{"steps": 3}})
	require.NoError(t, err)
	n := 0
	for _, err := range c.Tasks.Updates(ctx, task.ID).All() {
		require.NoError(t, err)
		n++
		break
	}
	require.Equal(t, 1, n)
}

func TestRunReconnectsAfterDrops(t *testing.T) {
	c, srv := newClient(t)
	srv.DropStreams(2, 3) // three streams in a row end after two lines
	task, err := c.Tasks.Run(context.Background(), infsh.RunParams{App: "infsh/slow", Input: map[string]any{"steps": 4, "delay_ms": 10}}, infsh.WaitOptions{})
	require.NoError(t, err)
	require.Equal(t, infsh.StatusCompleted, task.Status)
	require.GreaterOrEqual(t, countRequests(srv, "/stream"), 2)
}

func TestRunFallsBackToPolling(t *testing.T) {
	pol := fastFollow
	pol.MaxReconnects = 1
	c, srv := newClientWith(t, pol)
	srv.DropStreams(0, 100) // every stream ends after its first line
	task, err := c.Tasks.Run(context.Background(), infsh.RunParams{App: "infsh/slow", Input: map[string]any{"steps": 1, "delay_ms": 300}}, infsh.WaitOptions{})
	require.NoError(t, err)
	require.Equal(t, infsh.StatusCompleted, task.Status)
	require.Positive(t, countRequests(srv, "/status"), "polled")
}

func TestRunSurvivesInjectedStreamCut(t *testing.T) {
	c, srv := newClient(t)
	srv.InjectFault(emulator.Fault{Method: "GET", Path: "/tasks/{id}/stream", Nth: 1, DropAfter: 40})
	task, err := c.Tasks.Run(context.Background(), infsh.RunParams{App: "infsh/echo", Input: map[string]any{"x": 1}}, infsh.WaitOptions{})
	require.NoError(t, err)
	require.JSONEq(t, `{"x":1}`, string(task.Output))
}

func TestRunParamsChecked(t *testing.T) {
	c, srv := newClient(t)
	for _, p := range []infsh.RunParams{
		{},
		{App: "a/b", SessionTimeout: time.Minute},
		{App: "a/b", Session: infsh.SessionNew, SessionTimeout: 2 * time.Hour},
		{App: "a/b", Session: infsh.SessionNew, SessionTimeout: 1500 * time.Millisecond},
		{App: "a/b", Session: "sess_1", SessionTimeout: time.Minute},
	} {
		_, err := c.Tasks.Submit(context.Background(), p)
		var ie *apierror.InputError
		require.ErrorAs(t, err, &ie, "%+v", p)
	}
	require.Empty(t, srv.Requests(), "nothing may be sent")
}

func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		json string
		want infsh.Status
	}{
		{`10`, infsh.StatusCompleted}, {`"completed"`, infsh.StatusCompleted}, {`"SETTING_UP"`, infsh.StatusSettingUp},
		{`8`, infsh.StatusCancelling}, {`13`, infsh.StatusRejected}, {`99`, infsh.StatusUnknown},
		{`"brand_new_status"`, infsh.StatusUnknown}, {`null`, infsh.StatusUnknown}, {`"scheduled"`, infsh.StatusDispatched},
	} {
		var s infsh.Status
		require.NoError(t, json.Unmarshal([]byte(tc.json), &s), tc.json)
		require.Equal(t, tc.want, s, tc.json)
	}
	require.Equal(t, "setting_up", infsh.StatusSettingUp.String())
	require.Equal(t, "status(42)", infsh.Status(42).String())
	for s := infsh.StatusUnknown; s <= infsh.StatusRejected; s++ {
		require.Equal(t, s >= infsh.StatusCompleted, s.IsTerminal(), s.String())
		p, ok := infsh.ParseStatus(s.String())
		require.True(t, ok)
		require.Equal(t, s, p)
	}
	var s infsh.Status
	require.Error(t, json.Unmarshal([]byte(`{`), &s))
}

// TestResponseShapes feeds recorded bodies of every API generation.
func TestResponseShapes(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		status     int
		wantID     string
		wantErr    string
	}{
		{"v3", `{"data":{"id":"t1","short_id":"s","status":1,"status_text":"","output":null,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}}`, 200, "t1", ""},
		{"v1", `{"success":true,"status":200,"data":{"id":"task_123","status":1}}`, 200, "task_123", ""},
		{"v1 failure on 200", `{"success":false,"status":400,"error":{"code":"BAD","message":"bad app"}}`, 200, "", "bad app"},
		{"bare", `{"id":"2khet8d1p6z26krbtvn9d7rkth","short_id":"2khet8d1","status":10,"status_text":"completed","output":{"audio":"https://x/a.wav"}}`, 200, "2khet8d1p6z26krbtvn9d7rkth", ""},
		{"problem", `{"type":"about:blank","title":"Validation failed","detail":"app field is required"}`, 422, "", "app field is required"},
		{"problem type code", `{"type":"https://api.inference.sh/errors/not_found","title":"Not Found","status":404,"detail":"task not found"}`, 404, "", "not_found: task not found"},
		{"plain message", `{"message":"upstream broke"}`, 500, "", "upstream broke"},
		{"v1 error on 4xx", `{"success":false,"status":404,"error":{"code":"APP_NOT_FOUND","message":"no such app"}}`, 404, "", "APP_NOT_FOUND: no such app"},
		{"error as a string", `{"error":"quota exhausted"}`, 429, "", "quota exhausted"},
		{"problem with a code member", `{"type":"about:blank","title":"Conflict","status":409,"code":"WORKER_LEASED","detail":"busy"}`, 409, "", "session worker leased to another call"},
		{"text body", `<html>bad gateway</html>`, 502, "", "502"},
		{"v1 success false without error", `{"success":false}`, 200, "", "200"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
			}))
			defer srv.Close()
			c, err := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("k"), option.WithMaxRetries(0))
			require.NoError(t, err)
			task, err := c.Tasks.Submit(context.Background(), infsh.RunParams{App: "a/b@1"})
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				var ae *apierror.Error
				require.ErrorAs(t, err, &ae)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.wantID, task.ID)
		})
	}
}

func TestStreamLineShapes(t *testing.T) {
	// A stream speaking every line shape the SDKs have met.
	lines := []string{
		`{"type":"heartbeat"}`,
		`not json`,
		`{"id":"t1","status":7,"session_id":"sess_1"}`,
		`{"data":{"id":"t1","status":7,"logs":[{"content":"hi"}]},"fields":["logs"]}`,
		`{"event":"delta","data":{"delta":{"response":"x"},"seq":1}}`,
		`{"data":{"id":"t1","status":9}}`,
		`{"data":{"status":11,"id":"t1","error":"partial fail"},"fields":["status"]}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		for _, l := range lines {
			fmt.Fprintln(w, l)
		}
	}))
	defer srv.Close()
	c, err := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("k"))
	require.NoError(t, err)
	_, err = c.Tasks.Wait(context.Background(), "t1", infsh.WaitOptions{})
	var re *apierror.RunError
	require.ErrorAs(t, err, &re)
	require.Equal(t, "task", re.Kind)
	te, ok := infsh.FailedTask(err)
	require.True(t, ok)
	require.Equal(t, te.ID, re.ID)
	require.Equal(t, "partial fail", te.Error)
	require.Equal(t, "sess_1", te.SessionID, "partial updates are merged")
	require.Equal(t, []string{"hi"}, te.LogLines())
}

func TestWaitUnknownTask(t *testing.T) {
	c, _ := newClient(t)
	_, err := c.Tasks.Wait(context.Background(), "nope", infsh.WaitOptions{})
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 404, ae.StatusCode)
	require.False(t, errors.Is(err, context.Canceled))
}

func TestContextCancelStopsRun(t *testing.T) {
	c, _ := newClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Tasks.Run(ctx, infsh.RunParams{App: "infsh/slow", Input: map[string]any{"steps": 100, "delay_ms": 50}}, infsh.WaitOptions{})
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func emulatorFault503() emulator.Fault {
	return emulator.Fault{Method: "POST", Path: "/apps/run", Nth: 1, Status: 503, RetryAfter: "0"}
}

func TestUpdatesAcrossDropsHaveNoRepeats(t *testing.T) {
	c, srv := newClient(t)
	ctx := context.Background()
	srv.DropStreams(2, 4)
	task, err := c.Tasks.Submit(ctx, infsh.RunParams{App: "infsh/slow", Input: map[string]any{"steps": 3, "delay_ms": 10}})
	require.NoError(t, err)
	n := 0
	var logs []string
	var last infsh.Update
	for u, err := range c.Tasks.Updates(ctx, task.ID).All() {
		require.NoError(t, err)
		if n > 0 {
			require.NotEmpty(t, u.Changed, "update %d repeats the previous state", n)
		}
		for _, l := range u.NewLogs {
			logs = append(logs, l.Content)
		}
		last = u
		n++
	}
	require.Equal(t, infsh.StatusCompleted, last.Status)
	require.Equal(t, []string{"step 1 of 3", "step 2 of 3", "step 3 of 3"}, logs, "each log line once")
}

func TestIdleStreamIsReopened(t *testing.T) {
	c, srv := newClient(t) // heartbeats every 10s: the stream goes quiet while the app works
	pol := fastFollow
	pol.IdleTimeout = 30 * time.Millisecond // for this call only
	task, err := c.Tasks.Run(context.Background(), infsh.RunParams{App: "infsh/slow", Input: map[string]any{"steps": 1, "delay_ms": 150}},
		infsh.WaitOptions{}, infsh.WithFollowPolicy(pol))
	require.NoError(t, err)
	require.Equal(t, infsh.StatusCompleted, task.Status)
	require.Greater(t, countRequests(srv, "/stream"), 1, "the quiet stream was given up and reopened")
}

// countRequests counts the recorded requests whose path ends with suffix.
func countRequests(srv *infshtest.Server, suffix string) int {
	n := 0
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, suffix) {
			n++
		}
	}
	return n
}

// TestHeartbeatsKeepTaskStreamOpen: a task that works quietly for longer
// than the idle timeout, while the server sends heartbeats, is followed on
// one stream (heartbeats are activity, as FollowPolicy.IdleTimeout says).
func TestHeartbeatsKeepTaskStreamOpen(t *testing.T) {
	pol := fastFollow
	pol.IdleTimeout = 300 * time.Millisecond // 30 heartbeats: room for a loaded machine
	c, srv := newClientWith(t, pol, infshtest.WithHeartbeat(10*time.Millisecond))
	task, err := c.Tasks.Run(context.Background(), infsh.RunParams{App: infshtest.AppSlow, Input: map[string]any{"steps": 1, "delay_ms": 800}}, infsh.WaitOptions{})
	require.NoError(t, err)
	require.Equal(t, infsh.StatusCompleted, task.Status)
	require.Equal(t, 1, countRequests(srv, "/stream"), "the stream was given up although heartbeats arrived")
}

// counter counts calls across a test server's goroutines.
type counter struct {
	mu sync.Mutex
	n  int
}

// add counts one and returns the count so far.
func (c *counter) add() int { c.mu.Lock(); defer c.mu.Unlock(); c.n++; return c.n }

// get returns the count.
func (c *counter) get() int { c.mu.Lock(); defer c.mu.Unlock(); return c.n }

// garbageServer serves task t1: its first stream answers with first (then
// the connection ends), later streams with the completed task; GET
// /tasks/t1 says it is still running.
func garbageServer(t *testing.T, contentType string, first func(w http.ResponseWriter, r *http.Request)) *infsh.Client {
	t.Helper()
	var streams counter
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/tasks/t1/stream":
			if streams.add() == 1 {
				w.Header().Set("Content-Type", contentType)
				first(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/x-ndjson")
			fmt.Fprintln(w, `{"id":"t1","status":10,"output":{"ok":true}}`)
		case "/tasks/t1":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"data":{"id":"t1","status":7}}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	c, err := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("k"), option.WithMaxRetries(0),
		infsh.WithFollowPolicy(infsh.FollowPolicy{ReconnectDelay: time.Millisecond, IdleTimeout: 200 * time.Millisecond, PollInterval: 5 * time.Millisecond}))
	require.NoError(t, err)
	return c
}

// TestGarbageStreams: a broken first stream (cut mid-line, binary noise, a
// line beyond the size limit, HTML, JSON that is no task, endless noise)
// neither panics nor hangs: the client re-syncs, reconnects and finishes.
func TestGarbageStreams(t *testing.T) {
	for _, tc := range []struct {
		name, contentType string
		first             func(w http.ResponseWriter, r *http.Request)
	}{
		{"truncated line", "application/x-ndjson", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, "{\"id\":\"t1\",\"status\":7}\n{\"id\":\"t1\",\"status\":1")
		}},
		{"binary noise", "application/x-ndjson", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte("\x00\xff\xfe{\r\n\x1b[31m}}}\n\xc3\x28\n\x00\n"))
		}},
		{"huge line", "application/x-ndjson", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"id":"t1","status":7,"output":"`))
			chunk := []byte(strings.Repeat("x", 1<<20))
			for i := 0; i < 17; i++ {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
			_, _ = w.Write([]byte("\"}\n"))
		}},
		{"html", "text/html", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, "<html><body>502 Bad Gateway</body></html>")
		}},
		{"json that is no task", "application/x-ndjson", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, "[1,2]\n\"x\"\n42\nnull\n{}\n{\"data\":null}\n{\"data\":[1]}\n{\"data\":{\"id\":\"t1\",\"status\":\"running\"}}\n{\"status\":{\"a\":1}}\n")
		}},
		{"endless noise", "application/x-ndjson", func(w http.ResponseWriter, r *http.Request) {
			f := w.(http.Flusher)
			for {
				if _, err := fmt.Fprintln(w, "not json"); err != nil {
					return
				}
				f.Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(5 * time.Millisecond):
				}
			}
		}},
		{"sse noise", "text/event-stream", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, "data: {\"id\":\"t1\",\nevent\n: comment\ndata: [\n\nretry: x\n\ndata: {\"id\":\"t1\",\"status\":7}")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := garbageServer(t, tc.contentType, tc.first)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			task, err := c.Tasks.Wait(ctx, "t1", infsh.WaitOptions{})
			require.NoError(t, err)
			require.Equal(t, infsh.StatusCompleted, task.Status)
			require.JSONEq(t, `{"ok":true}`, string(task.Output))
		})
	}
}

// TestRejectedTaskIsRunError: status 13 (admission refused) ends the wait
// with an *apierror.RunError, like failed and cancelled.
func TestRejectedTaskIsRunError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		fmt.Fprintln(w, `{"data":{"id":"t1","status":13,"error":"no balance"},"fields":["status","error"]}`)
	}))
	defer srv.Close()
	c, err := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("k"))
	require.NoError(t, err)
	_, err = c.Tasks.Wait(context.Background(), "t1", infsh.WaitOptions{})
	var re *apierror.RunError
	require.ErrorAs(t, err, &re)
	require.Equal(t, "task", re.Kind)
	te, ok := infsh.FailedTask(err)
	require.True(t, ok)
	require.Equal(t, te.ID, re.ID)
	require.Equal(t, infsh.StatusRejected, te.Status)
	require.Contains(t, err.Error(), "(status rejected): no balance")
}

// TestRunParamsOnTheWire: every run parameter reaches the request body
// under its API name.
func TestRunParamsOnTheWire(t *testing.T) {
	c, srv := newClient(t)
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.FixedZone("X", 3600))
	_, err := c.Tasks.Submit(context.Background(), infsh.RunParams{
		App: infshtest.AppEcho + "@v1", Input: map[string]any{"x": 1}, Setup: map[string]any{"model": "m"},
		Infra: infsh.InfraPrivateFirst, Workers: []string{"w1"}, Session: infsh.SessionNew,
		SessionTimeout: 90 * time.Second, Function: "run", Webhook: "https://hooks.example.com/done",
		RunAt: at, Metadata: map[string]any{"k": "v"},
	})
	require.NoError(t, err)
	reqs := srv.Requests()
	require.Equal(t, "/apps/run", reqs[0].Path)
	require.JSONEq(t, `{"app":"infsh/echo@v1","input":{"x":1},"setup":{"model":"m"},"infra":"private_first",
		"workers":["w1"],"session":"new","session_timeout":90,"function":"run",
		"webhook":"https://hooks.example.com/done","run_at":"2026-05-01T11:00:00Z","metadata":{"k":"v"},"wait":false}`,
		string(reqs[0].Body))
}

// TestCyclicInputFailsFast: an input that contains itself (twice) is an
// input error, found at once, with nothing sent.
func TestCyclicInputFailsFast(t *testing.T) {
	c, srv := newClient(t)
	m := map[string]any{}
	m["a"], m["b"] = m, m
	s := []any{nil, nil}
	s[0], s[1] = s, s
	for _, in := range []any{m, s} {
		done := make(chan error, 1)
		go func() {
			_, err := c.Tasks.Submit(context.Background(), infsh.RunParams{App: infshtest.AppEcho, Input: in})
			done <- err
		}()
		select {
		case err := <-done:
			var ie *apierror.InputError
			require.ErrorAs(t, err, &ie)
		case <-time.After(5 * time.Second):
			t.Fatal("Submit hangs on a cyclic input")
		}
	}
	require.Empty(t, srv.Requests())
}

// TestWaitTimeoutIsTimeoutError: a wait that gives up is the shared
// *apierror.TimeoutError with the task's id and the last state seen; the
// task goes on on the server.
func TestWaitTimeoutIsTimeoutError(t *testing.T) {
	c, _ := newClient(t)
	ctx := context.Background()
	task, err := c.Tasks.Submit(ctx, infsh.RunParams{App: "infsh/slow", Input: map[string]any{"steps": 100, "delay_ms": 20}})
	require.NoError(t, err)
	_, err = c.Tasks.Wait(ctx, task.ID, infsh.WaitOptions{Timeout: 100 * time.Millisecond})
	var te *apierror.TimeoutError
	require.ErrorAs(t, err, &te)
	require.Equal(t, "task", te.Kind)
	require.Equal(t, task.ID, te.ID)
	require.GreaterOrEqual(t, te.Elapsed, 100*time.Millisecond)
	last, ok := te.Last.(*infsh.Task)
	require.True(t, ok, "Last is the last *Task seen")
	require.Equal(t, task.ID, last.ID)
	require.False(t, last.Status.IsTerminal())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, 1, strings.Count(err.Error(), task.ID), "the message names the task once: %s", err)
	_, err = c.Tasks.Cancel(ctx, task.ID)
	require.NoError(t, err)
}

// TestWaitProgress: Progress sees every update in order, numbered from 1,
// the terminal one last; Run reports the same.
func TestWaitProgress(t *testing.T) {
	c, _ := newClient(t)
	var nums []int
	var statuses []infsh.Status
	task, err := c.Tasks.Run(context.Background(), infsh.RunParams{App: "infsh/slow", Input: map[string]any{"steps": 2, "delay_ms": 5}},
		infsh.WaitOptions{Progress: func(n int, t *infsh.Task) { nums = append(nums, n); statuses = append(statuses, t.Status) }})
	require.NoError(t, err)
	require.NotEmpty(t, nums)
	for i, n := range nums {
		require.Equal(t, i+1, n)
	}
	require.Equal(t, task.Status, statuses[len(statuses)-1])
	require.Equal(t, infsh.StatusCompleted, task.Status)
}

// TestWaitIntervalDrivesPolling: with the stream given up at once, the
// polling fallback checks every WaitOptions.Interval (not the policy's).
func TestWaitIntervalDrivesPolling(t *testing.T) {
	pol := fastFollow
	pol.MaxReconnects = -1         // poll at once
	pol.PollInterval = time.Minute // would time the test out if it were used
	c, srv := newClientWith(t, pol)
	srv.DropStreams(0, 100)
	task, err := c.Tasks.Run(context.Background(), infsh.RunParams{App: "infsh/slow", Input: map[string]any{"steps": 2, "delay_ms": 20}},
		infsh.WaitOptions{Interval: 5 * time.Millisecond, Timeout: 10 * time.Second})
	require.NoError(t, err)
	require.Equal(t, infsh.StatusCompleted, task.Status)
	require.Greater(t, countRequests(srv, "/status"), 1)
}

// TestUpdatesIsAStream: Updates has the Stream surface (Next, Current,
// Err, Close); closing it mid-way stops following.
func TestUpdatesIsAStream(t *testing.T) {
	c, srv := newClient(t)
	ctx := context.Background()
	task, err := c.Tasks.Submit(ctx, infsh.RunParams{App: "infsh/slow", Input: map[string]any{"steps": 100, "delay_ms": 20}})
	require.NoError(t, err)
	st := c.Tasks.Updates(ctx, task.ID)
	require.True(t, st.Next())
	require.Equal(t, task.ID, st.Current().Task.ID)
	require.NotEmpty(t, st.Current().Fields, "every member as received")
	require.NoError(t, st.Close())
	require.False(t, st.Next())
	require.NoError(t, st.Err())
	streams := countRequests(srv, "/stream")
	time.Sleep(30 * time.Millisecond)
	require.Equal(t, streams, countRequests(srv, "/stream"), "nothing is followed after Close")
	_, err = c.Tasks.Cancel(ctx, task.ID)
	require.NoError(t, err)

	for _, err := range c.Tasks.Updates(ctx, "").All() {
		var ie *apierror.InputError
		require.ErrorAs(t, err, &ie)
	}
}

// TestEnvelopeErrorInA200: {"success": false} inside an HTTP 200 is an
// *apierror.Error whose StatusCode is the envelope's status and whose
// HTTPStatus is the 200 that carried it.
func TestEnvelopeErrorInA200(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"success":false,"status":403,"error":{"code":"FORBIDDEN","message":"not yours"}}`)
	}))
	defer srv.Close()
	c, err := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("k"))
	require.NoError(t, err)
	require.Equal(t, srv.URL, c.BaseURL())
	_, err = c.Tasks.Get(context.Background(), "t1")
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 403, ae.StatusCode)
	require.Equal(t, 200, ae.HTTPStatus)
	require.Equal(t, "FORBIDDEN", ae.Code)
	require.Equal(t, "not yours", ae.Message)
	require.Equal(t, 1, strings.Count(err.Error(), "not yours"), "the message says it once: %s", err)
}

// TestTaskDecodesTolerantly: a member of a wrong type drops only itself,
// a status may be a name or come from status_text alone, logs may be plain
// strings, and odd member names do not spoil the rest.
func TestTaskDecodesTolerantly(t *testing.T) {
	var task infsh.Task
	require.NoError(t, json.Unmarshal([]byte(`{"id":"t1","status":"completed","created_at":5,"error":3,`+
		`"logs":["plain",{"content":"object","log_type":4}],"we\u0000ird":true,"output":{"ok":1},"input":null}`), &task))
	require.Equal(t, "t1", task.ID)
	require.Equal(t, infsh.StatusCompleted, task.Status)
	require.True(t, task.CreatedAt.IsZero())
	require.Empty(t, task.Error)
	require.Equal(t, []string{"plain", "object"}, task.LogLines())
	require.Equal(t, infsh.LogTypeTask, task.Logs[1].LogType)
	require.JSONEq(t, `{"ok":1}`, string(task.Output))
	require.Nil(t, task.Input, "null is no input")

	task = infsh.Task{}
	require.NoError(t, json.Unmarshal([]byte(`{"id":"t2","status_text":"running"}`), &task))
	require.Equal(t, infsh.StatusRunning, task.Status)
	require.Error(t, json.Unmarshal([]byte(`{"id":`), &task))
	require.Error(t, (&task).UnmarshalJSON([]byte(`[1]`)))
}
