package infsh_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/infsh/infshtest"
	"github.com/aiclients/sdk-go/pkg/option"
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

// TestSessionCallKeepsOtherErrors: a call in a session that fails for a
// reason of its own (an unknown app: 404 APP_NOT_FOUND) is not reported as
// a missing session.
func TestSessionCallKeepsOtherErrors(t *testing.T) {
	c, _ := newClient(t)
	ctx := context.Background()
	h, _, err := c.Sessions.Start(ctx, infsh.RunParams{App: infshtest.AppSessionTest, Function: "increment", Input: map[string]any{"key": "n"}})
	require.NoError(t, err)
	_, err = c.Sessions.Handle(h.ID, "nobody/nothing@1").Call(ctx, "run", nil)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "APP_NOT_FOUND", ae.Code)
	require.NotErrorIs(t, err, infsh.ErrSessionNotFound)

	// A session error on a call is typed and names the session.
	_, err = c.Sessions.Handle("sess_unknown", infshtest.AppSessionTest).Call(ctx, "run", nil)
	require.ErrorIs(t, err, infsh.ErrSessionNotFound)
	var se *infsh.SessionError
	require.ErrorAs(t, err, &se)
	require.Equal(t, "sess_unknown", se.SessionID)
}

// TestSessionStartWithoutSessionID: a server whose new-session task names
// no session is a response error, not an input error (the run was sent).
func TestSessionStartWithoutSessionID(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"data":{"id":"t1","status":10,"output":{}}}`)
	}))
	defer srv.Close()
	c, err := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("k"))
	require.NoError(t, err)
	_, _, err = c.Sessions.Start(context.Background(), infsh.RunParams{App: "a/b@1"})
	require.ErrorContains(t, err, "session_id")
	var ie *apierror.InputError
	require.False(t, errors.As(err, &ie), "not an input error: %v", err)
}
