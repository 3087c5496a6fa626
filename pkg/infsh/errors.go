package infsh

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aiclients/sdk-go/pkg/apierror"
)

// RequirementsError is the 412 answer: the run cannot start until the
// listed requirements are met. It unwraps to the *apierror.Error.
type RequirementsError struct {
	// Requirements lists what is missing, as the 412 body does.
	Requirements []Requirement
	// Err is the 412 response.
	Err *apierror.Error
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
	// SessionID is the session the call was about ("" when not known).
	SessionID string
	// Kind is one of the Err* session errors.
	Kind error
	// Err is the API error.
	Err *apierror.Error
}

// Error says what went wrong (the kind, then the server's message unless
// it says the same in its own words) and names the session once.
func (e *SessionError) Error() string {
	msg := e.Kind.Error()
	if e.Err != nil && e.Err.Message != "" {
		if saysAll(e.Err.Message, msg) {
			msg = e.Err.Message
		} else {
			msg += ": " + e.Err.Message
		}
	}
	s := ServiceName + ": " + msg
	if e.SessionID != "" && !strings.Contains(msg, e.SessionID) {
		s += " (session " + e.SessionID + ")"
	}
	return s
}

// saysAll reports whether text holds every word of words.
func saysAll(text, words string) bool {
	text = strings.ToLower(text)
	for _, w := range strings.Fields(strings.ToLower(words)) {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

// Is matches the session error kind.
func (e *SessionError) Is(target error) bool { return target == e.Kind }

// Unwrap returns the API error.
func (e *SessionError) Unwrap() error { return e.Err }

// FailedTask returns the task of an error from Run, Wait or a session call
// when the task ended without completing (the error is then an
// *apierror.RunError whose Last is the *Task, its logs included).
func FailedTask(err error) (*Task, bool) {
	var re *apierror.RunError
	if !errors.As(err, &re) {
		return nil, false
	}
	t, ok := re.Last.(*Task)
	return t, ok && t != nil
}

// runError is the *apierror.RunError of a task that ended without
// completing: failed, cancelled or rejected.
func runError(t *Task) *apierror.RunError {
	return &apierror.RunError{Service: ServiceName, Kind: "task", ID: t.ID, Status: t.Status.String(),
		Message: t.Error, Last: t}
}

// members reads a JSON object's members; nil when b is not an object.
func members(b []byte) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	return m
}

// str reads a JSON string member ("" when absent or not a string).
func str(m map[string]json.RawMessage, k string) string {
	var s string
	_ = json.Unmarshal(m[k], &s)
	return s
}

// parseError reads the code and message of an error body in any of the
// API's forms: RFC 9457 problem details (code from a "code" member or the
// last path segment of "type"), the legacy {"error": {"code", "message"}}
// (or a plain "error" string), or {"message"}. Members of an unexpected
// type are ignored.
func parseError(body []byte) (code, message string) {
	p := members(body)
	if p == nil {
		return "", ""
	}
	legacy := members(p["error"])
	legacyMsg := str(legacy, "message")
	if legacy == nil {
		legacyMsg = str(p, "error")
	}
	code = str(p, "code")
	if code == "" {
		code = str(legacy, "code")
	}
	if typ := str(p, "type"); code == "" && typ != "" && typ != "about:blank" {
		t := strings.TrimRight(typ, "/")
		code = t[strings.LastIndex(t, "/")+1:]
	}
	for _, m := range []string{str(p, "detail"), legacyMsg, str(p, "message"), str(p, "title")} {
		if m != "" {
			return code, m
		}
	}
	return code, ""
}

// envelopeKeys are the members an envelope may have besides "data".
var envelopeKeys = map[string]bool{"data": true, "messages": true, "success": true, "status": true, "meta": true}

// unwrapResponse is the core's Unwrap hook: it returns the resource of a
// response body in any of the API's formats: {"success": ..., "data": ...}
// (v1: success false is an error), {"data": ..., "messages": [...]} (V3),
// or the bare resource (v2). A body that is a bare resource with its own
// "data" member (a tool invocation) is not unwrapped, because it has
// members an envelope has not.
func unwrapResponse(resp *http.Response, body []byte) ([]byte, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return body, nil
	}
	top := members(body)
	if top == nil {
		return nil, &apierror.ResponseError{Service: ServiceName, Request: requestOf(resp), StatusCode: statusOf(resp), Reason: "decoding the body: not a JSON object"}
	}
	if raw, ok := top["success"]; ok {
		var success bool
		if json.Unmarshal(raw, &success) == nil {
			if !success {
				return nil, envelopeError(resp, top, body)
			}
			return top["data"], nil
		}
	}
	if _, ok := top["data"]; ok {
		for k := range top {
			if !envelopeKeys[k] {
				return body, nil
			}
		}
		return top["data"], nil
	}
	return body, nil
}

// envelopeError is the *apierror.Error of {"success": false} in a 2xx
// response: its status is the envelope's (HTTPStatus the response's).
func envelopeError(resp *http.Response, top map[string]json.RawMessage, body []byte) error {
	code, msg := parseError(body)
	e := &apierror.Error{Service: ServiceName, StatusCode: http.StatusOK, Code: code, Message: msg, Body: capBody(body)}
	if resp != nil {
		e.StatusCode = resp.StatusCode
		if resp.Request != nil {
			e.Method = resp.Request.Method
		}
	}
	var st int
	if json.Unmarshal(top["status"], &st) == nil && st >= 400 && st <= 599 && st != e.StatusCode {
		e.HTTPStatus, e.StatusCode = e.StatusCode, st
	}
	return e
}

func capBody(b []byte) []byte {
	if len(b) > apierror.MaxBody {
		b = b[:apierror.MaxBody]
	}
	return append([]byte(nil), b...)
}

// typedError is the core's MapError hook: it turns an *apierror.Error into
// the typed error its status and code call for; other errors pass through.
func typedError(err error) error {
	var ae *apierror.Error
	if !errors.As(err, &ae) {
		return err
	}
	var se *SessionError
	var re *RequirementsError
	if errors.As(err, &se) || errors.As(err, &re) {
		return err // mapped already
	}
	if ae.StatusCode == http.StatusPreconditionFailed {
		var body RequirementsBody
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

// requestOf names resp's request, e.g. "GET /tasks/t-1".
func requestOf(resp *http.Response) string {
	if resp == nil || resp.Request == nil || resp.Request.URL == nil {
		return ""
	}
	return resp.Request.Method + " " + resp.Request.URL.Path
}

// statusOf is resp's status, 0 for none.
func statusOf(resp *http.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
}
