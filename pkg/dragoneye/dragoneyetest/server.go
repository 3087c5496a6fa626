package dragoneyetest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aiclients/sdk-go/pkg/dragoneye"
	emukit "github.com/aiclients/sdk-go/pkg/emulator"
	"github.com/aiclients/sdk-go/pkg/internal/emulator"
)

const (
	// APIKey is the API key the emulator accepts unless WithAPIKey says
	// otherwise.
	APIKey = "dragoneyetest-api-key"
	// DefaultModel is a model name the emulator knows; models without a
	// scripted Prediction get DefaultPrediction.
	DefaultModel = "recognize_anything/demo"
	// FailModel is a built-in model whose tasks fail with
	// "failed_prediction" after one in-progress status.
	FailModel = "recognize_anything/fail"
	// SlowModel is a built-in model whose tasks never finish (for timeouts).
	SlowModel = "recognize_anything/slow"
	// UploadPath is where presigned uploads go: UploadPath + "/" + task id.
	UploadPath = "/presigned-upload"
	// DefaultPolls is how many status checks answer an in-progress status
	// before a task ends, unless its Prediction says otherwise.
	DefaultPolls = 2
)

// inProgress are the statuses a task walks through while it runs (the real
// names are not published; the official SDKs only know "predicted" and
// "failed…").
var inProgress = []string{"queued", "predicting"}

type config struct {
	emu     []emulator.Option
	apiKey  string
	scripts []Script
}

// Option configures NewServer and Start.
type Option func(*config)

// WithEmulatorOptions passes options of the shared emulator kit (package
// github.com/aiclients/sdk-go/pkg/emulator): the listen address, request and
// response validation, the violation hook, how many requests are recorded.
func WithEmulatorOptions(opts ...emukit.Option) Option {
	return func(c *config) { c.emu = append(c.emu, emulator.Public(opts...)) }
}

// WithAPIKey sets the accepted API key (default APIKey).
func WithAPIKey(key string) Option { return func(c *config) { c.apiKey = key } }

// Server is a running Dragoneye emulator. It embeds the kit's server: URL,
// Requests, Violations, InjectFault and Close come from there.
type Server struct {
	*emulator.Server

	apiKey     string
	secret     []byte // signs the upload policies (policyKey)
	secretOnce sync.Once

	mu      sync.Mutex
	scripts []Script // oldest first; the newest match wins
	tasks   map[string]*task
}

type task struct {
	id          string
	kind        string // image | video
	mimeType    string
	fileName    string
	fps         int
	fields      []field // the policy fields the upload must carry
	uploaded    bool
	uploadBytes int64
	uploadType  string
	model       string
	extra       map[string]string
	predicted   bool // /predict was called
	checks      int  // status checks since /predict
	prediction  Prediction
}

type field struct{ name, value string }

// Task is what the emulator knows about a task, for assertions.
type Task struct {
	ID              string
	Kind            string // "image" or "video"
	MIMEType        string
	FileName        string
	FramesPerSecond int
	Uploaded        bool
	UploadBytes     int64
	// UploadContentType is the Content-Type of the uploaded file part.
	UploadContentType string
	Model             string
	// Fields are the extra form fields given to /predict.
	Fields map[string]string
	Status string
}

// NewServer starts an emulator for a test; it is closed when the test ends,
// and a response that breaks the spec fails the test.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := start(t, opts)
	if err != nil {
		t.Fatalf("dragoneyetest: %v", err)
	}
	return s
}

// Start starts an emulator outside a test (cmd/emulator, examples). Close
// it when done.
func Start(opts ...Option) (*Server, error) { return start(nil, opts) }

func start(t emulator.TB, opts []Option) (*Server, error) {
	cfg := config{apiKey: APIKey}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	s := &Server{apiKey: cfg.apiKey, secret: make([]byte, 32), scripts: builtinScripts(), tasks: map[string]*task{}}
	for _, sc := range cfg.scripts {
		if err := sc.Validate(); err != nil {
			return nil, fmt.Errorf("script: %w", err)
		}
	}
	s.scripts = append(s.scripts, cfg.scripts...)
	emu := append([]emulator.Option{emulator.WithAdmin(http.HandlerFunc(s.serveAdmin)),
		emulator.WithViolationResponse(s.violation)}, cfg.emu...)
	es, err := emulator.Start(t, dragoneye.ServiceName, http.HandlerFunc(s.serve), emu...)
	if err != nil {
		return nil, err
	}
	s.Server = es
	return s, nil
}

// policyKey is the key that signs upload policies. It comes from the kit's
// source on first use, so that with emulator.WithSeed the signatures are as
// reproducible as the task ids.
func (s *Server) policyKey() []byte {
	s.secretOnce.Do(func() { emulator.RandomOf(s.Server).Read(s.secret) })
	return s.secret
}

// Task returns what the emulator knows about a task.
func (s *Server) Task(id string) (Task, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[id]
	if !ok {
		return Task{}, false
	}
	return Task{ID: t.id, Kind: t.kind, MIMEType: t.mimeType, FileName: t.fileName, FramesPerSecond: t.fps,
		Uploaded: t.uploaded, UploadBytes: t.uploadBytes, UploadContentType: t.uploadType, Model: t.model,
		Fields: t.extra, Status: t.status()}, true
}

func (t *task) status() string {
	switch {
	case !t.uploaded:
		return "awaiting_media"
	case !t.predicted:
		return "uploaded"
	}
	polls := t.prediction.Polls
	if polls == 0 {
		polls = DefaultPolls
	}
	if t.checks <= polls {
		return inProgress[min(max(t.checks-1, 0), len(inProgress)-1)]
	}
	if t.prediction.Fail != "" {
		return t.prediction.Fail
	}
	return dragoneye.StatusPredicted
}

// refusal is an error answer of the API: a status and the `detail`.
type refusal struct {
	status int
	detail string
}

func refuse(status int, format string, args ...any) *refusal {
	return &refusal{status: status, detail: fmt.Sprintf(format, args...)}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (e *refusal) write(w http.ResponseWriter) {
	writeJSON(w, e.status, dragoneye.ErrorResponse{Detail: e.detail})
}

// reply writes a handler's answer: v as JSON with 200, or the refusal.
func reply[T any](w http.ResponseWriter, v T, e *refusal) {
	if e != nil {
		e.write(w)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// handle reads a form with read, runs h on it and writes its answer.
func handle[In, Out any](w http.ResponseWriter, r *http.Request, read func(*http.Request) (In, *refusal), h func(In) (Out, *refusal)) {
	in, e := read(r)
	if e != nil {
		e.write(w)
		return
	}
	out, e := h(in)
	reply(w, out, e)
}

// violation answers a request that breaks the spec in the service's error
// shape, {"detail": "..."} with 400 (the shape both SDKs read from a 400;
// the status the service gives a malformed request is not confirmed by any
// source), instead of the kit's own. Without the API key it is a 401 first,
// as for a valid request.
func (s *Server) violation(w http.ResponseWriter, r *http.Request, op, msg string) {
	if op != opUpload && !s.authorized(r) {
		refuse(http.StatusUnauthorized, "Invalid API key").write(w)
		return
	}
	refuse(http.StatusBadRequest, "%s", msg).write(w)
}

func (s *Server) authorized(r *http.Request) bool {
	key := r.Header.Get(dragoneye.HeaderAPIKey)
	return key != "" && hmac.Equal([]byte(key), []byte(s.apiKey))
}

// The operations of specs/dragoneye.yaml the emulator serves.
const (
	opBegin   = "beginPredictionTask"
	opUpload  = "uploadMedia"
	opPredict = "predict"
	opStatus  = "getPredictionTaskStatus"
	opResults = "getPredictionTaskResults"
)

// serve dispatches on the operation the kit routed the request to (the kit
// answers 404/405 for requests the spec has no operation for). Every API
// operation needs the API key; the presigned upload must come without it.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	op := emulator.OperationID(r)
	if op != opUpload && !s.authorized(r) {
		refuse(http.StatusUnauthorized, "Invalid API key").write(w)
		return
	}
	switch op {
	case opBegin:
		handle(w, r, beginForm, s.begin)
	case opUpload:
		s.upload(w, r, r.PathValue("prediction_task_uuid"))
	case opPredict:
		handle(w, r, predictForm, s.predict)
	case opStatus:
		v, e := s.status(r.URL.Query().Get("predictionTaskUuid"))
		reply(w, v, e)
	case opResults:
		s.results(w, r.URL.Query().Get("predictionTaskUuid"), r.URL.Query().Get("response_version"))
	default:
		refuse(http.StatusNotFound, "Not Found").write(w)
	}
}

// form reads an urlencoded or multipart form (text fields only).
func form(r *http.Request) (url.Values, *refusal) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return nil, refuse(http.StatusBadRequest, "bad form: %v", err)
		}
		return r.MultipartForm.Value, nil
	}
	if err := r.ParseForm(); err != nil {
		return nil, refuse(http.StatusBadRequest, "bad form: %v", err)
	}
	return r.PostForm, nil
}

// extras are the form's fields other than the named ones.
func extras(f url.Values, known ...string) map[string]interface{} {
	out := map[string]interface{}{}
	for k := range f {
		if !slices.Contains(known, k) {
			out[k] = f.Get(k)
		}
	}
	return out
}

func optional(f url.Values, name string) *string {
	if !f.Has(name) {
		return nil
	}
	v := f.Get(name)
	return &v
}

func beginForm(r *http.Request) (dragoneye.BeginPredictionTaskForm, *refusal) {
	f, e := form(r)
	if e != nil {
		return dragoneye.BeginPredictionTaskForm{}, e
	}
	out := dragoneye.BeginPredictionTaskForm{Mimetype: f.Get("mimetype"), FileName: optional(f, "file_name"),
		AdditionalProperties: extras(f, "mimetype", "file_name", "frames_per_second", "response_version")}
	if v := optional(f, "response_version"); v != nil {
		rv := dragoneye.ResponseVersion(*v)
		out.ResponseVersion = &rv
	}
	if v := optional(f, "frames_per_second"); v != nil {
		n, err := strconv.ParseInt(*v, 10, 32)
		if err != nil || n < 1 {
			return out, refuse(http.StatusBadRequest, "frames_per_second must be a positive integer")
		}
		fps := int32(n)
		out.FramesPerSecond = &fps
	}
	return out, nil
}

func predictForm(r *http.Request) (dragoneye.PredictForm, *refusal) {
	f, e := form(r)
	if e != nil {
		return dragoneye.PredictForm{}, e
	}
	return dragoneye.PredictForm{ModelName: f.Get("model_name"), PredictionTaskUUID: f.Get("prediction_task_uuid"),
		AdditionalProperties: extras(f, "model_name", "prediction_task_uuid")}, nil
}

// newID returns a version 4 UUID made from the kit's Random (reproducible
// with emulator.WithSeed).
func (s *Server) newID() string {
	b := make([]byte, 16)
	emulator.RandomOf(s.Server).Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (s *Server) begin(f dragoneye.BeginPredictionTaskForm) (dragoneye.PredictionTaskBegin, *refusal) {
	mt := strings.ToLower(strings.TrimSpace(f.Mimetype))
	var kind dragoneye.PredictionType
	switch {
	case strings.HasPrefix(mt, "image/"):
		kind = dragoneye.PredictionTypeImage
	case strings.HasPrefix(mt, "video/"):
		kind = dragoneye.PredictionTypeVideo
	default:
		return dragoneye.PredictionTaskBegin{}, refuse(http.StatusBadRequest, "Unsupported mimetype %q", mt)
	}
	if v := f.ResponseVersion; v != nil && *v != "" && *v != dragoneye.ResponseVersionParquetObject {
		return dragoneye.PredictionTaskBegin{}, refuse(http.StatusBadRequest,
			"response_version %q is not served by this emulator (only %s)", *v, dragoneye.ResponseVersionParquetObject)
	}
	fps := 0
	if kind == dragoneye.PredictionTypeVideo {
		// Without frames_per_second (dragoneye-python 2.0.1) the service
		// uses a default no source states; the emulator uses 1.
		fps = 1
		if f.FramesPerSecond != nil {
			fps = int(*f.FramesPerSecond)
		}
	}
	t := &task{id: s.newID(), kind: string(kind), mimeType: mt, fps: fps}
	if f.FileName != nil {
		t.fileName = *f.FileName
	}
	blob := "uploads/" + t.id + "/media"
	policy := base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf(
		`{"conditions":[{"bucket":"dragoneyetest"},{"key":%q},["content-length-range",0,1073741824]]}`, blob)))
	mac := hmac.New(sha256.New, s.policyKey())
	mac.Write([]byte(policy))
	t.fields = []field{{"key", blob}, {"policy", policy}, {"x-amz-signature", hex.EncodeToString(mac.Sum(nil))}}
	s.mu.Lock()
	s.tasks[t.id] = t
	s.mu.Unlock()

	// The policy fields go out in their order (a map would sort them).
	var fields bytes.Buffer
	fields.WriteByte('{')
	for i, fl := range t.fields {
		if i > 0 {
			fields.WriteByte(',')
		}
		k, _ := json.Marshal(fl.name)
		v, _ := json.Marshal(fl.value)
		fields.Write(k)
		fields.WriteByte(':')
		fields.Write(v)
	}
	fields.WriteByte('}')
	return dragoneye.PredictionTaskBegin{
		PredictionTaskUUID: t.id,
		PredictionType:     kind,
		SignedURLs: []dragoneye.MediaUploadURL{{
			BlobPath: blob,
			PresignedPostRequest: dragoneye.PresignedPostRequest{
				URL:    s.URL + UploadPath + "/" + t.id,
				Fields: fields.Bytes(),
			},
		}},
	}, nil
}

// upload checks a presigned POST as a storage service would: no API key,
// multipart/form-data, every policy field present with its value before the
// file, and the file ("file") the last part. It reads the multipart body
// itself (streamed: the media may be large), so it takes the request.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, id string) {
	if r.Header.Get(dragoneye.HeaderAPIKey) != "" || r.Header.Get("Authorization") != "" {
		refuse(http.StatusForbidden, "presigned uploads take no API key or Authorization header").write(w)
		return
	}
	s.mu.Lock()
	t, ok := s.tasks[id]
	var want []field
	if ok {
		want = t.fields
	}
	s.mu.Unlock()
	if !ok {
		refuse(http.StatusForbidden, "Invalid according to Policy: unknown upload").write(w)
		return
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		refuse(http.StatusBadRequest, "the upload must be multipart/form-data").write(w)
		return
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	got := map[string]string{}
	var size int64
	var fileType string
	sawFile := false
	for p, err := range emulator.Parts(mr) {
		if err != nil {
			refuse(http.StatusBadRequest, "bad multipart body: %v", err).write(w)
			return
		}
		if sawFile {
			refuse(http.StatusBadRequest, "Invalid according to Policy: the file must be the last part (found %q after it)", p.FormName()).write(w)
			return
		}
		if p.FormName() == "file" {
			sawFile = true
			fileType = p.Header.Get("Content-Type")
			size, err = io.Copy(io.Discard, p)
			if err != nil {
				refuse(http.StatusBadRequest, "reading the file: %v", err).write(w)
				return
			}
			continue
		}
		v, err := io.ReadAll(io.LimitReader(p, 64<<10))
		if err != nil {
			refuse(http.StatusBadRequest, "bad multipart body: %v", err).write(w)
			return
		}
		got[p.FormName()] = string(v)
	}
	for _, f := range want {
		if got[f.name] != f.value {
			refuse(http.StatusForbidden, "Invalid according to Policy: field %q missing or wrong (policy fields must come before the file)", f.name).write(w)
			return
		}
	}
	if !sawFile {
		refuse(http.StatusBadRequest, "Invalid according to Policy: no file part").write(w)
		return
	}
	s.mu.Lock()
	t.uploaded, t.uploadBytes, t.uploadType = true, size, fileType
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) predict(f dragoneye.PredictForm) (dragoneye.PredictStarted, *refusal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[f.PredictionTaskUUID]
	switch {
	case !ok:
		return nil, refuse(http.StatusNotFound, "Prediction task not found")
	case !t.uploaded:
		return nil, refuse(http.StatusBadRequest, "Media has not been uploaded")
	case t.predicted:
		return nil, refuse(http.StatusBadRequest, "Prediction already started")
	case strings.TrimSpace(f.ModelName) == "":
		return nil, refuse(http.StatusBadRequest, "model_name is required")
	}
	t.predicted, t.model = true, f.ModelName
	t.prediction = s.predictionFor(f.ModelName, t.fileName, t.kind)
	t.extra = map[string]string{}
	for k, v := range f.AdditionalProperties {
		t.extra[k], _ = v.(string)
	}
	return dragoneye.PredictStarted{"prediction_task_uuid": t.id, "status": inProgress[0]}, nil
}

func (s *Server) status(id string) (dragoneye.TaskStatus, *refusal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[id]
	if !ok {
		return dragoneye.TaskStatus{}, refuse(http.StatusNotFound, "Prediction task not found")
	}
	if t.predicted {
		t.checks++
	}
	return dragoneye.TaskStatus{PredictionTaskUUID: t.id, PredictionType: dragoneye.PredictionType(t.kind), Status: t.status()}, nil
}

// results answers the same for image and video tasks, as the service does
// (the request does not say which kind the caller expects): a video's
// answer carries X-Frames-Per-Second and frame_timestamps.parquet.
func (s *Server) results(w http.ResponseWriter, id, version string) {
	s.mu.Lock()
	t, ok := s.tasks[id]
	var st, kind, name string
	var fps int
	var p Prediction
	if ok {
		st, kind, fps, name, p = t.status(), t.kind, t.fps, t.fileName, t.prediction
	}
	s.mu.Unlock()
	switch {
	case !ok:
		refuse(http.StatusNotFound, "Prediction task not found").write(w)
		return
	case st != dragoneye.StatusPredicted:
		refuse(http.StatusBadRequest, "Prediction task has not completed (status %s)", st).write(w)
		return
	case version != "" && version != string(dragoneye.ResponseVersionParquetObject):
		refuse(http.StatusBadRequest, "response_version %q is not served by this emulator", version).write(w)
		return
	}
	var body []byte
	var err error
	if kind == string(dragoneye.PredictionTypeImage) {
		body, err = EncodeImageResults(p.Image())
	} else {
		body, err = EncodeVideoResults(p.Video(fps))
		w.Header().Set("X-Frames-Per-Second", strconv.Itoa(fps))
	}
	if err != nil {
		refuse(http.StatusInternalServerError, "writing results: %v", err).write(w)
		return
	}
	if name != "" {
		w.Header().Set("X-Original-File-Name", name)
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}
