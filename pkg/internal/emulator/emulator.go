// Package emulator is the kit every service emulator (pkg/<svc>/<svc>test) is
// built on: it serves a service handler on loopback, validates every request
// and response against the service's OpenAPI spec (from specs.FS), injects
// faults, and records requests and spec violations for assertions.
//
// A request travels this chain:
//
//	admin endpoints (/_emulator/...)
//	-> routing (spec templates; x-greedy-path parameters may span "/")
//	-> body buffering (bounded) -> recording -> fault injection
//	-> 404 (no template) / 405 (method not in spec)
//	-> request validation (400 spec_violation, or the service's own answer
//	   given with WithViolationResponse)
//	-> the service handler
//	-> response validation (recorded; t.Errorf under tests)
//
// Request validation is kin-openapi's plus two rules: a query parameter the
// operation does not declare is a violation (kin-openapi ignores it), so a
// misspelt parameter cannot pass unnoticed; and an integer of a JSON request
// body whose schema says `format: int64` or `int32` must fit that format
// exactly (kin-openapi compares after converting to float64, so 2^63 passed as
// an int64).
//
// Response validation is strict: every status a handler answers must be
// documented for the operation (or covered by a `default` response), and the
// handler must set the Content-Type its spec documents (net/http's sniffing
// is not seen by the validator). Responses produced by the kit itself (400
// spec_violation, 404, 405, 501, injected faults) are not validated; a
// request-violation answer rendered by a WithViolationResponse function is
// the service's own and is validated like a handler's.
//
// Path templates are matched segment by segment; a literal segment beats a
// parameter, which beats a greedy parameter (see GreedyExtension). Server
// URLs with a path ("https://api.example.com/v1") are honoured: requests may
// use the spec paths with or without that prefix. Handlers read path
// parameters with r.PathValue(name) and the operation with OperationID(r).
//
// Streaming conventions for specs validated by this kit:
//
//   - text/event-stream: the response schema is the schema of ONE event's
//     data (parsed as JSON). Every event with data is validated against it;
//     "data: [DONE]" is skipped. Streams whose events have several shapes use
//     oneOf/anyOf. A schema of plain `type: string` turns per-event
//     validation off (only the framing is parsed).
//   - application/x-ndjson: the response schema is the schema of ONE line.
//     Blank lines are skipped; every other line must be JSON valid against
//     the schema (heartbeat lines must be part of the schema).
//   - binary bodies (application/octet-stream, application/zip,
//     application/vnd.apache.parquet) are described as
//     `type: string, format: binary` and accepted as opaque bytes.
//
// Bodies larger than the validation limits (8 MiB for binary, multipart and
// streamed responses, 32 MiB for JSON requests) are passed through without
// body validation and without being held in memory.
package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	pub "github.com/aiclients/sdk-go/pkg/emulator"
)

// Limits of the kit.
const (
	// MaxRecordedBody is how much of each request body is recorded.
	MaxRecordedBody = pub.MaxRecordedBody
	// MaxValidatedBinaryBody is the largest binary, multipart or other
	// non-JSON request body, and the largest response body, that is validated.
	MaxValidatedBinaryBody = 8 << 20
	// MaxValidatedJSONBody is the largest JSON request body that is validated.
	MaxValidatedJSONBody = 32 << 20
	// DefaultMaxRecorded is how many requests are kept by default (oldest
	// dropped first).
	DefaultMaxRecorded = pub.DefaultMaxRecorded
)

// TB is the part of testing.TB the kit uses (see package pkg/emulator).
type TB = pub.TB

// Option configures Start.
type Option func(*config)

type config struct {
	addr              string
	validateResponses *bool
	validateRequests  bool
	spec              []byte
	maxRecorded       int
	onViolation       func(Violation)
	violationResponse ViolationResponseFunc
	admin             http.Handler
	seed              *int64
	bodyErrors        bool
}

// WithAddr sets the listen address (default "127.0.0.1:0").
func WithAddr(addr string) Option { return func(c *config) { c.addr = addr } }

// WithValidateResponses turns response validation on or off. It is on by
// default, with or without a TB: violations are always recorded, and under a
// TB they also fail the test.
func WithValidateResponses(on bool) Option {
	return func(c *config) { c.validateResponses = &on }
}

// WithValidateRequests turns request validation on or off (default on). Turn
// it off only to test how a handler copes with input the spec forbids.
func WithValidateRequests(on bool) Option { return func(c *config) { c.validateRequests = on } }

// WithSpec makes the server validate against doc (an OpenAPI 3.0 document in
// YAML or JSON) instead of specs.FS/<service>.yaml. Parsed documents are
// cached by content.
func WithSpec(doc []byte) Option {
	return func(c *config) { c.spec = append([]byte(nil), doc...) }
}

// WithMaxRecorded bounds how many requests Requests keeps (default
// DefaultMaxRecorded; oldest dropped first). n <= 0 keeps the default.
func WithMaxRecorded(n int) Option { return func(c *config) { c.maxRecorded = n } }

// WithSeed seeds the server's Random (see RandomOf), which the service
// emulators make their ids from, so that they are the same in every run.
func WithSeed(seed int64) Option { return func(c *config) { c.seed = &seed } }

// Public applies the public kit's options (package pkg/emulator), which
// users pass to a service emulator's WithEmulatorOptions.
func Public(opts ...pub.Option) Option {
	p := pub.Apply(opts...)
	return func(c *config) {
		if p.Addr != "" {
			c.addr = p.Addr
		}
		if p.ValidateResponses != nil {
			c.validateResponses = p.ValidateResponses
		}
		if p.SkipRequestValidation {
			c.validateRequests = false
		}
		if p.MaxRecorded != 0 {
			c.maxRecorded = p.MaxRecorded
		}
		if p.ViolationHook != nil {
			c.onViolation = p.ViolationHook
		}
		if p.Seed != nil {
			c.seed = p.Seed
		}
	}
}

// WithViolationHook calls f for every violation as it is recorded (from the
// serving goroutine; f must be quick and safe for concurrent use).
// cmd/emulator uses it to print violations as they happen.
func WithViolationHook(f func(Violation)) Option { return func(c *config) { c.onViolation = f } }

// ViolationResponseFunc writes the answer to a request that breaks the spec.
// operationID is the operation the request was routed to (as OperationID
// would return it) and message the violation's message ("<operation>:
// <field>: <why>", credentials scrubbed). Path parameters are available with
// r.PathValue(name), and r.Body holds the (buffered) request body.
type ViolationResponseFunc func(w http.ResponseWriter, r *http.Request, operationID, message string)

// WithViolationResponse makes f render the answer to every request that fails
// request validation, instead of the kit's HTTP 400
// {"error":{"type":"spec_violation","message":...}}, for services whose spec
// documents another error shape. The violation is recorded either way, and
// f's answer is validated against the spec like a handler's (a response that
// breaks it is a response violation). A nil f keeps the kit's answer.
func WithViolationResponse(f ViolationResponseFunc) Option {
	return func(c *config) { c.violationResponse = f }
}

// WithBodyErrors passes a request whose body cannot be read (a broken chunked
// encoding, a connection cut mid-body) to the service handler, whose reads of
// r.Body fail with the same error, instead of the kit's HTTP 400; for services
// that answer it themselves (DIAL Core: 422 "Failed to receive body"). Such a
// request is recorded but not validated (there is no body to validate); the
// handler's answer is validated as usual.
func WithBodyErrors() Option { return func(c *config) { c.bodyErrors = true } }

// WithAdmin serves the service's own admin endpoints: a request under
// /_emulator/ that is none of the kit's endpoints goes to h (with the full
// path), instead of the kit's 404. Like the kit's, they are not validated
// and not recorded.
func WithAdmin(h http.Handler) Option { return func(c *config) { c.admin = h } }

// Request is one recorded request (see package pkg/emulator).
type Request = pub.Request

// Violation is one request or response that broke the spec (see package pkg/emulator).
type Violation = pub.Violation

// Emulator is what a running emulator offers to cmd/emulator and to
// examples: every service's Server (which embeds *Server) satisfies it.
type Emulator interface {
	// BaseURL is the URL clients use, e.g. "http://127.0.0.1:40123".
	BaseURL() string
	// Violations lists the spec violations seen so far.
	Violations() []Violation
	// Close stops the server.
	Close()
}

// Server is a running emulator.
type Server struct {
	// URL is the base URL of the server, e.g. "http://127.0.0.1:40123".
	URL string

	t           TB
	service     string
	spec        *compiledSpec
	handler     http.Handler
	cfg         config
	validateRes bool
	ln          net.Listener
	srv         *http.Server
	random      *Random

	closeOnce sync.Once
	mu        sync.Mutex
	closed    bool
	active    int           // handlers running
	drained   chan struct{} // closed when active drops to 0 (set by Close)
	requests  []*Request
	viols     []Violation
	faults    []*faultState
}

var _ Emulator = (*Server)(nil)

// Start serves h for service on a loopback listener. The spec is
// specs.FS/<service>.yaml unless WithSpec gives one. h may be nil (every
// operation then answers 501). With a non-nil t, Close runs at t's cleanup and
// response violations fail the test via t.Errorf.
func Start(t TB, service string, h http.Handler, opts ...Option) (*Server, error) {
	if t != nil {
		t.Helper()
	}
	cfg := config{addr: "127.0.0.1:0", validateRequests: true, maxRecorded: DefaultMaxRecorded}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.maxRecorded <= 0 {
		cfg.maxRecorded = DefaultMaxRecorded
	}
	registerDecoders()
	spec, err := loadSpec(service, cfg.spec)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return nil, fmt.Errorf("emulator %s: listen %s: %w", service, cfg.addr, err)
	}
	s := &Server{
		URL:         "http://" + ln.Addr().String(),
		t:           t,
		service:     service,
		spec:        spec,
		handler:     h,
		cfg:         cfg,
		validateRes: cfg.validateResponses == nil || *cfg.validateResponses,
		ln:          ln,
		random:      NewRandom(cfg.seed),
	}
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          nil,
	}
	go func() { _ = s.srv.Serve(ln) }()
	if t != nil {
		t.Cleanup(s.Close)
	}
	return s, nil
}

// BaseURL returns s.URL.
func (s *Server) BaseURL() string { return s.URL }

// Service returns the service name the server was started for.
func (s *Server) Service() string { return s.service }

// Close stops the server: the listener and every connection are closed at
// once (streams in flight end), then Close waits up to 5 seconds for running
// handlers to return. It is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		_ = s.srv.Close()
		done := make(chan struct{})
		s.mu.Lock()
		if s.active == 0 {
			close(done)
		} else {
			s.drained = done
		}
		s.mu.Unlock()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			if s.t != nil {
				s.t.Logf("emulator %s: handlers still running 5s after Close", s.service)
			}
		}
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
	})
}

// Requests returns copies of the recorded requests, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = *r
		out[i].Body = append([]byte(nil), r.Body...)
		out[i].Header = r.Header.Clone()
		out[i].Query = maps.Clone(r.Query)
		out[i].PathParams = maps.Clone(r.PathParams)
	}
	return out
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	s.requests = nil
	s.mu.Unlock()
}

// Violations returns the spec violations recorded so far, oldest first.
func (s *Server) Violations() []Violation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Violation{}, s.viols...)
}

// ResetViolations forgets the recorded violations.
func (s *Server) ResetViolations() {
	s.mu.Lock()
	s.viols = nil
	s.mu.Unlock()
}

func (s *Server) addViolation(v Violation) {
	s.mu.Lock()
	s.viols = append(s.viols, v)
	closed := s.closed
	s.mu.Unlock()
	if s.cfg.onViolation != nil {
		s.cfg.onViolation(v)
	}
	if s.t == nil || closed {
		return
	}
	if v.Direction == "response" {
		s.t.Errorf("emulator %s: response violates the spec: %s", s.service, v.Message)
	} else {
		s.t.Logf("emulator %s: request rejected: %s", s.service, v.Message)
	}
}

func (s *Server) record(r *http.Request, m routeMatch) *Request {
	rec := &Request{
		Method:     r.Method,
		Path:       r.URL.Path,
		Query:      r.URL.Query(),
		Header:     r.Header.Clone(),
		PathParams: m.params,
		Time:       time.Now(),
	}
	if m.tmpl != nil {
		rec.Template = m.tmpl.path
	}
	if m.op != nil {
		rec.Operation = operationName(m)
	}
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	if n := len(s.requests) - s.cfg.maxRecorded; n > 0 {
		s.requests = append([]*Request(nil), s.requests[n:]...)
	}
	s.mu.Unlock()
	return rec
}

// appendBody adds p to rec's recorded body, up to MaxRecordedBody.
func (s *Server) appendBody(rec *Request, p []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	room := MaxRecordedBody - len(rec.Body)
	if len(p) > room {
		p = p[:room]
		rec.BodyTruncated = true
	}
	rec.Body = append(rec.Body, p...)
}

type ctxKey struct{}

// OperationID returns the operationId the emulator routed r to ("" outside
// an emulator handler or for an operation without one). Path parameters are
// available with r.PathValue(name).
func OperationID(r *http.Request) string {
	v, _ := r.Context().Value(ctxKey{}).(string)
	return v
}

// ServeHTTP implements http.Handler; it is the whole chain described in the
// package documentation.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.active++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.active--
		if s.active == 0 && s.drained != nil {
			close(s.drained)
			s.drained = nil
		}
		s.mu.Unlock()
	}()

	if strings.HasPrefix(r.URL.Path, adminPrefix) {
		s.serveAdmin(w, r)
		return
	}

	m := s.spec.find(r.Method, r.URL.EscapedPath())
	body, err := s.prepareBody(r, m)
	rec := s.record(r, m)
	bodyErr := err != nil
	if bodyErr && !(s.cfg.bodyErrors && m.op != nil) {
		writeJSONError(w, http.StatusBadRequest, "invalid_request", "emulator: reading request body: "+err.Error())
		return
	}
	switch {
	case bodyErr:
		r.Body = failingBody{err}
	case body.streamed && body.prefix == nil:
		r.Body = &recordingBody{ReadCloser: r.Body, s: s, rec: rec}
	case body.streamed:
		s.appendBody(rec, body.prefix)
	default:
		s.appendBody(rec, body.data)
	}

	f := s.takeFault(r, m)
	if f != nil {
		if done := s.applyFaultBefore(w, r, f); done {
			return
		}
	}

	if !m.specified {
		writeJSONError(w, http.StatusNotFound, "not_found",
			fmt.Sprintf("emulator %s: no operation in the spec for %s %s", s.service, r.Method, r.URL.Path))
		return
	}
	if m.op == nil {
		w.Header().Set("Allow", strings.Join(m.allowed, ", "))
		writeJSONError(w, http.StatusMethodNotAllowed, "method_not_allowed",
			fmt.Sprintf("emulator %s: %s %s: method not in the spec (allowed: %s)", s.service, r.Method, m.tmpl.path, strings.Join(m.allowed, ", ")))
		return
	}

	h := s.handler
	if s.cfg.validateRequests && !bodyErr {
		if issues := s.validateRequest(r, m, body); len(issues) > 0 {
			v := newViolation("request", m, r, 0, issues)
			s.addViolation(v)
			render := s.cfg.violationResponse
			if render == nil {
				writeJSONError(w, http.StatusBadRequest, "spec_violation", v.Message)
				return
			}
			// The service renders its own answer; it runs (and is
			// validated) like a handler.
			h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				render(w, r, OperationID(r), v.Message)
			})
		}
	}

	for k, v := range m.params {
		r.SetPathValue(k, v)
	}
	r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, operationName(m)))

	cw := &capture{w: w, ctx: r.Context(), keep: s.validateRes}
	if f != nil && passThrough(f) {
		cw.fault = f
	}
	if h == nil {
		writeJSONError(cw, http.StatusNotImplemented, "not_implemented",
			fmt.Sprintf("emulator %s: %s is not implemented", s.service, operationName(m)))
	} else {
		s.serveHandler(cw, r, h)
	}
	if cw.status == 0 && !cw.cut {
		// The handler wrote nothing: net/http answers 200 with no body.
		cw.status, cw.header = http.StatusOK, w.Header().Clone()
	}
	if s.validateRes && !cw.cut {
		if issues := s.validateResponse(r, m, cw); len(issues) > 0 {
			s.addViolation(newViolation("response", m, r, cw.status, issues))
		}
	}
}

// serveHandler runs the handler; a panic other than http.ErrAbortHandler is
// turned into a 500 (when nothing was written yet) and reported.
func (s *Server) serveHandler(cw *capture, r *http.Request, h http.Handler) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler { //nolint:errorlint // sentinel compared by identity, as net/http does
				panic(p)
			}
			if s.t != nil {
				s.t.Errorf("emulator %s: handler panicked on %s %s: %v", s.service, r.Method, r.URL.Path, p)
			}
			if cw.status == 0 {
				writeJSONError(cw, http.StatusInternalServerError, "emulator_panic", fmt.Sprintf("emulator %s: handler panicked", s.service))
			}
		}
	}()
	h.ServeHTTP(cw, r)
}

func operationName(m routeMatch) string {
	if m.op == nil {
		return ""
	}
	if m.op.OperationID != "" {
		return m.op.OperationID
	}
	return m.method + " " + m.tmpl.path
}

// bodyInfo describes how the request body was prepared.
type bodyInfo struct {
	data     []byte // whole body (when !streamed)
	prefix   []byte // first bytes of a streamed body (already read)
	streamed bool   // too large to validate: passed through
}

// prepareBody reads a bounded body into memory so it can be validated and
// recorded; a body over the limit is streamed to the handler instead.
func (s *Server) prepareBody(r *http.Request, m routeMatch) (bodyInfo, error) {
	if r.Body == nil || r.Body == http.NoBody {
		r.Body = http.NoBody
		return bodyInfo{}, nil
	}
	limit := int64(MaxValidatedBinaryBody)
	if isJSONMedia(r.Header.Get("Content-Type")) {
		limit = MaxValidatedJSONBody
	}
	orig := r.Body
	if r.ContentLength > limit {
		// Known to be too large: record its start as the handler reads it.
		return bodyInfo{streamed: true}, nil
	}
	data, replay, prefix, err := readUpTo(orig, limit, r.ContentLength)
	if err != nil {
		return bodyInfo{}, err
	}
	if replay == nil {
		r.Body = io.NopCloser(bytes.NewReader(data))
		return bodyInfo{data: data}, nil
	}
	r.Body = &multiReadCloser{Reader: replay, Closer: orig}
	return bodyInfo{prefix: prefix, streamed: true}, nil
}

// failingBody is the body of a request whose body could not be read
// (WithBodyErrors): every read fails with that error.
type failingBody struct{ err error }

func (b failingBody) Read([]byte) (int, error) { return 0, b.err }
func (b failingBody) Close() error             { return nil }

type multiReadCloser struct {
	io.Reader
	io.Closer
}

// recordingBody records the first MaxRecordedBody bytes the handler reads of
// a body too large to buffer.
type recordingBody struct {
	io.ReadCloser
	s    *Server
	rec  *Request
	seen int64
}

func (b *recordingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 && b.seen <= MaxRecordedBody {
		b.s.appendBody(b.rec, p[:n])
	}
	b.seen += int64(n)
	return n, err
}

// readUpTo reads r until EOF or until more than limit bytes were read. When
// the whole body fit it returns it as data; otherwise it returns a reader that
// replays what was read (in chunks, never copied into one buffer) followed by
// the rest of r, and the first bytes (at least MaxRecordedBody+1 when
// available) as prefix. hint is the Content-Length (-1 when unknown).
func readUpTo(r io.Reader, limit, hint int64) (data []byte, replay io.Reader, prefix []byte, err error) {
	const chunk = 256 << 10
	size := int64(4 << 10)
	if hint >= 0 && hint < limit {
		size = hint + 1 // one read tells whether the announced length holds
	}
	var chunks [][]byte
	total := int64(0)
	for total <= limit {
		c := make([]byte, size)
		n, rerr := io.ReadFull(r, c)
		chunks = append(chunks, c[:n])
		total += int64(n)
		if errors.Is(rerr, io.ErrUnexpectedEOF) || errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			return nil, nil, nil, rerr
		}
		size = chunk
	}
	if total <= limit {
		if len(chunks) == 1 {
			return chunks[0], nil, nil, nil
		}
		data = make([]byte, 0, total)
		for _, c := range chunks {
			data = append(data, c...)
		}
		return data, nil, nil, nil
	}
	readers := make([]io.Reader, 0, len(chunks)+1)
	for _, c := range chunks {
		readers = append(readers, bytes.NewReader(c))
		if len(prefix) <= MaxRecordedBody {
			prefix = append(prefix, c[:min(len(c), MaxRecordedBody+1-len(prefix))]...)
		}
	}
	readers = append(readers, r)
	return nil, io.MultiReader(readers...), prefix, nil
}

func mediaType(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt, _, _ = strings.Cut(contentType, ";")
		mt = strings.TrimSpace(strings.ToLower(mt))
	}
	return mt
}

func isJSONMedia(contentType string) bool {
	mt := mediaType(contentType)
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// writeJSONError answers {"error":{"type":typ,"message":msg}}.
func writeJSONError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Del("Content-Length")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"type": typ, "message": msg}})
}
