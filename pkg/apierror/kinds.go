package apierror

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aiclients/sdk-go/pkg/internal/redact"
)

// CredentialError reports that a call could not be authenticated before it
// was sent: no credential is configured (reported by NewClient when the
// client has no credential at all), two credentials that the service will
// not take together are, or a credential provider (option.WithAPIKeyFunc,
// option.WithBearerTokenFunc) failed or returned an empty or multi-line
// value (a provider's error is in Err). Every service reports these cases
// with this type. A static credential that is empty or multi-line is
// refused earlier, by the option itself, as an *InputError.
//
// A credential the server rejects is not a CredentialError: that is an
// *Error with StatusCode 401 (or 403).
type CredentialError struct {
	// Service is the short service name.
	Service string
	// Credential names what is missing or failed, e.g. "API key".
	Credential string
	// Reason says what is wrong and how to fix it.
	Reason string
	// Err is the credential provider's error, if one failed.
	Err error
}

// Error renders e.g. "dial: API key: none set; set DIAL_API_KEY or pass
// option.WithAPIKey" or "infsh: API key provider failed: vault sealed".
func (e *CredentialError) Error() string {
	if e == nil {
		return "<nil *apierror.CredentialError>"
	}
	var b strings.Builder
	prefix(&b, e.Service)
	what := e.Credential
	if what == "" {
		what = "credentials"
	}
	b.WriteString(what)
	if e.Err != nil && e.Reason == "" {
		b.WriteString(" provider failed: ")
		b.WriteString(oneLine(e.Err.Error(), maxMessage))
		return b.String()
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(oneLine(e.Err.Error(), maxMessage))
	}
	return b.String()
}

// Unwrap returns Err.
func (e *CredentialError) Unwrap() error { return e.Err }

// TimeoutError reports that waiting for a task, run or prediction ended
// before it finished: the wait's Timeout elapsed or ctx ended. The work may
// still be running on the server; ID says which. Err is the context error,
// so errors.Is(err, context.DeadlineExceeded) (the Timeout or a ctx
// deadline) and errors.Is(err, context.Canceled) tell the cases apart.
type TimeoutError struct {
	// Service is the short service name.
	Service string
	// Kind names what was waited for: "task", "workflow run", "prediction task".
	Kind string
	// ID is the id of the task or run waited for.
	ID string
	// Elapsed is how long the wait lasted.
	Elapsed time.Duration
	// Last is the last state seen (the service's status or task value), or
	// nil when none was read.
	Last any
	// Err is why the wait ended.
	Err error
}

// Error renders e.g. "dragoneye: waiting for prediction task t-1: gave up
// after 2.5s: context deadline exceeded".
func (e *TimeoutError) Error() string {
	if e == nil {
		return "<nil *apierror.TimeoutError>"
	}
	var b strings.Builder
	prefix(&b, e.Service)
	b.WriteString("waiting for ")
	b.WriteString(kindID(e.Kind, e.ID))
	b.WriteString(": gave up")
	if e.Elapsed > 0 {
		b.WriteString(" after ")
		b.WriteString(e.Elapsed.Round(time.Millisecond).String())
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(rootText(e.Err))
	}
	return b.String()
}

// Unwrap returns Err.
func (e *TimeoutError) Unwrap() error { return e.Err }

// RunError reports that a task, workflow run or prediction finished without
// success on the server (failed, cancelled, rejected). Services that know
// more return their own type that unwraps to a *RunError, so one errors.As
// finds every failed run of every service.
type RunError struct {
	// Service is the short service name.
	Service string
	// Kind names what failed: "task", "workflow run", "prediction task".
	Kind string
	// ID is the id of the task or run.
	ID string
	// Status is the final status as the service names it, e.g. "failed".
	Status string
	// Message is the service's explanation, if it gave one.
	Message string
	// Last is the service's final state value (for example *infsh.Task), or nil.
	Last any
	// Err is an underlying error (such as the *Error of a status call), or nil.
	Err error
}

// Error renders e.g. "infsh: task t-1 failed (status failed): out of memory".
func (e *RunError) Error() string {
	if e == nil {
		return "<nil *apierror.RunError>"
	}
	var b strings.Builder
	prefix(&b, e.Service)
	b.WriteString(kindID(e.Kind, e.ID))
	b.WriteString(" did not succeed")
	if e.Status != "" {
		b.WriteString(" (status ")
		b.WriteString(oneLine(e.Status, 64))
		b.WriteString(")")
	}
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if msg != "" {
		b.WriteString(": ")
		b.WriteString(oneLine(msg, maxMessage))
	}
	return b.String()
}

// Unwrap returns Err.
func (e *RunError) Unwrap() error { return e.Err }

// ScrubSecrets replaces every secret in the text e holds from the server
// (ID, Status, Message); Err is scrubbed on its own along the chain. See
// (*Error).ScrubSecrets.
func (e *RunError) ScrubSecrets(secrets []string) {
	if e == nil || len(secrets) == 0 {
		return
	}
	e.ID = redact.Scrub(e.ID, secrets)
	e.Status = redact.Scrub(e.Status, secrets)
	e.Message = redact.Scrub(e.Message, secrets)
}

// TransportError reports a call that got no usable HTTP response: the
// connection failed, was reset, or ctx ended, after Attempts attempts. It
// names the operation so a log line says what failed; Err is the last
// attempt's error, so errors.Is(err, context.DeadlineExceeded) still works.
type TransportError struct {
	// Service is the short service name.
	Service string
	// Method is the HTTP method.
	Method string
	// URL is the request URL with secrets removed.
	URL string
	// Attempts is the number of attempts sent (1 when nothing was retried).
	Attempts int
	// LastStatus is the HTTP status of the last attempt that got a response
	// (one that was then retried), or 0 when none did.
	LastStatus int
	// Err is the last attempt's error.
	Err error
}

// Error renders e.g. "dial: GET http://h/v1/bucket: failed after 3 attempts
// (last status 503): context deadline exceeded".
func (e *TransportError) Error() string {
	if e == nil {
		return "<nil *apierror.TransportError>"
	}
	var b strings.Builder
	prefix(&b, e.Service)
	if e.Method != "" || e.URL != "" {
		b.WriteString(strings.TrimSpace(e.Method + " " + e.URL))
		b.WriteString(": ")
	}
	b.WriteString("failed")
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	if e.LastStatus != 0 {
		fmt.Fprintf(&b, " (last status %d)", e.LastStatus)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(rootText(e.Err))
	}
	return b.String()
}

// Unwrap returns Err.
func (e *TransportError) Unwrap() error { return e.Err }

// ScrubSecrets replaces every secret in URL. See (*Error).ScrubSecrets.
func (e *TransportError) ScrubSecrets(secrets []string) {
	if e != nil && len(secrets) > 0 {
		e.URL = redact.Scrub(e.URL, secrets)
	}
}

func prefix(b *strings.Builder, service string) {
	if service != "" {
		b.WriteString(service)
		b.WriteString(": ")
	}
}

func kindID(kind, id string) string {
	if kind == "" {
		kind = "task"
	}
	if id == "" {
		return kind
	}
	return kind + " " + oneLine(id, 128)
}

// rootText is the text of err without the "Get \"…\": " prefix of a
// *url.Error, whose method and URL the outer message already names.
func rootText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		err = ue.Err
	}
	return oneLine(err.Error(), maxMessage)
}
