package infsh_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/infsh/infshtest"
)

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
	c, srv := newClient(t, infshtest.WithHeartbeat(10*time.Millisecond))
	c.Tasks.Follow.IdleTimeout = 100 * time.Millisecond
	task, err := c.Tasks.Run(context.Background(), infsh.RunParams{App: infshtest.AppSlow, Input: map[string]any{"steps": 1, "delay_ms": 400}})
	require.NoError(t, err)
	require.Equal(t, infsh.StatusCompleted, task.Status)
	require.Equal(t, 1, countRequests(srv, "/stream"), "the stream was given up although heartbeats arrived")
}

// TestHeartbeatsKeepChatStreamOpen: the same for an agent that thinks longer
// than the idle timeout.
func TestHeartbeatsKeepChatStreamOpen(t *testing.T) {
	slow := func(turn infshtest.ModelTurn) infshtest.ModelStep {
		time.Sleep(400 * time.Millisecond)
		return infshtest.ScriptedModel(turn)
	}
	c, srv := newClient(t, infshtest.WithHeartbeat(10*time.Millisecond), infshtest.WithModel(slow))
	c.Tasks.Follow.IdleTimeout = 100 * time.Millisecond
	m, err := c.Agents.Template(infshtest.AgentAssistant).Reply(context.Background(), "take your time", nil)
	require.NoError(t, err)
	require.Equal(t, "You said: take your time", m.Text())
	require.Equal(t, 1, countRequests(srv, "/stream"), "the chat stream was given up although heartbeats arrived")
}
