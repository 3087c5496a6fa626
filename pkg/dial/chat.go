package dial

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"sync/atomic"

	"github.com/aiclients/sdk-go/gen/dialapi"
	"github.com/aiclients/sdk-go/pkg/apierror"
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

func (s *ChatService) prepare(ctx context.Context, deployment string, req *ChatCompletionRequest, streaming bool, opts []option.RequestOption) (context.Context, []byte, *dialapi.CreateChatCompletionParams, error) {
	if err := checkID("deployment id", deployment); err != nil {
		return nil, nil, nil, err
	}
	if req == nil {
		return nil, nil, nil, &apierror.InputError{Service: ServiceName, Field: "chat request", Reason: "must not be nil"}
	}
	if len(req.Messages) == 0 {
		return nil, nil, nil, &apierror.InputError{Service: ServiceName, Field: "chat request", Reason: "messages must not be empty"}
	}
	for i, m := range req.Messages {
		if m.Role == "" {
			return nil, nil, nil, &apierror.InputError{Service: ServiceName, Field: "chat request", Reason: fmt.Sprintf("messages[%d].role must not be empty", i)}
		}
	}
	ctx, err := s.c.core.Context(ctx, opts)
	if err != nil {
		return nil, nil, nil, err
	}
	r := *req
	if r.Model == "" {
		r.Model = deployment
	}
	body, err := json.Marshal(chatBody{ChatCompletionRequest: r, Stream: streaming})
	if err != nil {
		return nil, nil, nil, &apierror.InputError{Service: ServiceName, Field: "chat request", Reason: err.Error()}
	}
	params := &dialapi.CreateChatCompletionParams{}
	if v := apiVersion(s.c.core.CallConfig(ctx)); v != "" {
		params.ApiVersion = &v
	}
	return ctx, body, params, nil
}

// chatBody adds "stream" (always sent, as aidial-client does) after the
// request's own fields.
type chatBody struct {
	ChatCompletionRequest
	Stream bool
}

func (b chatBody) MarshalJSON() ([]byte, error) {
	if _, ok := b.Extra["stream"]; ok {
		return nil, errors.New(`dial: Extra must not hold "stream": Create and Stream set it`)
	}
	j, err := json.Marshal(b.ChatCompletionRequest)
	if err != nil {
		return nil, err
	}
	tail := `,"stream":false}`
	if b.Stream {
		tail = `,"stream":true}`
	}
	return append(j[:len(j)-1], tail...), nil
}

// Create sends a chat completion request to deployment (a model or
// application id) and returns the whole answer.
func (s *ChatService) Create(ctx context.Context, deployment string, req *ChatCompletionRequest, opts ...option.RequestOption) (*ChatCompletion, error) {
	ctx, body, params, err := s.prepare(ctx, deployment, req, false, opts)
	if err != nil {
		return nil, err
	}
	resp, err := s.c.raw.CreateChatCompletionWithBody(ctx, deployment, params, "application/json", bytes.NewReader(body), acceptJSON)
	var out ChatCompletion
	if err := s.c.core.DecodeJSON(resp, err, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Stream sends a chat completion request with "stream": true and returns the
// stream of chunks. Iterate it with All (or Next/Current/Err) and Close it
// when stopping early; All closes it on every exit. A `{"error": …}` event
// ends the stream with an *apierror.Error (StatusCode 200); an end without
// "[DONE]" ends it with an error wrapping ErrIncompleteStream.
func (s *ChatService) Stream(ctx context.Context, deployment string, req *ChatCompletionRequest, opts ...option.RequestOption) (*ChatStream, error) {
	ctx, body, params, err := s.prepare(ctx, deployment, req, true, opts)
	if err != nil {
		return nil, err
	}
	resp, err := s.c.core.Check(s.c.raw.CreateChatCompletionWithBody(ctx, deployment, params, "application/json", bytes.NewReader(body),
		func(_ context.Context, r *http.Request) error {
			r.Header.Set("Accept", "text/event-stream")
			return nil
		}))
	if err != nil {
		return nil, err
	}
	return newChatStream(resp), nil
}

// ChatStream is a stream of chat completion chunks.
type ChatStream struct {
	s      *stream.Stream[ChatCompletionChunk]
	dec    *doneDecoder
	closed atomic.Bool
	err    error
}

// doneDecoder notes whether "data: [DONE]" was seen.
type doneDecoder struct {
	stream.Decoder
	done bool
}

func (d *doneDecoder) Next() bool {
	if !d.Decoder.Next() {
		return false
	}
	if bytes.Equal(bytes.TrimSpace(d.Event().Data), []byte("[DONE]")) {
		d.done = true
	}
	return true
}

// chunkWire is a chunk or an error event, decoded in one pass.
type chunkWire struct {
	ChatCompletionChunk
	Error *ErrorDetails `json:"error"`
}

func newChatStream(resp *http.Response) *ChatStream {
	dec := &doneDecoder{Decoder: stream.NewSSEDecoder(resp.Body, 0)}
	method, url := "", ""
	if resp.Request != nil {
		method, url = resp.Request.Method, redact.URL(resp.Request.URL)
	}
	decode := func(ev stream.Event) (ChatCompletionChunk, error) {
		var w chunkWire
		if err := json.Unmarshal(ev.Data, &w); err != nil {
			return ChatCompletionChunk{}, fmt.Errorf("dial: decoding chat chunk: %w", err)
		}
		if w.Error != nil {
			code := w.Error.Code
			if code == "" || isNumeric(code) && w.Error.Type != "" {
				code = w.Error.Type
			}
			return ChatCompletionChunk{}, &apierror.Error{
				Service: ServiceName, StatusCode: resp.StatusCode, Code: code, Message: w.Error.Message,
				RequestID: apierror.RequestID(resp.Header), Method: method, URL: url,
				Header: redact.Header(resp.Header), Body: append([]byte(nil), ev.Data...),
			}
		}
		return w.ChatCompletionChunk, nil
	}
	return &ChatStream{s: stream.New(resp.Body, dec, decode), dec: dec}
}

// Next reads the next chunk; it returns false at the end or on error.
func (cs *ChatStream) Next() bool {
	if cs.s.Next() {
		return true
	}
	if cs.err == nil && cs.s.Err() == nil && !cs.dec.done && !cs.closed.Load() {
		cs.err = fmt.Errorf("%w: %w", ErrIncompleteStream, io.ErrUnexpectedEOF)
	}
	return false
}

// Current returns the chunk read by the last successful Next.
func (cs *ChatStream) Current() ChatCompletionChunk { return cs.s.Current() }

// Err returns the error that ended the stream, nil after a clean end.
func (cs *ChatStream) Err() error {
	if err := cs.s.Err(); err != nil {
		return err
	}
	return cs.err
}

// Close stops the stream and closes the response body. It is safe to call
// more than once and from another goroutine.
func (cs *ChatStream) Close() error {
	cs.closed.Store(true)
	return cs.s.Close()
}

// All iterates over the chunks; a final (zero, err) pair reports an error.
// The stream is closed when the loop ends, breaks or panics.
func (cs *ChatStream) All() iter.Seq2[ChatCompletionChunk, error] {
	return func(yield func(ChatCompletionChunk, error) bool) {
		defer cs.Close()
		for cs.Next() {
			if !yield(cs.Current(), nil) {
				return
			}
		}
		if err := cs.Err(); err != nil {
			yield(ChatCompletionChunk{}, err)
		}
	}
}

// Accumulate reads the whole stream and folds it into one completion (see
// ChatCompletionAccumulator). It closes the stream. On error it returns what
// was accumulated so far together with the error.
func (cs *ChatStream) Accumulate() (*ChatCompletion, error) {
	var acc ChatCompletionAccumulator
	for chunk, err := range cs.All() {
		if err != nil {
			return acc.Completion(), err
		}
		acc.Add(chunk)
	}
	return acc.Completion(), nil
}

// TokenizeInput is one input of Tokenize: a request or a string.
type TokenizeInput struct {
	Type  string `json:"type"` // "request" or "string"
	Value any    `json:"value"`
}

// TokenizeOutput is the token count of one input, or its error.
type TokenizeOutput struct {
	Status     string `json:"status"` // "success" or "error"
	TokenCount int64  `json:"token_count,omitempty"`
	Error      string `json:"error,omitempty"`
}

// Tokenize counts the tokens of requests or strings with the deployment's
// tokenizer (deployments whose Features.Tokenize is true).
func (s *ChatService) Tokenize(ctx context.Context, deployment string, inputs []TokenizeInput, opts ...option.RequestOption) ([]TokenizeOutput, error) {
	if err := checkID("deployment id", deployment); err != nil {
		return nil, err
	}
	if len(inputs) == 0 {
		return nil, &apierror.InputError{Service: ServiceName, Field: "tokenize inputs", Reason: "must not be empty"}
	}
	ctx, err := s.c.core.Context(ctx, opts)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(map[string]any{"inputs": inputs})
	if err != nil {
		return nil, &apierror.InputError{Service: ServiceName, Field: "tokenize inputs", Reason: err.Error()}
	}
	var out struct {
		Outputs []TokenizeOutput `json:"outputs"`
	}
	resp, err := s.c.raw.TokenizeWithBody(ctx, deployment, "application/json", bytes.NewReader(body), acceptJSON)
	if err := s.c.core.DecodeJSON(resp, err, &out); err != nil {
		return nil, err
	}
	return out.Outputs, nil
}

// TruncatePromptOutput says which messages of one request would be dropped.
type TruncatePromptOutput struct {
	Status            string `json:"status"` // "success" or "error"
	DiscardedMessages []int  `json:"discarded_messages,omitempty"`
	Error             string `json:"error,omitempty"`
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
	body, err := json.Marshal(map[string]any{"inputs": requests})
	if err != nil {
		return nil, &apierror.InputError{Service: ServiceName, Field: "truncate_prompt inputs", Reason: err.Error()}
	}
	var out struct {
		Outputs []TruncatePromptOutput `json:"outputs"`
	}
	resp, err := s.c.raw.TruncatePromptWithBody(ctx, deployment, "application/json", bytes.NewReader(body), acceptJSON)
	if err := s.c.core.DecodeJSON(resp, err, &out); err != nil {
		return nil, err
	}
	return out.Outputs, nil
}
