// Package option holds the functional options shared by every service client
// of this SDK. The same options configure a client and a single call:
//
//	client, err := dial.NewClient(option.WithBaseURL(u), option.WithAPIKey(k))
//	reply, err := client.Chat.Create(ctx, "gpt-4o", req, option.WithMaxRetries(5))
//
// Options are applied in order, so a later option wins; per-call options are
// applied on top of a copy of the client's Config and never change the client.
// An invalid option value is reported as an *apierror.InputError when the
// client is created or the call is made; options never panic.
//
// WithProgress, given to an upload or a DIAL download, reports the bytes
// transferred at a bounded rate (see Progress).
package option

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aiclients/sdk-go/pkg/apierror"
)

// Defaults used by NewConfig.
const (
	DefaultMaxRetries     = 2
	DefaultRetryBaseDelay = 500 * time.Millisecond
	DefaultRetryMaxDelay  = 8 * time.Second
	DefaultRetryJitter    = 0.25
	DefaultMaxRetryAfter  = 60 * time.Second
)

// RequestOption changes a Config. It returns an *apierror.InputError for an
// invalid value.
type RequestOption func(*Config) error

// MiddlewareNext sends the request on to the next middleware or, after the
// last one, to the HTTP client.
type MiddlewareNext func(*http.Request) (*http.Response, error)

// Middleware wraps every attempt of a request (retries included), after the
// headers and credentials have been applied. It may change the request (for
// example sign it), inspect the response, or answer without calling next.
type Middleware func(*http.Request, MiddlewareNext) (*http.Response, error)

// CredentialFunc returns a credential. It is called on every attempt with the
// attempt's context, so it can refresh short-lived tokens.
type CredentialFunc func(ctx context.Context) (string, error)

// Config is the complete configuration of a client or of one call.
// Use NewConfig to get one with the defaults filled in.
type Config struct {
	// BaseURL is the service root, normalised by WithBaseURL: an absolute
	// http(s) URL without a trailing slash, query or fragment.
	BaseURL string
	// HTTPClient sends the requests. nil: a default client (a clone of
	// http.DefaultTransport with a 10 minute response-header timeout and no
	// overall timeout, so long streams work, that keeps up to 1,024 idle
	// connections to the API host instead of net/http's 2: a client talks
	// to one host, so a burst of up to 1,000 concurrent calls then reuses
	// the connections of the burst before it rather than opening new ones;
	// an idle connection costs a socket, two goroutines and 8 KB of buffers
	// until it has been idle 90 s, when it is closed). A client set here is used as it is: its
	// transport's connection limits and timeouts are the caller's.
	HTTPClient *http.Client
	// MaxRetries is how many times a failed attempt is retried (default 2).
	MaxRetries int
	// RetryBaseDelay is the first backoff wait (default 500ms); the n-th
	// retry waits RetryBaseDelay·2^n, capped by RetryMaxDelay.
	RetryBaseDelay time.Duration
	// RetryMaxDelay caps the backoff wait (default 8s).
	RetryMaxDelay time.Duration
	// RetryJitter is the fraction of each backoff wait removed at random
	// (default 0.25: 75-100% of the wait; 1 = full jitter: 0-100%).
	RetryJitter float64
	// MaxRetryAfter caps a wait asked for by the server with Retry-After or
	// Retry-After-Ms (default 60s); longer hints are clamped to it. 0 means
	// the hints are ignored and the backoff (RetryBaseDelay...) is used.
	MaxRetryAfter time.Duration
	// MaxRetryTime is the total time budget of a call's retries, measured
	// from the start of the first attempt: a retry whose wait would end
	// later than that is not made. 0 = unlimited.
	MaxRetryTime time.Duration
	// RetryUnsafe lets the request loop retry an operation the service's
	// spec marks as creating work (x-retry: unsafe) like any other: after
	// an error status or a connection failure once the request was sent.
	// false (the default): such an operation is retried only when the
	// request surely never reached the server. See WithRetryUnsafe.
	RetryUnsafe bool
	// RequestTimeout bounds each attempt (0 = none). For a streamed body it
	// lasts until the body is closed.
	RequestTimeout time.Duration
	// Header holds extra headers set on every request.
	Header http.Header
	// Middleware runs on every attempt, in order (the first is outermost).
	Middleware []Middleware
	// Logger receives one Debug record per attempt, with secrets redacted.
	// nil: no logging.
	Logger *slog.Logger
	// UserAgent is sent as User-Agent when not empty.
	UserAgent string
	// APIKey provides the API key. What a service does with it (which
	// header, which scheme) is decided by the service's auth function.
	APIKey CredentialFunc
	// BearerToken provides a bearer token, used like APIKey.
	BearerToken CredentialFunc
	// ResponseInto, when not nil, receives the final raw response of a call.
	ResponseInto **http.Response
	// Progress, when not nil, receives the progress of the file content a
	// call sends or receives (see WithProgress). Other calls ignore it.
	Progress ProgressFunc
	// Values holds service-specific settings, set by a service's own options
	// with SetValue and read with Value (for example DIAL's api-version).
	// Keys should be unexported types of the service package, as with
	// context.WithValue.
	Values map[any]any
}

// SetValue stores a service-specific setting (see Values). A nil value
// removes the key. key must be comparable.
func (c *Config) SetValue(key, value any) {
	if value == nil {
		delete(c.Values, key)
		return
	}
	if c.Values == nil {
		c.Values = map[any]any{}
	}
	c.Values[key] = value
}

// Value returns a service-specific setting stored with SetValue, or nil.
func (c *Config) Value(key any) any {
	if c == nil {
		return nil
	}
	return c.Values[key]
}

// NewConfig returns a Config with the defaults, then applies opts.
func NewConfig(opts ...RequestOption) (*Config, error) {
	c := &Config{
		MaxRetries:     DefaultMaxRetries,
		RetryBaseDelay: DefaultRetryBaseDelay,
		RetryMaxDelay:  DefaultRetryMaxDelay,
		RetryJitter:    DefaultRetryJitter,
		MaxRetryAfter:  DefaultMaxRetryAfter,
		Header:         http.Header{},
	}
	if err := c.Apply(opts...); err != nil {
		return nil, err
	}
	return c, nil
}

// Apply applies opts in order and stops at the first error. nil options are
// skipped.
func (c *Config) Apply(opts ...RequestOption) error {
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(c); err != nil {
			return err
		}
	}
	return nil
}

// Clone returns a copy of c that can be changed without affecting c: Header,
// Middleware and Values are copied; the HTTP client, logger and credential
// functions are shared. A nil c gives nil.
func (c *Config) Clone() *Config {
	if c == nil {
		return nil
	}
	n := *c
	n.Header = c.Header.Clone()
	if n.Header == nil {
		n.Header = http.Header{}
	}
	n.Middleware = slices.Clone(c.Middleware)
	n.Values = maps.Clone(c.Values)
	return &n
}

func inputErr(field, format string, args ...any) error {
	return &apierror.InputError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// NormalizeBaseURL checks that raw is an absolute http or https URL and
// returns it with a lower-case scheme and host and without a trailing slash.
// Userinfo, a query or a fragment are rejected: credentials belong in the
// credential options, where they are never logged.
func NormalizeBaseURL(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", inputErr("base URL", "must not be empty")
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", inputErr("base URL", "not a URL")
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", inputErr("base URL", "must be an absolute http or https URL, e.g. https://host/path")
	}
	if u.Host == "" || u.Hostname() == "" {
		return "", inputErr("base URL", "has no host")
	}
	if u.User != nil {
		return "", inputErr("base URL", "must not contain user info; use a credential option")
	}
	if u.RawQuery != "" || u.ForceQuery {
		return "", inputErr("base URL", "must not contain a query")
	}
	if u.Fragment != "" {
		return "", inputErr("base URL", "must not contain a fragment")
	}
	u.Host = strings.ToLower(u.Host)
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	return u.String(), nil
}

// WithBaseURL sets the service root. It must be an absolute http(s) URL; a
// trailing slash is removed. Anything else is an *apierror.InputError.
func WithBaseURL(base string) RequestOption {
	return func(c *Config) error {
		n, err := NormalizeBaseURL(base)
		if err != nil {
			return err
		}
		c.BaseURL = n
		return nil
	}
}

// WithHTTPClient sets the HTTP client that sends the requests, used as it
// is (its transport's connection pool and timeouts are not changed). nil
// restores the default client, which keeps up to 1,024 idle connections to
// the API host (see Config.HTTPClient).
func WithHTTPClient(client *http.Client) RequestOption {
	return func(c *Config) error {
		c.HTTPClient = client
		return nil
	}
}

// WithMaxRetries sets how many times a failed attempt is retried (0 = never).
// A negative n is an error.
func WithMaxRetries(n int) RequestOption {
	return func(c *Config) error {
		if n < 0 {
			return inputErr("max retries", "must not be negative, got %d", n)
		}
		c.MaxRetries = n
		return nil
	}
}

// WithRetryBackoff sets the backoff between retries: the n-th retry waits
// base·2^n, capped at max, minus a random fraction up to jitter (0..1; 1 is
// full jitter). base may be 0 (retry at once); max must not be below base.
func WithRetryBackoff(base, max time.Duration, jitter float64) RequestOption {
	return func(c *Config) error {
		switch {
		case base < 0:
			return inputErr("retry backoff", "base delay must not be negative, got %s", base)
		case max < base:
			return inputErr("retry backoff", "max delay %s is below the base delay %s", max, base)
		case !(jitter >= 0 && jitter <= 1): // also rejects NaN
			return inputErr("retry backoff", "jitter must be between 0 and 1, got %v", jitter)
		}
		c.RetryBaseDelay, c.RetryMaxDelay, c.RetryJitter = base, max, jitter
		return nil
	}
}

// WithMaxRetryAfter caps the wait a server may ask for with Retry-After or
// Retry-After-Ms; longer hints are clamped to d. d = 0 ignores the hints, so
// every retry waits the backoff of WithRetryBackoff instead (it does not mean
// "retry at once": for that, set a zero backoff). A negative d is an error.
func WithMaxRetryAfter(d time.Duration) RequestOption {
	return func(c *Config) error {
		if d < 0 {
			return inputErr("max retry-after", "must not be negative, got %s", d)
		}
		c.MaxRetryAfter = d
		return nil
	}
}

// WithMaxRetryTime sets the total time budget of a call's retries, measured
// from the start of its first attempt (0 = unlimited): no retry is made whose
// wait would end after the budget. A negative d is an error.
func WithMaxRetryTime(d time.Duration) RequestOption {
	return func(c *Config) error {
		if d < 0 {
			return inputErr("max retry time", "must not be negative, got %s", d)
		}
		c.MaxRetryTime = d
		return nil
	}
}

// WithRetryUnsafe lets the call retry an operation that creates work (one
// the service's spec marks "x-retry: unsafe": starting a task, a run, a
// prediction, an unconditional upload) on the same failures as any other
// call: 408, 429, 5xx and connection errors after the request was sent.
// Without it such an operation is retried only when the request surely never
// reached the server (connection refused, DNS or TLS handshake failure), since
// a server that acted before the failure would act again: a duplicate task,
// run or message, billed twice. Use it per call, when a duplicate is harmless
// or the caller can detect one. Other operations are not affected.
func WithRetryUnsafe() RequestOption {
	return func(c *Config) error {
		c.RetryUnsafe = true
		return nil
	}
}

// WithRequestTimeout bounds each attempt (0 = no bound). For a streamed
// response the bound lasts until the body is closed. A negative d is an
// error. The call's context still bounds the whole call, retries included.
func WithRequestTimeout(d time.Duration) RequestOption {
	return func(c *Config) error {
		if d < 0 {
			return inputErr("request timeout", "must not be negative, got %s", d)
		}
		c.RequestTimeout = d
		return nil
	}
}

// WithHeader sets an extra header on every request, replacing any value the
// SDK would send. An empty value removes a header added by an earlier
// WithHeader. An invalid name or a value with a line break is an error.
func WithHeader(key, value string) RequestOption {
	return func(c *Config) error {
		if !validHeaderName(key) {
			return inputErr("header", "%q is not a valid header name", key)
		}
		if strings.ContainsAny(value, "\r\n\x00") {
			return inputErr("header", "value of %s contains a line break or NUL", key)
		}
		if c.Header == nil {
			c.Header = http.Header{}
		}
		if value == "" {
			c.Header.Del(key)
			return nil
		}
		c.Header.Set(key, value)
		return nil
	}
}

func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", ch) >= 0:
		default:
			return false
		}
	}
	return true
}

// WithMiddleware appends middleware; each runs on every attempt, in the
// order given, after client-level middleware. nil entries are an error.
func WithMiddleware(mw ...Middleware) RequestOption {
	return func(c *Config) error {
		for i, m := range mw {
			if m == nil {
				return inputErr("middleware", "entry %d is nil", i)
			}
		}
		c.Middleware = append(slices.Clip(c.Middleware), mw...)
		return nil
	}
}

// WithLogger sets the logger that receives one Debug record per attempt
// (method, redacted URL and headers, status, duration, retry decisions).
// Credentials are never logged. nil turns logging off.
func WithLogger(l *slog.Logger) RequestOption {
	return func(c *Config) error {
		c.Logger = l
		return nil
	}
}

// WithUserAgent sets the User-Agent header. A User-Agent given with WithHeader
// takes precedence. A value with a line break is an error.
func WithUserAgent(ua string) RequestOption {
	return func(c *Config) error {
		if strings.ContainsAny(ua, "\r\n\x00") {
			return inputErr("user agent", "contains a line break or NUL")
		}
		c.UserAgent = ua
		return nil
	}
}

func staticCredential(field, v string) (CredentialFunc, error) {
	if strings.TrimSpace(v) == "" {
		return nil, inputErr(field, "must not be empty")
	}
	if strings.ContainsAny(v, "\r\n\x00") {
		return nil, inputErr(field, "contains a line break or NUL")
	}
	return func(context.Context) (string, error) { return v, nil }, nil
}

// WithAPIKey sets a static API key. An empty key is an error (so that an
// unset environment variable is noticed at once).
func WithAPIKey(key string) RequestOption {
	return func(c *Config) error {
		f, err := staticCredential("api key", key)
		if err != nil {
			return err
		}
		c.APIKey = f
		return nil
	}
}

// WithAPIKeyFunc sets a provider called for the API key on every attempt.
// nil is an error.
func WithAPIKeyFunc(f CredentialFunc) RequestOption {
	return func(c *Config) error {
		if f == nil {
			return inputErr("api key", "provider must not be nil")
		}
		c.APIKey = f
		return nil
	}
}

// WithBearerToken sets a static bearer token. An empty token is an error.
func WithBearerToken(token string) RequestOption {
	return func(c *Config) error {
		f, err := staticCredential("bearer token", token)
		if err != nil {
			return err
		}
		c.BearerToken = f
		return nil
	}
}

// WithBearerTokenFunc sets a provider called for the bearer token on every
// attempt. nil is an error.
func WithBearerTokenFunc(f CredentialFunc) RequestOption {
	return func(c *Config) error {
		if f == nil {
			return inputErr("bearer token", "provider must not be nil")
		}
		c.BearerToken = f
		return nil
	}
}

// WithResponseInto makes the call store its final raw response in *dst
// (also for an error status; its body is then already read and closed).
// It is meant for one call, to read headers such as rate limits.
func WithResponseInto(dst **http.Response) RequestOption {
	return func(c *Config) error {
		c.ResponseInto = dst
		return nil
	}
}

type ctxKey struct{}

// NewContext returns a context carrying c as the configuration of the calls
// made with it. The SDK's transport reads it back with FromContext.
func NewContext(ctx context.Context, c *Config) context.Context {
	return context.WithValue(ctx, ctxKey{}, c)
}

// FromContext returns the Config stored by NewContext, if any.
func FromContext(ctx context.Context) (*Config, bool) {
	if ctx == nil {
		return nil, false
	}
	c, ok := ctx.Value(ctxKey{}).(*Config)
	return c, ok && c != nil
}
