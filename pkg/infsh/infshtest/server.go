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
//	client, _ := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(infshtest.APIKey))
//
// # Scripting
//
// Besides the built-ins (AppEcho, AgentTools, …), a test defines its own
// apps and agents, in Go or over HTTP (the admin endpoints every emulator
// serves, such as /_emulator/faults and /_emulator/requests, are in package
// github.com/aiclients/sdk-go/pkg/emulator):
//
//	srv := infshtest.NewServer(t)
//	srv.SetApp("acme/summarize", infshtest.ScriptedApp{Logs: []string{"loading"}, Output: map[string]string{"summary": "short"}}.App())
//	srv.SetAgent("acme/bot", infshtest.AgentTemplate{
//		Config: infsh.AgentConfig{Name: "Bot", CoreApp: infsh.CoreApp{Ref: "infsh/scripted-llm@latest"},
//			Tools: []infsh.AgentTool{{Name: "add", Type: infsh.AgentToolTypeClient}}},
//		Steps: []infshtest.ModelStep{
//			{ToolCall: &infshtest.ModelToolCall{Name: "add"}}, // Arguments: the call's JSON object
//			{Text: "The sum is 3."},
//		},
//	})
//
// Over HTTP:
//
//	POST /_emulator/apps    {"ref": "acme/summarize", "output": {...}, "logs": ["..."],
//	                         "deltas": [{"response": "..."}], "fail": "error text",
//	                         "requirements": [{"type": "secret", "key": "K", "message": "..."}],
//	                         "delay": "250ms"}                                  -> 204
//	POST /_emulator/agents  {"ref": "acme/bot", "id": "optional agent_id",
//	                         "config": {AgentConfig: name, tools, ...},
//	                         "steps": [{"tool_call": {"name": "add", "arguments": {...}}},
//	                                   {"tool_call": {...}, "approval": true},
//	                                   {"text": "...", "output": {...}},
//	                                   {"fail": "model overloaded"}]}            -> 204
//
// An app fails with "fail", answers 412 with "requirements", otherwise
// writes its logs and deltas and finishes with "output" (default: its
// input). An agent's steps are its core model's decisions, one per model
// call (each user message, tool result, approval or rejection), in order for
// each chat; a tool call to a client tool waits for POST /tools/{id}, one
// marked "approval" (or to a tool with require_approval) waits for
// POST /tools/{id}/invoke or /reject, and "fail" ends the run as failed.
// When the steps run out, the server's Model (WithModel; default
// ScriptedModel) decides.
//
// Outside Go, cmd/emulator serves it; point the official SDKs (or this
// module's client, through INFERENCE_BASE_URL) at its URL with the key
// APIKey.
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

	emukit "github.com/aiclients/sdk-go/pkg/emulator"
	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/internal/emulator"
)

// APIKey is the API key (a Bearer token) NewServer and Start accept unless
// WithAPIKey or WithAnyAPIKey says otherwise.
const APIKey = "inf_test_key"

// DefaultAPIKey is APIKey.
//
// Deprecated: use APIKey (the name every emulator of this module uses).
const DefaultAPIKey = APIKey

// jsonObject is a free-form JSON object: what the spec leaves open (app
// inputs and outputs, session state, tool arguments, interrupt meta). Every
// reply the emulator builds is one of the client's generated types.
type jsonObject = map[string]any

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
	//
	// Deprecated: use the package constant APIKey, or the key you passed to
	// WithAPIKey.
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

// NewServer starts an emulator for the test; it is closed at the test's
// cleanup, and spec violations in its responses fail the test.
func NewServer(t emukit.TB, opts ...Option) *Server {
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
		apiKey:      APIKey,
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
	emu := append([]emulator.Option{emulator.WithAdmin(http.HandlerFunc(s.serveAdmin)),
		emulator.WithViolationResponse(s.violation)}, cfg.emulatorOpts...)
	es, err := emulator.Start(t, "infsh", http.HandlerFunc(s.serve), emu...)
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

// handler answers one operation; path parameters come from r.PathValue.
type handler func(s *Server, w http.ResponseWriter, r *http.Request)

// operations maps each operationId of specs/infsh.yaml to its handler. The
// kit has routed and validated the request before; an operation missing
// here answers 501.
var operations = map[string]handler{
	"runApp":            (*Server).runApp,
	"getTask":           (*Server).getTask,
	"deleteTask":        (*Server).deleteTask,
	"listTaskFiles":     (*Server).listTaskFiles,
	"deleteTaskFiles":   (*Server).deleteTaskFiles,
	"getTaskStatus":     (*Server).getTaskStatus,
	"streamTask":        (*Server).streamTask,
	"cancelTask":        (*Server).cancelTask,
	"createFiles":       (*Server).createFiles,
	"uploadFileContent": (*Server).uploadFileContent,
	"listSessions":      (*Server).listSessions,
	"getSession":        (*Server).getSession,
	"endSession":        (*Server).endSession,
	"keepaliveSession":  (*Server).keepaliveSession,
	"runAgent":          (*Server).runAgent,
	"getChat":           (*Server).getChat,
	"streamChat":        (*Server).streamChat,
	"stopChat":          (*Server).stopChat,
	"getChatStatus":     (*Server).getChatStatus,
	"submitToolResult":  (*Server).submitToolResult,
	"approveTool":       (*Server).approveTool,
	"rejectTool":        (*Server).rejectTool,
}

// serve dispatches on the operation the kit routed r to, after checking the
// Bearer token on every operation but the presigned upload.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	op := emulator.OperationID(r)
	if op != "uploadFileContent" {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		token = strings.TrimSpace(token)
		if !ok || token == "" || (s.cfg.apiKey != "" && token != s.cfg.apiKey) {
			s.problem(w, r, http.StatusUnauthorized, "UNAUTHORIZED", "missing or invalid API key")
			return
		}
	}
	h := operations[op]
	if h == nil {
		s.problem(w, r, http.StatusNotImplemented, "NOT_IMPLEMENTED", "the emulator does not implement "+op)
		return
	}
	h(s, w, r)
}

func (s *Server) format(r *http.Request) Format {
	if r.Header.Get("X-API-Version") == "2" {
		return FormatBare
	}
	return s.cfg.format
}

// violation answers a request that breaks the spec as the real API answers a
// validation error: an RFC 9457 problem, HTTP 400, code VALIDATION (the
// "400 (validation)" the SDKs' error tests attest), whose detail says what is
// wrong. The kit records the violation either way.
func (s *Server) violation(w http.ResponseWriter, r *http.Request, _, message string) {
	s.problem(w, r, http.StatusBadRequest, "VALIDATION", message)
}

// envelopeV1 is the {"success", "status", "data"} envelope (FormatV1).
type envelopeV1 struct {
	Success bool `json:"success"`
	Status  int  `json:"status"`
	Data    any  `json:"data"`
}

// envelopeV3 is the {"data", "messages"} envelope (FormatV3).
type envelopeV3 struct {
	Data     any                     `json:"data"`
	Messages []infsh.ResponseMessage `json:"messages"`
}

// ok writes data (one of the client's generated types) in the server's
// envelope.
func (s *Server) ok(w http.ResponseWriter, r *http.Request, data any) {
	var body any
	switch s.format(r) {
	case FormatBare:
		body = data
	case FormatV3:
		body = envelopeV3{Data: data, Messages: []infsh.ResponseMessage{}}
	default:
		body = envelopeV1{Success: true, Status: http.StatusOK, Data: data}
	}
	writeJSON(w, "application/json", http.StatusOK, body)
}

// problem writes an RFC 9457 problem that also carries the legacy
// {"success": false, "error": {...}} members, so every SDK generation reads it.
func (s *Server) problem(w http.ResponseWriter, _ *http.Request, status int, code, detail string) {
	typ := "about:blank"
	if code != "" {
		typ = "https://api.inference.sh/errors/" + code
	}
	writeJSON(w, "application/problem+json", status, infsh.Problem{
		Type: &typ, Title: ptr(http.StatusText(status)), Status: &status, Detail: &detail, Code: &code,
		Success: ptr(false), Error: &infsh.LegacyError{Code: &code, Message: &detail},
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
