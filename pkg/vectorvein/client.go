// Package vectorvein is the Go client for the VectorVein (向量脉络) Open API: run workflows
// and wait for them, manage VApp access keys, and sign VApp links.
//
//	client, err := vectorvein.NewClient() // VECTORVEIN_API_KEY, VECTORVEIN_BASE_URL
//	res, err := client.Workflows.RunAndWait(ctx, vectorvein.RunRequest{
//		WorkflowID: "abcde0985736457aa72cc667f17bfc89",
//		Inputs:     []vectorvein.InputField{{NodeID: "n1", FieldName: "text", Value: "hi"}},
//	}, nil)
//
// Every reply is a JSON envelope {status, msg, data}; the envelope status, not the HTTP
// status, decides success (200, 201, 202). Failures come back as typed errors that
// errors.As finds: *APIKeyError, *WorkflowError, *AccessKeyError, *RequestError and
// *TimeoutError, each wrapping the shared *apierror.Error when a reply was received.
// Input the client can reject on its own gives an *apierror.InputError (wrapped in an
// *AccessKeyError for access-key calls) before anything is sent.
//
// The emulator in package vectorveintest serves the same API on loopback for tests.
package vectorvein

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/aiclients/sdk-go/gen/vectorveinapi"
	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/internal/core"
	"github.com/aiclients/sdk-go/pkg/option"
)

const (
	// ServiceName names the service in errors and logs.
	ServiceName = "vectorvein"
	// DefaultBaseURL is the API base used when neither option.WithBaseURL nor
	// VECTORVEIN_BASE_URL gives one.
	DefaultBaseURL = "https://vectorvein.com/api/v1/open-api"
	// APIVersion is sent as VECTORVEIN-API-VERSION on every request.
	APIVersion = "20240508"
	// EnvAPIKey names the environment variable read for the API key.
	EnvAPIKey = "VECTORVEIN_API_KEY"
	// EnvBaseURL names the environment variable read for the API base URL.
	EnvBaseURL = "VECTORVEIN_BASE_URL"

	// HeaderAPIKey carries the API key.
	HeaderAPIKey = "VECTORVEIN-API-KEY"
	// HeaderAPIVersion carries APIVersion.
	HeaderAPIVersion = "VECTORVEIN-API-VERSION"
	// HeaderKeyType is "VAPP" for calls made with a VApp key.
	HeaderKeyType = "VECTORVEIN-API-KEY-TYPE"

	// apiPathSuffix is how the default API base ends; VApp links default to the origin before it.
	apiPathSuffix = "/api/v1/open-api"
	// maxEnvelope bounds how much of a reply is read.
	maxEnvelope = 32 << 20
)

// Client talks to the VectorVein Open API. It is safe for concurrent use.
type Client struct {
	// Workflows runs workflows and follows their runs.
	Workflows *WorkflowService
	// AccessKeys manages VApp access keys.
	AccessKeys *AccessKeyService

	core *core.Client
	raw  *vectorveinapi.Client
}

// NewClient builds a client. Without option.WithAPIKey (or WithAPIKeyFunc) the key is read
// from VECTORVEIN_API_KEY; without option.WithBaseURL the base URL is read from
// VECTORVEIN_BASE_URL, else DefaultBaseURL. No key at all gives an *APIKeyError, as the
// official SDK does. Add WithRateLimit to stay under the service's 60 calls a minute.
func NewClient(opts ...option.RequestOption) (*Client, error) {
	c, err := core.New(core.Service{
		Name:           ServiceName,
		EnvAPIKey:      EnvAPIKey,
		EnvBaseURL:     EnvBaseURL,
		DefaultBaseURL: DefaultBaseURL,
		Auth:           auth,
		ParseError:     parseEnvelopeError,
	}, opts)
	if err != nil {
		var ie *apierror.InputError
		if errors.As(err, &ie) && strings.Contains(strings.ToLower(ie.Field), "api key") {
			return nil, &APIKeyError{Reason: "API key cannot be empty", Err: err}
		}
		return nil, err
	}
	if c.Config.APIKey == nil {
		return nil, &APIKeyError{
			Reason: "no API key: set " + EnvAPIKey + " or pass option.WithAPIKey",
			Err:    &apierror.InputError{Service: ServiceName, Field: "api key", Reason: "not set"},
		}
	}
	raw, err := vectorveinapi.NewClient(c.Config.BaseURL, vectorveinapi.WithHTTPClient(c.Transport))
	if err != nil {
		return nil, err
	}
	cl := &Client{core: c, raw: raw}
	cl.Workflows = &WorkflowService{c: cl}
	cl.AccessKeys = &AccessKeyService{c: cl}
	return cl, nil
}

// Raw returns the generated client for every operation of specs/vectorvein.yaml. It sends
// through the same transport (API key, version header, retries, middleware, logging) and
// uses the client's base URL; per-call options travel in the context made by the
// transport's caller, so pass them with option.NewContext if you need them.
func (c *Client) Raw() *vectorveinapi.Client { return c.raw }

// BaseURL returns the client's API base URL.
func (c *Client) BaseURL() string { return c.core.Config.BaseURL }

// auth sets the API key and version headers on every attempt.
func auth(req *http.Request, cfg *option.Config) error {
	req.Header.Set(HeaderAPIVersion, APIVersion)
	if cfg.APIKey == nil {
		return &APIKeyError{Reason: "no API key configured"}
	}
	key, err := cfg.APIKey(req.Context())
	if err != nil {
		return &APIKeyError{Reason: "getting the API key failed", Err: err}
	}
	if strings.TrimSpace(key) == "" {
		return &APIKeyError{Reason: "API key cannot be empty"}
	}
	req.Header.Set(HeaderAPIKey, key)
	return nil
}

// envelope is every reply's shape.
type envelope struct {
	Status int             `json:"status"`
	Msg    string          `json:"msg"`
	Data   json.RawMessage `json:"data"`
	RID    string          `json:"rid"`
}

// ok reports the success codes: 200 done, 201 created, 202 accepted / still running.
func (e *envelope) ok() bool { return e.Status == 200 || e.Status == 201 || e.Status == 202 }

// decodeEnvelope reads the whole reply (bounded) and decodes the envelope. A reply
// that is not an envelope is a *RequestError wrapping an *apierror.Error with the HTTP
// status and body. An error envelope becomes an *apierror.Error whose StatusCode is the
// envelope status (the caller maps it to a typed error).
func parseEnvelopeReply(resp *http.Response) (*envelope, *apierror.Error, error) {
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxEnvelope+1))
	_ = resp.Body.Close()
	if err != nil {
		return nil, nil, &RequestError{Reason: "reading the reply failed", Err: err}
	}
	if len(body) > maxEnvelope {
		return nil, nil, &RequestError{Reason: fmt.Sprintf("reply larger than %d bytes", maxEnvelope)}
	}
	env, perr := decodeEnvelope(body)
	if perr != "" {
		return nil, nil, &RequestError{
			Reason: fmt.Sprintf("%s (HTTP %d)", perr, resp.StatusCode),
			Err:    errorFrom(resp, resp.StatusCode, body),
		}
	}
	if !env.ok() {
		return env, errorFrom(resp, env.Status, body), nil
	}
	return env, nil, nil
}

func decodeEnvelope(body []byte) (*envelope, string) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil || probe == nil {
		if json.Valid(body) {
			return nil, "reply is JSON but not an object"
		}
		return nil, "reply is not JSON"
	}
	rawStatus, ok := probe["status"]
	if !ok {
		return nil, "reply has no envelope status"
	}
	var env envelope
	if err := json.Unmarshal(rawStatus, &env.Status); err != nil {
		return nil, "reply's envelope status is not an integer"
	}
	if m, ok := probe["msg"]; ok {
		_ = json.Unmarshal(m, &env.Msg) // a non-string msg is ignored
	}
	if r, ok := probe["rid"]; ok {
		_ = json.Unmarshal(r, &env.RID)
	}
	env.Data = probe["data"]
	return &env, ""
}

// errorFrom builds the shared API error for a reply, with status as its StatusCode.
func errorFrom(resp *http.Response, status int, body []byte) *apierror.Error {
	cp := *resp
	cp.StatusCode = status
	cp.Body = io.NopCloser(bytes.NewReader(body))
	return apierror.FromResponse(ServiceName, &cp, parseEnvelopeError)
}

// parseEnvelopeError is the BodyParser for envelopes: code is the envelope status, the
// message is msg.
func parseEnvelopeError(body []byte) (code, message string) {
	var env struct {
		Status json.Number `json:"status"`
		Msg    any         `json:"msg"`
	}
	if json.Unmarshal(body, &env) != nil {
		return "", ""
	}
	if s, ok := env.Msg.(string); ok {
		message = s
	}
	return "", message
}

// call sends one request built by build (given the call's base URL with a trailing
// slash), decodes the envelope and maps error envelopes with mapErr (nil: the default
// mapping). It returns the success envelope.
func (c *Client) call(ctx context.Context, opts []option.RequestOption, build func(server string) (*http.Request, error), mapErr func(env *envelope, apiErr *apierror.Error) error) (*envelope, error) {
	ctx, err := c.core.Context(ctx, opts)
	if err != nil {
		return nil, err
	}
	server := strings.TrimSuffix(c.core.CallConfig(ctx).BaseURL, "/") + "/"
	req, err := build(server)
	if err != nil {
		return nil, &apierror.InputError{Service: ServiceName, Field: "request", Reason: err.Error()}
	}
	req = req.WithContext(ctx)
	req.Header.Set("Accept", "application/json")
	resp, err := c.core.Transport.Do(req)
	if err != nil {
		var ake *APIKeyError
		if errors.As(err, &ake) {
			return nil, err
		}
		if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			return nil, &RequestError{Reason: "request cancelled", Err: err}
		}
		return nil, &RequestError{Reason: "request failed", Err: err}
	}
	env, apiErr, err := parseEnvelopeReply(resp)
	if err != nil {
		return nil, err
	}
	if apiErr != nil {
		if mapErr != nil {
			if mapped := mapErr(env, apiErr); mapped != nil {
				return nil, mapped
			}
		}
		return nil, defaultError(apiErr)
	}
	return env, nil
}

// defaultError maps an error envelope: 401, and 403 about the API key, are *APIKeyError;
// anything else is the *apierror.Error itself.
func defaultError(apiErr *apierror.Error) error {
	if apiErr.StatusCode == 401 || (apiErr.StatusCode == 403 && keyRelated(apiErr.Message)) {
		reason := apiErr.Message
		if reason == "" {
			reason = "API key is invalid or expired"
		}
		return &APIKeyError{Reason: reason, Err: apiErr}
	}
	return apiErr
}

// keyRelated reports whether a 403 message is about the API key itself.
func keyRelated(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "api key") || strings.Contains(m, "api-key") || strings.Contains(m, "apikey") ||
		strings.Contains(msg, "身份认证信息未提供") || strings.Contains(msg, "API密钥")
}

// decodeData decodes env.Data into v, as a *RequestError when the shape is wrong.
func decodeData(env *envelope, v any, what string) error {
	if len(env.Data) == 0 || string(env.Data) == "null" {
		return &RequestError{Reason: what + ": reply has no data"}
	}
	if err := json.Unmarshal(env.Data, v); err != nil {
		return &RequestError{Reason: what + ": unexpected data in reply", Err: err}
	}
	return nil
}

// VAppURL signs a link that opens the VApp appID with the access key accessKey; keyID
// names this client's API key on the server (the key that decrypts the token). The token
// is encrypted with the client's API key, which must be 16, 24 or 32 bytes (else
// *KeyLengthError). The link is byte-compatible with the official SDK's
// generate_vapp_url. Unless opts.BaseURL says otherwise, the link points at the origin of
// the client's base URL when it ends in /api/v1/open-api (so https://vectorvein.com by
// default), else at DefaultVAppBaseURL. No request is sent.
func (c *Client) VAppURL(appID, accessKey, keyID string, opts *VAppURLOptions) (string, error) {
	var o VAppURLOptions
	if opts != nil {
		o = *opts
	}
	if o.BaseURL == "" {
		o.BaseURL = DefaultVAppBaseURL
		if origin, ok := strings.CutSuffix(strings.TrimSuffix(c.core.Config.BaseURL, "/"), apiPathSuffix); ok && origin != "" {
			o.BaseURL = origin
		}
	}
	key, err := c.core.Config.APIKey(context.Background())
	if err != nil {
		return "", &APIKeyError{Reason: "getting the API key failed", Err: err}
	}
	return SignVAppURL(key, appID, accessKey, keyID, &o)
}
