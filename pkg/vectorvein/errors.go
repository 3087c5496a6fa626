package vectorvein

import (
	"errors"
	"fmt"

	"github.com/aiclients/sdk-go/pkg/apierror"
)

// APIKeyError reports a missing, invalid or expired API key: envelope status 401, or 403
// with a message about the key; or no key configured at all. Err is the *apierror.Error
// of the reply (or the *apierror.InputError when nothing was sent).
type APIKeyError struct {
	// Reason says what is wrong with the key (never the key itself).
	Reason string
	// Err is the underlying error (see the type's doc), or nil.
	Err error
}

// Error describes the failure; it never holds the API key.
func (e *APIKeyError) Error() string {
	if e.Err != nil {
		return "vectorvein: API key error: " + e.Reason + ": " + e.Err.Error()
	}
	return "vectorvein: API key error: " + e.Reason
}

// Unwrap returns Err.
func (e *APIKeyError) Unwrap() error { return e.Err }

// StatusCode is the envelope status of the reply, or 0 when nothing was sent.
func (e *APIKeyError) StatusCode() int { return statusOf(e.Err) }

// WorkflowError reports a workflow run that failed (envelope status 500 from
// workflow/run or workflow/check-status). Message is the server's msg ("FAILED"),
// Detail and Task its data.error and data.error_task when present.
type WorkflowError struct {
	// RunID is the failed run's rid ("" when the run never got one).
	RunID string
	// Message is the server's msg, usually "FAILED".
	Message string
	// Detail is the server's data.error.
	Detail string
	// Task is the server's data.error_task, the node that failed.
	Task string
	// Err is the reply as the shared API error.
	Err *apierror.Error
}

// Error describes the failure; it never holds the API key.
func (e *WorkflowError) Error() string {
	s := "vectorvein: workflow run"
	if e.RunID != "" {
		s += " " + e.RunID
	}
	s += " failed"
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Task != "" {
		s += " (task " + e.Task + ")"
	}
	return s
}

// Unwrap returns Err.
func (e *WorkflowError) Unwrap() error {
	if e.Err == nil {
		return nil
	}
	return e.Err
}

// AccessKeyError reports an access-key call that failed: rejected before sending (Err is
// an *apierror.InputError), or answered 404 (no such key or app) or 403 (expired key, no
// permission) by the server (Err is the *apierror.Error).
type AccessKeyError struct {
	// Reason says what went wrong.
	Reason string
	// Err is the *apierror.InputError or *apierror.Error (see the type's doc).
	Err error
}

// Error describes the failure; it never holds the API key.
func (e *AccessKeyError) Error() string {
	if e.Err != nil {
		return "vectorvein: access key error: " + e.Reason + ": " + e.Err.Error()
	}
	return "vectorvein: access key error: " + e.Reason
}

// Unwrap returns Err.
func (e *AccessKeyError) Unwrap() error { return e.Err }

// StatusCode is the envelope status of the reply, or 0 when nothing was sent.
func (e *AccessKeyError) StatusCode() int { return statusOf(e.Err) }

// RequestError reports a request that did not produce a usable envelope: the connection
// failed or was cancelled (Err is the transport's error), or the reply was not a JSON
// envelope (Err is an *apierror.Error with the HTTP status and the raw body).
type RequestError struct {
	// Reason says what went wrong.
	Reason string
	// Err is the transport's error or the *apierror.Error (see the type's doc), or nil.
	Err error
}

// Error describes the failure; it never holds the API key.
func (e *RequestError) Error() string {
	if e.Err != nil {
		return "vectorvein: " + e.Reason + ": " + e.Err.Error()
	}
	return "vectorvein: " + e.Reason
}

// Unwrap returns Err.
func (e *RequestError) Unwrap() error { return e.Err }

// TimeoutError reports that waiting for a run ended (WaitOptions.Timeout or ctx) before the
// run finished. The run goes on on the server: resume with Workflows.Wait(ctx, RunID), or
// cancel it with Workflows.Stop. Err is the *poll.TimeoutError, which unwraps to
// context.DeadlineExceeded or context.Canceled.
type TimeoutError struct {
	// RunID is the run still going on the server.
	RunID string
	// Last is the last status seen, nil if no check completed.
	Last *RunResult
	// Err is the *poll.TimeoutError.
	Err error
}

// Error describes the failure; it never holds the API key.
func (e *TimeoutError) Error() string {
	return fmt.Sprintf("vectorvein: workflow run %s did not finish in time: %v", e.RunID, e.Err)
}

// Unwrap returns Err.
func (e *TimeoutError) Unwrap() error { return e.Err }

func statusOf(err error) int {
	var ae *apierror.Error
	if errors.As(err, &ae) {
		return ae.StatusCode
	}
	return 0
}
