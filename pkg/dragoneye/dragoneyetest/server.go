package dragoneyetest

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
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

// Prediction scripts what a task predicted with a model returns.
type Prediction struct {
	// Polls is how many status checks answer an in-progress status after
	// /predict before the task ends; 0 means DefaultPolls, -1 none (the
	// first check already says "predicted").
	Polls int
	// Fail, when set, ends the task with this status instead of
	// "predicted" (use a value starting with "failed", e.g.
	// "failed_prediction").
	Fail string
	// ImageObjects are the results of an image task.
	ImageObjects []dragoneye.ImageDetectedObject
	// VideoObjects are the results of a video task.
	VideoObjects []dragoneye.VideoDetectedObject
	// FrameTimestampsUs lists the processed frames of a video (written to
	// frame_timestamps.parquet). nil: every observation's timestamp, and
	// the frames at the task's frames_per_second up to the last one (at
	// most 100,000 of those).
	FrameTimestampsUs []int64
}

// DefaultPrediction is what a model without a scripted Prediction returns:
// the README examples of the official SDKs (a detached house with a white
// exterior; in a video tracked over four frames with a gap frame).
func DefaultPrediction() Prediction {
	house := dragoneye.ImageCategoryPrediction{
		CategoryID: 2084323334, Name: "House (detached)", Score: 0.92,
		Attributes: []dragoneye.ImageAttributePrediction{{
			AttributeID: 1371766615, AttributeName: "Building Exterior Color",
			OptionID: 3498033303, OptionName: "White / Off-white", Score: 0.85,
		}},
	}
	box := func(x float32) *dragoneye.BboxObservation {
		return &dragoneye.BboxObservation{NormalizedBbox: dragoneye.NormalizedBbox{x, 0.25, x + 0.43, 0.78}, BboxScore: 0.94}
	}
	return Prediction{
		ImageObjects: []dragoneye.ImageDetectedObject{{
			ObjectID:        1,
			BboxObservation: *box(0.12),
			Categories:      []dragoneye.ImageCategoryPrediction{house},
		}},
		VideoObjects: []dragoneye.VideoDetectedObject{{
			ObjectID:        1,
			TimestampRanges: []dragoneye.TimestampRange{{StartUs: 0, EndUs: 3_000_000}},
			BboxObservations: []dragoneye.VideoBboxObservation{
				{TimestampUs: 0, Observation: box(0.12)},
				{TimestampUs: 1_000_000, Observation: box(0.14)},
				{TimestampUs: 2_000_000}, // gap frame
				{TimestampUs: 3_000_000, Observation: box(0.18)},
			},
			Categories: []dragoneye.VideoCategoryPrediction{{
				CategoryID: house.CategoryID, Name: house.Name, Score: house.Score,
				Attributes: []dragoneye.VideoAttributePrediction{{
					AttributeID: 1371766615, AttributeName: "Building Exterior Color",
					OptionID: 3498033303, OptionName: "White / Off-white",
					TimestampRanges: []dragoneye.ScoredTimestampRange{{StartUs: 0, EndUs: 3_000_000, Score: 0.85}},
				}},
			}},
		}},
		FrameTimestampsUs: []int64{0, 1_000_000, 2_000_000, 3_000_000},
	}
}

type config struct {
	emu    []emulator.Option
	apiKey string
	models map[string]Prediction
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

// WithModel scripts what tasks predicted with model return.
func WithModel(model string, p Prediction) Option {
	return func(c *config) {
		if c.models == nil {
			c.models = map[string]Prediction{}
		}
		c.models[model] = p
	}
}

// Server is a running Dragoneye emulator. It embeds the kit's server: URL,
// Requests, Violations, InjectFault and Close come from there.
type Server struct {
	*emulator.Server

	apiKey string
	secret []byte // signs the upload policies

	mu     sync.Mutex
	models map[string]Prediction
	tasks  map[string]*task
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
	s := &Server{apiKey: cfg.apiKey, secret: make([]byte, 32), models: map[string]Prediction{}, tasks: map[string]*task{}}
	_, _ = rand.Read(s.secret)
	s.models[FailModel] = Prediction{Polls: 1, Fail: "failed_prediction"}
	s.models[SlowModel] = Prediction{Polls: math.MaxInt32}
	for k, v := range cfg.models {
		s.models[k] = v
	}
	es, err := emulator.Start(t, dragoneye.ServiceName, http.HandlerFunc(s.serve), cfg.emu...)
	if err != nil {
		return nil, err
	}
	s.Server = es
	return s, nil
}

// SetModel scripts (or re-scripts) a model on a running server.
func (s *Server) SetModel(model string, p Prediction) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.models[model] = p
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

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func detail(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, dragoneye.ErrorResponse{Detail: msg})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, UploadPath+"/") {
		s.upload(w, r, strings.TrimPrefix(r.URL.Path, UploadPath+"/"))
		return
	}
	if r.Header.Get(dragoneye.HeaderAPIKey) == "" || !hmac.Equal([]byte(r.Header.Get(dragoneye.HeaderAPIKey)), []byte(s.apiKey)) {
		detail(w, http.StatusUnauthorized, "Invalid API key")
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/prediction-task/begin":
		s.begin(w, r)
	case r.Method == http.MethodPost && r.URL.Path == "/predict":
		s.predict(w, r)
	case r.Method == http.MethodGet && r.URL.Path == "/prediction-task/status":
		s.status(w, r)
	case r.Method == http.MethodGet && r.URL.Path == "/prediction-task/results":
		s.results(w, r)
	default:
		detail(w, http.StatusNotFound, "Not Found")
	}
}

// form reads an urlencoded or multipart form (text fields only).
func form(r *http.Request) (url.Values, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return nil, err
		}
		return r.MultipartForm.Value, nil
	}
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	return r.PostForm, nil
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (s *Server) begin(w http.ResponseWriter, r *http.Request) {
	f, err := form(r)
	if err != nil {
		detail(w, http.StatusBadRequest, "bad form: "+err.Error())
		return
	}
	mt := strings.ToLower(strings.TrimSpace(f.Get("mimetype")))
	var kind string
	switch {
	case strings.HasPrefix(mt, "image/"):
		kind = "image"
	case strings.HasPrefix(mt, "video/"):
		kind = "video"
	default:
		detail(w, http.StatusBadRequest, fmt.Sprintf("Unsupported mimetype %q", mt))
		return
	}
	if v := f.Get("response_version"); v != "" && v != string(dragoneye.ResponseVersionParquetObject) {
		detail(w, http.StatusBadRequest, fmt.Sprintf("response_version %q is not served by this emulator (only %s)", v, dragoneye.ResponseVersionParquetObject))
		return
	}
	fps := 0
	if kind == "video" {
		fps = 1
		if v := f.Get("frames_per_second"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				detail(w, http.StatusBadRequest, "frames_per_second must be a positive integer")
				return
			}
			fps = n
		}
	}
	t := &task{id: newID(), kind: kind, mimeType: mt, fileName: f.Get("file_name"), fps: fps}
	blob := "uploads/" + t.id + "/media"
	policy := base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf(
		`{"conditions":[{"bucket":"dragoneyetest"},{"key":%q},["content-length-range",0,1073741824]]}`, blob)))
	mac := hmac.New(sha256.New, s.secret)
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
	writeJSON(w, http.StatusOK, dragoneye.PredictionTaskBegin{
		PredictionTaskUUID: t.id,
		PredictionType:     dragoneye.PredictionType(kind),
		SignedURLs: []dragoneye.MediaUploadURL{{
			BlobPath: blob,
			PresignedPostRequest: dragoneye.PresignedPostRequest{
				URL:    s.URL + UploadPath + "/" + t.id,
				Fields: fields.Bytes(),
			},
		}},
	})
}

// upload checks a presigned POST as a storage service would: no API key,
// multipart/form-data, every policy field present with its value before the
// file, and the file ("file") the last part.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, id string) {
	if r.Header.Get(dragoneye.HeaderAPIKey) != "" || r.Header.Get("Authorization") != "" {
		detail(w, http.StatusForbidden, "presigned uploads take no API key or Authorization header")
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
		detail(w, http.StatusForbidden, "Invalid according to Policy: unknown upload")
		return
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		detail(w, http.StatusBadRequest, "the upload must be multipart/form-data")
		return
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	got := map[string]string{}
	var size int64
	var fileType string
	sawFile := false
	for p, err := range emulator.Parts(mr) {
		if err != nil {
			detail(w, http.StatusBadRequest, "bad multipart body: "+err.Error())
			return
		}
		if sawFile {
			detail(w, http.StatusBadRequest, fmt.Sprintf("Invalid according to Policy: the file must be the last part (found %q after it)", p.FormName()))
			return
		}
		if p.FormName() == "file" {
			sawFile = true
			fileType = p.Header.Get("Content-Type")
			size, err = io.Copy(io.Discard, p)
			if err != nil {
				detail(w, http.StatusBadRequest, "reading the file: "+err.Error())
				return
			}
			continue
		}
		v, err := io.ReadAll(io.LimitReader(p, 64<<10))
		if err != nil {
			detail(w, http.StatusBadRequest, "bad multipart body: "+err.Error())
			return
		}
		got[p.FormName()] = string(v)
	}
	for _, f := range want {
		if got[f.name] != f.value {
			detail(w, http.StatusForbidden, fmt.Sprintf("Invalid according to Policy: field %q missing or wrong (policy fields must come before the file)", f.name))
			return
		}
	}
	if !sawFile {
		detail(w, http.StatusBadRequest, "Invalid according to Policy: no file part")
		return
	}
	s.mu.Lock()
	t.uploaded, t.uploadBytes, t.uploadType = true, size, fileType
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) predict(w http.ResponseWriter, r *http.Request) {
	f, err := form(r)
	if err != nil {
		detail(w, http.StatusBadRequest, "bad form: "+err.Error())
		return
	}
	id, model := f.Get("prediction_task_uuid"), f.Get("model_name")
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[id]
	switch {
	case !ok:
		detail(w, http.StatusNotFound, "Prediction task not found")
		return
	case !t.uploaded:
		detail(w, http.StatusBadRequest, "Media has not been uploaded")
		return
	case t.predicted:
		detail(w, http.StatusBadRequest, "Prediction already started")
		return
	case strings.TrimSpace(model) == "":
		detail(w, http.StatusBadRequest, "model_name is required")
		return
	}
	p, ok := s.models[model]
	if !ok {
		p = DefaultPrediction()
	}
	t.predicted, t.model, t.prediction = true, model, p
	t.extra = map[string]string{}
	for k := range f {
		if k != "prediction_task_uuid" && k != "model_name" {
			t.extra[k] = f.Get(k)
		}
	}
	writeJSON(w, http.StatusOK, dragoneye.PredictStarted{"prediction_task_uuid": id, "status": inProgress[0]})
}

func (s *Server) lookup(w http.ResponseWriter, r *http.Request) *task {
	id := r.URL.Query().Get("predictionTaskUuid")
	t, ok := s.tasks[id]
	if !ok {
		detail(w, http.StatusNotFound, "Prediction task not found")
		return nil
	}
	return t
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	t := s.lookup(w, r)
	if t == nil {
		s.mu.Unlock()
		return
	}
	if t.predicted {
		t.checks++
	}
	body := dragoneye.TaskStatus{PredictionTaskUUID: t.id, PredictionType: dragoneye.PredictionType(t.kind), Status: t.status()}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) results(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	t := s.lookup(w, r)
	if t == nil {
		s.mu.Unlock()
		return
	}
	st, kind, fps, name, p := t.status(), t.kind, t.fps, t.fileName, t.prediction
	s.mu.Unlock()
	if st != dragoneye.StatusPredicted {
		detail(w, http.StatusBadRequest, fmt.Sprintf("Prediction task has not completed (status %s)", st))
		return
	}
	if v := r.URL.Query().Get("response_version"); v != "" && v != string(dragoneye.ResponseVersionParquetObject) {
		detail(w, http.StatusBadRequest, fmt.Sprintf("response_version %q is not served by this emulator", v))
		return
	}
	var body []byte
	var err error
	if kind == "image" {
		body, err = EncodeImageResults(p.ImageObjects)
	} else {
		frames := p.FrameTimestampsUs
		if frames == nil {
			frames = framesOf(p.VideoObjects, fps)
		}
		body, err = EncodeVideoResults(p.VideoObjects, frames)
		w.Header().Set("X-Frames-Per-Second", strconv.Itoa(fps))
	}
	if err != nil {
		detail(w, http.StatusInternalServerError, "writing results: "+err.Error())
		return
	}
	if name != "" {
		w.Header().Set("X-Original-File-Name", name)
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// maxRateFrames bounds the frames framesOf adds at the task's rate.
const maxRateFrames = 100_000

// framesOf is every observation's timestamp plus the frames at fps up to
// the last one (at most maxRateFrames of those).
func framesOf(objs []dragoneye.VideoDetectedObject, fps int) []int64 {
	seen := map[int64]bool{}
	var last int64
	for _, o := range objs {
		for _, b := range o.BboxObservations {
			seen[b.TimestampUs] = true
			last = max(last, b.TimestampUs)
		}
	}
	if fps > 0 && len(seen) > 0 {
		// At least 1 µs apart, and at most maxRateFrames of them: a rate
		// over 1,000,000/s or a very long video must not loop for ever.
		step := max(1, int64(1_000_000/fps))
		for ts, n := int64(0), 0; ts >= 0 && ts <= last && n < maxRateFrames; ts, n = ts+step, n+1 {
			seen[ts] = true
		}
	}
	out := make([]int64, 0, len(seen))
	for ts := range seen {
		out = append(out, ts)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
