package infsh_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/infsh/infshtest"
)

// copyApp answers {"copy": <its input "file">}: the same file is the task's
// input and its output.
const copyApp = "test/copy"

func copyAppOption() infshtest.Option {
	return infshtest.WithApp(copyApp, infshtest.App{Run: func(_ context.Context, r *infshtest.Run) (any, error) {
		return map[string]any{"copy": r.InputMap()["file"]}, nil
	}})
}

// runWithFile runs copyApp on a fresh upload and returns the task and the file.
func runWithFile(t *testing.T, c *infsh.Client) (*infsh.Task, *infsh.File) {
	t.Helper()
	f := infsh.FileFromBytes([]byte("hello"), "a.txt", "text/plain")
	task, err := c.Tasks.Run(context.Background(), infsh.RunParams{App: copyApp + "@latest",
		Input: map[string]any{"file": f, "n": 1}}, infsh.WaitOptions{})
	require.NoError(t, err)
	return task, f
}

// Python SDK 0.36.0 TasksAPI.files / delete_files: GET and DELETE
// /tasks/{id}/files, with an optional role.
func TestTaskFiles(t *testing.T) {
	c, srv := newClient(t, copyAppOption())
	ctx := context.Background()
	task, f := runWithFile(t, c)

	all, err := c.Tasks.Files(ctx, task.ID, "")
	require.NoError(t, err)
	require.Len(t, all, 2)
	require.Equal(t, infsh.TaskFileRoleInput, all[0].Role)
	require.Equal(t, infsh.TaskFileRoleOutput, all[1].Role)
	require.Equal(t, f.URI(), all[0].URI)
	require.Equal(t, "a.txt", all[0].Filename)
	require.EqualValues(t, 5, all[0].Size)

	in, err := c.Tasks.Files(ctx, task.ID, infsh.TaskFileRoleInput)
	require.NoError(t, err)
	require.Len(t, in, 1)

	del, err := c.Tasks.DeleteFiles(ctx, task.ID, infsh.TaskFileRoleOutput)
	require.NoError(t, err)
	require.Equal(t, []string{all[0].ID}, del.Deleted)
	_, err = srv.FileContent(f.URI())
	require.Error(t, err, "the file was deleted")

	left, err := c.Tasks.Files(ctx, task.ID, "")
	require.NoError(t, err)
	require.Empty(t, left)
	_, err = c.Tasks.Get(ctx, task.ID)
	require.NoError(t, err, "deleting the files keeps the task")

	_, err = c.Tasks.Files(ctx, "nope", "")
	var ae *apierror.Error
	require.True(t, errors.As(err, &ae))
	require.Equal(t, 404, ae.StatusCode)
}

// Python SDK 0.36.0 TasksAPI.delete: DELETE /tasks/{id}, ?files=true.
func TestTaskDelete(t *testing.T) {
	c, srv := newClient(t, copyAppOption())
	ctx := context.Background()

	task, f := runWithFile(t, c)
	require.NoError(t, c.Tasks.Delete(ctx, task.ID))
	_, err := c.Tasks.Get(ctx, task.ID)
	var ae *apierror.Error
	require.True(t, errors.As(err, &ae))
	require.Equal(t, 404, ae.StatusCode)
	_, err = srv.FileContent(f.URI())
	require.NoError(t, err, "without files=true the files stay")

	task, f = runWithFile(t, c)
	require.NoError(t, c.Tasks.DeleteWithFiles(ctx, task.ID))
	_, err = srv.FileContent(f.URI())
	require.Error(t, err, "files=true deletes the task's files")
	var files []string
	for _, r := range srv.Requests() {
		if r.Operation == "deleteTask" {
			files = append(files, r.Query.Get("files"))
		}
	}
	require.Equal(t, []string{"", "true"}, files)

	// A task that has not ended cannot be deleted.
	running, err := c.Tasks.Submit(ctx, infsh.RunParams{App: infshtest.AppSlow + "@latest",
		Input: map[string]any{"steps": 50, "delay_ms": 20}})
	require.NoError(t, err)
	err = c.Tasks.Delete(ctx, running.ID)
	require.True(t, errors.As(err, &ae))
	require.Equal(t, 409, ae.StatusCode)
	_, _ = c.Tasks.Cancel(ctx, running.ID)

	require.Error(t, c.Tasks.Delete(ctx, ""))
}

// Python SDK 0.36.0 Agent.stop_chat: POST /chats/{id}/stop ends the reply.
func TestAgentStop(t *testing.T) {
	release := make(chan struct{})
	slow := func(turn infshtest.ModelTurn) infshtest.ModelStep {
		<-release
		return infshtest.ScriptedModel(turn)
	}
	c, _ := newClient(t, infshtest.WithModel(slow))
	defer close(release)
	ctx := context.Background()
	a := c.Agents.Template(infshtest.AgentAssistant)
	require.NoError(t, a.Stop(ctx), "nothing to stop before the first message")

	var last *infsh.ChatMessage
	stopped := false
	for ev, err := range a.Send(ctx, "stop me").All() {
		require.NoError(t, err)
		if ev.Type != infsh.EventMessage || ev.Message.Role != "assistant" {
			continue
		}
		last = ev.Message
		if !stopped {
			stopped = true
			require.NoError(t, a.Stop(ctx))
		}
	}
	require.NotNil(t, last)
	require.Equal(t, "cancelled", last.Status)
	chat, err := c.Agents.GetChat(ctx, a.ChatID())
	require.NoError(t, err)
	require.NotNil(t, chat.ActiveRun)
	require.Equal(t, "canceled", chat.ActiveRun.State)

	var ae *apierror.Error
	require.True(t, errors.As(c.Agents.StopChat(ctx, "nope"), &ae))
	require.Equal(t, 404, ae.StatusCode)
}

// ApiAgentRunRequest (inferencesh 0.36.0 types.py) names a stored agent by
// agent_id, optionally pinned with agent_version_id.
func TestAgentByID(t *testing.T) {
	c, srv := newClient(t)
	ctx := context.Background()
	m, err := c.Agents.ByID(infshtest.AgentAssistantID, "3k6j9h2g").Reply(ctx, "hi by id", nil)
	require.NoError(t, err)
	require.Equal(t, "You said: hi by id", m.Text())
	var body map[string]any
	for _, r := range srv.Requests() {
		if r.Operation == "runAgent" {
			require.NoError(t, json.Unmarshal(r.Body, &body))
		}
	}
	require.Equal(t, infshtest.AgentAssistantID, body["agent_id"])
	require.Equal(t, "3k6j9h2g", body["agent_version_id"])
	require.NotContains(t, body, "agent")

	_, err = c.Agents.ByID("unknown", "").Reply(ctx, "hi", nil)
	var ae *apierror.Error
	require.True(t, errors.As(err, &ae))
	require.Equal(t, 404, ae.StatusCode)
}

// @inferencesh/sdk 0.6.54 chats.getStatus / pollUntilIdle: GET
// /chats/{id}/status answers the chat's status only.
func TestChatStatus(t *testing.T) {
	c, srv := newClient(t)
	ctx := context.Background()
	a := c.Agents.Template(infshtest.AgentAssistant)
	st, err := a.Status(ctx)
	require.NoError(t, err)
	require.Empty(t, st, "no chat before the first message")

	_, err = a.Reply(ctx, "hi", nil)
	require.NoError(t, err)
	st, err = a.Status(ctx)
	require.NoError(t, err)
	chat, err := c.Agents.GetChat(ctx, a.ChatID())
	require.NoError(t, err)
	require.Equal(t, chat.Status, st)
	require.Equal(t, "idle", st)
	var sawStatus bool
	for _, r := range srv.Requests() {
		sawStatus = sawStatus || (r.Operation == "getChatStatus" && r.Path == "/chats/"+a.ChatID()+"/status")
	}
	require.True(t, sawStatus, "the status is read from GET /chats/{id}/status")

	var ae *apierror.Error
	_, err = c.Agents.ChatStatus(ctx, "nope")
	require.True(t, errors.As(err, &ae))
	require.Equal(t, 404, ae.StatusCode)
	_, err = c.Agents.ChatStatus(ctx, "")
	var ie *apierror.InputError
	require.ErrorAs(t, err, &ie)
}
