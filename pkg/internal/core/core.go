// Package core is what every service client of this SDK embeds: the client's
// configuration (defaults, environment, options), its transport, the per-call
// context that carries call options, and the helpers that turn responses into
// values or *apierror.Error.
//
// A service package describes itself with a Service and calls New:
//
//	c, err := core.New(core.Service{Name: "dial", EnvAPIKey: "DIAL_API_KEY", EnvBaseURL: "DIAL_BASE_URL",
//		Credentials: &core.Auth{APIKey: &core.Credential{Name: "API key", Header: "Api-Key"}},
//		ParseError:  parse}, opts)
//	raw, err := dialapi.NewClient(c.Config.BaseURL, dialapi.WithHTTPClient(c.Doer()))
//
// and in every method, the one call path:
//
//	out, err := core.Execute[dialapi.Deployment](ctx, c, opts, func(ctx context.Context) (*http.Response, error) {
//		return raw.GetDeployment(ctx, id, nil)
//	})
package core

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"

	sdk "github.com/aiclients/sdk-go"
	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/internal/redact"
	"github.com/aiclients/sdk-go/pkg/internal/transport"
	"github.com/aiclients/sdk-go/pkg/option"
)

// Service describes one API service to the core.
type Service struct {
	// Name is the short service name used in errors and logs, e.g. "dial".
	Name string
	// EnvAPIKey names the environment variable holding the API key, read
	// only when no credential option (API key or bearer token) is given.
	EnvAPIKey string
	// EnvBaseURL names the environment variable holding the base URL, read
	// only when option.WithBaseURL is not given.
	EnvBaseURL string
	// EnvBaseURLAliases name further variables read, in order, when
	// EnvBaseURL is unset or empty (older names users already set).
	EnvBaseURLAliases []string
	// DefaultBaseURL is used when neither the option nor the environment
	// variable gives a base URL. "" means a base URL is required.
	DefaultBaseURL string
	// Credentials says how the service authenticates. New fails with an
	// *apierror.CredentialError when none is configured (unless
	// Credentials.Optional). nil: the service takes no credential.
	Credentials *Auth
	// ParseError extracts the service's error code and message from an error
	// body. nil: apierror.ParseJSON.
	ParseError apierror.BodyParser
	// Unwrap, if set, turns the body of a 2xx response into the resource
	// (an envelope's "data"), or into an error when the envelope reports
	// one. resp's body has already been read into body.
	Unwrap func(resp *http.Response, body []byte) ([]byte, error)
	// MapError, if set, maps every error a call returns (an *apierror.Error,
	// an unwrap error, a transport failure) to the service's own typed
	// error; returning err unchanged is fine.
	MapError func(err error) error
	// GreedyPaths lists the operations whose last path parameter may hold
	// "/" (a file path): see GreedyPath.
	GreedyPaths []GreedyPath
	// Spec names the service's OpenAPI document in specs.FS ("dial.yaml").
	// New reads its x-retry extensions (once per process): an operation
	// marked "unsafe" creates work and is retried only when the request
	// surely never reached the server, unless the call passes
	// option.WithRetryUnsafe; "unsafe-unless-precondition" is the same
	// unless the request carries If-Match or If-None-Match. "" : every
	// operation is retried on every retryable failure.
	Spec string
}

// Client is the shared part of every service client.
type Client struct {
	// Service is the service description given to New.
	Service Service
	// Config is the client's configuration. Treat it as read-only after New.
	Config *option.Config
	// Transport is the request loop; it is also handed to the generated
	// client (with its WithHTTPClient option), so both share one behaviour.
	Transport *transport.Transport
	// MaxBody is the most DecodeJSON reads into a *[]byte; 0 means
	// DefaultMaxBody.
	MaxBody int64

	retries []retryRule // from Service.Spec; see retryPolicy

	presignedOnce sync.Once
	presigned     *transport.Transport // no credentials; see SendPresigned

	secretsMu sync.Mutex
	recent    []string // credentials recent calls sent; see ScrubError
}

// DefaultMaxBody is the most of a response body DecodeJSON reads into a
// *[]byte by default (64 MiB). Longer bodies give an
// *apierror.BodyTooLargeError: read them as a stream instead.
const DefaultMaxBody = 64 << 20

// New builds a client: defaults, then opts, then, for what opts left unset,
// the environment (svc.EnvBaseURL, svc.EnvAPIKey), svc.DefaultBaseURL and the
// default user agent (see UserAgent).
// Invalid options or environment values and a missing base URL give an
// *apierror.InputError naming the service.
func New(svc Service, opts []option.RequestOption) (*Client, error) {
	cfg, err := option.NewConfig(opts...)
	if err != nil {
		return nil, withService(svc.Name, err)
	}
	if cfg.BaseURL == "" {
		if err := applyEnvBaseURL(svc, cfg); err != nil {
			return nil, err
		}
	}
	if cfg.APIKey == nil && cfg.BearerToken == nil && svc.EnvAPIKey != "" {
		if v := strings.TrimSpace(os.Getenv(svc.EnvAPIKey)); v != "" {
			if err := cfg.Apply(option.WithAPIKey(v)); err != nil {
				return nil, &apierror.InputError{Service: svc.Name, Field: svc.EnvAPIKey, Reason: reasonOf(err)}
			}
		}
	}
	if cfg.UserAgent == "" && cfg.Header.Get("User-Agent") == "" {
		cfg.UserAgent = UserAgent(svc.Name)
	}
	var auth transport.AuthFunc
	if a := svc.Credentials; a != nil {
		if !a.Optional {
			if err := a.check(svc, cfg); err != nil {
				return nil, err
			}
		}
		auth = a.apply(svc)
	}
	rules, err := retryRules(svc)
	if err != nil {
		return nil, err
	}
	c := &Client{Service: svc, Config: cfg, Transport: transport.New(svc.Name, cfg, auth), retries: rules}
	c.Transport.SetRetryPolicy(c.retryPolicy)
	return c, nil
}

// UserAgent is the User-Agent a client of service sends unless
// option.WithUserAgent (or a User-Agent header option) says otherwise.
func UserAgent(service string) string {
	return "aiclients-sdk-go/" + sdk.Version + " (" + service + ") go/" + strings.TrimPrefix(runtime.Version(), "go")
}

func applyEnvBaseURL(svc Service, cfg *option.Config) error {
	for _, name := range append([]string{svc.EnvBaseURL}, svc.EnvBaseURLAliases...) {
		if name == "" {
			continue
		}
		if v := strings.TrimSpace(os.Getenv(name)); v != "" {
			if err := cfg.Apply(option.WithBaseURL(v)); err != nil {
				return &apierror.InputError{Service: svc.Name, Field: "base URL from " + name, Reason: reasonOf(err)}
			}
			return nil
		}
	}
	if svc.DefaultBaseURL != "" {
		return withService(svc.Name, cfg.Apply(option.WithBaseURL(svc.DefaultBaseURL)))
	}
	hint := "pass option.WithBaseURL"
	if svc.EnvBaseURL != "" {
		hint = "set " + svc.EnvBaseURL + " or pass option.WithBaseURL"
	}
	return &apierror.InputError{Service: svc.Name, Field: "base URL", Reason: "not set; " + hint}
}

// withService fills in the service name of an *apierror.InputError.
func withService(name string, err error) error {
	var ie *apierror.InputError
	if errors.As(err, &ie) && ie.Service == "" {
		ie.Service = name
	}
	return err
}

func reasonOf(err error) string {
	var ie *apierror.InputError
	if errors.As(err, &ie) {
		return ie.Reason
	}
	return err.Error()
}

// callKey marks a context made by Client.Context, so that nested calls of
// the same client build on the outer call's options.
type callKey struct{}

type callMark struct {
	client *Client
	cfg    *option.Config
}

// Context returns a context carrying the configuration of one call: the
// client's Config (or, if ctx already came from this client's Context, that
// call's Config) with opts applied on top. Without opts no copy is made, and
// a ctx that carries no configuration is returned as it is.
// An invalid option gives an *apierror.InputError.
func (c *Client) Context(ctx context.Context, opts []option.RequestOption) (context.Context, error) {
	if ctx == nil {
		return nil, &apierror.InputError{Service: c.Service.Name, Field: "context", Reason: "must not be nil"}
	}
	base := c.Config
	if m, ok := ctx.Value(callKey{}).(*callMark); ok && m.client == c {
		if len(opts) == 0 {
			return ctx, nil
		}
		base = m.cfg
	} else if len(opts) == 0 {
		// The common call: no options and no configuration in ctx. CallConfig
		// and the transport fall back to c.Config, so ctx can go as it is
		// (three allocations less). A ctx carrying another client's
		// configuration must get this client's on top.
		if _, foreign := option.FromContext(ctx); !foreign {
			return ctx, nil
		}
	}
	cfg := base
	if len(opts) > 0 {
		cfg = base.Clone()
		if err := cfg.Apply(opts...); err != nil {
			return nil, withService(c.Service.Name, err)
		}
	}
	ctx = context.WithValue(ctx, callKey{}, &callMark{client: c, cfg: cfg})
	return option.NewContext(ctx, cfg), nil
}

// CallConfig returns the configuration in effect for ctx: the one stored by
// Context, else the client's.
func (c *Client) CallConfig(ctx context.Context) *option.Config {
	if ctx != nil {
		if m, ok := ctx.Value(callKey{}).(*callMark); ok && m.client == c {
			return m.cfg
		}
	}
	return c.Config
}

// URL joins the call's base URL and path (which may carry a query). An
// absolute http(s) URL in path is used as it is.
func (c *Client) URL(ctx context.Context, path string) (string, error) {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		if _, err := url.Parse(path); err != nil {
			return "", &apierror.InputError{Service: c.Service.Name, Field: "path", Reason: "not a valid URL"}
		}
		return path, nil
	}
	base := c.CallConfig(ctx).BaseURL
	if base == "" {
		return "", &apierror.InputError{Service: c.Service.Name, Field: "base URL", Reason: "not set"}
	}
	u := base + "/" + strings.TrimLeft(path, "/")
	if _, err := url.Parse(u); err != nil {
		return "", &apierror.InputError{Service: c.Service.Name, Field: "path", Reason: fmt.Sprintf("%q does not form a valid URL", path)}
	}
	return u, nil
}

// Check passes a 2xx response through. A non-2xx response becomes an
// *apierror.Error (its body read, bounded, and closed); the response is still
// returned so headers can be inspected. A transport error is returned as it
// is. (The call's ResponseInto has already received the response from the
// transport.)
func (c *Client) Check(resp *http.Response, err error) (*http.Response, error) {
	if err != nil {
		if resp != nil && resp.Body != nil {
			_ = resp.Body.Close()
		}
		return resp, err
	}
	if resp == nil {
		return nil, fmt.Errorf("%s: no response", c.Service.Name)
	}
	if resp.Body == nil {
		resp.Body = http.NoBody
	}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return resp, nil
	}
	parse := c.Service.ParseError
	return resp, apierror.FromResponse(c.Service.Name, resp, parse)
}

// DecodeJSON runs Check, then decodes the JSON body into v and closes the
// body. v may be nil (the body is discarded) or a *[]byte (it receives the
// raw body, at most MaxBody bytes: a longer one, or one whose Content-Length
// says so, gives an *apierror.BodyTooLargeError and leaves v unchanged). An
// empty body leaves v unchanged.
func (c *Client) DecodeJSON(resp *http.Response, err error, v any) error {
	resp, err = c.Check(resp, err)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch dst := v.(type) {
	case nil:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil
	case *[]byte:
		limit := c.MaxBody
		if limit <= 0 {
			limit = DefaultMaxBody
		}
		if resp.ContentLength > limit {
			return &apierror.BodyTooLargeError{Service: c.Service.Name, Limit: limit}
		}
		b, err := readLimited(resp.Body, resp.ContentLength, limit)
		if err != nil {
			return c.readError(resp, err)
		}
		if int64(len(b)) > limit {
			return &apierror.BodyTooLargeError{Service: c.Service.Name, Limit: limit}
		}
		*dst = b
		return nil
	}
	body := &readTracker{r: resp.Body}
	if err := json.NewDecoder(body).Decode(v); err != nil {
		if body.err != nil {
			return c.readError(resp, body.err) // the body was cut, or its read failed
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		return c.decodeError(resp, err)
	}
	return nil
}

// maxPrealloc bounds the buffer readLimited allocates before any byte came.
const maxPrealloc = 1 << 20

// readLimited reads r to its end but stops after limit+1 bytes (the caller
// tells a body over the limit by its length). size is the body's declared
// length, -1 when unknown: with it the buffer is allocated once at the right
// size, where io.ReadAll would grow it from 512 bytes. The declared length is
// trusted for at most maxPrealloc bytes, so that a server announcing a huge
// body and sending a few bytes costs no more than what it sent.
func readLimited(r io.Reader, size, limit int64) ([]byte, error) {
	limit = min(limit, math.MaxInt64-1) // limit+1 below must not overflow
	capacity := int64(512)
	if size >= 0 {
		capacity = min(size+1, maxPrealloc) // +1: the read that sees the end needs room
	}
	capacity = min(capacity, limit+1)
	b := make([]byte, 0, capacity)
	for {
		end := int64(cap(b))
		if end > limit+1 {
			end = limit + 1
		}
		n, err := r.Read(b[len(b):end])
		b = b[:len(b)+n]
		switch {
		case err == io.EOF:
			return b, nil
		case err != nil:
			return b, err
		case int64(len(b)) > limit:
			return b, nil
		case len(b) == cap(b):
			b = append(b, 0)[:len(b)] // let append pick the next size
		}
	}
}

// readTracker remembers the first error other than io.EOF its reader
// returned, telling a body cut mid-way (the connection's error) from one
// that arrived whole but is not valid JSON (the decoder's error).
type readTracker struct {
	r   io.Reader
	err error
}

func (t *readTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && err != io.EOF && t.err == nil {
		t.err = err
	}
	return n, err
}

// bodyCutError is the cause of a readError: the body of a response could not
// be read to its end.
type bodyCutError struct{ err error }

// Error says what failed and why.
func (e *bodyCutError) Error() string { return "reading the response body: " + e.err.Error() }

// Unwrap returns the read error.
func (e *bodyCutError) Unwrap() error { return e.err }

// readError is the *apierror.TransportError of a response whose body could
// not be read to its end (the connection was reset or closed mid-way, or
// the call's context ended): the status arrived, the body did not.
func (c *Client) readError(resp *http.Response, err error) error {
	e := &apierror.TransportError{Service: c.Service.Name, Attempts: 1, LastStatus: resp.StatusCode,
		Err: &bodyCutError{err: err}}
	if req := resp.Request; req != nil {
		e.Method = req.Method
		e.URL = redact.URL(req.URL)
		if n, perr := strconv.Atoi(req.Header.Get(transport.RetryCountHeader)); perr == nil && n >= 0 {
			e.Attempts = n + 1
		}
	}
	return e
}

func requestName(resp *http.Response) string {
	if resp.Request == nil || resp.Request.URL == nil {
		return "the"
	}
	return resp.Request.Method + " " + resp.Request.URL.Path
}

// Do is the escape hatch for endpoints the service package does not cover
// yet. It sends method to path (relative to the call's base URL; a query is
// allowed; an absolute http(s) URL is used as it is, and gets the
// credentials only when it is on the base URL's origin) through the same call
// path as every other call: credentials, retries, error mapping and the
// service's envelope unwrapping. in is the body: nil for none, []byte or
// io.Reader sent as is (application/octet-stream), anything else encoded as
// JSON. out receives the decoded JSON response (see Call). A non-2xx status
// gives an *apierror.Error.
func (c *Client) Do(ctx context.Context, method, path string, in, out any, opts ...option.RequestOption) error {
	if strings.TrimSpace(method) == "" {
		return &apierror.InputError{Service: c.Service.Name, Field: "method", Reason: "must not be empty"}
	}
	var body io.Reader
	contentType := ""
	switch b := in.(type) {
	case nil:
	case []byte:
		body, contentType = bytes.NewReader(b), "application/octet-stream"
	case io.Reader:
		body, contentType = b, "application/octet-stream"
	default:
		data, err := json.Marshal(in)
		if err != nil {
			return &apierror.InputError{Service: c.Service.Name, Field: "request body", Reason: err.Error()}
		}
		body, contentType = bytes.NewReader(data), "application/json"
	}
	build := func(ctx context.Context, _ string) (*http.Request, error) {
		u, err := c.URL(ctx, path)
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, strings.ToUpper(method), u, body)
		if err != nil {
			return nil, &apierror.InputError{Service: c.Service.Name, Field: "request", Reason: err.Error()}
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		req.Header.Set("Accept", "application/json")
		return req, nil
	}
	return c.Call(ctx, opts, c.SendRequest(build), out)
}
