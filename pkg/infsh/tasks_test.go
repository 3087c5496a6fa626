package infsh_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/infsh/infshtest"
	"github.com/aiclients/sdk-go/pkg/internal/emulator"
	"github.com/aiclients/sdk-go/pkg/option"
)

func newClient(t *testing.T, opts ...infshtest.Option) (*infsh.Client, *infshtest.Server) {
	t.Helper()
	srv := infshtest.NewServer(t, opts...)
	c, err := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(srv.APIKey),
		option.WithRetryBackoff(time.Millisecond, 5*time.Millisecond, 0))
	require.NoError(t, err)
	c.Tasks.Follow = infsh.FollowPolicy{ReconnectDelay: time.Millisecond, PollInterval: 5 * time.Millisecond}
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
			infshtest.WithEmulatorOptions(emulator.WithValidateResponses(false))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newClient(t, tc.opts...)
			task, err := c.Tasks.Run(context.Background(), infsh.RunParams{
				App:   "infsh/text-templating@53bk0yzk",
				Input: map[string]any{"template": "Hello {1}!", "strings": []string{"Go"}},
			})
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
	_, err = c.Tasks.Wait(ctx, task.ID)
	var te *infsh.TaskError
	require.ErrorAs(t, err, &te)
	require.Equal(t, infsh.StatusCancelled, te.Status())

	st, err := c.Tasks.Status(ctx, task.ID)
	require.NoError(t, err)
	require.Equal(t, infsh.StatusCancelled, st)
}

func TestRunFailedTask(t *testing.T) {
	c, _ := newClient(t)
	_, err := c.Tasks.Run(context.Background(), infsh.RunParams{App: "infsh/fail", Input: map[string]any{"message": "boom"}})
	var te *infsh.TaskError
	require.ErrorAs(t, err, &te)
	require.Equal(t, infsh.StatusFailed, te.Status())
	require.Equal(t, "boom", te.Task.Error)
	require.Contains(t, te.Logs(), "about to fail")
	require.Contains(t, err.Error(), "failed: boom")
}

func TestRequirementsError(t *testing.T) {
	c, _ := newClient(t)
	_, err := c.Tasks.Run(context.Background(), infsh.RunParams{App: "infsh/needs-secret"})
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
	_, err := c.Tasks.Run(context.Background(), infsh.RunParams{App: "nobody/nothing@1"})
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
	for u, err := range c.Tasks.Updates(ctx, task.ID) {
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
	for _, err := range c.Tasks.Updates(ctx, task.ID) {
		require.NoError(t, err)
		n++
		break
	}
	require.Equal(t, 1, n)
}

func TestRunReconnectsAfterDrops(t *testing.T) {
	c, srv := newClient(t)
	srv.DropStreams(2, 3) // three streams in a row end after two lines
	task, err := c.Tasks.Run(context.Background(), infsh.RunParams{App: "infsh/slow", Input: map[string]any{"steps": 4, "delay_ms": 10}})
	require.NoError(t, err)
	require.Equal(t, infsh.StatusCompleted, task.Status)
	require.GreaterOrEqual(t, countRequests(srv, "/stream"), 2)
}

func TestRunFallsBackToPolling(t *testing.T) {
	c, srv := newClient(t)
	c.Tasks.Follow.MaxReconnects = 1
	srv.DropStreams(0, 100) // every stream ends after its first line
	task, err := c.Tasks.Run(context.Background(), infsh.RunParams{App: "infsh/slow", Input: map[string]any{"steps": 1, "delay_ms": 300}})
	require.NoError(t, err)
	require.Equal(t, infsh.StatusCompleted, task.Status)
	require.Positive(t, countRequests(srv, "/status"), "polled")
}

func TestRunSurvivesInjectedStreamCut(t *testing.T) {
	c, srv := newClient(t)
	srv.InjectFault(emulator.Fault{Method: "GET", Path: "/tasks/{id}/stream", Nth: 1, DropAfter: 40})
	task, err := c.Tasks.Run(context.Background(), infsh.RunParams{App: "infsh/echo", Input: map[string]any{"x": 1}})
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
	_, err = c.Tasks.Wait(context.Background(), "t1")
	var te *infsh.TaskError
	require.ErrorAs(t, err, &te)
	require.Equal(t, "partial fail", te.Task.Error)
	require.Equal(t, "sess_1", te.Task.SessionID, "partial updates are merged")
	require.Equal(t, []string{"hi"}, te.Logs())
}

func TestWaitUnknownTask(t *testing.T) {
	c, _ := newClient(t)
	_, err := c.Tasks.Wait(context.Background(), "nope")
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 404, ae.StatusCode)
	require.False(t, errors.Is(err, context.Canceled))
}

func TestContextCancelStopsRun(t *testing.T) {
	c, _ := newClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Tasks.Run(ctx, infsh.RunParams{App: "infsh/slow", Input: map[string]any{"steps": 100, "delay_ms": 50}})
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
	for u, err := range c.Tasks.Updates(ctx, task.ID) {
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
	c.Tasks.Follow.IdleTimeout = 30 * time.Millisecond
	task, err := c.Tasks.Run(context.Background(), infsh.RunParams{App: "infsh/slow", Input: map[string]any{"steps": 1, "delay_ms": 150}})
	require.NoError(t, err)
	require.Equal(t, infsh.StatusCompleted, task.Status)
	require.Greater(t, countRequests(srv, "/stream"), 1, "the quiet stream was given up and reopened")
}
