package infsh_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/infsh/infshtest"
	"github.com/aiclients/sdk-go/pkg/option"
)

// Task streams carry {"event":"delta","data":{"delta":{...},"seq":n}} lines
// (inferencesh 0.36.0 delta.py, llm_types_gen.py DeltaEvent): Updates
// yields them with Delta set, Run skips them, and the emulator's lines
// validate against the spec (newClient fails the test on a violation).
// The Updates stream opens while the task is received, before any delta.
func TestTaskDeltas(t *testing.T) {
	c, _ := newClient(t)
	ctx := context.Background()
	task, err := c.Tasks.Submit(ctx, infsh.RunParams{App: infshtest.AppLLMEcho + "@latest", Input: map[string]any{"text": "hi there"}})
	require.NoError(t, err)

	var text strings.Builder
	var seqs []int64
	var last infsh.Update
	for u, err := range c.Tasks.Updates(ctx, task.ID).All() {
		require.NoError(t, err)
		if u.Delta != nil {
			require.Empty(t, u.Changed)
			var d struct{ Response string }
			require.NoError(t, json.Unmarshal(u.Delta.Delta, &d))
			text.WriteString(d.Response)
			seqs = append(seqs, u.Delta.Seq)
			continue
		}
		last = u
	}
	require.Equal(t, infsh.StatusCompleted, last.Status)
	var out struct{ Response string }
	require.NoError(t, last.Task.DecodeOutput(&out))
	require.Equal(t, "You said: hi there", out.Response)
	require.Equal(t, out.Response, text.String(), "the deltas add up to the output")
	require.Equal(t, []int64{1, 2, 3, 4}, seqs)

	done, err := c.Tasks.Run(ctx, infsh.RunParams{App: infshtest.AppLLMEcho + "@latest", Input: map[string]any{"text": "again"}}, infsh.WaitOptions{})
	require.NoError(t, err)
	require.JSONEq(t, `{"response":"You said: again"}`, string(done.Output))
}

// A stream cut after some deltas, reconnected, may send them again: each
// seq is passed on once.
func TestTaskDeltasAfterReconnect(t *testing.T) {
	delta := func(seq int, text string) string {
		return fmt.Sprintf(`{"event":"delta","data":{"delta":{"response":%q},"seq":%d}}`, text, seq)
	}
	var conns atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/tasks/t1":
			fmt.Fprint(w, `{"data":{"id":"t1","status":7}}`)
		case "/tasks/t1/stream":
			w.Header().Set("Content-Type", "application/x-ndjson")
			fmt.Fprintln(w, `{"id":"t1","status":7}`)
			fmt.Fprintln(w, delta(1, "You"))
			fmt.Fprintln(w, delta(2, " said:"))
			if conns.Add(1) == 1 {
				return // cut
			}
			fmt.Fprintln(w, delta(3, " hi"))
			fmt.Fprintln(w, `{"id":"t1","status":10,"output":{"response":"You said: hi"}}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c, err := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("k"),
		infsh.WithFollowPolicy(infsh.FollowPolicy{ReconnectDelay: time.Millisecond, PollInterval: time.Millisecond}))
	require.NoError(t, err)
	var text strings.Builder
	for u, err := range c.Tasks.Updates(context.Background(), "t1").All() {
		require.NoError(t, err)
		if u.Delta != nil {
			var d struct{ Response string }
			require.NoError(t, json.Unmarshal(u.Delta.Delta, &d))
			text.WriteString(d.Response)
		}
	}
	require.Equal(t, int32(2), conns.Load())
	require.Equal(t, "You said: hi", text.String())
}
