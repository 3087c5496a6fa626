// Package infshtest is an in-memory emulator of the inference.sh API for
// tests, examples and other languages' SDKs (through cmd/emulator).
//
// It keeps state: apps registered by the test (with built-ins), tasks that
// walk the real status sequence and stream their updates as NDJSON (SSE when
// asked) with heartbeats and partial updates, two-step file uploads with a
// presigned upload URL on the same server, app sessions with idle expiry on
// an injectable clock, and agents whose scripted core model answers, calls
// client tools and asks for approval. Every request and response is
// validated against specs/infsh.yaml.
//
//	srv := infshtest.NewServer(t)
//	client, _ := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(srv.APIKey))
package infshtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aiclients/sdk-go/gen/infshapi"
	emukit "github.com/aiclients/sdk-go/pkg/emulator"
	"github.com/aiclients/sdk-go/pkg/internal/emulator"
)

// DefaultAPIKey is the API key NewServer and Start accept unless WithAPIKey
// says otherwise.
const DefaultAPIKey = "inf_test_key"

// Format selects the JSON envelope of successful responses.
type Format int

const (
	// FormatV1 is {"success": true, "status": 200, "data": ...}: what the
	// official Python SDK's agent calls require (its other calls accept it
	// too). The default.
	FormatV1 Format = iota
	// FormatV3 is {"data": ..., "messages": [...]}, the newest documented form.
	FormatV3
	// FormatBare is the resource itself (the legacy v2 form, also chosen per
	// request with the header X-API-Version: 2). It is outside the published
	// spec, so response validation flags it: use it with
	// WithEmulatorOptions(emukit.WithValidateResponses(false)).
	FormatBare
)

// Clock tells the emulator the time; sessions expire by it.
type Clock func() time.Time

type config struct {
	apiKey        string
	anyKey        bool
	format        Format
	clock         Clock
	stepDelay     time.Duration
	heartbeat     time.Duration
	apps          map[string]*App
	agents        map[string]AgentTemplate
	model         Model
	emulatorOpts  []emulator.Option
	defaultIdle   time.Duration
	noBuiltinApps bool
}

// Option configures a Server.
type Option func(*config)

// WithAPIKey sets the only API key the server accepts (Bearer).
func WithAPIKey(key string) Option { return func(c *config) { c.apiKey = key; c.anyKey = false } }

// WithAnyAPIKey makes the server accept any non-empty Bearer token.
func WithAnyAPIKey() Option { return func(c *config) { c.anyKey = true } }

// WithFormat sets the envelope of successful JSON responses.
func WithFormat(f Format) Option { return func(c *config) { c.format = f } }

// WithClock sets the clock sessions expire by (default time.Now).
func WithClock(now Clock) Option { return func(c *config) { c.clock = now } }

// WithStepDelay sets the pause between two task status steps (default 2ms).
func WithStepDelay(d time.Duration) Option { return func(c *config) { c.stepDelay = d } }

// WithHeartbeat sets the interval of stream heartbeats (default 10s, as the
// real server).
func WithHeartbeat(d time.Duration) Option { return func(c *config) { c.heartbeat = d } }

// WithApp registers an app under its ref (namespace/name; a version suffix
// "@v" in calls is accepted and ignored), replacing a built-in of that name.
func WithApp(ref string, app App) Option {
	return func(c *config) { a := app; c.apps[appName(ref)] = &a }
}

// WithoutBuiltinApps leaves only the apps and agents given with WithApp and
// WithAgent.
func WithoutBuiltinApps() Option { return func(c *config) { c.noBuiltinApps = true } }

// WithAgent registers a template agent under its ref (namespace/name).
func WithAgent(ref string, a AgentTemplate) Option {
	return func(c *config) { c.agents[appName(ref)] = a }
}

// WithModel replaces the scripted core model of every agent.
func WithModel(m Model) Option { return func(c *config) { c.model = m } }

// WithDefaultSessionTimeout sets the idle timeout of sessions started
// without session_timeout (default 60s).
func WithDefaultSessionTimeout(d time.Duration) Option {
	return func(c *config) { c.defaultIdle = d }
}

// WithEmulatorOptions passes options of the shared emulator kit (package
// github.com/aiclients/sdk-go/pkg/emulator): the listen address, request and
// response validation, the violation hook, how many requests are recorded.
func WithEmulatorOptions(opts ...emukit.Option) Option {
	return func(c *config) { c.emulatorOpts = append(c.emulatorOpts, emulator.Public(opts...)) }
}

// Server is a running inference.sh emulator.
type Server struct {
	*emulator.Server
	// APIKey is the key the server accepts ("" with WithAnyAPIKey).
	APIKey string

	cfg    config
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	seq    atomic.Uint64

	mu        sync.Mutex
	tasks     map[string]*task
	files     map[string]*file // by id
	uploads   map[string]*file // by upload token
	sessions  map[string]*session
	chats     map[string]*chat
	tools     map[string]*toolRef // invocation id -> chat
	drops     []streamDrop
	closeOnce sync.Once
}

// handlers implements the generated server interface, one method per
// operation (kept off Server's own method set).
type handlers struct{ *Server }

var _ infshapi.ServerInterface = (*handlers)(nil)

// NewServer starts an emulator for the test; it is closed at the test's
// cleanup, and spec violations in its responses fail the test.
func NewServer(t emulator.TB, opts ...Option) *Server {
	t.Helper()
	s, err := start(t, opts)
	if err != nil {
		t.Errorf("infshtest: %v", err)
		return nil
	}
	return s
}

// Start starts an emulator outside a test (cmd/emulator, examples). Close it
// when done.
func Start(opts ...Option) (*Server, error) { return start(nil, opts) }

func start(t emulator.TB, opts []Option) (*Server, error) {
	cfg := config{
		apiKey:      DefaultAPIKey,
		clock:       time.Now,
		stepDelay:   2 * time.Millisecond,
		heartbeat:   10 * time.Second,
		apps:        map[string]*App{},
		agents:      map[string]AgentTemplate{},
		defaultIdle: 60 * time.Second,
	}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.anyKey {
		cfg.apiKey = ""
	}
	if !cfg.noBuiltinApps {
		for ref, a := range builtinApps() {
			if _, ok := cfg.apps[ref]; !ok {
				a := a
				cfg.apps[ref] = &a
			}
		}
		for ref, a := range builtinAgents() {
			if _, ok := cfg.agents[ref]; !ok {
				cfg.agents[ref] = a
			}
		}
	}
	if cfg.model == nil {
		cfg.model = ScriptedModel
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		APIKey:   cfg.apiKey,
		cfg:      cfg,
		ctx:      ctx,
		cancel:   cancel,
		tasks:    map[string]*task{},
		files:    map[string]*file{},
		uploads:  map[string]*file{},
		sessions: map[string]*session{},
		chats:    map[string]*chat{},
		tools:    map[string]*toolRef{},
	}
	h := infshapi.HandlerWithOptions(&handlers{s}, infshapi.StdHTTPServerOptions{
		Middlewares: []infshapi.MiddlewareFunc{s.auth},
		ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			s.problem(w, r, http.StatusBadRequest, "VALIDATION", err.Error())
		},
	})
	es, err := emulator.Start(t, "infsh", h, cfg.emulatorOpts...)
	if err != nil {
		cancel()
		return nil, err
	}
	s.Server = es
	if t != nil {
		t.Cleanup(s.Close) // runs before the kit's own cleanup (LIFO)
	}
	return s, nil
}

// Close stops running tasks and streams, then the server.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.cancel()
		s.wg.Wait()
		s.Server.Close()
	})
}

// go runs f on a goroutine that Close waits for.
func (s *Server) goRun(f func()) {
	s.wg.Add(1)
	go func() { defer s.wg.Done(); f() }()
}

func (s *Server) now() time.Time { return s.cfg.clock().UTC() }

// newID returns a 26-character id in the style of the real ones: 13
// characters from the kit's Random (reproducible with emulator.WithSeed),
// then a sequence number (unique).
func (s *Server) newID() string {
	const alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
	n := s.seq.Add(1)
	b := []byte("00000000000000000000000000")
	stamp := emulator.RandomOf(s.Server).Uint64()
	for i := 0; i < 13; i++ {
		b[i] = alphabet[stamp%32]
		stamp /= 32
	}
	for i := 25; i >= 13; i-- {
		b[i] = alphabet[n%32]
		n /= 32
	}
	return string(b)
}

// auth checks the Bearer token on every route but the presigned upload.
func (s *Server) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/uploads/") {
			next.ServeHTTP(w, r)
			return
		}
		h := r.Header.Get("Authorization")
		token, ok := strings.CutPrefix(h, "Bearer ")
		token = strings.TrimSpace(token)
		if !ok || token == "" || (s.cfg.apiKey != "" && token != s.cfg.apiKey) {
			s.problem(w, r, http.StatusUnauthorized, "UNAUTHORIZED", "missing or invalid API key")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) format(r *http.Request) Format {
	if r.Header.Get("X-API-Version") == "2" {
		return FormatBare
	}
	return s.cfg.format
}

// ok writes data in the server's envelope.
func (s *Server) ok(w http.ResponseWriter, r *http.Request, data any) {
	var body any
	switch s.format(r) {
	case FormatBare:
		body = data
	case FormatV3:
		body = map[string]any{"data": data, "messages": []any{}}
	default:
		body = map[string]any{"success": true, "status": http.StatusOK, "data": data}
	}
	writeJSON(w, "application/json", http.StatusOK, body)
}

// problem writes an RFC 9457 problem that also carries the legacy
// {"success": false, "error": {...}} members, so every SDK generation reads it.
func (s *Server) problem(w http.ResponseWriter, r *http.Request, status int, code, detail string) {
	typ := "about:blank"
	if code != "" {
		typ = "https://api.inference.sh/errors/" + code
	}
	writeJSON(w, "application/problem+json", status, map[string]any{
		"type":    typ,
		"title":   http.StatusText(status),
		"status":  status,
		"detail":  detail,
		"code":    code,
		"success": false,
		"error":   map[string]any{"code": code, "message": detail},
	})
}

func writeJSON(w http.ResponseWriter, contentType string, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, fmt.Sprintf("infshtest: encoding response: %v", err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// decodeBody reads a JSON request body into v; on failure it answers 400.
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		s.problem(w, r, http.StatusBadRequest, "VALIDATION", "invalid JSON body: "+err.Error())
		return false
	}
	return true
}

// appName strips a version ("@v") and a function (":fn") from an app ref.
func appName(ref string) string {
	name, _, _ := strings.Cut(ref, "@")
	name, _, _ = strings.Cut(name, ":")
	return name
}
