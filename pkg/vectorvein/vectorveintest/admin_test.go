package vectorveintest_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/option"
	"github.com/aiclients/sdk-go/pkg/vectorvein"
	"github.com/aiclients/sdk-go/pkg/vectorvein/vectorveintest"
)

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// A workflow defined over HTTP finishes when its time has passed, whatever the number
// of checks, with the outputs it was given.
func TestAdminWorkflowFinishesAfterTime(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
	srv := vectorveintest.NewServer(t, vectorveintest.WithClock(clock.Now))
	code, body := post(t, srv.URL+"/_emulator/workflows", `{"id":"wf-timed","after":"90s",
		"outputs":[{"type":"text","title":"answer","value":"done"}]}`, nil)
	require.Equal(t, http.StatusNoContent, code, body)

	c, err := vectorvein.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(vectorveintest.APIKey))
	require.NoError(t, err)
	ctx := context.Background()
	rid, err := c.Workflows.Run(ctx, vectorvein.RunWorkflowRequest{WorkflowID: "wf-timed"})
	require.NoError(t, err)
	for range 3 {
		st, err := c.Workflows.Status(ctx, vectorvein.CheckStatusRequest{RunID: rid})
		require.NoError(t, err)
		require.False(t, st.Done(), "still running before 90 s")
	}
	clock.Add(89 * time.Second)
	st, err := c.Workflows.Status(ctx, vectorvein.CheckStatusRequest{RunID: rid})
	require.NoError(t, err)
	require.False(t, st.Done())
	clock.Add(time.Second)
	st, err = c.Workflows.Status(ctx, vectorvein.CheckStatusRequest{RunID: rid})
	require.NoError(t, err)
	require.True(t, st.Done())
	require.Equal(t, "done", st.Outputs[0].Value)

	for _, bad := range []string{`{"after":"1s"}`, `{"id":"x","after":"soon"}`, `{"id":"x","polls":-1}`, `{"id":"x","later":1}`} {
		code, body = post(t, srv.URL+"/_emulator/workflows", bad, nil)
		require.Equal(t, http.StatusBadRequest, code, bad)
		require.Contains(t, body, "workflow: ", bad)
	}
	require.Empty(t, srv.Violations())
}

// Polls and After combine: the run ends when both are through. A wait_for_completion
// run that ends within the server's window is answered with its result.
func TestWorkflowPollsAndAfter(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
	srv := vectorveintest.NewServer(t, vectorveintest.WithClock(clock.Now),
		vectorveintest.WithWorkflows(vectorveintest.Workflow{ID: "both", Polls: 2, After: time.Minute}))
	c, err := vectorvein.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(vectorveintest.APIKey))
	require.NoError(t, err)
	ctx := context.Background()
	rid, err := c.Workflows.Run(ctx, vectorvein.RunWorkflowRequest{WorkflowID: "both"})
	require.NoError(t, err)
	clock.Add(time.Hour)
	for i := 1; i <= 3; i++ {
		st, err := c.Workflows.Status(ctx, vectorvein.CheckStatusRequest{RunID: rid})
		require.NoError(t, err)
		require.Equal(t, i == 3, st.Done(), "check %d", i)
	}

	srv2 := vectorveintest.NewServer(t, vectorveintest.WithWorkflows(vectorveintest.Workflow{ID: "quick", After: 30 * time.Millisecond}))
	c2, err := vectorvein.NewClient(option.WithBaseURL(srv2.URL), option.WithAPIKey(vectorveintest.APIKey))
	require.NoError(t, err)
	start := time.Now()
	res, err := c2.Workflows.RunAndWait(ctx, vectorvein.RunWorkflowRequest{WorkflowID: "quick", WaitForCompletion: true,
		InputFields: []vectorvein.InputField{{NodeID: "n", FieldName: "q", Value: "v"}}}, vectorvein.WaitOptions{})
	require.NoError(t, err)
	require.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)
	require.Equal(t, "v", res.Outputs[0].Value)
	require.Equal(t, 1, len(srv2.Requests()), "answered by the held reply, no status check")
	require.Empty(t, srv.Violations())
	require.Empty(t, srv2.Violations())
}

// With a VApp key the workflow id is the VApp's id, as vectorvein-sdk's live test runs
// it; the emulator used to answer 404 (no workflow of that id). A workflow key still
// cannot run a VApp by its id.
func TestVAppKeyRunsTheVApp(t *testing.T) {
	srv := vectorveintest.NewServer(t)
	c, err := vectorvein.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(vectorveintest.APIKey))
	require.NoError(t, err)
	ctx := context.Background()
	vapp := vectorvein.WithKeyType(vectorvein.KeyTypeVApp)
	rid, err := c.Workflows.Run(ctx, vectorvein.RunWorkflowRequest{WorkflowID: vectorveintest.DefaultAppID,
		InputFields: []vectorvein.InputField{{NodeID: "n", FieldName: "q", Value: "hi"}}}, vapp)
	require.NoError(t, err)
	st, err := c.Workflows.Status(ctx, vectorvein.CheckStatusRequest{RunID: rid, WorkflowID: vectorveintest.DefaultAppID}, vapp)
	require.NoError(t, err)
	require.True(t, st.Done())
	require.Equal(t, "hi", st.Outputs[0].Value)

	_, err = c.Workflows.Run(ctx, vectorvein.RunWorkflowRequest{WorkflowID: vectorveintest.DefaultAppID})
	require.ErrorContains(t, err, "Workflow not found")
	require.Empty(t, srv.Violations())
}
