package dial

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/aiclients/sdk-go/pkg/apierror"
)

// errorWire is the body of a DIAL error ({"error": ErrorDetails}) as it
// arrives: deployments send the code as a string or a number, which the
// generated ErrorDetails (a string, as the spec says) cannot decode.
type errorWire struct {
	Message        string          `json:"message"`
	Type           string          `json:"type"`
	Param          string          `json:"param"`
	Code           json.RawMessage `json:"code"`
	DisplayMessage string          `json:"display_message"`
}

func (w *errorWire) details() ErrorDetails {
	d := ErrorDetails{Message: w.Message, Type: w.Type, Param: w.Param, DisplayMessage: w.DisplayMessage}
	c := bytes.TrimSpace(w.Code)
	switch {
	case len(c) == 0 || string(c) == "null":
	case c[0] == '"':
		_ = json.Unmarshal(c, &d.Code)
	default:
		d.Code = string(c)
	}
	return d
}

// ParseError is the apierror.BodyParser for DIAL: the OpenAI-style JSON error
// (code: error.code, or error.type when the code is only the HTTP status;
// message: error.message), else the plain text DIAL Core itself writes
// (first line, at most 512 bytes).
func ParseError(body []byte) (code, message string) {
	if d, ok := parseDetails(body); ok {
		code = d.Code
		if code == "" || isNumeric(code) && d.Type != "" {
			code = d.Type
		}
		return code, d.Message
	}
	s := strings.TrimSpace(string(body))
	if s == "" || !utf8.ValidString(s) || strings.HasPrefix(s, "{") || strings.HasPrefix(s, "<") {
		return "", ""
	}
	line, _, _ := strings.Cut(s, "\n")
	if len(line) > 512 {
		line = line[:512]
	}
	return "", line
}

func parseDetails(body []byte) (ErrorDetails, bool) {
	var e struct {
		Error *errorWire `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil || e.Error == nil {
		return ErrorDetails{}, false
	}
	return e.Error.details(), true
}

func isNumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Details returns the DIAL error body of an API error (param and
// display_message included), if err is or wraps an *apierror.Error whose
// body is DIAL's JSON error.
func Details(err error) (*ErrorDetails, bool) {
	var ae *apierror.Error
	if !errors.As(err, &ae) {
		return nil, false
	}
	d, ok := parseDetails(ae.Body)
	if !ok {
		return nil, false
	}
	return &d, true
}

// IsNotFound reports whether err is an API error with status 404 (a missing
// file, deployment or application).
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsETagMismatch reports whether err is an API error with status 412: an
// If-Match or If-None-Match condition failed. It is false for an
// *UploadUncertainError, whose 412 may have been caused by the same call.
func IsETagMismatch(err error) bool {
	var ue *UploadUncertainError
	return hasStatus(err, http.StatusPreconditionFailed) && !errors.As(err, &ue)
}

// ErrUploadUncertain is matched (errors.Is) by every *UploadUncertainError.
var ErrUploadUncertain = errors.New("dial: create-only upload: outcome uncertain")

// UploadUncertainError reports a create-only upload (UploadParams.IfNoneMatch)
// whose outcome is unknown: an attempt failed after it may have reached the
// server (a 5xx or a dropped connection), the retry got 412 because the file
// exists, and that file may be the one the failed attempt stored. To find
// out, read the file's Metadata (or Download it) and compare its ETag,
// content length or content with what was sent. Err is the retry's 412
// *apierror.Error (errors.As still finds it); IsETagMismatch is false.
type UploadUncertainError struct {
	// URL is the file's storage URL.
	URL string
	// Attempts is the number of attempts sent (at least 2).
	Attempts int
	// Err is the final attempt's error (a 412 *apierror.Error).
	Err error
}

// Error says what happened and how to check.
func (e *UploadUncertainError) Error() string {
	return fmt.Sprintf("dial: create-only upload of %s: outcome uncertain: a retry (attempt %d) got 412 because the file exists, "+
		"but an earlier attempt that failed may have created it; compare the file's Metadata (ETag, size) with what was sent",
		e.URL, e.Attempts)
}

// Unwrap returns Err.
func (e *UploadUncertainError) Unwrap() error { return e.Err }

// Is reports whether target is ErrUploadUncertain.
func (e *UploadUncertainError) Is(target error) bool { return target == ErrUploadUncertain }

func hasStatus(err error, status int) bool {
	var ae *apierror.Error
	return errors.As(err, &ae) && ae.StatusCode == status
}
