package dial

import (
	"context"
	"strings"

	"github.com/aiclients/sdk-go/gen/dialapi"
	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/internal/core"
	"github.com/aiclients/sdk-go/pkg/option"
)

// ServiceName is the service name in errors and logs.
const ServiceName = "dial"

// Environment variables read by NewClient when the matching option is absent.
const (
	// EnvBaseURL names the base URL variable, the same *_BASE_URL form as
	// the other services' clients.
	EnvBaseURL = "DIAL_BASE_URL"
	// EnvBaseURLAlias is read when EnvBaseURL is unset: the name DIAL users
	// already set (and this client read before DIAL_BASE_URL).
	EnvBaseURLAlias = "DIAL_URL"
	// EnvAPIKey names the API key variable.
	EnvAPIKey = "DIAL_API_KEY"
)

// Keys of the DIAL settings kept in option.Config.Values.
type (
	apiVersionKey    struct{}
	perRequestKeyKey struct{}
)

// WithAPIVersion sets the api-version query parameter of chat completion
// calls. Use it on NewClient for a default and on a call to override it; with
// neither, the parameter is omitted (DIAL applications accept that,
// Azure-OpenAI-backed models do not). An empty version clears the default.
func WithAPIVersion(version string) option.RequestOption {
	return func(c *option.Config) error {
		if strings.ContainsAny(version, "\r\n\x00") {
			return &apierror.InputError{Service: ServiceName, Field: "api version", Reason: "contains a line break or NUL"}
		}
		if version == "" {
			c.SetValue(apiVersionKey{}, nil)
			return nil
		}
		c.SetValue(apiVersionKey{}, version)
		return nil
	}
}

// apiVersion returns the api-version set with WithAPIVersion, or "".
func apiVersion(cfg *option.Config) string {
	v, _ := cfg.Value(apiVersionKey{}).(string)
	return v
}

// WithPerRequestKey declares that the client's API key is a per-request key
// (the key DIAL Core hands to applications in the api-key header). Only then
// may an API key and a bearer token be set together: both headers are sent,
// which DIAL Core accepts for per-request keys only.
func WithPerRequestKey() option.RequestOption {
	return func(c *option.Config) error {
		c.SetValue(perRequestKeyKey{}, true)
		return nil
	}
}

// Client talks to one DIAL Core with one set of credentials. It is safe for
// concurrent use.
type Client struct {
	core *core.Client
	raw  *dialapi.Client
	chat *chatBase // the parsed base URL of chat requests (nil: not parsed)

	// Deployments lists and gets model deployments.
	Deployments *DeploymentsService
	// Models lists and gets models (deployments with model-only fields).
	Models *ModelsService
	// Applications lists and gets applications.
	Applications *ApplicationsService
	// Chat creates chat completions.
	Chat *ChatService
	// Embeddings creates embeddings.
	Embeddings *EmbeddingsService
	// Files uploads, downloads, deletes and lists files.
	Files *FilesService

	home homeCache
}

// service describes DIAL to the core. optional lets a client be built
// without a credential (a Pool's clients may get theirs per call).
func service(optional bool) core.Service {
	return core.Service{
		Name:       ServiceName,
		Spec:       "dial.yaml", // x-retry: which operations create work
		EnvAPIKey:  EnvAPIKey,
		EnvBaseURL: EnvBaseURL,
		// DIAL_URL stays a documented alias.
		EnvBaseURLAliases: []string{EnvBaseURLAlias},
		Credentials: &core.Auth{
			APIKey: &core.Credential{Name: "API key", Header: "Api-Key"},
			Bearer: &core.Credential{Name: "bearer token", Header: "Authorization", Scheme: "Bearer "},
			Both: func(cfg *option.Config) bool {
				return cfg.Value(perRequestKeyKey{}) == true
			},
			BothReason: "DIAL Core rejects both unless the key is a per-request key: see WithPerRequestKey",
			Optional:   optional,
		},
		ParseError: ParseError,
		GreedyPaths: []core.GreedyPath{
			{Prefix: "/v1/files/", Fixed: 1, CheckFixed: checkBucket, Check: checkSegment},
			{Prefix: "/v1/metadata/files/", Fixed: 1, CheckFixed: checkBucket, Check: checkSegment},
			{Prefix: "/v1/metadata/conversations/", Fixed: 1, CheckFixed: checkBucket, Check: checkSegment},
			{Prefix: "/v1/metadata/prompts/", Fixed: 1, CheckFixed: checkBucket, Check: checkSegment},
		},
	}
}

func checkBucket(b string) string {
	if !alnum(b) {
		return "bucket must be letters and digits"
	}
	return ""
}

// NewClient returns a client. The base URL comes from option.WithBaseURL,
// else DIAL_BASE_URL, else DIAL_URL. Credentials: option.WithAPIKey / WithAPIKeyFunc (sent as the
// api-key header) or option.WithBearerToken / WithBearerTokenFunc (sent as
// Authorization: Bearer), else DIAL_API_KEY. Credential functions are called
// on every attempt, so tokens can refresh. Without any credential NewClient
// fails with an *apierror.CredentialError.
//
// Only one kind of credential may be set: DIAL Core rejects a request that
// carries both an API key and a different bearer token unless the key is a
// per-request key (declare that with WithPerRequestKey), and aidial-client
// 0.3.0 likewise takes exactly one.
func NewClient(opts ...option.RequestOption) (*Client, error) {
	return newClient(false, opts)
}

func newClient(optional bool, opts []option.RequestOption) (*Client, error) {
	c, err := core.New(service(optional), opts)
	if err != nil {
		return nil, err
	}
	raw, err := dialapi.NewClient(c.Config.BaseURL, dialapi.WithHTTPClient(c.Doer()))
	if err != nil {
		return nil, &apierror.InputError{Service: ServiceName, Field: "base URL", Reason: err.Error()}
	}
	cl := &Client{core: c, raw: raw, chat: newChatBase(raw.Server)}
	cl.Deployments = &DeploymentsService{c: cl}
	cl.Models = &ModelsService{c: cl}
	cl.Applications = &ApplicationsService{c: cl}
	cl.Chat = &ChatService{c: cl}
	cl.Embeddings = &EmbeddingsService{c: cl}
	cl.Files = &FilesService{c: cl}
	cl.home.sem = make(chan struct{}, 1)
	return cl, nil
}

// Raw returns the generated client for specs/dial.yaml. It sends through the
// same call path (credentials, retries, per-call options, logging) as c. Its
// file operations take the path inside the bucket decoded ("docs/a b.txt");
// they send it as individually percent-encoded segments joined by "/", as
// DIAL Core expects (the same encoding as FileURL). A bucket that is not
// letters and digits, or a path with an empty, "." or ".." segment, fails
// with an *apierror.InputError before the request is sent.
func (c *Client) Raw() *dialapi.Client { return c.raw }

// BaseURL returns the DIAL Core URL the client talks to.
func (c *Client) BaseURL() string { return c.core.Config.BaseURL }

// Do sends a request to an endpoint this package does not wrap yet: path is
// relative to the base URL (or absolute), in is JSON-encoded (or sent as is
// when it is an io.Reader or []byte), out receives the decoded JSON answer.
func (c *Client) Do(ctx context.Context, method, path string, in, out any, opts ...option.RequestOption) error {
	return c.core.Do(ctx, method, path, in, out, opts...)
}
