// Package infsh is the Go client for the inference.sh API: run apps as tasks
// and follow their progress, upload files, keep app sessions warm, and chat
// with agents whose tools can be Go functions.
//
//	client, err := infsh.NewClient() // INFERENCE_API_KEY, INFERENCE_BASE_URL
//	task, err := client.Tasks.Run(ctx, infsh.RunParams{
//		App:   "infsh/text-templating@53bk0yzk",
//		Input: map[string]any{"template": "Hello {1}!", "strings": []string{"Go"}},
//	})
//
// Responses are read in every envelope the API has used ({"data", "messages"},
// {"success", "data"} and the bare resource); errors are the shared
// *apierror.Error, or a typed error that wraps it: *RequirementsError (412),
// *SessionError, *TaskError (a task that failed, was cancelled or rejected).
// Package infshtest serves the same API on loopback for tests.
package infsh

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/aiclients/sdk-go/gen/infshapi"
	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/internal/core"
	"github.com/aiclients/sdk-go/pkg/option"
)

const (
	// ServiceName names the service in errors and logs.
	ServiceName = "infsh"
	// DefaultBaseURL is used when neither option.WithBaseURL nor
	// INFERENCE_BASE_URL gives a base URL.
	DefaultBaseURL = "https://api.inference.sh"
	// EnvAPIKey names the environment variable read for the API key.
	EnvAPIKey = "INFERENCE_API_KEY"
	// EnvBaseURL names the environment variable read for the base URL.
	EnvBaseURL = "INFERENCE_BASE_URL"

	// maxJSON bounds how much of a JSON response is read.
	maxJSON = 64 << 20
)

// Client talks to the inference.sh API. It is safe for concurrent use.
type Client struct {
	// Tasks runs apps and follows, reads and cancels tasks.
	Tasks *TaskService
	// Files uploads files.
	Files *FileService
	// Sessions reads, keeps alive and ends app sessions.
	Sessions *SessionService
	// Agents starts conversations with template and ad-hoc agents.
	Agents *AgentService

	core *core.Client
	raw  *infshapi.Client
}

// NewClient builds a client. Without option.WithAPIKey the key is read from
// INFERENCE_API_KEY; without option.WithBaseURL the base URL is read from
// INFERENCE_BASE_URL, else DefaultBaseURL. The key is sent as
// "Authorization: Bearer <key>".
func NewClient(opts ...option.RequestOption) (*Client, error) {
	c, err := core.New(core.Service{
		Name:           ServiceName,
		EnvAPIKey:      EnvAPIKey,
		EnvBaseURL:     EnvBaseURL,
		DefaultBaseURL: DefaultBaseURL,
		Auth:           auth,
		ParseError:     parseError,
	}, opts)
	if err != nil {
		return nil, err
	}
	raw, err := infshapi.NewClient(c.Config.BaseURL, infshapi.WithHTTPClient(c.Transport))
	if err != nil {
		return nil, &apierror.InputError{Service: ServiceName, Field: "base URL", Reason: err.Error()}
	}
	cl := &Client{core: c, raw: raw}
	cl.Tasks = &TaskService{c: cl}
	cl.Files = &FileService{c: cl}
	cl.Sessions = &SessionService{c: cl}
	cl.Agents = &AgentService{c: cl}
	return cl, nil
}

// Raw returns the generated client, which sends through the same transport
// (auth, retries, logging) as c. Its responses are not unwrapped.
func (c *Client) Raw() *infshapi.Client { return c.raw }

// auth sets "Authorization: Bearer <key>" from the API key or bearer token.
func auth(req *http.Request, cfg *option.Config) error {
	cred := cfg.APIKey
	if cred == nil {
		cred = cfg.BearerToken
	}
	if cred == nil {
		return &apierror.InputError{Service: ServiceName, Field: "API key", Reason: "not set; set " + EnvAPIKey + " or pass option.WithAPIKey"}
	}
	key, err := cred(req.Context())
	if err != nil {
		return fmt.Errorf("%s: getting the API key: %w", ServiceName, err)
	}
	if strings.TrimSpace(key) == "" {
		return &apierror.InputError{Service: ServiceName, Field: "API key", Reason: "empty"}
	}
	req.Header.Set("Authorization", "Bearer "+key)
	return nil
}

// parseError reads the code and message of an error body in any of the
// API's forms: RFC 9457 problem details (code from a "code" member or the
// last path segment of "type"), the legacy {"error": {"code", "message"}},
// or {"message"}.
func parseError(body []byte) (code, message string) {
	var p struct {
		Type    string          `json:"type"`
		Title   string          `json:"title"`
		Detail  string          `json:"detail"`
		Code    json.RawMessage `json:"code"`
		Message string          `json:"message"`
		Error   json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &p) != nil {
		return "", ""
	}
	var legacy struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if len(p.Error) > 0 && json.Unmarshal(p.Error, &legacy) != nil {
		var s string
		if json.Unmarshal(p.Error, &s) == nil {
			legacy.Message = s
		}
	}
	_ = json.Unmarshal(p.Code, &code)
	if code == "" {
		code = legacy.Code
	}
	if code == "" && p.Type != "" && p.Type != "about:blank" {
		t := strings.TrimRight(p.Type, "/")
		code = t[strings.LastIndex(t, "/")+1:]
	}
	for _, m := range []string{p.Detail, legacy.Message, p.Message, p.Title} {
		if m != "" {
			return code, m
		}
	}
	return code, ""
}

// envelopeKeys are the members an envelope may have besides "data".
var envelopeKeys = map[string]bool{"data": true, "messages": true, "success": true, "status": true, "meta": true}

// notices are the messages a response carried next to its data.
type notices []json.RawMessage

// unwrap returns the resource of a response body in any of the API's
// formats: {"success": ..., "data": ...} (v1: success false is an error),
// {"data": ..., "messages": [...]} (V3), or the bare resource (v2). A body
// that is a bare resource with its own "data" member (a tool invocation) is
// not unwrapped, because it has members an envelope has not.
func unwrap(body []byte) (json.RawMessage, notices, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || bytes.Equal(body, []byte("null")) {
		return nil, nil, nil
	}
	if body[0] != '{' {
		return body, nil, nil
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, nil, fmt.Errorf("%s: decoding response: %w", ServiceName, err)
	}
	if raw, ok := top["success"]; ok {
		var success bool
		if json.Unmarshal(raw, &success) == nil {
			if !success {
				code, msg := parseError(body)
				return nil, nil, &apierror.Error{Service: ServiceName, StatusCode: http.StatusOK, Code: code, Message: msg, Body: capBody(body)}
			}
			return top["data"], messagesOf(top), nil
		}
	}
	if _, ok := top["data"]; ok {
		for k := range top {
			if !envelopeKeys[k] {
				return body, nil, nil
			}
		}
		return top["data"], messagesOf(top), nil
	}
	return body, nil, nil
}

func messagesOf(top map[string]json.RawMessage) notices {
	var m notices
	_ = json.Unmarshal(top["messages"], &m)
	return m
}

func capBody(b []byte) []byte {
	if len(b) > apierror.MaxBody {
		b = b[:apierror.MaxBody]
	}
	return append([]byte(nil), b...)
}

// send runs one call: the call options go into ctx, do sends, the response
// is checked, unwrapped and decoded into out (which may be nil).
func (c *Client) send(ctx context.Context, opts []option.RequestOption, do func(ctx context.Context) (*http.Response, error), out any) error {
	ctx, err := c.core.Context(ctx, opts)
	if err != nil {
		return err
	}
	resp, err := c.core.Check(do(ctx))
	if err != nil {
		return typedError(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJSON))
	if err != nil {
		return fmt.Errorf("%s: reading the %s response: %w", ServiceName, opName(resp), err)
	}
	data, _, err := unwrap(body)
	if err != nil {
		return typedError(err)
	}
	if out == nil || len(data) == 0 || bytes.Equal(data, []byte("null")) {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s: decoding the %s response: %w", ServiceName, opName(resp), err)
	}
	return nil
}

func opName(resp *http.Response) string {
	if resp.Request == nil || resp.Request.URL == nil {
		return "API"
	}
	return resp.Request.Method + " " + resp.Request.URL.Path
}

// call is send for a call whose response decodes into a T.
func call[T any](ctx context.Context, c *Client, opts []option.RequestOption, do func(ctx context.Context) (*http.Response, error)) (*T, error) {
	var out T
	if err := c.send(ctx, opts, do, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// jsonBody encodes v as a request body for the generated client.
func jsonBody(v any) (io.Reader, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, &apierror.InputError{Service: ServiceName, Field: "request body", Reason: err.Error()}
	}
	return bytes.NewReader(b), nil
}

// acceptNDJSON asks for an NDJSON stream.
func acceptNDJSON(_ context.Context, req *http.Request) error {
	req.Header.Set("Accept", "application/x-ndjson")
	req.Header.Set("Cache-Control", "no-cache")
	return nil
}
