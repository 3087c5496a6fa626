// Package dialtest is an in-memory emulator of AI DIAL Core for tests and
// demos, built on the SDK's emulator kit: every request and response is
// validated against specs/dial.yaml, faults can be injected, and requests are
// recorded.
//
// It serves deployments, models and applications (configurable), chat
// completions from a deterministic responder (JSON or server-sent events,
// word by word, usage on the last chunk, optional custom_content and
// mid-stream failures), per-user buckets with in-memory files (MD5 ETags,
// If-Match / If-None-Match preconditions, metadata and paginated listings),
// embeddings and legacy text completions (deterministic vectors, the prompt
// echoed), metadata of conversations and prompts (PutConversation,
// PutPrompt), and DIAL Core's error shapes: OpenAI-style JSON from
// deployments and plain text from the core itself.
//
// It behaves like DIAL Core 0.18 by default (a missing file deletes with
// 200, folder metadata without the trailing slash is 404), except that its
// listings' feature flags follow the newest Core read (every flag written,
// with that Core's defaults). Options imitate
// other wire forms: WithBareTextErrors (no Content-Type on Core's errors, as
// Core sends them), WithQuotedETags, WithHeartbeats (": heartbeat" stream
// comments), and WithLenientFolderMetadata (a leniency for aidial-client
// 0.3.0).
//
// Clients that cannot set a Responder (other languages, through
// cmd/emulator) can ask for failures in the request:
// custom_fields.configuration {"fail_after": n, "fail_message": "…"} fails a
// stream after n content chunks with a `data: {"error": …}` event, and
// {"fail_status": 503} fails the request with that status (JSON error).
//
// The next chat replies of a deployment can be scripted: text, tool calls,
// custom_content attachments, stages (with attachments) and state, usage, a
// mid-stream error or an error status. From Go, srv.ScriptReplies(deployment,
// replies...) queues Reply values; over HTTP, POST /_emulator/replies
// (AdminRepliesPath) takes the same replies as JSON (ScriptedReplies):
//
//	{"deployment": "echo", "replies": [
//	  {"content": "…", "attachments": [{"type", "title", "data" or "url"}],
//	   "stages": [{"name", "content", "attachments", "failed": bool}],
//	   "state": any JSON, "usage": {"prompt_tokens", "completion_tokens", "total_tokens"},
//	   "tool_calls": [{"id", "name", "arguments"}], "finish_reason": "stop",
//	   "fail_after": n, "fail_message": "…",
//	   "error": {"status", "type", "code", "message"}}]}
//
// Each chat completion of that deployment takes the next reply, streamed or
// not as it asks; then the Responder answers again. GET /_emulator/replies
// lists what is left per deployment, DELETE drops it.
//
// Like DIAL Core, a chat request that attaches a resource in another user's
// bucket (custom_content attachments, stage attachments or image_url parts)
// is refused with 403 "Access denied to the file <url>".
//
//	srv := dialtest.NewServer(t)
//	client, _ := dial.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(dialtest.APIKey))
package dialtest

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aiclients/sdk-go/pkg/dial"
	emukit "github.com/aiclients/sdk-go/pkg/emulator"
	"github.com/aiclients/sdk-go/pkg/internal/emulator"
)

// Credentials accepted by a server started without WithAPIKey/WithBearerToken.
// Both belong to the user DefaultUser.
const (
	APIKey      = "dialtest-key"
	BearerToken = "dialtest-token"
	DefaultUser = "user"
)

// createdAt is DIAL Core's default created_at/updated_at for configured
// deployments (epoch seconds).
const createdAt = 1672534800

// Deployment configures one model deployment served by the emulator; it is
// listed by /openai/deployments (as object "deployment") and /openai/models.
type Deployment struct {
	ID          string
	DisplayName string
	Description string
	// Features lists the feature flags that are true (e.g. "tokenize");
	// the rest are reported false, except DIAL Core's true-by-default ones.
	// Names that are not DIAL Core feature flags are ignored.
	Features []string
	// InputAttachmentTypes lists the accepted MIME patterns.
	InputAttachmentTypes []string
	// MaxPromptTokens and MaxCompletionTokens are reported in the model's limits.
	MaxPromptTokens, MaxCompletionTokens int64
}

// Application configures one application served by the emulator.
type Application struct {
	ID                   string
	DisplayName          string
	Description          string
	Features             []string
	InputAttachmentTypes []string
}

type config struct {
	emu          []emulator.Option
	keys         map[string]string // api key -> user
	tokens       map[string]string // bearer token -> user
	perRequest   map[string]perRequestKey
	deployments  []Deployment
	applications []Application
	responder    Responder
	maxStored    int64
	heartbeats   bool
	quotedETags  bool
	lenient      bool
	bareText     bool
}

// Option configures NewServer and Start.
type Option func(*config)

// WithEmulatorOptions passes options of the shared emulator kit (package
// github.com/aiclients/sdk-go/pkg/emulator): the listen address, request and
// response validation, the violation hook, how many requests are recorded.
func WithEmulatorOptions(opts ...emukit.Option) Option {
	return func(c *config) { c.emu = append(c.emu, emulator.Public(opts...)) }
}

// WithAPIKey accepts key as the API key of user. The first WithAPIKey or
// WithBearerToken replaces the default credentials.
func WithAPIKey(key, user string) Option {
	return func(c *config) {
		if c.keys == nil {
			c.keys, c.tokens = map[string]string{}, map[string]string{}
		}
		c.keys[key] = user
	}
}

// WithPerRequestKey accepts key as a per-request key: the key DIAL Core
// hands to application app while it serves user. With it, a request may also
// carry the user's bearer token, and GET /v1/bucket answers with appdata.
func WithPerRequestKey(key, user, app string) Option {
	return func(c *config) {
		if c.perRequest == nil {
			c.perRequest = map[string]perRequestKey{}
		}
		c.perRequest[key] = perRequestKey{user: user, app: app}
	}
}

type perRequestKey struct{ user, app string }

// WithBearerToken accepts token as a bearer token (JWT) of user.
func WithBearerToken(token, user string) Option {
	return func(c *config) {
		if c.keys == nil {
			c.keys, c.tokens = map[string]string{}, map[string]string{}
		}
		c.tokens[token] = user
	}
}

// WithDeployments replaces the default deployments ("gpt-4", "gpt-4o").
func WithDeployments(d ...Deployment) Option {
	return func(c *config) { c.deployments = append([]Deployment(nil), d...) }
}

// WithApplications replaces the default application ("echo").
func WithApplications(a ...Application) Option {
	return func(c *config) { c.applications = append([]Application(nil), a...) }
}

// WithResponder sets the chat model (default DefaultResponder).
func WithResponder(r Responder) Option {
	return func(c *config) { c.responder = r }
}

// WithHeartbeats makes chat and text completion streams carry a
// ": heartbeat" comment line before every data event, as DIAL SDK
// applications send them when DIAL_SDK_SSE_HEARTBEAT_INTERVAL is set and
// DIAL Core relays them (aidial-sdk application.py, utils/streaming.py).
// Clients must ignore them.
func WithHeartbeats() Option {
	return func(c *config) { c.heartbeats = true }
}

// WithQuotedETags makes the emulator send ETag response headers quoted
// ("\"<md5>\"", the RFC 9110 form) instead of DIAL Core 0.18's bare MD5 hex,
// to test that a client accepts both forms. The JSON etag fields stay bare.
func WithQuotedETags() Option {
	return func(c *config) { c.quotedETags = true }
}

// WithBareTextErrors sends DIAL Core's own errors exactly as Core 0.18 does:
// plain text with no Content-Type header at all (ProxyContext.respond). By
// default the emulator labels them text/plain; charset=utf-8, which generic
// HTTP tools expect. Clients should handle both.
func WithBareTextErrors() Option {
	return func(c *config) { c.bareText = true }
}

// WithLenientFolderMetadata makes GET /v1/metadata/files/{bucket}/{path}
// without the trailing slash list the folder when path names one. DIAL Core
// answers 404 there (it asks for an item); the option exists for
// aidial-client 0.3.0, which strips the slash from folder URLs. Off by
// default.
func WithLenientFolderMetadata() Option {
	return func(c *config) { c.lenient = true }
}

// WithMaxStoredSize keeps the content of uploaded files only up to n bytes;
// larger files keep exact metadata and ETag but their content is dropped
// (downloading one answers 500). Use it to upload huge files without holding
// them in memory. n <= 0 keeps everything (the default).
func WithMaxStoredSize(n int64) Option {
	return func(c *config) { c.maxStored = n }
}

// Server is a running DIAL emulator. It embeds the kit's server: URL,
// Requests, Violations, InjectFault and Close come from there.
type Server struct {
	*emulator.Server

	keys, tokens map[string]string
	perRequest   map[string]perRequestKey
	maxStored    int64
	heartbeats   bool
	quotedETags  bool

	lenientFolders bool
	bareText       bool

	mu           sync.Mutex
	deployments  []Deployment
	applications []Application
	responder    Responder
	script       replyScript        // ScriptReplies, /_emulator/replies
	buckets      map[string]*bucket // bucket id -> files
	seq          int64
	now          func() time.Time
}

// NewServer starts an emulator for a test; it is closed when the test ends,
// and a response that breaks the spec fails the test.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := start(t, opts)
	if err != nil {
		t.Fatalf("dialtest: %v", err)
	}
	return s
}

// Start starts an emulator outside a test (cmd/emulator, examples). Close it
// when done. Spec violations are recorded (see Violations), not fatal.
func Start(opts ...Option) (*Server, error) {
	return start(nil, opts)
}

func start(t emulator.TB, opts []Option) (*Server, error) {
	cfg := config{}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.keys == nil {
		cfg.keys = map[string]string{APIKey: DefaultUser}
		cfg.tokens = map[string]string{BearerToken: DefaultUser}
	}
	if cfg.deployments == nil {
		cfg.deployments = []Deployment{
			{ID: "gpt-4", DisplayName: "GPT 4", Description: "Chat completion model.", Features: []string{"tokenize", "truncate_prompt", "tools", "seed"},
				MaxPromptTokens: 8192, MaxCompletionTokens: 4096},
			{ID: "gpt-4o", DisplayName: "GPT-4o", Description: "Multimodal chat model.", Features: []string{"tokenize", "truncate_prompt", "tools", "seed", "url_attachments"},
				InputAttachmentTypes: []string{"image/png", "image/jpeg"}, MaxPromptTokens: 128000, MaxCompletionTokens: 16384},
		}
	}
	if cfg.applications == nil {
		cfg.applications = []Application{{ID: "echo", DisplayName: "Echo", Description: "Answers with what it was told.",
			InputAttachmentTypes: []string{"image/png", "text/txt", "image/jpeg"}}}
	}
	if cfg.responder == nil {
		cfg.responder = DefaultResponder
	}
	s := &Server{
		keys:           cfg.keys,
		tokens:         cfg.tokens,
		perRequest:     cfg.perRequest,
		maxStored:      cfg.maxStored,
		heartbeats:     cfg.heartbeats,
		quotedETags:    cfg.quotedETags,
		lenientFolders: cfg.lenient,
		bareText:       cfg.bareText,
		deployments:    cfg.deployments,
		applications:   cfg.applications,
		responder:      cfg.responder,
		buckets:        map[string]*bucket{},
		now:            time.Now,
	}
	// Core answers an unreadable deployment body itself (422, readDeploymentBody).
	es, err := emulator.Start(t, "dial", http.HandlerFunc(s.serve), append(cfg.emu, emulator.WithAdmin(http.HandlerFunc(s.serveAdmin)), emulator.WithBodyErrors())...)
	if err != nil {
		return nil, err
	}
	s.Server = es
	return s, nil
}

// SetResponder replaces the chat model of a running server.
func (s *Server) SetResponder(r Responder) {
	if r == nil {
		r = DefaultResponder
	}
	s.mu.Lock()
	s.responder = r
	s.mu.Unlock()
}

// BucketOf returns the bucket id of user (the value GET /v1/bucket returns
// for that user's credentials).
func BucketOf(user string) string {
	sum := sha256.Sum256([]byte("dialtest bucket of " + user))
	return new(big.Int).SetBytes(sum[:]).Text(62)[:32]
}

// serve dispatches by the operation the kit routed the request to.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if s.bareText {
		w = bareTextWriter{w}
	}
	user, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	op := emulator.OperationID(r)
	if s.heartbeats && (op == "createChatCompletion" || op == "createCompletion") {
		w = heartbeatWriter{w}
	}
	switch op {
	case "listDeployments":
		s.listDeployments(w, "deployment")
	case "listModels":
		s.listDeployments(w, "model")
	case "getDeployment":
		s.getDeployment(w, r.PathValue("deploymentId"), "deployment")
	case "getModel":
		s.getDeployment(w, r.PathValue("modelId"), "model")
	case "listApplications":
		s.listApplications(w)
	case "getApplication":
		s.getApplication(w, r.PathValue("applicationId"))
	case "createChatCompletion":
		s.chat(w, r, user)
	case "createEmbeddings":
		s.embeddings(w, r)
	case "createCompletion":
		s.completion(w, r)
	case "tokenize":
		s.tokenize(w, r)
	case "truncatePrompt":
		s.truncatePrompt(w, r)
	case "getBucket":
		b := dial.Bucket{Bucket: BucketOf(user)}
		if pr, ok := s.perRequest[r.Header.Get("Api-Key")]; ok {
			b.AppData = BucketOf(pr.user) + "/appdata/" + pr.app
		}
		writeJSON(w, http.StatusOK, b)
	case "uploadFile":
		s.upload(w, r, user)
	case "downloadFile":
		s.download(w, r, user)
	case "deleteFile":
		s.deleteFile(w, r, user)
	case "getFileMetadata", "getBucketRootMetadata",
		"getConversationsRootMetadata", "getConversationMetadata", "getPromptsRootMetadata", "getPromptMetadata":
		s.metadata(w, r, user)
	default:
		writeText(w, http.StatusNotFound, "No route")
	}
}

// authenticate applies DIAL Core's rules (Proxy.authorizeRequest): one of
// api-key (or X-API-KEY) and Authorization must be present; both only when
// they carry the same token.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (string, bool) {
	key := r.Header.Get("Api-Key")
	if key == "" {
		key = r.Header.Get("X-Api-Key")
	}
	authz := r.Header.Get("Authorization")
	token := ""
	if authz != "" {
		t, ok := cutPrefixFold(authz, "bearer ")
		switch {
		case ok:
			token = strings.TrimSpace(t)
		case strings.EqualFold(strings.TrimSpace(authz), "bearer"):
			// An empty bearer token: DIAL Core then uses only the API key.
		default:
			writeText(w, http.StatusUnauthorized, "Bad Authorization header")
			return "", false
		}
	}
	switch {
	case key == "" && token == "":
		writeText(w, http.StatusUnauthorized, "At least API-KEY or Authorization header must be provided")
		return "", false
	case key != "" && token != "" && key != token:
		if pr, ok := s.perRequest[key]; ok {
			return pr.user, true
		}
		writeText(w, http.StatusBadRequest, "Provided API key is not per request key")
		return "", false
	case token != "":
		if u, ok := s.tokens[token]; ok {
			return u, true
		}
		if u, ok := s.keys[token]; ok { // DIAL Core retries a bearer value as an API key
			return u, true
		}
		writeText(w, http.StatusUnauthorized, "Bad Authorization header")
		return "", false
	default:
		if u, ok := s.keys[key]; ok {
			return u, true
		}
		if pr, ok := s.perRequest[key]; ok {
			return pr.user, true
		}
		writeText(w, http.StatusUnauthorized, "Unknown api key")
		return "", false
	}
}

// heartbeatWriter puts a ": heartbeat" comment before every SSE data event
// written in one Write (WithHeartbeats).
type heartbeatWriter struct{ http.ResponseWriter }

func (h heartbeatWriter) Write(b []byte) (int, error) {
	if strings.HasPrefix(string(b[:min(len(b), 5)]), "data:") &&
		strings.HasPrefix(h.Header().Get("Content-Type"), "text/event-stream") {
		if _, err := h.ResponseWriter.Write([]byte(": heartbeat\n\n")); err != nil {
			return 0, err
		}
	}
	return h.ResponseWriter.Write(b)
}

// Flush flushes the underlying writer.
func (h heartbeatWriter) Flush() {
	if f, ok := h.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap returns the underlying writer (for http.ResponseController).
func (h heartbeatWriter) Unwrap() http.ResponseWriter { return h.ResponseWriter }

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// features reports the flags in on as true, the rest as DIAL Core's
// defaults (FeaturesData.java, newest copy read: true for system_prompt,
// allow_resume, accessible_by_per_request_key, temperature,
// parallel_tool_calls, max_tokens_supported and custom_temperature_supported;
// chat_completion true, as every emulated deployment serves chat). Every flag
// is written, as that Core writes every flag it knows.
func features(on []string) *dial.Features {
	f := &dial.Features{SystemPrompt: true, AllowResume: true, AccessibleByPerRequestKey: true}
	newer := map[string]bool{
		"content_parts": false, "temperature": true, "cache": false, "auto_caching": false,
		"parallel_tool_calls": true, "assistant_attachments_in_request": false, "mcp": false,
		"chat_completion": true, "responses_api": false, "max_tokens_supported": true,
		"max_completion_tokens_supported": false, "custom_temperature_supported": true,
	}
	for _, k := range on {
		if _, ok := newer[k]; ok {
			newer[k] = true
		}
	}
	flags := map[string]*bool{
		"rate": &f.Rate, "tokenize": &f.Tokenize, "truncate_prompt": &f.TruncatePrompt,
		"configuration": &f.Configuration, "system_prompt": &f.SystemPrompt, "tools": &f.Tools,
		"seed": &f.Seed, "url_attachments": &f.URLAttachments, "folder_attachments": &f.FolderAttachments,
		"allow_resume": &f.AllowResume, "accessible_by_per_request_key": &f.AccessibleByPerRequestKey,
	}
	for _, k := range on {
		if b, ok := flags[k]; ok {
			*b = true
		}
	}
	pointers := map[string]**bool{
		"content_parts": &f.ContentParts, "temperature": &f.Temperature, "cache": &f.Cache,
		"auto_caching": &f.AutoCaching, "parallel_tool_calls": &f.ParallelToolCalls,
		"assistant_attachments_in_request": &f.AssistantAttachmentsInRequest, "mcp": &f.MCP,
		"chat_completion": &f.ChatCompletion, "responses_api": &f.ResponsesAPI,
		"max_tokens_supported":            &f.MaxTokensSupported,
		"max_completion_tokens_supported": &f.MaxCompletionTokensSupported,
		"custom_temperature_supported":    &f.CustomTemperatureSupported,
	}
	for k, p := range pointers {
		*p = dial.Ptr(newer[k])
	}
	return f
}

// emptyDefaults is the "defaults" every listing entry carries.
var emptyDefaults = json.RawMessage(`{}`)

// deploymentJSON answers for d as a deployment or, if object is "model",
// as a model (with capabilities, limits and pricing).
func (s *Server) deploymentJSON(d Deployment, object string) any {
	dep := dial.Deployment{
		ID: d.ID, Model: d.ID, Object: object, Owner: "organization-owner", Status: "succeeded",
		CreatedAt: createdAt, UpdatedAt: createdAt, Features: features(d.Features), Defaults: emptyDefaults,
		DisplayName: dial.LocalizedText{Text: d.DisplayName}, Description: dial.LocalizedText{Text: d.Description},
		InputAttachmentTypes: d.InputAttachmentTypes,
	}
	if object == "deployment" {
		dep.ScaleSettings = &dial.ScaleSettings{ScaleType: "standard"}
		return dep
	}
	return dial.Model{
		ID: dep.ID, Model: dep.Model, Object: dep.Object, Owner: dep.Owner, Status: dep.Status,
		CreatedAt: dep.CreatedAt, UpdatedAt: dep.UpdatedAt, Features: dep.Features, Defaults: dep.Defaults,
		DisplayName: dep.DisplayName, Description: dep.Description, InputAttachmentTypes: dep.InputAttachmentTypes,
		LifecycleStatus: "generally-available", TokenizerModel: d.ID,
		Capabilities: &dial.Capabilities{ScaleTypes: []string{"standard"}, ChatCompletion: true},
		Limits:       &dial.TokenLimits{MaxPromptTokens: d.MaxPromptTokens, MaxCompletionTokens: d.MaxCompletionTokens},
		Pricing:      &dial.Pricing{Unit: "token", Prompt: "0.00003", Completion: "0.00006"},
	}
}

func (s *Server) listDeployments(w http.ResponseWriter, object string) {
	s.mu.Lock()
	data := make([]any, 0, len(s.deployments))
	for _, d := range s.deployments {
		data = append(data, s.deploymentJSON(d, object))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, listReply{Object: "list", Data: data})
}

func (s *Server) findDeployment(id string) (Deployment, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.deployments {
		if d.ID == id {
			return d, true
		}
	}
	return Deployment{}, false
}

func (s *Server) findApplication(id string) (Application, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.applications {
		if a.ID == id {
			return a, true
		}
	}
	return Application{}, false
}

func (s *Server) getDeployment(w http.ResponseWriter, id, object string) {
	d, ok := s.findDeployment(id)
	if !ok {
		writeText(w, http.StatusNotFound, "Deployment not found: "+id)
		return
	}
	writeJSON(w, http.StatusOK, s.deploymentJSON(d, object))
}

// applicationReply is a listed application; its description is written
// even when empty (the generated field omits a zero one).
type applicationReply struct {
	dial.Application
	Description dial.LocalizedText `json:"description"`
}

func applicationJSON(a Application) applicationReply {
	zero := 0
	return applicationReply{
		Application: dial.Application{
			ID: a.ID, Application: a.ID, Object: "application", Owner: "organization-owner", Status: "succeeded",
			CreatedAt: createdAt, UpdatedAt: createdAt, Features: features(a.Features), Defaults: emptyDefaults,
			DisplayVersion: "0.0.0", DescriptionKeywords: []string{}, MaxInputAttachments: &zero,
			DisplayName: dial.LocalizedText{Text: a.DisplayName}, InputAttachmentTypes: a.InputAttachmentTypes,
		},
		Description: dial.LocalizedText{Text: a.Description},
	}
}

func (s *Server) listApplications(w http.ResponseWriter) {
	s.mu.Lock()
	data := make([]any, 0, len(s.applications))
	for _, a := range s.applications {
		data = append(data, applicationJSON(a))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, listReply{Object: "list", Data: data})
}

func (s *Server) getApplication(w http.ResponseWriter, id string) {
	a, ok := s.findApplication(id)
	if !ok {
		writeText(w, http.StatusNotFound, "Unknown application: "+id)
		return
	}
	writeJSON(w, http.StatusOK, applicationJSON(a))
}

// listReply is DIAL Core's list envelope (data/ListData.java).
type listReply struct {
	Object string `json:"object"`
	Data   []any  `json:"data"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeText(w, http.StatusInternalServerError, "dialtest: encoding response: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// textPlain is the Content-Type of the emulator's plain-text errors.
const textPlain = "text/plain; charset=utf-8"

// writeText answers the way DIAL Core itself does: a bare string, possibly
// empty. Core sets no Content-Type at all (ProxyContext.respond with a
// String); the emulator says text/plain unless WithBareTextErrors, because
// generic HTTP tools (schemathesis in make spec-fuzz) flag a missing one.
// The spec allows both forms.
func writeText(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", textPlain)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg))
}

// bareTextWriter drops the text/plain Content-Type of error answers
// (WithBareTextErrors); the nil entry keeps net/http from sniffing one.
type bareTextWriter struct{ http.ResponseWriter }

func (b bareTextWriter) WriteHeader(status int) {
	if status >= 400 && b.Header().Get("Content-Type") == textPlain {
		b.Header()["Content-Type"] = nil
	}
	b.ResponseWriter.WriteHeader(status)
}

// Flush flushes the underlying writer.
func (b bareTextWriter) Flush() {
	if f, ok := b.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap returns the underlying writer (for http.ResponseController).
func (b bareTextWriter) Unwrap() http.ResponseWriter { return b.ResponseWriter }

// writeError answers with the OpenAI-style JSON error that deployments
// (DIAL SDK applications, adapters) produce.
func writeError(w http.ResponseWriter, status int, typ, code, msg string) {
	if code == "" {
		code = fmt.Sprint(status)
	}
	writeJSON(w, status, dial.Error{Error: dial.ErrorDetails{Message: msg, Type: typ, Code: code}})
}
