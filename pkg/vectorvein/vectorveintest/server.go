// Package vectorveintest is an in-memory VectorVein Open API emulator for tests, examples
// and other languages' SDKs (through cmd/emulator). It serves specs/vectorvein.yaml on
// loopback and validates every request and response against it.
//
// It keeps scripted workflows (how many status checks answer "running" before the run
// finishes, its outputs, or a failure), runs that can be stopped, an access-key store
// with the service's fields, status codes, pagination and error cases, and the public
// VApp page, which verifies a signed link's token with the API key named by key_id.
// With a VApp key (VECTORVEIN-API-KEY-TYPE: VAPP) the workflow id of workflow/run and
// check-status is a VApp's id, which runs like EchoWorkflowID unless a workflow of that id
// is defined.
//
// Like the real service it answers every API call with HTTP 200 and an envelope
// {status, msg, data} whose status says what happened (WithHTTPStatusMirroring also puts
// error statuses in the HTTP status line).
//
// # Scripting
//
// Workflows decide how runs behave: how many status checks answer "running" (Polls),
// how long a run takes (After), its outputs, or a failure. Define them at the start
// (WithWorkflows), on a running server (AddWorkflow), or over HTTP, beside the admin
// endpoints every emulator serves (faults, requests, violations; package
// github.com/aiclients/sdk-go/pkg/emulator):
//
//	POST /_emulator/workflows {"id": "wf-1", "polls": 0, "after": "1.5s",
//	                           "outputs": [{"type": "text", "title": "out", "value": "hi"}],
//	                           "fail": "", "fail_task": ""}            -> 204
//
// A run of wf-1 then answers 202 to every check until 1.5 s have passed since
// workflow/run, and FINISHED with the outputs afterwards. The API is served both at the root and under
// /api/v1/open-api (where the real service has it), so point clients at srv.URL (this
// module's client also reads VECTORVEIN_BASE_URL); srv.URL is also the site origin of
// VApp links.
//
//	srv := vectorveintest.NewServer(t)
//	client, _ := vectorvein.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(vectorveintest.APIKey))
package vectorveintest

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	emukit "github.com/aiclients/sdk-go/pkg/emulator"
	"github.com/aiclients/sdk-go/pkg/internal/emulator"
	"github.com/aiclients/sdk-go/pkg/vectorvein"
)

const (
	// APIKey is the API key accepted by default (32 bytes, so it can sign VApp links).
	APIKey = "vvtest-api-key-0123456789abcdef0"
	// KeyID names APIKey on the VApp page (the key_id of a signed link).
	KeyID = "vvtest-key"
	// APIBasePath is where the real service serves the API; the emulator serves it there
	// and at the root.
	APIBasePath = "/api/v1/open-api"

	// EchoWorkflowID finishes at the first check; its outputs echo the inputs as text.
	EchoWorkflowID = "wf-echo"
	// SlowWorkflowID answers "running" to the first check and finishes at the second.
	SlowWorkflowID = "wf-slow"
	// FailWorkflowID fails at the first check.
	FailWorkflowID = "wf-fail"

	// DefaultAppID is the first VApp that exists by default.
	DefaultAppID = "app-demo"
	// SecondAppID is the second VApp that exists by default.
	SecondAppID = "app-second"
)

// Output is one workflow output.
type Output = vectorvein.WorkflowOutput

// Workflow is a scripted workflow. A run of it is running (status checks answer 202)
// until both its Polls checks have been answered and After has passed since it started;
// then it finishes with Outputs, or fails with Fail.
type Workflow struct {
	// ID is the workflow id (wid) clients run.
	ID string `json:"id"`
	// Polls is how many status checks answer 202 (running) before the run ends; 0 ends it
	// at the first check (and lets a wait_for_completion run answer at once).
	Polls int `json:"polls,omitempty"`
	// After is how long a run takes, by the server's clock (WithClock), counted from
	// workflow/run; 0 adds no wait. A wait_for_completion run that ends within
	// MaxServerWait (and has no Polls) is answered when it ends, as the real server holds
	// the reply. In JSON "after" is a Go duration string such as "1.5s".
	After time.Duration `json:"-"`
	// Outputs are the finished run's outputs. Nil: one text output per input field.
	Outputs []Output `json:"outputs,omitempty"`
	// Fail, when not empty, makes the run fail with this error (envelope 500, msg FAILED).
	Fail string `json:"fail,omitempty"`
	// FailTask is the failing node reported with Fail.
	FailTask string `json:"fail_task,omitempty"`
}

// MaxServerWait is how long workflow/run with wait_for_completion holds its reply for a
// run that finishes (the real server's window is about 30 s; see the spec).
const MaxServerWait = 30 * time.Second

// VApp is an application access keys can open.
type VApp = vectorvein.VApp

type config struct {
	emu       []emulator.Option
	keys      map[string]string // key id -> API key
	workflows []Workflow
	apps      []VApp
	mirror    bool
	now       func() time.Time
}

// Option configures NewServer and Start.
type Option func(*config)

// WithEmulatorOptions passes options of the shared emulator kit (package
// github.com/aiclients/sdk-go/pkg/emulator): the listen address, request and
// response validation, the violation hook, how many requests are recorded.
func WithEmulatorOptions(opts ...emukit.Option) Option {
	return func(c *config) { c.emu = append(c.emu, emulator.Public(opts...)) }
}

// WithAPIKey accepts apiKey, known as keyID on the VApp page. The first WithAPIKey
// replaces the default (APIKey as KeyID).
func WithAPIKey(apiKey, keyID string) Option {
	return func(c *config) {
		if c.keys == nil {
			c.keys = map[string]string{}
		}
		c.keys[keyID] = apiKey
	}
}

// WithWorkflows adds scripted workflows (a workflow with the ID of a default one replaces it).
func WithWorkflows(w ...Workflow) Option {
	return func(c *config) { c.workflows = append(c.workflows, w...) }
}

// WithApps replaces the default VApps (DefaultAppID, SecondAppID).
func WithApps(apps ...VApp) Option {
	return func(c *config) { c.apps = append([]VApp{}, apps...) }
}

// WithHTTPStatusMirroring sends error envelopes with their status as the HTTP status
// too (a 401 envelope comes with HTTP 401), as a proxy might; the real service sends 200.
func WithHTTPStatusMirroring(on bool) Option { return func(c *config) { c.mirror = on } }

// WithClock sets the emulator's clock (VApp token expiry, key expiry, timestamps).
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// Server is a running VectorVein emulator. It embeds the kit's server: URL, Requests,
// Violations, InjectFault and Close come from there.
type Server struct {
	*emulator.Server

	keys   map[string]string // key id -> API key
	valid  map[string]bool   // API keys
	mirror bool
	now    func() time.Time

	mu        sync.Mutex
	workflows map[string]Workflow
	runs      map[string]*run
	apps      map[string]VApp
	keysStore map[string]*accessKey
	seq       int
}

type run struct {
	id       string
	workflow Workflow
	inputs   []vectorvein.InputField
	checks   int
	stopped  bool
	started  time.Time
}

// running reports whether rn has not ended after checks status checks (it reads only
// what does not change after the run starts).
func (s *Server) running(rn *run, checks int) bool {
	return checks <= rn.workflow.Polls || s.now().Before(rn.started.Add(rn.workflow.After))
}

// NewServer starts an emulator for a test; it is closed when the test ends, and a
// response that breaks the spec fails the test.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := start(t, opts)
	if err != nil {
		t.Fatalf("vectorveintest: %v", err)
	}
	return s
}

// Start starts an emulator outside a test (cmd/emulator, examples). Close it when done.
func Start(opts ...Option) (*Server, error) { return start(nil, opts) }

func start(t emulator.TB, opts []Option) (*Server, error) {
	cfg := config{}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.keys == nil {
		cfg.keys = map[string]string{KeyID: APIKey}
	}
	if cfg.apps == nil {
		info := func() map[string]any { return map[string]any{} }
		cfg.apps = []VApp{
			{AppID: DefaultAppID, Title: ptr("Demo VApp"), Description: ptr("Answers questions."), Info: info(), Images: []string{}},
			{AppID: SecondAppID, Title: ptr("Second VApp"), Description: ptr(""), Info: info(), Images: []string{}},
		}
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	s := &Server{
		keys: cfg.keys, valid: map[string]bool{}, mirror: cfg.mirror, now: cfg.now,
		workflows: map[string]Workflow{}, runs: map[string]*run{}, apps: map[string]VApp{},
		keysStore: map[string]*accessKey{},
	}
	for _, k := range cfg.keys {
		s.valid[k] = true
	}
	for _, w := range []Workflow{
		{ID: EchoWorkflowID},
		{ID: SlowWorkflowID, Polls: 1},
		{ID: FailWorkflowID, Fail: "node crashed", FailTask: "node-1"},
	} {
		s.workflows[w.ID] = w
	}
	for _, w := range cfg.workflows {
		s.workflows[w.ID] = w
	}
	for _, a := range cfg.apps {
		s.apps[a.AppID] = a
	}
	emu := append([]emulator.Option{emulator.WithViolationResponse(s.violation),
		emulator.WithAdmin(http.HandlerFunc(s.serveAdmin))}, cfg.emu...)
	es, err := emulator.Start(t, "vectorvein", http.HandlerFunc(s.serve), emu...)
	if err != nil {
		return nil, err
	}
	s.Server = es
	return s, nil
}

func ptr[T any](v T) *T { return &v }

// nonZero is nil for a zero value: the field was left out of the request.
func nonZero[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

// APIBaseURL is URL + /api/v1/open-api, where the real service serves the API.
//
// Deprecated: use URL; the emulator serves the API at the root as well, and URL is
// the field every emulator of this module has.
func (s *Server) APIBaseURL() string { return s.URL + APIBasePath }

// AddWorkflow registers (or replaces) a scripted workflow on a running server.
func (s *Server) AddWorkflow(w Workflow) {
	s.mu.Lock()
	s.workflows[w.ID] = w
	s.mu.Unlock()
}

// RunChecks returns how many status checks run id has had, and whether it exists.
func (s *Server) RunChecks(id string) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.runs[id]
	if !ok {
		return 0, false
	}
	return r.checks, true
}

// AccessKey returns a copy of a stored access key.
func (s *Server) AccessKey(key string) (vectorvein.AccessKey, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keysStore[key]
	if !ok {
		return vectorvein.AccessKey{}, false
	}
	return s.view(k), true
}

// envelope is every API reply: the spec's success envelopes (RunWorkflowEnvelope,
// CheckStatusEnvelope, AccessKeysEnvelope, EmptyEnvelope, ...) and ErrorEnvelope
// share these members; data is one of the generated types or empty.
type envelope struct {
	Status int    `json:"status"`
	Msg    string `json:"msg"`
	Data   any    `json:"data"`
	RunID  string `json:"rid,omitempty"`
}

// empty is the `{}` data of replies that carry nothing.
type empty struct{}

// reply writes an envelope; rid, when not empty, is the top-level run id.
func (s *Server) reply(w http.ResponseWriter, status int, msg string, data any, rid string) {
	body := envelope{Status: status, Msg: msg, Data: data, RunID: rid}
	code := http.StatusOK
	if s.mirror && status >= 300 {
		code = status
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}

func (s *Server) fail(w http.ResponseWriter, status int, msg string) {
	s.reply(w, status, msg, empty{}, "")
}

// violation answers a request that breaks the spec in the shapes the spec documents:
// on the VApp page an HTML 400 page, elsewhere HTTP 400 with an error envelope
// {"status":400,"msg":"<the violation>","data":{}} (the `default` response).
func (s *Server) violation(w http.ResponseWriter, _ *http.Request, op, msg string) {
	if op == "openVApp" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = fmt.Fprintf(w, "<!doctype html><title>Bad Request</title><p>%s</p>\n", html.EscapeString(msg))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(envelope{Status: http.StatusBadRequest, Msg: msg, Data: empty{}})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	op := emulator.OperationID(r)
	if op == "openVApp" {
		s.openVApp(w, r)
		return
	}
	key := r.Header.Get(vectorvein.HeaderAPIKey)
	switch {
	case key == "":
		s.fail(w, 403, "身份认证信息未提供。")
		return
	case !s.valid[key]:
		s.fail(w, 401, "API key is invalid or expired")
		return
	}
	vapp := r.Header.Get(vectorvein.HeaderKeyType) == "VAPP"
	switch op {
	case "runWorkflow":
		s.runWorkflow(w, r, vapp)
	case "checkWorkflowStatus":
		s.checkStatus(w, r, vapp)
	case "stopWorkflowRun":
		s.stopRun(w, r)
	case "getAccessKeys":
		s.getKeys(w, r)
	case "createAccessKeys":
		s.createKeys(w, r)
	case "listAccessKeys":
		s.listKeys(w, r)
	case "updateAccessKeys":
		s.updateKeys(w, r)
	case "deleteAccessKeys":
		s.deleteKeys(w, r)
	case "addAppsToAccessKeys":
		s.changeApps(w, r, true)
	case "removeAppsFromAccessKeys":
		s.changeApps(w, r, false)
	default:
		s.fail(w, 404, "not implemented by the emulator: "+op)
	}
}

func decode(r *http.Request, v any) error {
	return json.NewDecoder(r.Body).Decode(v)
}

// ---- workflows ----

// runWorkflow starts a run. With a VApp key (vapp) the wid is the VApp's id, as
// vectorvein-sdk's live test runs it (tests/live/test_vectorvein_api_simple.py:
// wid=settings["vapp_id"], api_key_type="VAPP"): a known VApp without a workflow of that
// id runs like EchoWorkflowID.
func (s *Server) runWorkflow(w http.ResponseWriter, r *http.Request, vapp bool) {
	var req vectorvein.RunWorkflowRequest
	if err := decode(r, &req); err != nil {
		s.fail(w, 400, "invalid request body")
		return
	}
	s.mu.Lock()
	wf, ok := s.workflows[req.WorkflowID]
	if _, isApp := s.apps[req.WorkflowID]; !ok && vapp && isApp {
		wf, ok = Workflow{ID: req.WorkflowID}, true
	}
	if !ok {
		s.mu.Unlock()
		s.fail(w, 404, "Workflow not found")
		return
	}
	s.seq++
	rn := &run{id: fmt.Sprintf("rid%029d", s.seq), workflow: wf, inputs: req.InputFields, started: s.now()}
	s.runs[rn.id] = rn
	s.mu.Unlock()

	if req.WaitForCompletion && wf.Polls == 0 && wf.After <= MaxServerWait {
		// The server holds the reply until the run ends (by real time: a test clock
		// that does not move is not waited for).
		select {
		case <-r.Context().Done():
			return
		case <-time.After(wf.After):
		}
		s.mu.Lock()
		ended := !s.running(rn, 1)
		s.mu.Unlock()
		if !ended {
			s.reply(w, 202, "TIMEOUT", vectorvein.RunStarted{RunID: rn.id}, "")
			return
		}
		// The server-side wait: a run that ends at once is answered with its result.
		s.mu.Lock()
		rn.checks++
		s.mu.Unlock()
		if wf.Fail != "" {
			s.reply(w, 500, "FAILED", vectorvein.RunFailure{Error: wf.Fail, ErrorTask: wf.FailTask}, rn.id)
			return
		}
		s.reply(w, 200, "FINISHED", outputsOf(rn), rn.id)
		return
	}
	if req.WaitForCompletion {
		s.reply(w, 202, "TIMEOUT", vectorvein.RunStarted{RunID: rn.id}, "")
		return
	}
	s.reply(w, 200, "", vectorvein.RunStarted{RunID: rn.id}, "")
}

func outputsOf(rn *run) []Output {
	if rn.workflow.Outputs != nil {
		return rn.workflow.Outputs
	}
	out := make([]Output, 0, len(rn.inputs))
	for _, in := range rn.inputs {
		out = append(out, Output{Type: "text", Title: in.FieldName, Value: in.Value})
	}
	return out
}

func (s *Server) checkStatus(w http.ResponseWriter, r *http.Request, vapp bool) {
	var req vectorvein.CheckStatusRequest
	if err := decode(r, &req); err != nil {
		s.fail(w, 400, "invalid request body")
		return
	}
	if vapp && req.WorkflowID == "" {
		s.fail(w, 400, "wid is required with a VAPP key")
		return
	}
	s.mu.Lock()
	rn, ok := s.runs[req.RunID]
	if !ok {
		s.mu.Unlock()
		s.fail(w, 404, "Record not found")
		return
	}
	rn.checks++
	checks, stopped := rn.checks, rn.stopped
	s.mu.Unlock()
	switch {
	case stopped:
		s.reply(w, 500, "FAILED", vectorvein.RunFailure{Error: "stopped by user", ErrorTask: ""}, "")
	case s.running(rn, checks):
		msg := "RUNNING"
		if checks == 1 {
			msg = "QUEUED"
		}
		s.reply(w, 202, msg, vectorvein.WorkflowOutputs{}, "")
	case rn.workflow.Fail != "":
		s.reply(w, 500, "FAILED", vectorvein.RunFailure{Error: rn.workflow.Fail, ErrorTask: rn.workflow.FailTask}, "")
	default:
		s.reply(w, 200, "FINISHED", outputsOf(rn), "")
	}
}

func (s *Server) stopRun(w http.ResponseWriter, r *http.Request) {
	var req vectorvein.StopRunRequest
	if err := decode(r, &req); err != nil {
		s.fail(w, 400, "invalid request body")
		return
	}
	s.mu.Lock()
	rn, ok := s.runs[req.RunID]
	if ok && s.running(rn, rn.checks+1) {
		rn.stopped = true
	}
	s.mu.Unlock()
	if !ok {
		s.fail(w, 404, "Record not found")
		return
	}
	s.reply(w, 200, "", empty{}, "")
}

// ---- the VApp page ----

// ForbiddenPage is the body of the VApp page's one 403, the answer to every link
// it refuses (unknown key_id, a token that does not decrypt or has expired, a
// token for another app, an access key that does not open the app).
const ForbiddenPage = "<!doctype html><title>Forbidden</title><p>This link is not valid.</p>\n"

func (s *Server) openVApp(w http.ResponseWriter, r *http.Request) {
	appID := r.PathValue("app_id")
	q := r.URL.Query()
	// Every refusal is the same page, whatever failed: a page that told bad
	// padding from a malformed token would be a padding oracle on the
	// unauthenticated AES-CBC tokens. The reason is not sent.
	deny := func(string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, ForbiddenPage)
	}
	apiKey, ok := s.keys[q.Get("key_id")]
	if !ok {
		deny("unknown key_id")
		return
	}
	tok, err := vectorvein.VerifyVAppToken(apiKey, q.Get("token"), s.now())
	if err != nil {
		deny("invalid token: " + err.Error())
		return
	}
	if tok.AppID != appID {
		deny("the token is for another app")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	app, ok := s.apps[appID]
	if !ok {
		deny("no such app")
		return
	}
	k, ok := s.keysStore[tok.AccessKey]
	if !ok {
		deny("no such access key")
		return
	}
	if st := s.statusOf(k); st != vectorvein.AccessKeyValid {
		deny("access key status is " + string(st))
		return
	}
	if !k.grants(appID) {
		deny("the access key does not open this app")
		return
	}
	k.useCount++
	k.lastUse = s.now()
	title := appID
	if app.Title != nil {
		title = *app.Title
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = fmt.Fprintf(w, "<!doctype html><title>%s</title><h1>%s</h1>\n", html.EscapeString(title), html.EscapeString(title))
}

// ---- access keys ----

type accessKey struct {
	key         string
	typ         vectorvein.AccessKeyType
	useCount    int
	maxUseCount *int
	maxCredits  *float64
	usedCredits float64
	apps        []string
	description string
	created     time.Time
	expire      *time.Time
	expireRaw   string
	lastUse     time.Time
	invalid     bool
	seq         int
}

func (k *accessKey) grants(app string) bool {
	for _, a := range k.apps {
		if a == app {
			return true
		}
	}
	return false
}

// statusOf derives AC / IN / EX / US.
func (s *Server) statusOf(k *accessKey) vectorvein.AccessKeyStatus {
	switch {
	case k.invalid:
		return vectorvein.AccessKeyInvalid
	case k.expire != nil && s.now().After(*k.expire):
		return vectorvein.AccessKeyExpired
	case k.typ == vectorvein.AccessKeyOneTime && k.useCount >= 1,
		k.maxUseCount != nil && *k.maxUseCount > 0 && k.useCount >= *k.maxUseCount:
		return vectorvein.AccessKeyUsed
	}
	return vectorvein.AccessKeyValid
}

const timeLayout = "2006-01-02T15:04:05Z07:00"

func (s *Server) view(k *accessKey) vectorvein.AccessKey {
	v := vectorvein.AccessKey{
		AccessKey: k.key, AccessKeyType: k.typ, UseCount: k.useCount, MaxUseCount: k.maxUseCount,
		MaxCredits: k.maxCredits, UsedCredits: k.usedCredits, VApps: []VApp{}, Records: []any{},
		Status: s.statusOf(k), AccessScope: vectorvein.AccessScopeSingle, Description: k.description,
		CreateTime: k.created.UTC().Format(timeLayout),
	}
	for _, a := range k.apps {
		if app, ok := s.apps[a]; ok {
			v.VApps = append(v.VApps, app)
		}
	}
	if len(k.apps) == 1 {
		if app, ok := s.apps[k.apps[0]]; ok {
			v.VApp = &app
		}
	}
	if len(k.apps) > 1 {
		v.AccessScope = vectorvein.AccessScopeMultiple
	}
	if k.expire != nil {
		v.ExpireTime = ptr(k.expire.UTC().Format(timeLayout))
	}
	if !k.lastUse.IsZero() {
		v.LastUseTime = ptr(k.lastUse.UTC().Format(timeLayout))
	}
	return v
}

// parseExpire accepts RFC 3339, "2006-01-02 15:04:05" and "2006-01-02".
func parseExpire(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// missingApps returns the first unknown app id.
func (s *Server) missingApp(ids []string) (string, bool) {
	for _, id := range ids {
		if _, ok := s.apps[id]; !ok {
			return id, true
		}
	}
	return "", false
}

func (s *Server) createKeys(w http.ResponseWriter, r *http.Request) {
	var req vectorvein.CreateAccessKeysRequest
	if err := decode(r, &req); err != nil {
		s.fail(w, 400, "invalid request body")
		return
	}
	apps := append([]string{}, req.AppIDs...)
	if req.AppID != "" {
		if len(apps) > 0 {
			s.fail(w, 400, "app_id and app_ids cannot both be given")
			return
		}
		apps = []string{req.AppID}
	}
	count := 1
	if req.Count != 0 {
		count = req.Count
	}
	if count < 1 || count > 1000 {
		s.fail(w, 400, "count must be between 1 and 1000")
		return
	}
	var expire *time.Time
	if req.ExpireTime != "" {
		t, ok := parseExpire(req.ExpireTime)
		if !ok {
			s.fail(w, 400, "expire_time is not a valid date-time")
			return
		}
		expire = &t
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, missing := s.missingApp(apps); missing {
		s.fail(w, 404, "The specified application does not exist")
		return
	}
	out := make([]vectorvein.AccessKey, 0, count)
	for range count {
		s.seq++
		k := &accessKey{
			key: fmt.Sprintf("AK%030d", s.seq), typ: req.Type, maxUseCount: nonZero(req.MaxUseCount),
			maxCredits: nonZero(req.MaxCredits), apps: apps, created: s.now(), expire: expire, seq: s.seq,
		}
		if req.Description != "" {
			k.description = req.Description
		}
		s.keysStore[k.key] = k
		out = append(out, s.view(k))
	}
	s.reply(w, 200, "", out, "")
}

func (s *Server) getKeys(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []vectorvein.AccessKey{}
	if q.Get("get_type") == "all" {
		for _, k := range s.sortedKeys("create_time", false) {
			out = append(out, s.view(k))
		}
		s.reply(w, 200, "", out, "")
		return
	}
	for _, name := range strings.Split(q.Get("access_keys"), ",") {
		if name == "" {
			continue
		}
		k, ok := s.keysStore[name]
		if !ok {
			s.fail(w, 404, "Access key does not exist")
			return
		}
		if s.statusOf(k) == vectorvein.AccessKeyExpired {
			s.fail(w, 403, "Access key has expired")
			return
		}
		out = append(out, s.view(k))
	}
	s.reply(w, 200, "", out, "")
}

func (s *Server) sortedKeys(field string, asc bool) []*accessKey {
	keys := make([]*accessKey, 0, len(s.keysStore))
	for _, k := range s.keysStore {
		keys = append(keys, k)
	}
	less := func(a, b *accessKey) bool {
		switch field {
		case "use_count":
			if a.useCount != b.useCount {
				return a.useCount < b.useCount
			}
		case "last_use_time":
			if !a.lastUse.Equal(b.lastUse) {
				return a.lastUse.Before(b.lastUse)
			}
		case "expire_time":
			ae, be := time.Time{}, time.Time{}
			if a.expire != nil {
				ae = *a.expire
			}
			if b.expire != nil {
				be = *b.expire
			}
			if !ae.Equal(be) {
				return ae.Before(be)
			}
		}
		return a.seq < b.seq // create_time order
	}
	sort.Slice(keys, func(i, j int) bool {
		if asc {
			return less(keys[i], keys[j])
		}
		return less(keys[j], keys[i])
	})
	return keys
}

func (s *Server) listKeys(w http.ResponseWriter, r *http.Request) {
	var req vectorvein.ListAccessKeysRequest
	if err := decode(r, &req); err != nil {
		s.fail(w, 400, "invalid request body")
		return
	}
	page, size, field, asc := 1, 10, "create_time", false
	if req.Page != 0 {
		page = req.Page
	}
	if req.PageSize != 0 {
		size = req.PageSize
	}
	if req.SortField != "" {
		field = req.SortField
	}
	if req.SortOrder == vectorvein.Ascend {
		asc = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var match []vectorvein.AccessKey
	for _, k := range s.sortedKeys(field, asc) {
		v := s.view(k)
		if req.AppID != "" && !k.grants(req.AppID) {
			continue
		}
		if req.Type != "" && req.Type != k.typ {
			continue
		}
		if len(req.Status) > 0 && !contains(req.Status, v.Status) {
			continue
		}
		match = append(match, v)
	}
	pageKeys := []vectorvein.AccessKey{}
	if from := (page - 1) * size; from < len(match) {
		pageKeys = match[from:min(from+size, len(match))]
	}
	s.reply(w, 200, "", vectorvein.AccessKeyPage{AccessKeys: pageKeys, Total: len(match), Page: page, PageSize: size}, "")
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// lookup finds every named key, or answers 404.
func (s *Server) lookup(w http.ResponseWriter, names []string) ([]*accessKey, bool) {
	if len(names) == 0 {
		s.fail(w, 400, "access_keys must not be empty")
		return nil, false
	}
	out := make([]*accessKey, 0, len(names))
	for _, n := range names {
		k, ok := s.keysStore[n]
		if !ok {
			s.fail(w, 404, "Access key does not exist")
			return nil, false
		}
		out = append(out, k)
	}
	return out, true
}

func (s *Server) updateKeys(w http.ResponseWriter, r *http.Request) {
	var req vectorvein.UpdateAccessKeysRequest
	if err := decode(r, &req); err != nil {
		s.fail(w, 400, "invalid request body")
		return
	}
	names := append([]string{}, req.AccessKeys...)
	if req.AccessKey != "" {
		names = append(names, req.AccessKey)
	}
	var expire *time.Time
	if req.ExpireTime != "" {
		t, ok := parseExpire(req.ExpireTime)
		if !ok {
			s.fail(w, 400, "expire_time is not a valid date-time")
			return
		}
		expire = &t
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	keys, ok := s.lookup(w, names)
	if !ok {
		return
	}
	apps := append([]string{}, req.AppIDs...)
	if req.AppID != "" {
		apps = append(apps, req.AppID)
	}
	if _, missing := s.missingApp(apps); missing {
		s.fail(w, 404, "The specified application does not exist")
		return
	}
	for _, k := range keys {
		if req.Type != "" && req.Type != k.typ {
			s.fail(w, 400, "The type of an access key cannot be changed")
			return
		}
	}
	for _, k := range keys {
		if len(apps) > 0 {
			k.apps = apps
		}
		if expire != nil {
			k.expire = expire
		}
		if req.MaxUseCount != 0 {
			k.maxUseCount = ptr(req.MaxUseCount)
		}
		if req.MaxCredits != 0 {
			k.maxCredits = ptr(req.MaxCredits)
		}
		if req.Description != "" {
			k.description = req.Description
		}
	}
	s.reply(w, 200, "", empty{}, "")
}

func (s *Server) deleteKeys(w http.ResponseWriter, r *http.Request) {
	var req vectorvein.DeleteAccessKeysRequest
	if err := decode(r, &req); err != nil {
		s.fail(w, 400, "invalid request body")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.apps[req.AppID]; !ok {
		s.fail(w, 404, "The specified application does not exist")
		return
	}
	keys, ok := s.lookup(w, req.AccessKeys)
	if !ok {
		return
	}
	for _, k := range keys {
		delete(s.keysStore, k.key)
	}
	s.reply(w, 200, "", empty{}, "")
}

func (s *Server) changeApps(w http.ResponseWriter, r *http.Request, add bool) {
	var req vectorvein.AccessKeyAppsRequest
	if err := decode(r, &req); err != nil {
		s.fail(w, 400, "invalid request body")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	keys, ok := s.lookup(w, req.AccessKeys)
	if !ok {
		return
	}
	if len(req.AppIDs) == 0 {
		s.fail(w, 400, "app_ids must not be empty")
		return
	}
	if _, missing := s.missingApp(req.AppIDs); missing {
		s.fail(w, 404, "The specified application does not exist")
		return
	}
	for _, k := range keys {
		for _, a := range req.AppIDs {
			has := k.grants(a)
			switch {
			case add && !has:
				k.apps = append(k.apps, a)
			case !add && has:
				kept := k.apps[:0:0]
				for _, x := range k.apps {
					if x != a {
						kept = append(kept, x)
					}
				}
				k.apps = kept
			}
		}
	}
	s.reply(w, 200, "", empty{}, "")
}
