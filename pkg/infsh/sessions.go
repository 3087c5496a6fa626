package infsh

import (
	"context"
	"fmt"
	"net/http"

	"github.com/aiclients/sdk-go/gen/infshapi"
	"github.com/aiclients/sdk-go/pkg/option"
)

// SessionService reads, keeps alive and ends sessions. Start one with a run
// whose Session is SessionNew (or with Start), continue it with its id.
type SessionService struct{ c *Client }

// SessionHandle calls one session's app. Get one from Sessions.Start or
// Sessions.Handle.
type SessionHandle struct {
	// ID is the session id.
	ID string
	// App is the app ref the session runs.
	App string
	s   *SessionService
}

// Start runs p in a new session (p.Session is set to SessionNew), waiting
// as Tasks.Run does, and returns a handle on the session with the first
// call's task.
func (s *SessionService) Start(ctx context.Context, p RunParams, w WaitOptions, opts ...option.RequestOption) (*SessionHandle, *Task, error) {
	p.Session = SessionNew
	t, err := s.c.Tasks.Run(ctx, p, w, opts...)
	if err != nil {
		return nil, t, err
	}
	if t.SessionID == "" {
		return nil, t, fmt.Errorf("%s: the task %s of a new session has no session_id", ServiceName, t.ID)
	}
	return &SessionHandle{ID: t.SessionID, App: p.App, s: s}, t, nil
}

// Handle returns a handle on an existing session of app.
func (s *SessionService) Handle(id, app string) *SessionHandle {
	return &SessionHandle{ID: id, App: app, s: s}
}

// Call runs function of the session's app with input in the session and
// waits for the result as Tasks.Run does.
func (h *SessionHandle) Call(ctx context.Context, function string, input any, w WaitOptions, opts ...option.RequestOption) (*Task, error) {
	if err := h.usable(); err != nil {
		return nil, err
	}
	t, err := h.s.c.Tasks.Run(ctx, RunParams{App: h.App, Function: function, Input: input, Session: h.ID}, w, opts...)
	return t, inSession(h.ID, err)
}

// Info reads the session.
func (h *SessionHandle) Info(ctx context.Context, opts ...option.RequestOption) (*Session, error) {
	if err := h.usable(); err != nil {
		return nil, err
	}
	return h.s.Get(ctx, h.ID, opts...)
}

// Keepalive resets the session's idle timer.
func (h *SessionHandle) Keepalive(ctx context.Context, opts ...option.RequestOption) (*Session, error) {
	if err := h.usable(); err != nil {
		return nil, err
	}
	return h.s.Keepalive(ctx, h.ID, opts...)
}

// End ends the session and releases its worker.
func (h *SessionHandle) End(ctx context.Context, opts ...option.RequestOption) error {
	if err := h.usable(); err != nil {
		return err
	}
	return h.s.End(ctx, h.ID, opts...)
}

// usable tells a handle from Sessions.Start or Sessions.Handle from one
// built by hand.
func (h *SessionHandle) usable() error {
	if h == nil || h.s == nil || h.s.c == nil {
		return inputErr("session handle", "use Sessions.Start or Sessions.Handle")
	}
	return nil
}

// Get reads a session. An expired or ended session is returned with that
// status.
func (s *SessionService) Get(ctx context.Context, id string, opts ...option.RequestOption) (*Session, error) {
	return s.one(ctx, id, opts, s.c.raw.GetSession)
}

// one runs a call on session id that answers with the session.
func (s *SessionService) one(ctx context.Context, id string, opts []option.RequestOption,
	do func(ctx context.Context, id string, _ ...infshapi.RequestEditorFn) (*http.Response, error)) (*Session, error) {
	if id == "" {
		return nil, inputErr("session id", "must not be empty")
	}
	var out Session
	err := s.c.core.Call(ctx, opts, func(ctx context.Context) (*http.Response, error) {
		return do(ctx, id)
	}, &out)
	if err != nil {
		return nil, sessionError(id, err)
	}
	return &out, nil
}

// List reads the caller's sessions.
func (s *SessionService) List(ctx context.Context, opts ...option.RequestOption) ([]Session, error) {
	var out []Session
	err := s.c.core.Call(ctx, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.ListSessions(ctx)
	}, &out)
	return out, err
}

// Keepalive resets a session's idle timer and returns the session.
func (s *SessionService) Keepalive(ctx context.Context, id string, opts ...option.RequestOption) (*Session, error) {
	return s.one(ctx, id, opts, s.c.raw.KeepaliveSession)
}

// End ends a session and releases its worker.
func (s *SessionService) End(ctx context.Context, id string, opts ...option.RequestOption) error {
	if id == "" {
		return inputErr("session id", "must not be empty")
	}
	err := s.c.core.Call(ctx, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.EndSession(ctx, id)
	}, nil)
	return sessionError(id, err)
}
