package dialtest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/aiclients/sdk-go/pkg/dial"
)

// defaultDimensions is the size of the emulator's embedding vectors when the
// request does not ask for one.
const defaultDimensions = 8

// readDeploymentBody applies what DIAL Core checks before it relays a
// deployment call (DeploymentPostController.handle): a JSON Content-Type
// (415), a known deployment (404 "Unknown application: <id>", plain text)
// and a body it could read (422 "Failed to receive body"). It returns the
// body, or false after answering.
func (s *Server) readDeploymentBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeText(w, http.StatusUnsupportedMediaType, "Only application/json is supported")
		return nil, false
	}
	id := r.PathValue("deploymentId")
	_, isModel := s.findDeployment(id)
	_, isApp := s.findApplication(id)
	if !isModel && !isApp {
		writeText(w, http.StatusNotFound, "Unknown application: "+id)
		return nil, false
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeText(w, http.StatusUnprocessableEntity, "Failed to receive body")
		return nil, false
	}
	return body, true
}

// embeddings answers POST /openai/deployments/{id}/embeddings with one
// deterministic unit vector per input (derived from its SHA-256), as floats
// or, for encoding_format base64, as little-endian float32 in base64 (what
// the openai SDKs ask for by default). Every configured deployment embeds.
func (s *Server) embeddings(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readDeploymentBody(w, r)
	if !ok {
		return
	}
	var req dial.EmbeddingsRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "Your request contained invalid structure: "+err.Error())
		return
	}
	inputs := req.Input.Texts
	for _, ids := range req.Input.Tokens {
		b, _ := json.Marshal(ids) // token ids embed like the text of their list
		inputs = append(inputs, string(b))
	}
	if len(inputs) == 0 {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "Your request contained invalid structure on path input. List should have at least 1 item")
		return
	}
	dims := defaultDimensions
	if req.Dimensions != nil {
		if *req.Dimensions < 1 || *req.Dimensions > 4096 {
			writeError(w, http.StatusBadRequest, "invalid_request_error", "", "dimensions must be between 1 and 4096")
			return
		}
		dims = *req.Dimensions
	}
	model := req.Model
	if model == "" {
		model = r.PathValue("deploymentId")
	}
	resp := dial.EmbeddingsResponse{Object: "list", Model: model, Data: make([]dial.Embedding, 0, len(inputs))}
	var tokens int64
	b64 := req.EncodingFormat == dial.EncodingBase64
	var wire []base64Embedding // base64 vectors replace the float lists
	for i, in := range inputs {
		tokens += max(countTokens(in), 1)
		e := dial.Embedding{Object: "embedding", Index: i, Embedding: embedVector(in, dims)}
		resp.Data = append(resp.Data, e)
		if b64 {
			wire = append(wire, base64Embedding{Embedding: e, Vector: encodeFloat32(e.Embedding)})
		}
	}
	resp.Usage = dial.EmbeddingsUsage{PromptTokens: tokens, TotalTokens: tokens}
	if !b64 {
		writeJSON(w, http.StatusOK, resp)
		return
	}
	writeJSON(w, http.StatusOK, base64Response{EmbeddingsResponse: resp, Data: wire})
}

// base64Embedding is a dial.Embedding whose vector is sent as base64.
type base64Embedding struct {
	dial.Embedding
	Vector string `json:"embedding"`
}

// base64Response is a dial.EmbeddingsResponse with base64 vectors.
type base64Response struct {
	dial.EmbeddingsResponse
	Data []base64Embedding `json:"data"`
}

// embedVector derives a unit vector of n dimensions from text.
func embedVector(text string, n int) dial.Vector {
	v := make(dial.Vector, n)
	var norm float64
	for i := range v {
		sum := sha256.Sum256([]byte(strconv.Itoa(i) + "\x00" + text))
		x := float64(binary.LittleEndian.Uint32(sum[:4]))/float64(math.MaxUint32)*2 - 1
		v[i] = x
		norm += x * x
	}
	norm = math.Sqrt(norm)
	for i := range v {
		v[i] = float64(float32(v[i] / norm)) // exactly representable as float32
	}
	return v
}

func encodeFloat32(v dial.Vector) string {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(float32(x)))
	}
	return base64.StdEncoding.EncodeToString(b)
}

// completion answers the legacy POST /openai/deployments/{id}/completions:
// the text is the prompt echoed back (JSON, or a stream of one chunk per
// word followed by a chunk with finish_reason and usage).
func (s *Server) completion(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readDeploymentBody(w, r)
	if !ok {
		return
	}
	var req dial.TextCompletionRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "Your request contained invalid structure: "+err.Error())
		return
	}
	prompt := strings.Join(req.Prompt.Texts, " ")
	model := req.Model
	if model == "" {
		model = r.PathValue("deploymentId")
	}
	n := s.nextID()
	pt, ct := countTokens(prompt), countTokens(prompt)
	base := dial.TextCompletion{ID: "cmpl-" + strconv.FormatInt(n, 10), Object: "text_completion",
		Created: s.now().Unix(), Model: model}
	stop := "stop"
	usage := &dial.Usage{PromptTokens: pt, CompletionTokens: ct, TotalTokens: pt + ct}
	if req.Stream == nil || !*req.Stream {
		c := base
		c.Choices = []dial.TextCompletionChoice{{Index: 0, Text: prompt, FinishReason: &stop}}
		c.Usage = usage
		writeJSON(w, http.StatusOK, c)
		return
	}
	sw := newEventWriter(w)
	for i, word := range strings.Fields(prompt) {
		c := base
		if i > 0 {
			word = " " + word
		}
		c.Choices = []dial.TextCompletionChoice{{Index: 0, Text: word}}
		sw.event(c)
	}
	c := base
	c.Choices = []dial.TextCompletionChoice{{Index: 0, Text: "", FinishReason: &stop}}
	c.Usage = usage
	sw.event(c)
	sw.done()
}

// eventWriter writes a text/event-stream of JSON data events.
type eventWriter struct {
	w       http.ResponseWriter
	flusher http.Flusher
}

func newEventWriter(w http.ResponseWriter) *eventWriter {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	f, _ := w.(http.Flusher)
	return &eventWriter{w: w, flusher: f}
}

func (e *eventWriter) event(v any) {
	b, _ := json.Marshal(v)
	e.write("data: " + string(b) + "\n\n")
}

func (e *eventWriter) done() { e.write("data: [DONE]\n\n") }

func (e *eventWriter) write(s string) {
	_, _ = io.WriteString(e.w, s)
	if e.flusher != nil {
		e.flusher.Flush()
	}
}
