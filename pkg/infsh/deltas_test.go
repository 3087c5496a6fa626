package infsh_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/infsh/infshtest"
)

// Task streams carry {"event":"delta","data":{"delta":{...},"seq":n}} lines
// (inferencesh 0.36.0 delta.py, llm_types_gen.py DeltaEvent): Updates
// yields them with Delta set, Run skips them, and the emulator's lines
// validate against the spec (newClient fails the test on a violation).
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

	// A stream cut after its deltas sends them again on reconnecting; the
	// client passes each on once.
	srv2c, srv2 := newClient(t)
	srv2.DropStreams(9, 1) // the snapshot, 6 status changes and 2 of the 4 deltas
	task, err = srv2c.Tasks.Submit(ctx, infsh.RunParams{App: infshtest.AppLLMEcho + "@latest", Input: map[string]any{"text": "hi there"}})
	require.NoError(t, err)
	text.Reset()
	for u, err := range srv2c.Tasks.Updates(ctx, task.ID).All() {
		require.NoError(t, err)
		if u.Delta != nil {
			var d struct{ Response string }
			require.NoError(t, json.Unmarshal(u.Delta.Delta, &d))
			text.WriteString(d.Response)
		}
	}
	require.Equal(t, "You said: hi there", text.String())

	done, err := c.Tasks.Run(ctx, infsh.RunParams{App: infshtest.AppLLMEcho + "@latest", Input: map[string]any{"text": "again"}}, infsh.WaitOptions{})
	require.NoError(t, err)
	require.JSONEq(t, `{"response":"You said: again"}`, string(done.Output))
}
