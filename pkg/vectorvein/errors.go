package vectorvein

import (
	"errors"
	"strings"

	"github.com/aiclients/sdk-go/pkg/apierror"
)

// AccessKeyError reports an access-key call that failed: rejected before sending (Err is
// an *apierror.InputError naming the field), or answered 404 (no such key or app) or 403
// (expired key, no permission) by the server (Err is the *apierror.Error). A 401/403
// about the API key itself is the plain *apierror.Error.
type AccessKeyError struct {
	// Reason says what went wrong, in the client's words; "" when Err says it all.
	Reason string
	// Err is the *apierror.InputError or *apierror.Error (see the type's doc).
	Err error
}

// Error describes the failure once: the reason, then the underlying error without
// repeating the service name or a reason the server's message already gives. It never
// holds the API key.
func (e *AccessKeyError) Error() string {
	if e == nil {
		return "<nil *vectorvein.AccessKeyError>"
	}
	s := ServiceName + ": access key error"
	reason := e.Reason
	var ae *apierror.Error
	if reason != "" && errors.As(e.Err, &ae) && strings.Contains(strings.ToLower(ae.Message), strings.ToLower(reason)) {
		reason = ""
	}
	if reason != "" {
		s += ": " + reason
	}
	if e.Err != nil {
		s += ": " + strings.TrimPrefix(e.Err.Error(), ServiceName+": ")
	}
	return s
}

// Unwrap returns Err.
func (e *AccessKeyError) Unwrap() error { return e.Err }

// StatusCode is the envelope status of the reply, or 0 when nothing was sent.
func (e *AccessKeyError) StatusCode() int {
	var ae *apierror.Error
	if errors.As(e.Err, &ae) {
		return ae.StatusCode
	}
	return 0
}
