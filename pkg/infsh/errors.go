package infsh

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aiclients/sdk-go/pkg/apierror"
)

// Requirement is one unmet requirement of an app or agent: a secret,
// integration or scope the caller lacks.
type Requirement struct {
	Type    string             `json:"type"` // secret, integration, scope
	Key     string             `json:"key"`
	Message string             `json:"message"`
	Action  *RequirementAction `json:"action,omitempty"`
}

// RequirementAction tells how to satisfy a Requirement.
type RequirementAction struct {
	Type     string   `json:"type"` // add_secret, connect, add_scopes
	Provider string   `json:"provider,omitempty"`
	Scopes   []string `json:"scopes,omitempty"`
}

// RequirementsError is the 412 answer: the run cannot start until the
// listed requirements are met. It unwraps to the *apierror.Error.
type RequirementsError struct {
	Requirements []Requirement
	Err          *apierror.Error
}

// Error lists the unmet requirements.
func (e *RequirementsError) Error() string {
	parts := make([]string, 0, len(e.Requirements))
	for _, r := range e.Requirements {
		p := r.Type + " " + r.Key
		if r.Message != "" {
			p += " (" + r.Message + ")"
		}
		parts = append(parts, p)
	}
	return ServiceName + ": requirements not met: " + strings.Join(parts, "; ")
}

// Unwrap returns the API error.
func (e *RequirementsError) Unwrap() error { return e.Err }

// Session errors, matched with errors.Is on a *SessionError.
var (
	ErrSessionNotFound = errors.New("session not found")                     // 404 SESSION_NOT_FOUND
	ErrSessionExpired  = errors.New("session expired")                       // 410 SESSION_EXPIRED
	ErrSessionEnded    = errors.New("session ended")                         // 410 SESSION_ENDED
	ErrWorkerLeased    = errors.New("session worker leased to another call") // 409 WORKER_LEASED
)

// SessionError is a failed call on an app session. errors.Is matches its
// kind (ErrSessionNotFound, ...); errors.As finds the *apierror.Error.
type SessionError struct {
	SessionID string
	Kind      error // one of the Err* session errors
	Err       *apierror.Error
}

// Error names the session and what went wrong.
func (e *SessionError) Error() string {
	s := ServiceName + ": " + e.Kind.Error()
	if e.SessionID != "" {
		s += " (" + e.SessionID + ")"
	}
	if e.Err != nil && e.Err.Message != "" {
		s += ": " + e.Err.Message
	}
	return s
}

// Is matches the session error kind.
func (e *SessionError) Is(target error) bool { return target == e.Kind }

// Unwrap returns the API error.
func (e *SessionError) Unwrap() error { return e.Err }

// TaskError is a task that ended without completing: failed, cancelled or
// rejected. Task holds its last known state (logs included).
type TaskError struct {
	Task *Task
}

// Error names the task, its status and its error message.
func (e *TaskError) Error() string {
	st := e.Task.Status
	msg := ServiceName + ": task " + e.Task.ID + " " + st.String()
	if e.Task.Error != "" {
		msg += ": " + e.Task.Error
	}
	return msg
}

// Status is the task's terminal status.
func (e *TaskError) Status() Status { return e.Task.Status }

// Logs returns the text of the task's logs.
func (e *TaskError) Logs() []string {
	out := make([]string, 0, len(e.Task.Logs))
	for _, l := range e.Task.Logs {
		out = append(out, l.Content)
	}
	return out
}

// typedError turns an *apierror.Error into the typed error its status and
// code call for; other errors pass through.
func typedError(err error) error {
	var ae *apierror.Error
	if !errors.As(err, &ae) {
		return err
	}
	if ae.StatusCode == http.StatusPreconditionFailed {
		var body struct {
			Errors []Requirement `json:"errors"`
		}
		if json.Unmarshal(ae.Body, &body) == nil && len(body.Errors) > 0 {
			if ae.Message == "" {
				ae.Message = body.Errors[0].Message
			}
			return &RequirementsError{Requirements: body.Errors, Err: ae}
		}
	}
	if kind := sessionKind(ae.Code); kind != nil {
		return &SessionError{Kind: kind, Err: ae}
	}
	return err
}

func sessionKind(code string) error {
	switch strings.ToUpper(code) {
	case "SESSION_NOT_FOUND":
		return ErrSessionNotFound
	case "SESSION_EXPIRED":
		return ErrSessionExpired
	case "SESSION_ENDED":
		return ErrSessionEnded
	case "WORKER_LEASED":
		return ErrWorkerLeased
	}
	return nil
}

// inSession adds the session id to a *SessionError (a call in a session
// fails for reasons of its own too: those stay as they are).
func inSession(id string, err error) error {
	var se *SessionError
	if errors.As(err, &se) {
		se.SessionID = id
	}
	return err
}

// sessionError is inSession for the session endpoints, where a plain 404 or
// 410 can only be about the session.
func sessionError(id string, err error) error {
	var se *SessionError
	if errors.As(err, &se) {
		se.SessionID = id
		return se
	}
	var ae *apierror.Error
	if errors.As(err, &ae) {
		switch ae.StatusCode {
		case http.StatusNotFound:
			return &SessionError{SessionID: id, Kind: ErrSessionNotFound, Err: ae}
		case http.StatusGone:
			return &SessionError{SessionID: id, Kind: ErrSessionExpired, Err: ae}
		}
	}
	return err
}

func inputErr(field, format string, args ...any) error {
	return &apierror.InputError{Service: ServiceName, Field: field, Reason: fmt.Sprintf(format, args...)}
}
