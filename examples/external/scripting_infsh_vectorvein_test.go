package sdkuser_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	emukit "github.com/aiclients/sdk-go/pkg/emulator"
	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/infsh/infshtest"
	"github.com/aiclients/sdk-go/pkg/option"
	"github.com/aiclients/sdk-go/pkg/vectorvein"
	"github.com/aiclients/sdk-go/pkg/vectorvein/vectorveintest"
)

// TestScriptInferenceAgentTurn scripts an inference.sh agent's turn (a client tool
// call, then the answer) and an app through the public Go API, injects a fault and
// reads the recorded requests and violations.
func TestScriptInferenceAgentTurn(t *testing.T) {
	ctx := context.Background()
	srv := infshtest.NewServer(t)
	srv.SetAgent("acme/calc", infshtest.AgentTemplate{
		Config: infsh.AgentConfig{Name: "Calc", CoreApp: infsh.CoreApp{Ref: "infsh/scripted-llm@latest"},
			Tools: []infsh.AgentTool{{Name: "add", Type: infsh.AgentToolTypeClient}}},
		Steps: []infshtest.ModelStep{
			{ToolCall: &infshtest.ModelToolCall{Name: "add", Arguments: map[string]any{"a": 2, "b": 3}}},
			{Text: "2 + 3 = 5"},
		},
	})
	srv.SetApp("acme/summarize", infshtest.ScriptedApp{Logs: []string{"loading"}, Output: map[string]string{"summary": "short"}}.App())
	client, err := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(infshtest.APIKey))
	require.NoError(t, err)

	var called string
	agent := client.Agents.Template("acme/calc").HandleTool("add", func(_ context.Context, call infsh.ToolCall) (string, error) {
		called = string(call.Arguments)
		return "5", nil
	})
	reply, err := agent.Reply(ctx, "what is 2 + 3?", nil)
	require.NoError(t, err)
	require.JSONEq(t, `{"a":2,"b":3}`, called)
	require.Equal(t, "2 + 3 = 5", reply.Text())

	// A 503 on the first run (a run creates work: the client does not retry it), then
	// the scripted output.
	srv.InjectFault(emukit.Fault{Method: "POST", Path: "/apps/run", Nth: 1, Status: 503})
	_, err = client.Tasks.Run(ctx, infsh.RunParams{App: "acme/summarize"}, infsh.WaitOptions{})
	var apiErr *apierror.Error
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, 503, apiErr.StatusCode)
	task, err := client.Tasks.Run(ctx, infsh.RunParams{App: "acme/summarize"}, infsh.WaitOptions{})
	require.NoError(t, err)
	require.JSONEq(t, `{"summary":"short"}`, string(task.Output))
	runs := 0
	for _, r := range srv.Requests() {
		if r.Operation == "runApp" {
			runs++
		}
	}
	require.Equal(t, 2, runs)
	require.Empty(t, srv.Violations())
}

// TestScriptVectorVeinRunTime scripts a VectorVein workflow whose runs take a chosen
// time, through the public Go API, reads the run with the client through an
// injected 503 (a status check is retried), and reads the recorded requests.
func TestScriptVectorVeinRunTime(t *testing.T) {
	ctx := context.Background()
	srv := vectorveintest.NewServer(t)
	srv.AddWorkflow(vectorveintest.Workflow{ID: "timed", After: 1500 * time.Millisecond, // longer than the retry backoff after the 503
		Outputs: []vectorveintest.Output{{Type: "text", Title: "answer", Value: "ready"}}})
	client, err := vectorvein.NewClient(option.WithAPIKey(vectorveintest.APIKey), option.WithBaseURL(srv.URL))
	require.NoError(t, err)

	rid, err := client.Workflows.Run(ctx, vectorvein.RunWorkflowRequest{WorkflowID: "timed"})
	require.NoError(t, err)
	srv.InjectFault(emukit.Fault{Method: "POST", Path: "/workflow/check-status", Nth: 1, Status: 503})
	st, err := client.Workflows.Status(ctx, vectorvein.CheckStatusRequest{RunID: rid})
	require.NoError(t, err)
	require.False(t, st.Done(), "running before its time")
	res, err := client.Workflows.Wait(ctx, vectorvein.CheckStatusRequest{RunID: rid},
		vectorvein.WaitOptions{Interval: 10 * time.Millisecond, Timeout: 10 * time.Second})
	require.NoError(t, err)
	require.Equal(t, "ready", res.Outputs[0].Value)
	checks := 0
	for _, r := range srv.Requests() {
		if r.Operation == "checkWorkflowStatus" {
			checks++
		}
	}
	require.GreaterOrEqual(t, checks, 3, "the 503, its retry and the wait's checks")
	require.Empty(t, srv.Violations())
}
