package infshtest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/infsh/infshtest"
	"github.com/aiclients/sdk-go/pkg/option"
)

func admin(t *testing.T, srv *infshtest.Server, path, body string) (int, string) {
	t.Helper()
	resp, b := do(t, srv, "POST", "/_emulator/"+path, body)
	return resp.StatusCode, string(b)
}

// An app defined over HTTP runs as described: its logs, its output, its
// failure and its requirement errors.
func TestAdminDefinesApps(t *testing.T) {
	srv := infshtest.NewServer(t)
	c, err := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(infshtest.APIKey))
	require.NoError(t, err)
	ctx := context.Background()

	code, body := admin(t, srv, "apps", `{"ref":"acme/summarize","logs":["loading","done"],
		"deltas":[{"response":"sh"}],"output":{"summary":"short"},"delay":"5ms"}`)
	require.Equal(t, http.StatusNoContent, code, body)
	task, err := c.Tasks.Run(ctx, infsh.RunParams{App: "acme/summarize@v2", Input: map[string]any{"text": "long"}}, infsh.WaitOptions{})
	require.NoError(t, err)
	require.JSONEq(t, `{"summary":"short"}`, string(task.Output))
	got, err := c.Tasks.Get(ctx, task.ID)
	require.NoError(t, err)
	var logs []string
	for _, l := range got.Logs {
		logs = append(logs, l.Content)
	}
	require.Equal(t, []string{"loading", "done"}, logs)

	code, body = admin(t, srv, "apps", `{"ref":"acme/broken","fail":"out of memory"}`)
	require.Equal(t, http.StatusNoContent, code, body)
	_, err = c.Tasks.Run(ctx, infsh.RunParams{App: "acme/broken"}, infsh.WaitOptions{})
	require.ErrorContains(t, err, "out of memory")

	code, body = admin(t, srv, "apps", `{"ref":"acme/locked","requirements":[{"type":"secret","key":"HF_TOKEN",
		"message":"Missing secret HF_TOKEN","action":{"type":"add_secret"}}]}`)
	require.Equal(t, http.StatusNoContent, code, body)
	_, err = c.Tasks.Run(ctx, infsh.RunParams{App: "acme/locked"}, infsh.WaitOptions{})
	require.ErrorContains(t, err, "HF_TOKEN")

	// Bad definitions are refused with what is wrong.
	for _, bad := range []string{`{"ref":"noslash"}`, `{"ref":"a/b","outputs":1}`, `{"ref":"a/b","delay":"soon"}`} {
		code, body = admin(t, srv, "apps", bad)
		require.Equal(t, http.StatusBadRequest, code, bad)
		require.Contains(t, body, "admin body", bad)
	}
	resp, _ := do(t, srv, "POST", "/_emulator/nothing", "{}")
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.Empty(t, srv.Violations())
}

// An agent defined over HTTP follows its steps: a client tool call, then a
// text; an approval the tool itself does not require; a failure.
func TestAdminDefinesAgentTurns(t *testing.T) {
	srv := infshtest.NewServer(t)
	c, err := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(infshtest.APIKey))
	require.NoError(t, err)
	ctx := context.Background()

	code, body := admin(t, srv, "agents", `{"ref":"acme/calc","config":{"name":"Calc",
		"core_app":{"ref":"infsh/scripted-llm@latest"},
		"tools":[{"name":"add","type":"client","client":{"input_schema":{"type":"object"}}}]},
		"steps":[{"tool_call":{"name":"add","arguments":{"a":2,"b":3}}},{"text":"2 + 3 = 5"}]}`)
	require.Equal(t, http.StatusNoContent, code, body)
	var args string
	a := c.Agents.Template("acme/calc@latest").HandleTool("add", func(_ context.Context, call infsh.ToolCall) (string, error) {
		args = string(call.Arguments)
		return "5", nil
	})
	m, err := a.Reply(ctx, "what is 2 + 3?", nil)
	require.NoError(t, err)
	require.JSONEq(t, `{"a":2,"b":3}`, args)
	require.Equal(t, "2 + 3 = 5", m.Text())

	// A step marked approval waits for it although the tool does not ask.
	code, body = admin(t, srv, "agents", `{"ref":"acme/careful","config":{"name":"Careful",
		"core_app":{"ref":"infsh/scripted-llm@latest"},
		"tools":[{"name":"wipe","type":"app","app":{"ref":"infsh/echo@latest"}}]},
		"steps":[{"tool_call":{"name":"wipe"},"approval":true},{"text":"wiped"}]}`)
	require.Equal(t, http.StatusNoContent, code, body)
	var asked []string
	m, err = c.Agents.Template("acme/careful").Reply(ctx, "wipe it", func(inv infsh.ToolInvocation) bool {
		asked = append(asked, inv.Function.Name)
		return true
	})
	require.NoError(t, err)
	require.Equal(t, []string{"wipe"}, asked)
	require.Equal(t, "wiped", m.Text())

	// A failing step ends the run as failed.
	srv.SetAgent("acme/flaky", infshtest.AgentTemplate{
		Config: infsh.AgentConfig{Name: "Flaky", CoreApp: infsh.CoreApp{Ref: "infsh/scripted-llm@latest"}},
		Steps:  []infshtest.ModelStep{{Fail: "model overloaded"}},
	})
	flaky := c.Agents.Template("acme/flaky")
	m, err = flaky.Reply(ctx, "hello", nil)
	require.NoError(t, err)
	require.Equal(t, "failed", m.Status)
	chat, err := flaky.Chat(ctx)
	require.NoError(t, err)
	require.Equal(t, "failed", chat.ActiveRun.State)
	require.Equal(t, "model overloaded", chat.Messages[len(chat.Messages)-1].Content[0].Error)
	require.Empty(t, srv.Violations())
}

// A request that breaks the spec is refused as the real API refuses invalid
// input: a 400 problem (application/problem+json, code VALIDATION) whose
// detail names the field, which the official SDKs read as the message; not
// the kit's generic {"error": {"type": "spec_violation"}}.
func TestInvalidRequestIsAProblem(t *testing.T) {
	srv := infshtest.NewServer(t)
	resp, body := do(t, srv, "POST", "/apps/run", `{"input":{}}`)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
	var p infsh.Problem
	require.NoError(t, json.Unmarshal(body, &p))
	require.Equal(t, "VALIDATION", *p.Code)
	require.Equal(t, "https://api.inference.sh/errors/VALIDATION", *p.Type)
	require.Contains(t, *p.Detail, "app")
	require.Len(t, srv.Violations(), 1, "the request violation is recorded")
	require.Equal(t, "request", srv.Violations()[0].Direction)
}
