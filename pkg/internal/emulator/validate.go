package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/aiclients/sdk-go/pkg/internal/redact"
	"github.com/aiclients/sdk-go/pkg/stream"
)

// Media types with special handling.
const (
	mediaSSE     = "text/event-stream"
	mediaNDJSON  = "application/x-ndjson"
	mediaZip     = "application/zip"
	mediaParquet = "application/vnd.apache.parquet"
	mediaOctet   = "application/octet-stream"
	mediaHTML    = "text/html"
)

var decodersOnce sync.Once

// registerDecoders adds the kit's body decoders to kin-openapi's global
// registry, once per process.
func registerDecoders() {
	decodersOnce.Do(func() {
		openapi3filter.RegisterBodyDecoder(mediaSSE, sseBodyDecoder)
		openapi3filter.RegisterBodyDecoder(mediaNDJSON, ndjsonBodyDecoder)
		openapi3filter.RegisterBodyDecoder(mediaOctet, openapi3filter.FileBodyDecoder)
		openapi3filter.RegisterBodyDecoder(mediaZip, openapi3filter.FileBodyDecoder)
		openapi3filter.RegisterBodyDecoder(mediaParquet, openapi3filter.FileBodyDecoder)
		openapi3filter.RegisterBodyDecoder("multipart/form-data", openapi3filter.MultipartBodyDecoder)
		// HTML pages (e.g. a signed-link landing page) are validated as
		// plain strings; kin-openapi has no text/html decoder of its own.
		openapi3filter.RegisterBodyDecoder(mediaHTML, openapi3filter.PlainBodyDecoder)
	})
}

// issue is one problem: where (a field or location) and why.
type issue struct {
	field  string
	reason string
}

// newViolation builds the violation of r. Credentials the request carried
// (sensitive headers and query parameters) are scrubbed from the field and
// message: kin-openapi quotes the value of a parameter that fails to parse.
func newViolation(dir string, m routeMatch, r *http.Request, status int, issues []issue) Violation {
	op := operationName(m)
	secrets := append(redact.Secrets(r.Header), redact.QuerySecrets(r.URL)...)
	parts := make([]string, len(issues))
	for i, is := range issues {
		parts[i] = is.field + ": " + is.reason
	}
	return Violation{
		Direction: dir,
		Operation: op,
		Method:    r.Method,
		Path:      r.URL.Path,
		Status:    status,
		Field:     redact.Scrub(issues[0].field, secrets),
		Message:   redact.Scrub(op+": "+strings.Join(parts, "; "), secrets),
	}
}

func (s *Server) route(m routeMatch) *routers.Route {
	return &routers.Route{
		Spec:      s.spec.doc,
		Path:      m.tmpl.path,
		PathItem:  m.tmpl.item,
		Method:    m.method,
		Operation: m.op,
	}
}

// validateRequest checks r against the operation. The body is validated
// only when it was buffered; kin never sees the live body.
func (s *Server) validateRequest(r *http.Request, m routeMatch, body bodyInfo) []issue {
	vr := r.WithContext(r.Context())
	vr.GetBody = nil
	if body.streamed {
		vr.Body = http.NoBody
	} else {
		vr.Body = io.NopCloser(bytes.NewReader(body.data))
	}
	input := &openapi3filter.RequestValidationInput{
		Request:    vr,
		PathParams: m.params,
		Route:      s.route(m),
		Options: &openapi3filter.Options{
			ExcludeRequestBody:                body.streamed,
			MultiError:                        true,
			AuthenticationFunc:                openapi3filter.NoopAuthenticationFunc,
			SkipSettingDefaults:               true,
			RejectWhenRequestBodyNotSpecified: true,
		},
	}
	var out []issue
	if err := openapi3filter.ValidateRequest(r.Context(), input); err != nil {
		flatten(err, "request", &out)
	}
	if !slices.ContainsFunc(out, func(is issue) bool { return strings.HasPrefix(is.field, "request body") }) {
		out = append(out, s.intFormatIssues(r, m, body)...)
	}
	return append(out, s.undeclaredQuery(m, r.URL.Query())...)
}

// undeclaredQuery reports query parameters the operation does not declare
// (kin-openapi accepts any), so a misspelt or invented parameter is caught
// instead of being silently ignored as a real server might. Exploded object
// parameters contribute their property names, deepObject ones "name[...]",
// and apiKey security schemes in the query their names.
func (s *Server) undeclaredQuery(m routeMatch, q url.Values) []issue {
	if len(q) == 0 {
		return nil
	}
	known := map[string]bool{}
	var deep []string
	free := false
	add := func(ps openapi3.Parameters) {
		for _, ref := range ps {
			if ref == nil || ref.Value == nil || ref.Value.In != openapi3.ParameterInQuery {
				continue
			}
			p := ref.Value
			known[p.Name] = true
			if p.Style == openapi3.SerializationDeepObject {
				deep = append(deep, p.Name+"[")
			}
			if p.Schema != nil && p.Schema.Value != nil && p.Schema.Value.Type.Is(openapi3.TypeObject) &&
				(p.Explode == nil || *p.Explode) {
				for name := range p.Schema.Value.Properties {
					known[name] = true
				}
				ap := p.Schema.Value.AdditionalProperties
				if ap.Has == nil || *ap.Has || ap.Schema != nil {
					free = true // a free-form exploded object takes any name
				}
			}
		}
	}
	add(m.tmpl.item.Parameters)
	add(m.op.Parameters)
	if c := s.spec.doc.Components; c != nil {
		for _, ss := range c.SecuritySchemes {
			if ss != nil && ss.Value != nil && ss.Value.Type == "apiKey" && ss.Value.In == openapi3.ParameterInQuery {
				known[ss.Value.Name] = true
			}
		}
	}
	if free {
		return nil
	}
	var out []issue
	for _, name := range slices.Sorted(maps.Keys(q)) {
		if known[name] || slices.ContainsFunc(deep, func(prefix string) bool { return strings.HasPrefix(name, prefix) }) {
			continue
		}
		out = append(out, issue{fmt.Sprintf("query parameter %q", name), "not in the spec"})
	}
	return out
}

// validateResponse checks the captured response against the operation.
func (s *Server) validateResponse(r *http.Request, m routeMatch, cw *capture) []issue {
	header := cw.header
	mt := mediaType(header.Get("Content-Type"))
	streaming := mt == mediaSSE || mt == mediaNDJSON
	opts := &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		ExcludeResponseBody:   cw.overflow || streaming,
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    r,
			PathParams: m.params,
			Route:      s.route(m),
			Options:    opts,
		},
		Status:  cw.status,
		Header:  header,
		Body:    io.NopCloser(bytes.NewReader(cw.body.Bytes())),
		Options: opts,
	}
	var out []issue
	if err := openapi3filter.ValidateResponse(r.Context(), input); err != nil {
		flatten(err, "response", &out)
	}
	if len(out) == 0 && streaming && !cw.overflow {
		if schema := responseSchema(m.op, cw.status, header.Get("Content-Type")); schema != nil {
			if err := validateStream(mt, cw.body.Bytes(), schema); err != nil {
				flatten(err, "response body", &out)
			}
		}
	}
	return out
}

// responseSchema is the schema of the documented response for status and
// content type, or nil.
func responseSchema(op *openapi3.Operation, status int, contentType string) *openapi3.SchemaRef {
	if op == nil || op.Responses == nil {
		return nil
	}
	ref := op.Responses.Status(status)
	if ref == nil {
		ref = op.Responses.Default()
	}
	if ref == nil || ref.Value == nil {
		return nil
	}
	mt := ref.Value.Content.Get(contentType)
	if mt == nil {
		return nil
	}
	return mt.Schema
}

// eventError is a stream item that broke the item schema.
type eventError struct {
	kind  string // "event" or "line"
	index int    // 1-based
	err   error
}

func (e *eventError) Error() string {
	return fmt.Sprintf("%s #%d: %v", e.kind, e.index, e.err)
}

func (e *eventError) Unwrap() error { return e.err }

// opaqueSchema reports whether schema describes the whole stream as text,
// which turns per-item validation off.
func opaqueSchema(schema *openapi3.SchemaRef) bool {
	return schema == nil || schema.Value == nil ||
		(schema.Value.Type.Is("string") && len(schema.Value.Properties) == 0)
}

// validateStream validates every SSE event's data or NDJSON line against
// schema (the schema of one item). It returns an *eventError or a framing
// error.
func validateStream(media string, body []byte, schema *openapi3.SchemaRef) error {
	_, err := decodeStream(media, body, schema)
	return err
}

// decodeStream parses body and validates every item; it returns the decoded
// items.
func decodeStream(media string, body []byte, schema *openapi3.SchemaRef) ([]any, error) {
	var items [][]byte
	kind := "line"
	if media == mediaSSE {
		kind = "event"
		items = sseData(body)
	} else {
		items = ndjsonLines(body)
	}
	opaque := opaqueSchema(schema)
	var out []any
	for i, data := range items {
		if kind == "event" && string(bytes.TrimSpace(data)) == "[DONE]" {
			continue
		}
		if opaque {
			out = append(out, string(data))
			continue
		}
		var v any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return nil, &eventError{kind: kind, index: i + 1, err: fmt.Errorf("not JSON: %w", err)}
		}
		if dec.More() {
			return nil, &eventError{kind: kind, index: i + 1, err: errors.New("not JSON: more than one value")}
		}
		v = numbersToFloat(v)
		if err := schema.Value.VisitJSON(v, openapi3.VisitAsResponse(), openapi3.MultiErrors()); err != nil {
			return nil, &eventError{kind: kind, index: i + 1, err: err}
		}
		out = append(out, v)
	}
	return out, nil
}

// numbersToFloat turns json.Number values into float64 (kin validates
// float64), keeping integers exact when they fit.
func numbersToFloat(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return string(x)
		}
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = numbersToFloat(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbersToFloat(e)
		}
	}
	return v
}

// sseData returns the data of every event with data, decoded by pkg/stream
// with the same WHATWG rules the clients use (CR, LF or CRLF line ends, a
// leading BOM, comments, multi-line data joined with "\n"; a final event
// without a blank line is included).
func sseData(body []byte) [][]byte {
	return eventData(stream.NewSSEDecoder(bytes.NewReader(body), len(body)+1))
}

// ndjsonLines returns the non-blank lines of body, trimmed, decoded by
// pkg/stream like the clients do (LF, CRLF or CR line ends, a leading BOM).
func ndjsonLines(body []byte) [][]byte {
	return eventData(stream.NewNDJSONDecoder(bytes.NewReader(body), len(body)+1))
}

// eventData collects the data of every event of d. The size limit given to the
// decoders is the whole body, and the body is in memory, so d cannot fail.
func eventData(d stream.Decoder) [][]byte {
	var out [][]byte
	for d.Next() {
		out = append(out, bytes.Clone(d.Event().Data))
	}
	return out
}

// sseBodyDecoder is the kin-openapi body decoder for text/event-stream: it
// validates every event against the schema (one event's data) and returns
// the first event's value, so kin's own check of the returned value passes.
// A stream without events is an error for a non-opaque schema.
func sseBodyDecoder(body io.Reader, _ http.Header, schema *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	return streamBodyDecoder(mediaSSE, body, schema)
}

// ndjsonBodyDecoder is the kin-openapi body decoder for application/x-ndjson;
// see sseBodyDecoder.
func ndjsonBodyDecoder(body io.Reader, _ http.Header, schema *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	return streamBodyDecoder(mediaNDJSON, body, schema)
}

func streamBodyDecoder(media string, body io.Reader, schema *openapi3.SchemaRef) (any, error) {
	data, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	if opaqueSchema(schema) {
		return string(data), nil
	}
	items, err := decodeStream(media, data, schema)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, errors.New("stream has no items")
	}
	return items[0], nil
}

// flatten turns a kin-openapi error tree into issues, each naming its field.
// Schema reasons never quote the offending value, but parse errors of
// parameters do ("value x: an invalid integer"); newViolation scrubs the
// request's credentials from the result.
func flatten(err error, base string, out *[]issue) {
	switch e := err.(type) { //nolint:errorlint // the tree is walked level by level
	case openapi3.MultiError:
		for _, sub := range e {
			flatten(sub, base, out)
		}
		return
	case *openapi3filter.RequestError:
		loc := base
		switch {
		case e.Parameter != nil:
			loc = fmt.Sprintf("%s parameter %q", e.Parameter.In, e.Parameter.Name)
		case e.RequestBody != nil:
			loc = "request body"
		}
		if e.Err != nil && isStructured(e.Err) {
			flatten(e.Err, loc, out)
			return
		}
		*out = append(*out, issue{loc, joinReason(e.Reason, e.Err)})
		return
	case *openapi3filter.ResponseError:
		loc, reason := responseLocation(e)
		if e.Err != nil && isStructured(e.Err) {
			flatten(e.Err, loc, out)
			return
		}
		*out = append(*out, issue{loc, joinReason(reason, e.Err)})
		return
	case *eventError:
		flatten(e.err, fmt.Sprintf("%s %s #%d", base, e.kind, e.index), out)
		return
	}
	var (
		schErr *openapi3.SchemaError
		parErr *openapi3filter.ParseError
		secErr *openapi3filter.SecurityRequirementsError
	)
	switch {
	case errors.As(err, &schErr):
		field := base
		if p := schErr.JSONPointer(); len(p) > 0 {
			field += " /" + strings.Join(p, "/")
		}
		reason := schErr.Reason
		if reason == "" {
			reason = fmt.Sprintf("doesn't match schema %q", schErr.SchemaField)
		}
		*out = append(*out, issue{field, reason})
	case errors.As(err, &parErr):
		field := base
		reason := parErr.Error()
		if p := parErr.Path(); len(p) > 0 {
			parts := make([]string, len(p))
			for i, v := range p {
				parts[i] = fmt.Sprint(v)
			}
			field += " /" + strings.Join(parts, "/")
			reason = strings.TrimPrefix(reason, "path "+strings.Join(parts, ".")+": ")
		}
		*out = append(*out, issue{field, reason})
	case errors.As(err, &secErr):
		*out = append(*out, issue{"security", "requirements not met"})
	default:
		*out = append(*out, issue{base, err.Error()})
	}
}

func joinReason(reason string, err error) string {
	switch {
	case err == nil:
	case reason == "" || reason == err.Error():
		reason = err.Error()
	default:
		reason += ": " + err.Error()
	}
	if reason == "" {
		reason = "invalid"
	}
	return reason
}

func isMulti(err error) bool {
	_, ok := err.(openapi3.MultiError) //nolint:errorlint // only a direct MultiError is flattened
	return ok
}

// isStructured reports whether err carries field information flatten can
// extract.
func isStructured(err error) bool {
	var (
		schErr *openapi3.SchemaError
		parErr *openapi3filter.ParseError
		evErr  *eventError
	)
	return isMulti(err) || errors.As(err, &schErr) || errors.As(err, &parErr) || errors.As(err, &evErr)
}

// responseLocation derives the field from a ResponseError's reason.
func responseLocation(e *openapi3filter.ResponseError) (loc, reason string) {
	r := e.Reason
	switch {
	case r == "status is not supported":
		return "response status", fmt.Sprintf("status %d is not documented", e.Input.Status)
	case strings.HasPrefix(r, "response header "):
		rest := strings.TrimPrefix(r, "response header ")
		if name, err := strconv.QuotedPrefix(rest); err == nil {
			return "response header " + name, strings.TrimSpace(strings.TrimPrefix(rest, name))
		}
		if strings.HasPrefix(rest, "Content-Type") {
			return `response header "Content-Type"`, strings.TrimSpace(strings.TrimPrefix(rest, "Content-Type"))
		}
		return "response header", rest
	case strings.Contains(r, "body"):
		return "response body", r
	}
	return "response", r
}
