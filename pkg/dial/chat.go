package dial

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"

	"github.com/aiclients/sdk-go/gen/dialapi"
	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/internal/core"
	"github.com/aiclients/sdk-go/pkg/internal/redact"
	"github.com/aiclients/sdk-go/pkg/option"
	"github.com/aiclients/sdk-go/pkg/stream"
)

// ChatService creates chat completions.
type ChatService struct{ c *Client }

// ErrIncompleteStream is returned (wrapped) when a chat stream ends without
// "data: [DONE]": DIAL Core cuts the connection when relaying fails, so a
// partial answer must not look complete.
var ErrIncompleteStream = errors.New("dial: chat stream ended without [DONE]")

type extraFieldsKey struct{}

// WithExtraFields adds fields to the top level of the JSON body of the chat
// requests of a call (Create, Stream, and each request of TruncatePrompt):
// fields ChatCompletionRequest does not know, or values its Go types cannot
// hold (e.g. "max_prompt_tokens": "infinity"). A key that repeats a field
// which is set in the request, "messages" or "stream" makes the call fail
// with an *apierror.InputError. Use it on NewClient for every call or on one
// call; a later WithExtraFields replaces an earlier one, nil clears it.
func WithExtraFields(fields map[string]any) option.RequestOption {
	return func(c *option.Config) error {
		if len(fields) == 0 {
			c.SetValue(extraFieldsKey{}, nil)
			return nil
		}
		cp := make(map[string]any, len(fields))
		for k, v := range fields {
			cp[k] = v
		}
		c.SetValue(extraFieldsKey{}, cp)
		return nil
	}
}

func extraFields(cfg *option.Config) map[string]any {
	m, _ := cfg.Value(extraFieldsKey{}).(map[string]any)
	return m
}

// requestFields maps the JSON names of ChatCompletionRequest's fields to
// their indexes.
var requestFields = sync.OnceValue(func() map[string]int {
	m := map[string]int{}
	t := reflect.TypeFor[ChatCompletionRequest]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			m[name] = i
		}
	}
	return m
})

// requestWire is a request as encodeRequest writes it: its messages'
// Content fields are replaced by plain values (a *string, a *[]ContentPart
// or nil for null), so that encoding/json writes each message's text once
// rather than calling Content.MarshalJSON and then re-scanning and
// compacting what it returned (which took half the time of an 81 KB
// request).
type requestWire struct {
	*ChatCompletionRequest
	Messages []messageWire `json:"messages"`
}

type messageWire struct {
	Message
	Content any `json:"content"`
}

// wireMessages returns msgs as messageWire values pointing into msgs (the
// empty content of tool-calling messages as null: see Content).
func wireMessages(msgs []Message) []messageWire {
	if msgs == nil {
		return nil
	}
	out := make([]messageWire, len(msgs))
	for i := range msgs {
		m := &msgs[i]
		out[i].Message = *m
		switch c := &m.Content; {
		case c.Parts != nil:
			out[i].Content = &c.Parts
		case c.Text == "" && (len(m.ToolCalls) > 0 || m.FunctionCall != nil):
			// null
		default:
			out[i].Content = &c.Text
		}
	}
	return out
}

// encodeRequest writes r in one pass, with extra merged into its top level
// (and the empty content of tool-calling messages as null: see Content).
func encodeRequest(r *ChatCompletionRequest, extra map[string]any) ([]byte, error) {
	if len(extra) == 0 {
		if b, ok := appendSimpleRequest(nil, r); ok {
			return b, nil
		}
	}
	return encodeRequestReflect(r, extra)
}

// encodeRequestReflect is encodeRequest through encoding/json, for every
// request (appendSimpleRequest takes the simple ones).
func encodeRequestReflect(r *ChatCompletionRequest, extra map[string]any) ([]byte, error) {
	b, err := json.Marshal(requestWire{ChatCompletionRequest: r, Messages: wireMessages(r.Messages)})
	if err != nil || len(extra) == 0 {
		return b, err
	}
	v := reflect.ValueOf(r).Elem()
	for k := range extra {
		if k == "messages" || k == "stream" {
			return nil, fmt.Errorf("extra fields must not hold %q: the request sets it", k)
		}
		i, ok := requestFields()[k]
		if !ok {
			continue
		}
		f := v.Field(i)
		set := !f.IsZero()
		if f.Kind() == reflect.Slice || f.Kind() == reflect.Map {
			set = f.Len() > 0
		}
		if set {
			return nil, fmt.Errorf("extra fields repeat the request field %q, which is set", k)
		}
	}
	x, err := json.Marshal(extra)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(b)+len(x))
	out = append(out, b[:len(b)-1]...)
	out = append(out, ',')
	return append(out, x[1:]...), nil
}

func checkRequest(req *ChatCompletionRequest) error {
	if req == nil {
		return &apierror.InputError{Service: ServiceName, Field: "chat request", Reason: "must not be nil"}
	}
	if len(req.Messages) == 0 {
		return &apierror.InputError{Service: ServiceName, Field: "chat request", Reason: "messages must not be empty"}
	}
	for i, m := range req.Messages {
		if m.Role == "" {
			return &apierror.InputError{Service: ServiceName, Field: "chat request", Reason: fmt.Sprintf("messages[%d].role must not be empty", i)}
		}
	}
	return nil
}

// prepare checks the call, makes its context and encodes the body:
// the request with Model defaulting to the deployment and "stream" always
// sent (as aidial-client does).
func (s *ChatService) prepare(ctx context.Context, deployment string, req *ChatCompletionRequest, streaming bool, opts []option.RequestOption) (context.Context, []byte, *dialapi.CreateChatCompletionParams, error) {
	if err := checkID("deployment id", deployment); err != nil {
		return nil, nil, nil, err
	}
	if err := checkRequest(req); err != nil {
		return nil, nil, nil, err
	}
	ctx, err := s.c.core.Context(ctx, opts)
	if err != nil {
		return nil, nil, nil, err
	}
	cfg := s.c.core.CallConfig(ctx)
	r := *req
	if r.Model == "" {
		r.Model = deployment
	}
	r.Stream = &streaming
	body, err := encodeRequest(&r, extraFields(cfg))
	if err != nil {
		return nil, nil, nil, &apierror.InputError{Service: ServiceName, Field: "chat request", Reason: err.Error()}
	}
	var params *dialapi.CreateChatCompletionParams // nil: no query (an allocation less)
	if v := apiVersion(cfg); v != "" {
		params = &dialapi.CreateChatCompletionParams{APIVersion: new(string)}
		*params.APIVersion = v
	}
	return ctx, body, params, nil
}

// Create sends a chat completion request to deployment (a model or
// application id) and returns the whole answer.
func (s *ChatService) Create(ctx context.Context, deployment string, req *ChatCompletionRequest, opts ...option.RequestOption) (*ChatCompletion, error) {
	ctx, body, params, err := s.prepare(ctx, deployment, req, false, opts)
	if err != nil {
		return nil, err
	}
	return core.Execute[ChatCompletion](ctx, s.c.core, nil, func(ctx context.Context) (*http.Response, error) {
		return s.c.sendChat(ctx, deployment, params, body, "application/json")
	})
}

// Stream sends a chat completion request with "stream": true and returns the
// stream of chunks. Iterate it with All (or Next/Current/Err) and Close it
// when stopping early; All closes it on every exit. Heartbeat comments are
// skipped. A `{"error": …}` event ends the stream with an *apierror.Error
// (StatusCode 200); an end without "[DONE]" ends it with an error wrapping
// ErrIncompleteStream. Accumulate folds a stream into one ChatCompletion.
// WithStreamIdleTimeout and WithStreamMaxEventSize bound the wait for a
// chunk and the size of one event.
func (s *ChatService) Stream(ctx context.Context, deployment string, req *ChatCompletionRequest, opts ...option.RequestOption) (*stream.Stream[ChatCompletionChunk], error) {
	ctx, body, params, err := s.prepare(ctx, deployment, req, true, opts)
	if err != nil {
		return nil, err
	}
	resp, err := s.c.core.Send(ctx, nil, func(ctx context.Context) (*http.Response, error) {
		return s.c.sendChat(ctx, deployment, params, body, "text/event-stream")
	})
	if err != nil {
		return nil, err
	}
	return newConfiguredChatStream(resp, s.c.core.CallConfig(ctx)), nil
}

// doneRequired ends a stream whose input ran out before "data: [DONE]" with
// ErrIncompleteStream. (The Stream stops at [DONE] itself, so any clean end
// of input it sees here came without one.)
type doneRequired struct{ stream.Decoder }

func (d doneRequired) Err() error {
	if err := d.Decoder.Err(); err != nil {
		return err
	}
	return fmt.Errorf("%w: %w", ErrIncompleteStream, io.ErrUnexpectedEOF)
}

// chunkWire is a chunk or an error event, decoded in one pass.
type chunkWire struct {
	ChatCompletionChunk
	Error *errorWire `json:"error"`
}

// newChatStream decodes resp's SSE body into chunks; maxEvent bounds one
// event (0: the default).
func newChatStream(resp *http.Response, maxEvent int, opts ...stream.Option) *stream.Stream[ChatCompletionChunk] {
	method, url := "", ""
	var secrets []string // the credentials sent, scrubbed from error events
	if resp.Request != nil {
		method, url = resp.Request.Method, redact.URL(resp.Request.URL)
		secrets = redact.RequestSecrets(resp.Request)
	}
	var chunks chunkDecoder
	decode := func(ev stream.Event) (ChatCompletionChunk, error) {
		chunk, ew, err := chunks.decode(ev.Data)
		if err != nil {
			return ChatCompletionChunk{}, fmt.Errorf("dial: decoding chat chunk: %w", err)
		}
		if ew != nil {
			d := ew.details()
			code := d.Code
			if code == "" || isNumeric(code) && d.Type != "" {
				code = d.Type
			}
			e := &apierror.Error{
				Service: ServiceName, StatusCode: resp.StatusCode, Code: code, Message: d.Message,
				RequestID: apierror.RequestID(resp.Header), Method: method, URL: url,
				Header: redact.Header(resp.Header), Body: append([]byte(nil), ev.Data...),
			}
			return ChatCompletionChunk{}, redact.ScrubError(e, secrets)
		}
		return chunk, nil
	}
	return stream.New(resp.Body, doneRequired{stream.NewSSEDecoder(resp.Body, maxEvent)}, decode, opts...)
}

// Accumulate reads the whole stream s and folds it into one completion (see
// ChatCompletionAccumulator). It closes s. On error it returns what was
// accumulated so far together with the error.
func Accumulate(s *stream.Stream[ChatCompletionChunk]) (*ChatCompletion, error) {
	var acc ChatCompletionAccumulator
	for chunk, err := range s.All() {
		if err != nil {
			return acc.Completion(), err
		}
		acc.Add(chunk)
	}
	return acc.Completion(), nil
}

// Tokenize counts the tokens of requests or strings with the deployment's
// tokenizer (deployments whose Features.Tokenize is true). An input of type
// TokenizeRequest takes a ChatCompletionRequest (or *ChatCompletionRequest)
// as its Value, TokenizeString a string.
func (s *ChatService) Tokenize(ctx context.Context, deployment string, inputs []TokenizeInput, opts ...option.RequestOption) ([]TokenizeOutput, error) {
	if err := checkID("deployment id", deployment); err != nil {
		return nil, err
	}
	if len(inputs) == 0 {
		return nil, &apierror.InputError{Service: ServiceName, Field: "tokenize inputs", Reason: "must not be empty"}
	}
	body, err := json.Marshal(TokenizeInputs{Inputs: inputs})
	if err != nil {
		return nil, &apierror.InputError{Service: ServiceName, Field: "tokenize inputs", Reason: err.Error()}
	}
	out, err := core.Execute[TokenizeOutputs](ctx, s.c.core, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.TokenizeWithBody(ctx, deployment, "application/json", bytes.NewReader(body), acceptJSON)
	})
	if err != nil {
		return nil, err
	}
	return out.Outputs, nil
}

// TruncatePrompt computes, for each request, which messages the deployment
// would discard to fit its MaxPromptTokens (deployments whose
// Features.TruncatePrompt is true).
func (s *ChatService) TruncatePrompt(ctx context.Context, deployment string, requests []ChatCompletionRequest, opts ...option.RequestOption) ([]TruncatePromptOutput, error) {
	if err := checkID("deployment id", deployment); err != nil {
		return nil, err
	}
	if len(requests) == 0 {
		return nil, &apierror.InputError{Service: ServiceName, Field: "truncate_prompt inputs", Reason: "must not be empty"}
	}
	ctx, err := s.c.core.Context(ctx, opts)
	if err != nil {
		return nil, err
	}
	extra := extraFields(s.c.core.CallConfig(ctx))
	body := []byte(`{"inputs":[`)
	for i := range requests {
		b, err := encodeRequest(&requests[i], extra)
		if err != nil {
			return nil, &apierror.InputError{Service: ServiceName, Field: "truncate_prompt inputs", Reason: err.Error()}
		}
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, b...)
	}
	body = append(body, "]}"...)
	out, err := core.Execute[TruncatePromptOutputs](ctx, s.c.core, nil, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.TruncatePromptWithBody(ctx, deployment, "application/json", bytes.NewReader(body), acceptJSON)
	})
	if err != nil {
		return nil, err
	}
	return out.Outputs, nil
}

func acceptJSON(_ context.Context, req *http.Request) error {
	req.Header.Set("Accept", "application/json")
	return nil
}
