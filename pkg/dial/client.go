// Package dial is a Go client for EPAM AI DIAL Core: deployments, models and
// applications, chat completions (whole or streamed, with DIAL's
// custom_content extensions), and the file storage of the caller's bucket.
//
//	client, err := dial.NewClient() // DIAL_URL and DIAL_API_KEY from the environment
//	reply, err := client.Chat.Create(ctx, "gpt-4o", &dial.ChatCompletionRequest{
//		Messages: []dial.Message{dial.UserMessage("2+3=")},
//	})
//
// Every method takes a context first and accepts option.RequestOption values
// that apply to that call only. Failed API calls return *apierror.Error;
// invalid arguments return *apierror.InputError (or *InvalidURLError for
// storage URLs) before any request is sent.
package dial

import (
	"context"
	"net/http"
	"net/url"
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
	EnvBaseURL = "DIAL_URL"
	EnvAPIKey  = "DIAL_API_KEY"
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

	// Deployments lists and gets model deployments.
	Deployments *DeploymentsService
	// Models lists and gets models (deployments with model-only fields).
	Models *ModelsService
	// Applications lists and gets applications.
	Applications *ApplicationsService
	// Chat creates chat completions.
	Chat *ChatService
	// Files uploads, downloads, deletes and lists files.
	Files *FilesService

	home homeCache
}

// NewClient returns a client. The base URL comes from option.WithBaseURL,
// else DIAL_URL. Credentials: option.WithAPIKey / WithAPIKeyFunc (sent as the
// api-key header) or option.WithBearerToken / WithBearerTokenFunc (sent as
// Authorization: Bearer), else DIAL_API_KEY. Credential functions are called
// on every attempt, so tokens can refresh.
//
// Only one kind of credential may be set: DIAL Core rejects a request that
// carries both an API key and a different bearer token unless the key is a
// per-request key (declare that with WithPerRequestKey), and aidial-client
// 0.3.0 likewise takes exactly one.
func NewClient(opts ...option.RequestOption) (*Client, error) {
	c, err := core.New(core.Service{
		Name:       ServiceName,
		EnvAPIKey:  EnvAPIKey,
		EnvBaseURL: EnvBaseURL,
		Auth:       authenticate,
		ParseError: ParseError,
	}, opts)
	if err != nil {
		return nil, err
	}
	if err := checkCredentials(c.Config); err != nil {
		return nil, err
	}
	raw, err := dialapi.NewClient(c.Config.BaseURL, dialapi.WithHTTPClient(c.Transport), dialapi.WithRequestEditorFn(rawEditor(c.Config.BaseURL)))
	if err != nil {
		return nil, &apierror.InputError{Service: ServiceName, Field: "base URL", Reason: err.Error()}
	}
	cl := &Client{core: c, raw: raw}
	cl.Deployments = &DeploymentsService{c: cl}
	cl.Models = &ModelsService{c: cl}
	cl.Applications = &ApplicationsService{c: cl}
	cl.Chat = &ChatService{c: cl}
	cl.Files = &FilesService{c: cl}
	cl.home.sem = make(chan struct{}, 1)
	return cl, nil
}

// Raw returns the generated client for specs/dial.yaml. It sends through the
// same transport (credentials, retries, logging) as c. Its file operations
// take the path inside the bucket decoded ("docs/a b.txt"); they send it as
// individually percent-encoded segments joined by "/", as DIAL Core expects
// (the same encoding as FileURL). A bucket that is not letters and digits,
// or a path with an empty, "." or ".." segment, fails with an
// *apierror.InputError before the request is sent.
func (c *Client) Raw() *dialapi.Client { return c.raw }

// BaseURL returns the DIAL Core URL the client talks to.
func (c *Client) BaseURL() string { return c.core.Config.BaseURL }

// Do sends a request to an endpoint this package does not wrap yet: path is
// relative to the base URL (or absolute), in is JSON-encoded (or sent as is
// when it is an io.Reader or []byte), out receives the decoded JSON answer.
func (c *Client) Do(ctx context.Context, method, path string, in, out any, opts ...option.RequestOption) error {
	return c.core.Do(ctx, method, path, in, out, opts...)
}

func checkCredentials(cfg *option.Config) error {
	switch {
	case cfg.APIKey != nil && cfg.BearerToken != nil && cfg.Value(perRequestKeyKey{}) != true:
		return &apierror.InputError{Service: ServiceName, Field: "credentials",
			Reason: "set either an API key or a bearer token, not both (DIAL Core rejects both unless the key is a per-request key: see WithPerRequestKey)"}
	case cfg.APIKey == nil && cfg.BearerToken == nil:
		return &apierror.InputError{Service: ServiceName, Field: "credentials",
			Reason: "none set; set " + EnvAPIKey + " or pass option.WithAPIKey or option.WithBearerToken"}
	}
	return nil
}

// authenticate is the transport's AuthFunc: it sends the API key as
// "api-key" or the token as "Authorization: Bearer", re-reading the
// credential on every attempt.
func authenticate(req *http.Request, cfg *option.Config) error {
	if err := checkCredentials(cfg); err != nil {
		return err
	}
	if cfg.APIKey != nil {
		key, err := cfg.APIKey(req.Context())
		if err != nil {
			return err
		}
		if strings.TrimSpace(key) == "" || strings.ContainsAny(key, "\r\n\x00") {
			return &apierror.InputError{Service: ServiceName, Field: "API key", Reason: "empty or contains a line break"}
		}
		req.Header.Set("Api-Key", key)
		if cfg.BearerToken == nil {
			return nil
		}
	}
	token, err := cfg.BearerToken(req.Context())
	if err != nil {
		return err
	}
	if strings.TrimSpace(token) == "" || strings.ContainsAny(token, "\r\n\x00") {
		return &apierror.InputError{Service: ServiceName, Field: "bearer token", Reason: "empty or contains a line break"}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	return nil
}

// rawEditor adapts requests built by the generated client: it points them
// at the call's base URL when a call overrides it, and rewrites file paths
// (see fixGreedyPath).
func rawEditor(clientBase string) dialapi.RequestEditorFn {
	return func(ctx context.Context, req *http.Request) error {
		base := clientBase
		if cfg, ok := option.FromContext(ctx); ok && cfg.BaseURL != "" && cfg.BaseURL != clientBase {
			if err := rebase(req, clientBase, cfg.BaseURL); err != nil {
				return err
			}
			base = cfg.BaseURL
		}
		return fixGreedyPath(req, base)
	}
}

func rebase(req *http.Request, from, to string) error {
	u := req.URL.String()
	rest, ok := strings.CutPrefix(u, from)
	if !ok {
		return nil
	}
	nu, err := req.URL.Parse(to + rest)
	if err != nil {
		return &apierror.InputError{Service: ServiceName, Field: "base URL", Reason: err.Error()}
	}
	req.URL = nu
	req.Host = ""
	return nil
}

// fixGreedyPath rewrites the path of /v1/files/{bucket}/{path} and
// /v1/metadata/files/{bucket}/{path} requests. The generator escapes the
// whole decoded path as one segment ("a%2Fb%20c.txt"); DIAL Core wants each
// segment encoded on its own and joined by "/" ("a/b%20c.txt"). Segments are
// re-encoded with the same strict set as FileURL, and a bucket that is not
// letters and digits or an empty, "." or ".." segment is refused with an
// *apierror.InputError before the request is sent: with the "/" restored,
// such a path could leave the bucket.
func fixGreedyPath(req *http.Request, base string) error {
	p := req.URL.EscapedPath()
	basePath := ""
	if u, err := url.Parse(base); err == nil {
		basePath = strings.TrimSuffix(u.EscapedPath(), "/")
	}
	rest, ok := strings.CutPrefix(p, basePath)
	if !ok {
		return nil
	}
	prefix := ""
	for _, pre := range []string{"/v1/files/", "/v1/metadata/files/"} {
		if r, ok := strings.CutPrefix(rest, pre); ok {
			prefix, rest = pre, r
			break
		}
	}
	if prefix == "" {
		return nil
	}
	bucket, escaped, _ := strings.Cut(rest, "/")
	if !alnum(bucket) {
		return &apierror.InputError{Service: ServiceName, Field: "bucket", Reason: "must be letters and digits"}
	}
	segs := strings.Split(escaped, "%2F")
	out := make([]string, 0, len(segs))
	for i, seg := range segs {
		d, err := url.PathUnescape(seg)
		if err != nil {
			return &apierror.InputError{Service: ServiceName, Field: "file path", Reason: "not a valid path"}
		}
		if d == "" && i == len(segs)-1 { // the bucket root, or a folder's trailing "/"
			out = append(out, "")
			continue
		}
		if reason := checkSegment(d); reason != "" {
			return &apierror.InputError{Service: ServiceName, Field: "file path", Reason: reason}
		}
		out = append(out, core.EscapeSegment(d))
	}
	fixed := basePath + prefix + bucket + "/" + strings.Join(out, "/")
	dec, err := url.PathUnescape(fixed)
	if err != nil {
		return &apierror.InputError{Service: ServiceName, Field: "file path", Reason: "not a valid path"}
	}
	req.URL.Path, req.URL.RawPath = dec, fixed
	return nil
}
