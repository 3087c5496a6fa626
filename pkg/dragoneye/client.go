package dragoneye

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/aiclients/sdk-go/gen/dragoneyeapi"
	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/internal/core"
	"github.com/aiclients/sdk-go/pkg/internal/transport"
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
	// ResponseVersion is the results format this client asks for: a ZIP of
	// object-forward Parquet files.
	ResponseVersion = "parquet_object"

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
	core   *core.Client
	raw    *dragoneyeapi.Client
	upload *transport.Transport // no credentials: presigned uploads carry no API key
}

// NewClient builds a client. Without option.WithAPIKey (or WithAPIKeyFunc)
// the key is read from DRAGONEYE_API_KEY; no key at all is an
// *apierror.InputError. Without option.WithBaseURL the base URL is read from
// DRAGONEYE_BASE_URL, else DefaultBaseURL.
//
// Retries default to the official SDK's policy (see DefaultMaxRetries);
// option.WithMaxRetries, WithRetryBackoff and WithMaxRetryTime change it.
// Besides 429, the shared transport also retries 408, 5xx and connection
// errors, and honours Retry-After (capped by option.WithMaxRetryAfter).
func NewClient(opts ...option.RequestOption) (*Client, error) {
	defaults := []option.RequestOption{
		option.WithMaxRetries(DefaultMaxRetries),
		option.WithRetryBackoff(DefaultRetryBaseDelay, DefaultRetryMaxDelay, 1),
		option.WithMaxRetryTime(DefaultMaxRetryTime),
	}
	c, err := core.New(core.Service{
		Name:           ServiceName,
		EnvAPIKey:      EnvAPIKey,
		EnvBaseURL:     EnvBaseURL,
		DefaultBaseURL: DefaultBaseURL,
		Auth:           auth,
	}, append(defaults, opts...))
	if err != nil {
		return nil, err
	}
	if c.Config.APIKey == nil {
		return nil, &apierror.InputError{Service: ServiceName, Field: "API key",
			Reason: "not set; set " + EnvAPIKey + " or pass option.WithAPIKey"}
	}
	raw, err := dragoneyeapi.NewClient(c.Config.BaseURL, dragoneyeapi.WithHTTPClient(c.Transport))
	if err != nil {
		return nil, err
	}
	return &Client{core: c, raw: raw, upload: transport.New(ServiceName, c.Config, nil)}, nil
}

// Raw returns the generated client for every operation of
// specs/dragoneye.yaml. It sends through the same transport (API key,
// retries, middleware, logging) and uses the client's base URL.
func (c *Client) Raw() *dragoneyeapi.Client { return c.raw }

// BaseURL returns the client's API base URL.
func (c *Client) BaseURL() string { return c.core.Config.BaseURL }

// auth sets X-API-Key on every attempt.
func auth(req *http.Request, cfg *option.Config) error {
	if cfg.APIKey == nil {
		return &apierror.InputError{Service: ServiceName, Field: "API key", Reason: "not set"}
	}
	key, err := cfg.APIKey(req.Context())
	if err != nil {
		return &apierror.InputError{Service: ServiceName, Field: "API key", Reason: "getting it failed: " + err.Error()}
	}
	if strings.TrimSpace(key) == "" {
		return &apierror.InputError{Service: ServiceName, Field: "API key", Reason: "must not be empty"}
	}
	req.Header.Set(HeaderAPIKey, key)
	return nil
}

// detailOf returns the service's message of an *apierror.Error in err.
func detailOf(err error) string {
	var ae *apierror.Error
	if errors.As(err, &ae) {
		return ae.Message
	}
	return ""
}
