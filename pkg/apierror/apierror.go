// Package apierror holds the error types every service client of this SDK
// returns: *Error for an API call that reached the server and failed, and
// *InputError for a call rejected before anything was sent.
//
// Whatever service a call went to, one errors.As finds the failure:
//
//	var apiErr *apierror.Error
//	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusTooManyRequests { ... }
//
// No error of this package ever includes a credential: URLs and sensitive
// headers are redacted, and the credentials the call sent are scrubbed from
// the server's message, code, request id, body and the other response
// headers, also where the server echoed them JSON-escaped ("\/", "\u002f")
// or URL-encoded. The SDK applies this to every error a call returns (see
// the ScrubSecrets methods).
package apierror

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/aiclients/sdk-go/pkg/internal/redact"
)

// MaxBody is the most of a response body an *Error keeps (64 KiB).
const MaxBody = 64 << 10

// maxMessage bounds the service message shown by Error().
const maxMessage = 1024

// Error is the one error type for a failed API call, from every service.
type Error struct {
	// Service is the short service name: "dial", "infsh", "vectorvein", "dragoneye".
	Service string
	// StatusCode is the HTTP status. For an error reported inside a 200 stream
	// it is that 200; for an error envelope it is the envelope's status, and
	// HTTPStatus holds the HTTP status of the response that carried it.
	StatusCode int
	// HTTPStatus is the HTTP status of the response when StatusCode came from
	// an error envelope inside it (VectorVein answers HTTP 200 with
	// {"status": 401, ...}); 0 when StatusCode is the HTTP status itself.
	HTTPStatus int
	// Code is the service's error code or type, if it sent one.
	Code string
	// Message is the service's error message, if it sent one.
	Message string
	// RequestID is taken from the first of the usual request id headers
	// (x-request-id, request-id, x-amzn-requestid, cf-ray, ...).
	RequestID string
	// Method is the HTTP method of the request.
	Method string
	// URL is the request URL without secrets: userinfo dropped, sensitive
	// query values replaced by "REDACTED".
	URL string
	// Header holds the response headers, sensitive ones redacted and the
	// credentials sent scrubbed from the others.
	Header http.Header
	// Body holds at most MaxBody bytes of the raw response body, with the
	// credentials that were sent scrubbed out.
	Body []byte
}

// Error renders the failure on one line, e.g.
//
//	dial: POST http://h/openai/deployments/x/chat/completions: 429 Too Many Requests: rate_limit: slow down (request id r-1)
func (e *Error) Error() string {
	if e == nil {
		return "<nil *apierror.Error>"
	}
	var b strings.Builder
	if e.Service != "" {
		b.WriteString(e.Service)
		b.WriteString(": ")
	}
	if e.Method != "" || e.URL != "" {
		b.WriteString(strings.TrimSpace(e.Method + " " + e.URL))
		b.WriteString(": ")
	}
	if e.HTTPStatus != 0 && e.HTTPStatus != e.StatusCode {
		fmt.Fprintf(&b, "HTTP %d with error status %d", e.HTTPStatus, e.StatusCode)
	} else {
		b.WriteString(statusText(e.StatusCode))
	}
	if e.Code != "" || e.Message != "" {
		b.WriteString(": ")
		if e.Code != "" {
			b.WriteString(oneLine(e.Code, 128))
			if e.Message != "" {
				b.WriteString(": ")
			}
		}
		b.WriteString(oneLine(e.Message, maxMessage))
	}
	if e.RequestID != "" {
		b.WriteString(" (request id ")
		b.WriteString(oneLine(e.RequestID, 128))
		b.WriteString(")")
	}
	return b.String()
}

// Retryable reports whether a later identical request may succeed: 408, 429
// and every 5xx status.
func (e *Error) Retryable() bool {
	if e == nil {
		return false
	}
	return e.StatusCode == http.StatusRequestTimeout ||
		e.StatusCode == http.StatusTooManyRequests ||
		e.StatusCode >= 500 && e.StatusCode <= 599
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("%d %s", code, t)
	}
	return fmt.Sprintf("status %d", code)
}

// oneLine collapses whitespace (so a message cannot forge extra log lines)
// and cuts s to at most max bytes on a rune boundary.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// BodyParser extracts the service's error code and message from a raw error
// body. It is service-specific, receives at most MaxBody bytes, and must not
// panic on garbage (FromResponse recovers if it does anyway). Returning two
// empty strings means "nothing found"; FromResponse then tries ParseJSON.
type BodyParser func(body []byte) (code, message string)

// requestIDHeaders lists the headers a request id is read from, in order.
var requestIDHeaders = []string{
	"X-Request-Id", "Request-Id", "X-Amzn-Requestid", "X-Amz-Request-Id",
	"X-Correlation-Id", "X-Trace-Id", "Cf-Ray",
}

// RequestID returns the first non-empty request id found in h, or "".
func RequestID(h http.Header) string {
	for _, name := range requestIDHeaders {
		if v := strings.TrimSpace(h.Get(name)); v != "" {
			return v
		}
	}
	return ""
}

// FromResponse builds an *Error from a failed response. It reads at most
// MaxBody bytes of the body and closes it. parse may be nil; when it is nil or
// finds nothing, the common JSON error shapes are tried (see ParseJSON).
// A nil resp gives an *Error with only Service set.
func FromResponse(service string, resp *http.Response, parse BodyParser) *Error {
	e := &Error{Service: service}
	if resp == nil {
		return e
	}
	e.StatusCode = resp.StatusCode
	e.RequestID = RequestID(resp.Header)
	var secrets []string
	if req := resp.Request; req != nil {
		e.Method = req.Method
		e.URL = redact.URL(req.URL)
		secrets = redact.RequestSecrets(req)
	}
	e.Header = redact.ScrubHeader(resp.Header, secrets)
	if resp.Body != nil {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, MaxBody))
		_ = resp.Body.Close()
		e.Body = redact.ScrubBytes(body, secrets)
	}
	code, msg := safeParse(parse, e.Body)
	if code == "" && msg == "" {
		code, msg = ParseJSON(e.Body)
	}
	e.Code = redact.Scrub(code, secrets)
	e.Message = redact.Scrub(msg, secrets)
	e.RequestID = redact.Scrub(e.RequestID, secrets)
	return e
}

// ScrubSecrets replaces every secret (and its JSON-escaped and URL-encoded
// forms, see the redact package) in the text e holds from the server: Code,
// Message, RequestID, URL, Header values and Body. The SDK calls it on every
// error it returns, with the credentials the call sent.
func (e *Error) ScrubSecrets(secrets []string) {
	if e == nil || len(secrets) == 0 {
		return
	}
	e.Code = redact.Scrub(e.Code, secrets)
	e.Message = redact.Scrub(e.Message, secrets)
	e.RequestID = redact.Scrub(e.RequestID, secrets)
	e.URL = redact.Scrub(e.URL, secrets)
	e.Header = redact.ScrubHeader(e.Header, secrets)
	e.Body = redact.ScrubBytes(e.Body, secrets)
}

func safeParse(parse BodyParser, body []byte) (code, msg string) {
	if parse == nil || len(body) == 0 {
		return "", ""
	}
	defer func() {
		if recover() != nil {
			code, msg = "", ""
		}
	}()
	return parse(body)
}

// ParseJSON is a BodyParser for the common JSON error shapes:
//
//	{"error": {"code"|"type": ..., "message": ...}}
//	{"error": "message"}           {"message": "...", "code"|"type": ...}
//	{"detail": "message"}          {"detail": [{"msg": "..."}]}   (FastAPI)
//
// A body that is not JSON gives its first line as the message when it looks
// like text, and nothing otherwise.
func ParseJSON(body []byte) (code, message string) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return "", plainText(body)
	}
	if raw, ok := top["error"]; ok {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return scalar(top["code"], top["type"]), s
		}
		var inner map[string]json.RawMessage
		if json.Unmarshal(raw, &inner) == nil {
			code = scalar(inner["code"], inner["type"])
			message = scalar(inner["message"], inner["msg"], inner["detail"])
			if code != "" || message != "" {
				return code, message
			}
		}
	}
	code = scalar(top["code"], top["type"], top["error_code"])
	message = scalar(top["message"], top["msg"], top["error_message"], top["detail"])
	if message == "" {
		var details []struct {
			Msg string `json:"msg"`
		}
		if raw, ok := top["detail"]; ok && json.Unmarshal(raw, &details) == nil {
			var msgs []string
			for _, d := range details {
				if d.Msg != "" {
					msgs = append(msgs, d.Msg)
				}
			}
			message = strings.Join(msgs, "; ")
		}
	}
	return code, message
}

// scalar returns the first value that is a JSON string or number, as text.
func scalar(raws ...json.RawMessage) string {
	for _, raw := range raws {
		if len(raw) == 0 {
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) == nil && s != "" {
			return s
		}
		var n json.Number
		if json.Unmarshal(raw, &n) == nil && n != "" {
			return n.String()
		}
	}
	return ""
}

// plainText returns the first line of a short textual body, or "" for
// binary, HTML or empty bodies.
func plainText(body []byte) string {
	s := strings.TrimSpace(string(body))
	if s == "" || !utf8.ValidString(s) || strings.HasPrefix(s, "<") || strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[") {
		return ""
	}
	line, _, _ := strings.Cut(s, "\n")
	for _, r := range line {
		if r < 0x20 && r != '\t' {
			return ""
		}
	}
	return oneLine(line, 256)
}

// InputError reports that a call argument or option was invalid; no request
// was sent.
type InputError struct {
	// Service is the short service name, "" for an option checked before a
	// client knew its service.
	Service string
	// Field names what was invalid, e.g. "deployment id" or "base URL".
	Field string
	// Reason says why, e.g. "must not be empty".
	Reason string
}

// Error renders e.g. "dial: invalid deployment id: must not be empty".
func (e *InputError) Error() string {
	if e == nil {
		return "<nil *apierror.InputError>"
	}
	var b strings.Builder
	if e.Service != "" {
		b.WriteString(e.Service)
		b.WriteString(": ")
	}
	b.WriteString("invalid ")
	if e.Field != "" {
		b.WriteString(e.Field)
	} else {
		b.WriteString("input")
	}
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	return b.String()
}

// BodyTooLargeError reports a successful response whose body is longer than
// the most an SDK helper reads into memory (for example a call returning the
// raw body as []byte). Nothing is lost on the server; read such bodies as a
// stream instead: the service's streaming or download methods, or the
// generated client from the service client's Raw(), whose responses carry
// the body as an io.Reader.
type BodyTooLargeError struct {
	// Service is the short service name.
	Service string
	// Limit is the most that is read into memory, in bytes.
	Limit int64
}

// Error renders e.g. "dial: response body larger than 64 MiB, the most read
// into memory; read it as a stream (the streaming/download methods, or the
// generated client from Raw())".
func (e *BodyTooLargeError) Error() string {
	if e == nil {
		return "<nil *apierror.BodyTooLargeError>"
	}
	size := fmt.Sprintf("%d bytes", e.Limit)
	if e.Limit > 0 && e.Limit%(1<<20) == 0 {
		size = fmt.Sprintf("%d MiB", e.Limit>>20)
	}
	msg := "response body larger than " + size + ", the most read into memory; " +
		"read it as a stream (the streaming/download methods, or the generated client from Raw())"
	if e.Service != "" {
		msg = e.Service + ": " + msg
	}
	return msg
}
