package infsh_test

import (
	"context"
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
	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/infsh/infshtest"
	"github.com/aiclients/sdk-go/pkg/option"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (f *fakeClock) Now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }
func (f *fakeClock) Add(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func TestSessions(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	c, _ := newClient(t, infshtest.WithClock(clock.Now))
	ctx := context.Background()

	h, first, err := c.Sessions.Start(ctx, infsh.RunParams{App: infshtest.AppSessionTest + "@latest", Function: "set_value",
		Input: map[string]any{"key": "a", "value": "1"}, SessionTimeout: 30 * time.Second}, infsh.WaitOptions{})
	require.NoError(t, err)
	require.NotEqual(t, "new", first.SessionID)
	require.Equal(t, first.SessionID, h.ID)

	got, err := h.Call(ctx, "get_value", map[string]any{"key": "a"}, infsh.WaitOptions{})
	require.NoError(t, err)
	require.JSONEq(t, `{"key":"a","value":"1"}`, string(got.Output))

	info, err := h.Info(ctx)
	require.NoError(t, err)
	require.Equal(t, infsh.SessionStatusActive, info.Status)
	require.Equal(t, 2, info.CallCount)
	require.Equal(t, 30, info.IdleTimeout)

	list, err := c.Sessions.List(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)

	clock.Add(20 * time.Second)
	ka, err := h.Keepalive(ctx)
	require.NoError(t, err)
	require.Equal(t, clock.Now().Add(30*time.Second), ka.ExpiresAt)
	clock.Add(20 * time.Second) // within the renewed timeout
	_, err = h.Call(ctx, "increment", map[string]any{"key": "n"}, infsh.WaitOptions{})
	require.NoError(t, err)

	clock.Add(31 * time.Second)
	_, err = h.Call(ctx, "get_all", nil, infsh.WaitOptions{})
	require.ErrorIs(t, err, infsh.ErrSessionExpired)
	_, err = h.Keepalive(ctx)
	require.ErrorIs(t, err, infsh.ErrSessionExpired)
	var se *infsh.SessionError
	require.ErrorAs(t, err, &se)
	require.Equal(t, h.ID, se.SessionID)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 410, ae.StatusCode)

	_, err = c.Sessions.Get(ctx, "sess_nope")
	require.ErrorIs(t, err, infsh.ErrSessionNotFound)
}

func TestSessionEndAndLease(t *testing.T) {
	c, _ := newClient(t)
	ctx := context.Background()
	h, _, err := c.Sessions.Start(ctx, infsh.RunParams{App: infshtest.AppSessionTest, Function: "increment", Input: map[string]any{"key": "n"}}, infsh.WaitOptions{})
	require.NoError(t, err)

	// While a call holds the worker, another call is refused.
	slow, err := c.Tasks.Submit(ctx, infsh.RunParams{App: infshtest.AppSessionTest, Function: "get_all", Session: h.ID})
	require.NoError(t, err)
	_, err = c.Tasks.Submit(ctx, infsh.RunParams{App: infshtest.AppSessionTest, Function: "get_all", Session: h.ID})
	require.ErrorIs(t, err, infsh.ErrWorkerLeased)
	_, err = c.Tasks.Wait(ctx, slow.ID, infsh.WaitOptions{})
	require.NoError(t, err)

	require.NoError(t, h.End(ctx))
	_, err = h.Call(ctx, "get_all", nil, infsh.WaitOptions{})
	require.ErrorIs(t, err, infsh.ErrSessionEnded)
	require.ErrorIs(t, h.End(ctx), infsh.ErrSessionEnded)
	info, err := h.Info(ctx)
	require.NoError(t, err)
	require.Equal(t, infsh.SessionStatusEnded, info.Status)
}

// TestSessionCallKeepsOtherErrors: a call in a session that fails for a
// reason of its own (an unknown app: 404 APP_NOT_FOUND) is not reported as
// a missing session.
func TestSessionCallKeepsOtherErrors(t *testing.T) {
	c, _ := newClient(t)
	ctx := context.Background()
	h, _, err := c.Sessions.Start(ctx, infsh.RunParams{App: infshtest.AppSessionTest, Function: "increment", Input: map[string]any{"key": "n"}}, infsh.WaitOptions{})
	require.NoError(t, err)
	_, err = c.Sessions.Handle(h.ID, "nobody/nothing@1").Call(ctx, "run", nil, infsh.WaitOptions{})
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "APP_NOT_FOUND", ae.Code)
	require.NotErrorIs(t, err, infsh.ErrSessionNotFound)

	// A session error on a call is typed and names the session.
	_, err = c.Sessions.Handle("sess_unknown", infshtest.AppSessionTest).Call(ctx, "run", nil, infsh.WaitOptions{})
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
	_, _, err = c.Sessions.Start(context.Background(), infsh.RunParams{App: "a/b@1"}, infsh.WaitOptions{})
	require.ErrorContains(t, err, "session_id")
	var ie *apierror.InputError
	require.False(t, errors.As(err, &ie), "not an input error: %v", err)
}

// TestHandBuiltSessionHandle: a SessionHandle built by hand (its fields are
// exported) answers with an input error instead of a panic.
func TestHandBuiltSessionHandle(t *testing.T) {
	ctx := context.Background()
	h := &infsh.SessionHandle{ID: "sess_1", App: "a/b@1"}
	var ie *apierror.InputError
	require.NotPanics(t, func() {
		_, err := h.Call(ctx, "run", nil, infsh.WaitOptions{})
		require.ErrorAs(t, err, &ie)
		_, err = h.Info(ctx)
		require.ErrorAs(t, err, &ie)
		_, err = h.Keepalive(ctx)
		require.ErrorAs(t, err, &ie)
		require.ErrorAs(t, h.End(ctx), &ie)
	})
}

// TestSessionErrorSaysItOnce: a session error gives the server's message
// and names the session once.
func TestSessionErrorSaysItOnce(t *testing.T) {
	c, _ := newClient(t)
	_, err := c.Sessions.Get(context.Background(), "sess_unknown")
	require.ErrorIs(t, err, infsh.ErrSessionNotFound)
	require.Equal(t, 1, strings.Count(err.Error(), "sess_unknown"), "%s", err)
	require.Equal(t, 1, strings.Count(err.Error(), "not found"), "%s", err)

	e := &infsh.SessionError{SessionID: "s1", Kind: infsh.ErrSessionExpired}
	require.Equal(t, "infsh: session expired (session s1)", e.Error())
}
