package dragoneye

import (
	"context"
	"time"

	"github.com/aiclients/sdk-go/gen/dragoneyeapi"
	"github.com/aiclients/sdk-go/pkg/internal/core"
	"github.com/aiclients/sdk-go/pkg/option"
)

const (
	// ServiceName names the service in errors and logs.
	ServiceName = "dragoneye"
	// DefaultBaseURL is the API used when neither option.WithBaseURL nor
	// DRAGONEYE_BASE_URL gives one.
	DefaultBaseURL = "https://api.dragoneye.ai"
	// EnvAPIKey names the environment variable read for the API key.
	EnvAPIKey = "DRAGONEYE_API_KEY"
	// EnvBaseURL names the environment variable read for the base URL.
	EnvBaseURL = "DRAGONEYE_BASE_URL"
	// HeaderAPIKey carries the API key on every API call (never on the
	// media upload).
	HeaderAPIKey = "X-API-Key"

	// StatusPredicted is the status of a task that finished successfully.
	StatusPredicted = "predicted"
	// FailedStatusPrefix starts the status of a task that failed.
	FailedStatusPrefix = "failed"
)

// Retry defaults, as the official SDK: on 429, exponential backoff from 1 s
// with full jitter, up to 10 retries within 120 s in all.
const (
	DefaultMaxRetries     = 10
	DefaultRetryBaseDelay = time.Second
	DefaultRetryMaxDelay  = 64 * time.Second
	DefaultMaxRetryTime   = 120 * time.Second
)

// Client talks to the Dragoneye API. It is safe for concurrent use.
type Client struct {
	// Predictions runs predictions on images and videos, waits for them
	// and fetches their results.
	Predictions *PredictionService

	core *core.Client
	raw  *dragoneyeapi.Client
}

// NewClient builds a client. Without option.WithAPIKey (or WithAPIKeyFunc)
// the key is read from DRAGONEYE_API_KEY; no key at all is an
// *apierror.CredentialError. Without option.WithBaseURL the base URL is read
// from DRAGONEYE_BASE_URL, else DefaultBaseURL.
//
// Retries default to the official SDK's policy (see DefaultMaxRetries);
// option.WithMaxRetries, WithRetryBackoff and WithMaxRetryTime change it.
// Besides 429, the shared transport also retries 408, 5xx and connection
// errors, and honours Retry-After (capped by option.WithMaxRetryAfter).
// Beginning a prediction task and starting a prediction create work
// (x-retry: unsafe in the spec): they are retried only when the request
// surely never reached the server, unless the call passes
// option.WithRetryUnsafe.
func NewClient(opts ...option.RequestOption) (*Client, error) {
	defaults := []option.RequestOption{
		option.WithMaxRetries(DefaultMaxRetries),
		option.WithRetryBackoff(DefaultRetryBaseDelay, DefaultRetryMaxDelay, 1),
		option.WithMaxRetryTime(DefaultMaxRetryTime),
	}
	c, err := core.New(core.Service{
		Name:           ServiceName,
		Spec:           "dragoneye.yaml", // x-retry: which operations create work
		EnvAPIKey:      EnvAPIKey,
		EnvBaseURL:     EnvBaseURL,
		DefaultBaseURL: DefaultBaseURL,
		Credentials:    &core.Auth{APIKey: &core.Credential{Name: "API key", Header: HeaderAPIKey}},
	}, append(defaults, opts...))
	if err != nil {
		return nil, err
	}
	raw, err := dragoneyeapi.NewClient(c.Config.BaseURL, dragoneyeapi.WithHTTPClient(c.Doer()))
	if err != nil {
		return nil, err
	}
	return &Client{
		core: c,
		raw:  raw,
		// The presigned upload goes to storage and must not carry the API
		// key: it has a transport of its own, without credentials.
		Predictions: &PredictionService{core: c, raw: raw},
	}, nil
}

// Raw returns the generated client for every operation of
// specs/dragoneye.yaml. It sends through the same request loop (API key,
// retries, middleware, logging, per-call base URL) and uses the client's
// base URL.
func (c *Client) Raw() *dragoneyeapi.Client { return c.raw }

// BaseURL returns the client's API base URL.
func (c *Client) BaseURL() string { return c.core.Config.BaseURL }

// Do is the escape hatch for endpoints this package does not cover: it sends
// method to path (relative to the base URL; a query is allowed) through the
// same call path as every other call (API key, retries, error mapping). in is
// the body: nil, []byte or io.Reader sent as is, anything else as JSON. out
// receives the decoded JSON response (nil discards it; *[]byte takes it raw).
// A non-2xx status is an *apierror.Error.
func (c *Client) Do(ctx context.Context, method, path string, in, out any, opts ...option.RequestOption) error {
	return c.core.Do(ctx, method, path, in, out, opts...)
}
