package apierror

import (
	"strconv"
	"strings"
)

// ResponseError reports a successful (2xx) response whose body is not what
// the API promises: empty, null, or a JSON object without a field the
// service's spec marks as required (or with that field null or, where the
// SDK depends on it, empty). The call did reach the server and the server
// did answer; what it answered cannot be used, so no zero value is returned
// in its place.
type ResponseError struct {
	// Service is the short service name.
	Service string
	// Request is the method and path, e.g. "GET /v1/deployments/gpt-4".
	Request string
	// StatusCode is the response's HTTP status.
	StatusCode int
	// Missing lists the required JSON fields that were absent or null
	// (empty when the whole body was empty or null).
	Missing []string
	// Reason says what is wrong, e.g. "empty body".
	Reason string
	// Err is the underlying error, if any: the JSON decoder's, or the
	// *Error a service built from the reply (VectorVein, for a reply that
	// is not its envelope).
	Err error
}

// Unwrap returns Err.
func (e *ResponseError) Unwrap() error { return e.Err }

// Error renders e.g. "dial: GET /v1/deployments/x: unusable 200 response:
// required field(s) missing or null: id".
func (e *ResponseError) Error() string {
	if e == nil {
		return "<nil *apierror.ResponseError>"
	}
	var b strings.Builder
	prefix(&b, e.Service)
	if e.Request != "" {
		b.WriteString(oneLine(e.Request, 256))
		b.WriteString(": ")
	}
	b.WriteString("unusable ")
	if e.StatusCode != 0 {
		b.WriteString(strconv.Itoa(e.StatusCode))
		b.WriteString(" ")
	}
	b.WriteString("response")
	switch {
	case e.Reason != "":
		b.WriteString(": ")
		b.WriteString(oneLine(e.Reason, maxMessage))
	case len(e.Missing) > 0:
		b.WriteString(": required field(s) missing or null: ")
		b.WriteString(oneLine(strings.Join(e.Missing, ", "), maxMessage))
	}
	return b.String()
}
