package infsh

import (
	"context"
	"encoding/json"
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

// service describes inference.sh to the core: the key goes in
// "Authorization: Bearer <key>" (an API key and a bearer token alike),
// envelopes are unwrapped and errors mapped to the typed ones.
func service() core.Service {
	bearer := &core.Credential{Name: "API key", Header: "Authorization", Scheme: "Bearer "}
	return core.Service{
		Name:           ServiceName,
		Spec:           "infsh.yaml", // x-retry: which operations create work
		EnvAPIKey:      EnvAPIKey,
		EnvBaseURL:     EnvBaseURL,
		DefaultBaseURL: DefaultBaseURL,
		Credentials:    &core.Auth{APIKey: bearer, Bearer: bearer},
		ParseError:     parseError,
		Unwrap:         unwrapResponse,
		MapError:       typedError,
	}
}

// NewClient builds a client. Without option.WithAPIKey (or
// option.WithBearerToken) the key is read from INFERENCE_API_KEY; with none
// at all NewClient fails with an *apierror.CredentialError. Without
// option.WithBaseURL the base URL is read from INFERENCE_BASE_URL, else
// DefaultBaseURL. The key is sent as "Authorization: Bearer <key>".
// WithFollowPolicy tunes how tasks and chats are followed.
func NewClient(opts ...option.RequestOption) (*Client, error) {
	c, err := core.New(service(), opts)
	if err != nil {
		return nil, err
	}
	raw, err := infshapi.NewClient(c.Config.BaseURL, infshapi.WithHTTPClient(c.Doer()))
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

// BaseURL is the base URL the client sends to.
func (c *Client) BaseURL() string { return c.core.Config.BaseURL }

// Do is the escape hatch for endpoints this package does not cover: it
// sends method to path (relative to the base URL; a query is allowed)
// through the same call path as every other call: credentials, retries,
// envelope unwrapping and typed errors. in is the request body (nil for
// none; []byte or io.Reader sent as they are; anything else as JSON) and
// out receives the unwrapped JSON response (nil to discard it).
func (c *Client) Do(ctx context.Context, method, path string, in, out any, opts ...option.RequestOption) error {
	return c.core.Do(ctx, method, path, in, out, opts...)
}

// marshal encodes a request body.
func marshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, &apierror.InputError{Service: ServiceName, Field: "request body", Reason: err.Error()}
	}
	return b, nil
}

// acceptNDJSON asks for an NDJSON stream.
func acceptNDJSON(_ context.Context, req *http.Request) error {
	req.Header.Set("Accept", "application/x-ndjson")
	req.Header.Set("Cache-Control", "no-cache")
	return nil
}

func isSSE(resp *http.Response) bool {
	return strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream")
}
