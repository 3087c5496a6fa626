package vectorvein

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

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
	// EnvAPIKey names the environment variable read for the API key.
	EnvAPIKey = "VECTORVEIN_API_KEY"
	// EnvBaseURL names the environment variable read for the API base URL.
	EnvBaseURL = "VECTORVEIN_BASE_URL"

	// HeaderAPIKey carries the API key.
	HeaderAPIKey = "VECTORVEIN-API-KEY"
	// HeaderAPIVersion carries APIVersion20240508 on every request.
	HeaderAPIVersion = "VECTORVEIN-API-VERSION"
	// HeaderKeyType is "VAPP" for calls made with a VApp key (see WithKeyType).
	HeaderKeyType = "VECTORVEIN-API-KEY-TYPE"

	// apiPathSuffix is how the default API base ends; VApp links default to the origin before it.
	apiPathSuffix = "/api/v1/open-api"
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
// VECTORVEIN_BASE_URL, else DefaultBaseURL. No key at all gives an
// *apierror.CredentialError. Add WithRateLimit to stay under the service's 60 calls a
// minute, and WithKeyType(KeyTypeVApp) for a VApp key.
func NewClient(opts ...option.RequestOption) (*Client, error) {
	version := http.Header{}
	version.Set(HeaderAPIVersion, string(APIVersion20240508))
	c, err := core.New(core.Service{
		Name:           ServiceName,
		Spec:           "vectorvein.yaml", // x-retry: which operations create work
		EnvAPIKey:      EnvAPIKey,
		EnvBaseURL:     EnvBaseURL,
		DefaultBaseURL: DefaultBaseURL,
		Credentials: &core.Auth{
			APIKey: &core.Credential{Name: "API key", Header: HeaderAPIKey},
			Header: version,
		},
		ParseError: parseEnvelopeError,
		Unwrap:     unwrapEnvelope,
		MapError:   mapError,
	}, opts)
	if err != nil {
		return nil, err
	}
	raw, err := vectorveinapi.NewClient(c.Config.BaseURL, vectorveinapi.WithHTTPClient(c.Doer()))
	if err != nil {
		return nil, &apierror.InputError{Service: ServiceName, Field: "base URL", Reason: err.Error()}
	}
	cl := &Client{core: c, raw: raw}
	cl.Workflows = &WorkflowService{c: cl}
	cl.AccessKeys = &AccessKeyService{c: cl}
	return cl, nil
}

// Raw returns the generated client for every operation of specs/vectorvein.yaml. It sends
// through the same request loop (API key, version header, retries, middleware, logging)
// and uses the client's base URL; it does not unwrap envelopes.
func (c *Client) Raw() *vectorveinapi.Client { return c.raw }

// BaseURL returns the client's API base URL.
func (c *Client) BaseURL() string { return c.core.Config.BaseURL }

// Do is the escape hatch for operations this package does not wrap: it sends method to
// path (relative to the base URL) through the same call path as every other call (API
// key, retries, envelope check) and decodes the envelope's data into out. in is the body:
// nil for none, []byte or io.Reader sent as is, anything else encoded as JSON.
func (c *Client) Do(ctx context.Context, method, path string, in, out any, opts ...option.RequestOption) error {
	return c.core.Do(ctx, method, path, in, out, opts...)
}

// envelopeKey marks a call that wants the whole success envelope (status and msg
// included), not only its data: the workflow calls, whose envelope status says whether
// the run has finished.
type envelopeKey struct{}

func wholeEnvelope(ctx context.Context) context.Context {
	return context.WithValue(ctx, envelopeKey{}, true)
}

// unwrapEnvelope is the core's Unwrap hook: a success envelope (status 200, 201, 202)
// gives its data (or, for calls marked by wholeEnvelope, the whole envelope); an error
// envelope an *apierror.Error with the envelope status as StatusCode and the HTTP status
// as HTTPStatus; a reply that is no envelope a decode error wrapping an *apierror.Error
// with the HTTP status and the body.
func unwrapEnvelope(resp *http.Response, body []byte) ([]byte, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil || probe == nil {
		if json.Valid(body) {
			return nil, notEnvelope(resp, body, "reply is JSON but not an object")
		}
		return nil, notEnvelope(resp, body, "reply is not JSON")
	}
	rawStatus, ok := probe["status"]
	if !ok {
		return nil, notEnvelope(resp, body, "reply has no envelope status")
	}
	var status int
	if err := json.Unmarshal(rawStatus, &status); err != nil {
		return nil, notEnvelope(resp, body, "reply's envelope status is not an integer")
	}
	if !SuccessStatus(status).Valid() {
		return nil, envelopeError(resp, status, body)
	}
	if resp.Request != nil && resp.Request.Context().Value(envelopeKey{}) != nil {
		return body, nil
	}
	return probe["data"], nil
}

// envelopeError is the *apierror.Error of an error envelope in a reply.
func envelopeError(resp *http.Response, status int, body []byte) *apierror.Error {
	cp := *resp
	cp.StatusCode = status
	cp.Body = io.NopCloser(bytes.NewReader(body))
	e := apierror.FromResponse(ServiceName, &cp, parseEnvelopeError)
	e.HTTPStatus = resp.StatusCode
	return e
}

// notEnvelope is the decode error of a 2xx reply that is not an envelope.
func notEnvelope(resp *http.Response, body []byte, reason string) error {
	cp := *resp
	cp.Body = io.NopCloser(bytes.NewReader(body))
	apiErr := apierror.FromResponse(ServiceName, &cp, nil)
	apiErr.Message = reason
	name := ""
	if resp.Request != nil && resp.Request.URL != nil {
		name = resp.Request.Method + " " + resp.Request.URL.Path
	}
	return &apierror.ResponseError{Service: ServiceName, Request: name, StatusCode: resp.StatusCode, Reason: reason, Err: apiErr}
}

// mapError is the core's MapError hook. A non-2xx reply carrying an error envelope keeps
// the envelope status as StatusCode (the HTTP status goes to HTTPStatus), as for an error
// envelope inside a 200.
func mapError(err error) error {
	var ae *apierror.Error
	if !errors.As(err, &ae) || ae.HTTPStatus != 0 {
		return err
	}
	var env struct{ Status *int } // field names match "status" case-insensitively
	if json.Unmarshal(ae.Body, &env) == nil && env.Status != nil && *env.Status != ae.StatusCode && *env.Status >= 300 {
		ae.HTTPStatus, ae.StatusCode = ae.StatusCode, *env.Status
	}
	return err
}

// parseEnvelopeError is the BodyParser for envelopes: the message is msg (the code, the
// envelope status, is StatusCode already).
func parseEnvelopeError(body []byte) (code, message string) {
	var env struct{ Msg any } // "msg", matched case-insensitively
	if json.Unmarshal(body, &env) == nil {
		if s, ok := env.Msg.(string); ok {
			return "", s
		}
	}
	return "", ""
}

func inputErr(field, reason string) error {
	return &apierror.InputError{Service: ServiceName, Field: field, Reason: reason}
}
