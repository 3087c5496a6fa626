// Package transport is the one request loop of the SDK. Every service client
// (the hand-written wrappers and the generated gen/*api clients alike) sends
// its requests through a *Transport, which on every attempt applies the
// extra headers, user agent and credentials, runs the middleware, sends the
// request, logs it with secrets redacted, and decides whether to retry.
//
// Retries: connection errors, 408, 429 and 5xx, unless the server says
// "x-should-retry: false" ("x-should-retry: true" retries any error status).
// The wait is the server's Retry-After-Ms or Retry-After (seconds or an HTTP
// date read against the response's Date header, clamped to
// Config.MaxRetryAfter; MaxRetryAfter 0 ignores these hints),
// else an exponential backoff with jitter; it ends at once when the context is
// done. A wait that would end after the context's deadline is not taken: the
// attempt's outcome (a 429 response, say) is returned at once. An operation
// that creates work (RetryUnsafe, see SetRetryPolicy) is retried only when
// the request surely never reached the server or was refused with 429,
// unless the call sets option.Config.RetryUnsafe. A request whose body
// cannot be rewound (no GetBody) is sent once. Non-2xx responses are returned
// as responses, not errors: the caller turns them into *apierror.Error.
//
// Every attempt returns as soon as its context is done, even while a request
// body supplied by the caller blocks in Read (net/http alone would wait for
// that Read). Such a body (any reader but an in-memory one or a regular
// file) is read by a goroutine of the transport and piped to net/http; when
// the context ends, the body is closed if it is an io.Closer, and otherwise
// abandoned: its blocked Read is left to return on its own, and the goroutine
// ends then. Nothing is buffered beyond the piece being handed over.
//
// Redirects: a redirect to another origin (scheme, host or port differ from
// the attempt's first request; https to http always does) is followed
// without credentials: the headers the credential step set, every header
// whose name looks like a credential and Referer are removed (see
// checkRedirect). Redirects within the origin keep them. This holds for the
// default HTTP client and for one given with option.WithHTTPClient, which is
// used through a copy whose CheckRedirect applies the policy before the
// client's own.
//
// Secrets: every attempt's credentials are added to the call's
// redact.Collector (when its context has one), so the caller can scrub them
// from whatever error it builds; debug log lines have them scrubbed from
// error texts and response headers.
package transport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/internal/redact"
	"github.com/aiclients/sdk-go/pkg/option"
)

// RetryCountHeader is sent on every attempt with the number of the attempt
// ("0" for the first, "1" for the first retry, ...).
const RetryCountHeader = "X-Retry-Count"

// maxDrain bounds how much of a discarded response body is read before it is
// closed (reading a little lets the connection be reused).
const maxDrain = 4 << 10

// AuthFunc applies a service's credentials to one attempt. It is called on
// every attempt, after the extra headers, with the call's effective Config;
// it typically calls cfg.APIKey or cfg.BearerToken with req.Context() and sets
// a header. An error ends the call without sending (it is not retried).
type AuthFunc func(req *http.Request, cfg *option.Config) error

// Transport runs the request loop for one service. It is safe for concurrent
// use. It satisfies the generated clients' HttpRequestDoer (Do) and
// http.RoundTripper (RoundTrip).
type Transport struct {
	service string
	cfg     *option.Config
	auth    AuthFunc
	policy  PolicyFunc // see SetRetryPolicy

	once          sync.Once
	defaultClient *http.Client
}

// New returns a Transport for service. cfg is the default configuration, used
// for a request whose context carries none (see option.NewContext); nil means
// option.NewConfig's defaults. auth may be nil (no credentials).
func New(service string, cfg *option.Config, auth AuthFunc) *Transport {
	if cfg == nil {
		cfg, _ = option.NewConfig()
	}
	return &Transport{service: service, cfg: cfg, auth: auth}
}

// Service returns the service name given to New.
func (t *Transport) Service() string { return t.service }

// Config returns the default configuration. It is shared, not copied:
// callers must not change it.
func (t *Transport) Config() *option.Config { return t.cfg }

// CloseIdleConnections closes the idle connections of the default HTTP
// client (one the user supplied with option.WithHTTPClient is left alone).
func (t *Transport) CloseIdleConnections() {
	if c := t.client(nil); c != nil {
		c.CloseIdleConnections()
	}
}

// Do sends req through the request loop. It has the signature of the
// generated clients' HttpRequestDoer.
func (t *Transport) Do(req *http.Request) (*http.Response, error) {
	return t.RoundTrip(req)
}

// RoundTrip sends req through the request loop: every attempt gets the
// configured headers and credentials, passes the middleware and is sent by
// the configured HTTP client; failed attempts are retried as the package
// documentation describes. req is not modified; its body is closed.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req == nil {
		return nil, errors.New(t.service + ": nil request")
	}
	cfg, ok := option.FromContext(req.Context())
	if !ok {
		cfg = t.cfg
	}
	if req.URL == nil {
		closeBody(req)
		return nil, fmt.Errorf("%s: request has no URL", t.service)
	}
	l := &loop{t: t, cfg: cfg, req: req, client: t.guardedClient(cfg), url: rebase(req.URL, t.cfg.BaseURL, cfg.BaseURL),
		unsafe: t.unsafeCall(req, cfg.RetryUnsafe)}
	resp, err := l.run()
	if err == nil && cfg.ResponseInto != nil {
		*cfg.ResponseInto = resp
	}
	return resp, err
}

// rebase moves u from the transport's base URL to a call's base URL (set with
// option.WithBaseURL on one call), so that per-call base URLs also work for
// requests built by the generated clients. It returns nil when nothing moves.
func rebase(u *url.URL, from, to string) *url.URL {
	if from == "" || to == "" || from == to {
		return nil
	}
	s := u.String()
	if under(s, to) { // built against the call's base URL already
		return nil
	}
	if !under(s, from) {
		return nil
	}
	n, err := url.Parse(to + s[len(from):])
	if err != nil {
		return nil
	}
	return n
}

// under reports whether URL s is base or below it.
func under(s, base string) bool {
	return s == base || strings.HasPrefix(s, base+"/") || strings.HasPrefix(s, base+"?")
}

// DefaultMaxIdleConnsPerHost is how many idle connections to the API host the
// default HTTP client keeps for reuse. net/http keeps 2 per host, so the
// second of two bursts of 1,000 concurrent calls opened 998 new connections;
// with 100 it still opened 900. A client talks to one host, so it keeps
// enough for a burst of 1,000 to find its connections again. An idle
// connection costs a socket, two goroutines and 8 KB of buffers until
// IdleConnTimeout (90 s) closes it.
const DefaultMaxIdleConnsPerHost = 1024

// NewDefaultTransport returns the transport of the default HTTP client: a
// clone of http.DefaultTransport with a 10 minute response-header timeout
// and DefaultMaxIdleConnsPerHost idle connections per host.
func NewDefaultTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = 10 * time.Minute
	tr.MaxIdleConnsPerHost = DefaultMaxIdleConnsPerHost
	if tr.MaxIdleConns < DefaultMaxIdleConnsPerHost {
		tr.MaxIdleConns = DefaultMaxIdleConnsPerHost
	}
	return tr
}

// client returns the HTTP client for cfg: the configured one, else the
// transport's default client (created once).
func (t *Transport) client(cfg *option.Config) *http.Client {
	if cfg != nil && cfg.HTTPClient != nil && cfg.HTTPClient.Transport != http.RoundTripper(t) {
		return cfg.HTTPClient
	}
	t.once.Do(func() {
		t.defaultClient = &http.Client{Transport: NewDefaultTransport(), CheckRedirect: checkRedirect(nil)}
	})
	return t.defaultClient
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// loop is the state of one call.
type loop struct {
	t      *Transport
	cfg    *option.Config
	req    *http.Request
	client *http.Client
	url    *url.URL // non-nil: send to this URL instead of req.URL
	start  time.Time
	// lastStatus is the status of the last attempt that got a response.
	lastStatus int
	// unsafe: the call follows RetryUnsafe (see policy.go); connected
	// records whether its current attempt obtained a connection.
	unsafe    bool
	connected *atomic.Bool
}

// failure wraps the error of a call that got no usable response after
// attempts attempts.
func (l *loop) failure(attempts int, err error) error {
	return &apierror.TransportError{
		Service:    l.t.service,
		Method:     l.req.Method,
		URL:        redact.URL(l.target()),
		Attempts:   attempts,
		LastStatus: l.lastStatus,
		Err:        err,
	}
}

// credentialError makes the error of a credential step a
// *apierror.CredentialError: a credential provider's own error is wrapped,
// and an *apierror.InputError about a credential keeps its field and reason.
func credentialError(service string, err error) error {
	var ce *apierror.CredentialError
	if errors.As(err, &ce) {
		return err
	}
	var ie *apierror.InputError
	if errors.As(err, &ie) {
		return &apierror.CredentialError{Service: service, Credential: ie.Field, Reason: ie.Reason}
	}
	return &apierror.CredentialError{Service: service, Err: err}
}

func (l *loop) run() (*http.Response, error) {
	ctx := l.req.Context()
	rewindable := l.req.Body == nil || l.req.Body == http.NoBody || l.req.GetBody != nil
	l.start = time.Now()
	for attempt := 0; ; attempt++ {
		body := l.req.Body
		if attempt > 0 && body != nil && body != http.NoBody {
			b, err := l.req.GetBody()
			if err != nil {
				return nil, l.failure(attempt, fmt.Errorf("rewinding the request body for a retry: %w", err))
			}
			body = b
		}

		resp, cancel, err := l.attempt(ctx, attempt, body)
		if err != nil && errors.Is(err, errNotSent) {
			if attempt == 0 {
				closeBody(l.req)
			}
			return nil, errors.Unwrap(err)
		}

		retry, reason := l.shouldRetry(ctx, resp, err)
		if retry && !rewindable {
			retry, reason = false, "request body cannot be rewound"
		}
		if retry && attempt >= l.cfg.MaxRetries {
			retry, reason = false, "no retries left"
		}
		var delay time.Duration
		if retry {
			delay = l.delay(resp, attempt)
			if b := l.cfg.MaxRetryTime; b > 0 && time.Since(l.start)+delay > b {
				retry, reason = false, "retry time budget exhausted"
			} else if dl, ok := ctx.Deadline(); ok && delay > 0 && time.Now().Add(delay).After(dl) {
				// Waiting would outlive the context: return this attempt's
				// outcome (a 429 and its Retry-After, say) now rather than
				// a bare deadline error later.
				retry, reason = false, "retry wait "+delay.String()+" ends after the context deadline"
			}
		}
		if !retry {
			if err != nil {
				cancel()
				if reason != "" && ctx.Err() == nil {
					l.log(ctx, "giving up", slog.Int("attempt", attempt), slog.String("reason", reason))
				}
				return nil, l.failure(attempt+1, err)
			}
			if reason != "" && resp.StatusCode >= 400 {
				l.log(ctx, "not retrying", slog.Int("attempt", attempt), slog.Int("status", resp.StatusCode), slog.String("reason", reason))
			}
			if l.cfg.RequestTimeout > 0 {
				resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
			}
			return resp, nil
		}

		if resp != nil {
			l.lastStatus = resp.StatusCode
			drain(resp.Body)
		}
		cancel()
		l.log(ctx, "retrying", slog.Int("attempt", attempt), slog.Duration("wait", delay), slog.String("reason", reason))
		if err := Sleep(ctx, delay); err != nil {
			return nil, l.failure(attempt+1, &url.Error{Op: opName(l.req.Method), URL: redact.URL(l.target()), Err: err})
		}
	}
}

// errNotSent marks an error raised before the request was sent (credentials,
// request building); it is never retried.
var errNotSent = errors.New("not sent")

type notSentError struct{ err error }

// Error returns the wrapped error's text.
func (e *notSentError) Error() string { return e.err.Error() }

// Unwrap returns the wrapped error.
func (e *notSentError) Unwrap() error { return e.err }

// Is makes errors.Is(err, errNotSent) true.
func (e *notSentError) Is(target error) bool { return target == errNotSent }

// attempt sends one attempt. The returned cancel releases the attempt's
// timeout; it must be called once the response body is done with.
func (l *loop) attempt(ctx context.Context, n int, body io.ReadCloser) (*http.Response, context.CancelFunc, error) {
	cancel := context.CancelFunc(func() {})
	actx := ctx
	if l.cfg.RequestTimeout > 0 {
		actx, cancel = context.WithTimeout(ctx, l.cfg.RequestTimeout)
	}
	// The names of the headers the credential step sets, filled in below:
	// in the context from the start, so r needs no second copy for it.
	creds := &credHeaders{Context: l.traceConnection(actx)}
	r := l.req.Clone(creds)
	r.Body = body
	if r.Header == nil { // a hand-built request; http.NewRequest always sets one
		r.Header = http.Header{}
	}
	if l.url != nil {
		u := *l.url
		r.URL, r.Host = &u, ""
	}
	// The user agent and the retry count share one backing array
	// (capacity-limited slices: an append to one cannot reach the other).
	vals := make([]string, 0, 2)
	if l.cfg.UserAgent != "" {
		vals = append(vals, l.cfg.UserAgent)
		r.Header["User-Agent"] = vals[0:1:1]
	}
	// Extra headers come last so they replace what the SDK sets, the user
	// agent included (a per-call WithHeader("User-Agent", ...) must beat the
	// client's default user agent).
	for k, vs := range l.cfg.Header {
		r.Header[k] = append([]string(nil), vs...)
	}
	vals = append(vals, strconv.Itoa(n))
	r.Header[retryCountKey] = vals[len(vals)-1 : len(vals) : len(vals)]
	if l.t.auth != nil && l.ownOrigin(r.URL) {
		var before headerSnapshot
		before.take(r.Header)
		if err := l.t.auth(r, l.cfg); err != nil {
			cancel()
			if body != nil && n > 0 {
				_ = body.Close()
			}
			return nil, cancel, &notSentError{credentialError(l.t.service, err)}
		}
		// The redirect policy (checkRedirect) must know which headers
		// carry the credentials of this attempt.
		creds.names = before.changed(r.Header)
	}

	// The call's collector must know what to scrub.
	redact.Collect(actx, r.Header, r.URL)

	// A caller's body that may block in Read must not hold the attempt past
	// its context (see guardBody).
	r.Body = guardBody(actx, r.Body)
	r.GetBody = guardGetBody(actx, r.GetBody)

	began := time.Now()
	resp, err := l.send(r)
	if err != nil {
		sanitize(err)
	}
	if lg := l.cfg.Logger; lg != nil && lg.Enabled(ctx, slog.LevelDebug) {
		attrs := []slog.Attr{
			slog.String("service", l.t.service),
			slog.String("method", r.Method),
			slog.String("url", redact.URL(r.URL)),
			slog.Int("attempt", n),
			slog.Any("request_header", redact.Header(r.Header)),
			slog.Duration("duration", time.Since(began)),
		}
		// A server or middleware may echo a credential it was given.
		secrets := append(redact.Secrets(r.Header), redact.QuerySecrets(r.URL)...)
		if resp != nil {
			attrs = append(attrs, slog.Int("status", resp.StatusCode), slog.Any("response_header", redact.ScrubHeader(resp.Header, secrets)))
		}
		if err != nil {
			attrs = append(attrs, slog.String("error", redact.Scrub(err.Error(), secrets)))
		}
		lg.LogAttrs(ctx, slog.LevelDebug, "http attempt", attrs...)
	}
	return resp, cancel, err
}

// send runs the middleware chain and then the HTTP client.
func (l *loop) send(r *http.Request) (*http.Response, error) {
	mws := l.cfg.Middleware
	sent := false // the HTTP client got the request (and with it the body to close)
	var resp *http.Response
	var err error
	if len(mws) == 0 {
		// attempt has collected the request's secrets already.
		sent = true
		resp, err = l.client.Do(r)
	} else {
		var next func(i int, r *http.Request) (*http.Response, error)
		next = func(i int, r *http.Request) (*http.Response, error) {
			if i == len(mws) {
				sent = true
				redact.Collect(r.Context(), r.Header, r.URL) // what a middleware added too
				return l.client.Do(r)
			}
			return mws[i](r, func(r *http.Request) (*http.Response, error) { return next(i+1, r) })
		}
		resp, err = next(0, r)
	}
	if !sent && r.Body != nil {
		// A middleware answered (or failed) without sending: the body is
		// still ours to close, as a RoundTripper must.
		_ = r.Body.Close()
	}
	if err == nil && resp == nil {
		err = fmt.Errorf("%s: middleware returned neither a response nor an error", l.t.service)
	}
	if err != nil && resp != nil {
		drain(resp.Body)
		resp = nil
	}
	if err == nil && resp.Body == nil {
		resp.Body = http.NoBody
	}
	return resp, err
}

// shouldRetry decides on one attempt's outcome; reason explains the decision
// for the log. A RetryUnsafe call is retried only on a failure that surely
// never reached the server (see RetryUnsafe).
func (l *loop) shouldRetry(ctx context.Context, resp *http.Response, err error) (bool, string) {
	retry, reason := l.retryable(ctx, resp, err)
	if retry && l.unsafe && !refused(resp, err) && (err == nil || !l.neverSent(err)) {
		return false, unsafeReason
	}
	return retry, reason
}

// refused reports a 429: the server says it did not take the request on, so
// repeating even an operation that creates work cannot do it twice (the
// official Dragoneye SDK retries its begin call on 429 for that reason).
func refused(resp *http.Response, err error) bool {
	return err == nil && resp != nil && resp.StatusCode == http.StatusTooManyRequests
}

// retryable decides whether the outcome is a failure worth retrying, for an
// operation that may be repeated (RetrySafe).
func (l *loop) retryable(ctx context.Context, resp *http.Response, err error) (bool, string) {
	if err != nil {
		if ctx.Err() != nil {
			return false, "context done"
		}
		if permanent(err) {
			return false, "permanent error"
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return true, "attempt timed out"
		}
		return true, "connection error"
	}
	if resp.StatusCode < 400 {
		return false, ""
	}
	switch strings.ToLower(strings.TrimSpace(resp.Header.Get("X-Should-Retry"))) {
	case "true":
		return true, "x-should-retry: true"
	case "false":
		return false, "x-should-retry: false"
	}
	s := resp.StatusCode
	if s == http.StatusRequestTimeout || s == http.StatusTooManyRequests || s >= 500 {
		return true, "status " + strconv.Itoa(s)
	}
	return false, ""
}

// permanent reports errors that a retry cannot fix.
func permanent(err error) bool {
	var (
		certErr     *tls.CertificateVerificationError
		unknownAuth x509.UnknownAuthorityError
		hostErr     x509.HostnameError
		certInvalid x509.CertificateInvalidError
	)
	if errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) || errors.As(err, &certInvalid) {
		return true
	}
	var ue *url.Error
	if errors.As(err, &ue) && strings.Contains(ue.Err.Error(), "unsupported protocol scheme") {
		return true
	}
	return false
}

// delay returns the wait before retry number attempt+1: the server's hint
// clamped to MaxRetryAfter, else the backoff. MaxRetryAfter 0 means the
// hints are ignored (not "retry at once", which would hammer a server that
// asked for a pause).
func (l *loop) delay(resp *http.Response, attempt int) time.Duration {
	if resp != nil && l.cfg.MaxRetryAfter > 0 {
		// An HTTP-date hint is read against the server's clock (its Date
		// header) when it sent one, so a skewed client clock neither
		// hammers the server nor waits the whole cap.
		now := time.Now()
		if date, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
			now = date
		}
		if d, ok := RetryAfter(resp.Header, now); ok {
			return min(d, l.cfg.MaxRetryAfter)
		}
	}
	return Backoff(attempt, l.cfg.RetryBaseDelay, l.cfg.RetryMaxDelay, l.cfg.RetryJitter, rand.Float64())
}

// RetryAfter reads the server's wait hint: Retry-After-Ms (milliseconds),
// else Retry-After as (possibly fractional) seconds or an HTTP date relative
// to now. Negative values and dates in the past give 0. ok is false when
// there is no usable hint.
func RetryAfter(h http.Header, now time.Time) (d time.Duration, ok bool) {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && !math.IsNaN(ms) && !math.IsInf(ms, 0) {
			return clampDuration(ms * float64(time.Millisecond)), true
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && !math.IsNaN(s) && !math.IsInf(s, 0) {
		return clampDuration(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// clampDuration converts nanoseconds to a Duration in [0, 24h], so absurd
// values cannot overflow; the caller's MaxRetryAfter clamps further.
func clampDuration(ns float64) time.Duration {
	const limit = float64(24 * time.Hour)
	switch {
	case ns <= 0:
		return 0
	case ns >= limit:
		return time.Duration(limit)
	}
	return time.Duration(ns)
}

// Backoff returns the wait before retry number attempt+1: base·2^attempt
// capped at maxDelay, minus the fraction jitter·r of it (r in [0,1), normally
// random).
func Backoff(attempt int, base, maxDelay time.Duration, jitter, r float64) time.Duration {
	if base <= 0 {
		return 0
	}
	d := maxDelay
	if attempt < 62 {
		if x := float64(base) * math.Pow(2, float64(attempt)); x < float64(maxDelay) {
			d = time.Duration(x)
		}
	}
	jitter = min(max(jitter, 0), 1)
	return time.Duration(float64(d) * (1 - jitter*r))
}

// Sleep waits for d, or until ctx is done (then it returns ctx.Err() at
// once). It is the one cancellable pause of the SDK: retry backoff,
// reconnect delays, client-side rate limits.
func Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// drainTimeout bounds how long draining a discarded body may take: a server
// that stalls in the middle of an error body must not stall the retry.
const drainTimeout = 500 * time.Millisecond

// drain reads at most maxDrain bytes of a discarded body, for at most
// drainTimeout, and closes it.
func drain(body io.ReadCloser) {
	if body == nil || body == http.NoBody {
		return
	}
	var once sync.Once
	closeBody := func() { once.Do(func() { _ = body.Close() }) }
	// Closing a response body from another goroutine aborts a blocked Read.
	timer := time.AfterFunc(drainTimeout, closeBody)
	_, _ = io.CopyN(io.Discard, body, maxDrain)
	timer.Stop()
	closeBody()
}

// sanitize removes secrets from the URL inside a *url.Error, so that the
// error text can be logged and returned.
func sanitize(err error) {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = redact.URLString(ue.URL)
	}
}

func opName(method string) string {
	if method == "" {
		return "Get"
	}
	return method[:1] + strings.ToLower(method[1:])
}

// target is the URL the call is sent to.
func (l *loop) target() *url.URL {
	if l.url != nil {
		return l.url
	}
	return l.req.URL
}

// log writes a Debug record about the retry loop.
func (l *loop) log(ctx context.Context, msg string, attrs ...slog.Attr) {
	lg := l.cfg.Logger
	if lg == nil || !lg.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs = append([]slog.Attr{
		slog.String("service", l.t.service),
		slog.String("method", l.req.Method),
		slog.String("url", redact.URL(l.target())),
	}, attrs...)
	lg.LogAttrs(ctx, slog.LevelDebug, msg, attrs...)
}

// cancelOnClose releases an attempt's timeout when the body is closed, so the
// per-attempt timeout covers reading a streamed body too.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
	once   sync.Once
}

// Close closes the body, then releases the attempt's timeout.
func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.cancel)
	return err
}

// ownOrigin reports whether u is on the origin (scheme, host, port) of the
// call's base URL, the only one credentials are sent to. With no base URL
// configured every URL is.
func (l *loop) ownOrigin(u *url.URL) bool {
	if l.cfg.BaseURL == "" {
		return true
	}
	base, err := ParseBase(l.cfg.BaseURL)
	if err != nil {
		return false
	}
	return sameOrigin(base, u)
}

// credKey keys the names of the headers the credential step set on an
// attempt (a *credHeaders) in the attempt's request context.
type credKey struct{}

// credHeaders are the names of the headers the credential step set; it is
// the attempt's context too (one allocation for both), answering credKey
// with itself.
type credHeaders struct {
	context.Context
	names []string
}

// Value returns c for credKey, else its parent's value.
func (c *credHeaders) Value(key any) any {
	if key == (credKey{}) {
		return c
	}
	return c.Context.Value(key)
}

// retryCountKey is RetryCountHeader as a canonical header key.
var retryCountKey = http.CanonicalHeaderKey(RetryCountHeader)

// headerSnapshot holds a header's values as they were, without allocating
// for up to 16 names and 32 values (more: a clone of the header).
type headerSnapshot struct {
	n     int
	names [16]string
	ends  [16]int // names[i]'s values are vals[ends[i-1]:ends[i]]
	vals  [32]string
	clone http.Header
}

// take records h.
func (s *headerSnapshot) take(h http.Header) {
	nv := 0
	for k, vs := range h {
		if s.n == len(s.names) || nv+len(vs) > len(s.vals) {
			s.clone = h.Clone()
			return
		}
		s.names[s.n] = k
		nv += copy(s.vals[nv:], vs)
		s.ends[s.n] = nv
		s.n++
	}
}

// get returns the values name had.
func (s *headerSnapshot) get(name string) []string {
	if s.clone != nil {
		return s.clone[name]
	}
	for i := range s.n {
		if s.names[i] == name {
			start := 0
			if i > 0 {
				start = s.ends[i-1]
			}
			return s.vals[start:s.ends[i]]
		}
	}
	return nil
}

// changed lists the headers that after has and the snapshot had not, or
// had with other values.
func (s *headerSnapshot) changed(after http.Header) []string {
	var out []string
	for k, vs := range after {
		if !slices.Equal(s.get(k), vs) {
			out = append(out, k)
		}
	}
	return out
}

// maxRedirects is how many redirects one attempt follows (net/http's own
// default).
const maxRedirects = 10

// guardedClient returns the HTTP client for cfg (see client) with the
// credential redirect policy: the SDK's default client has it built in; a
// client from option.WithHTTPClient is used through a shallow copy whose
// CheckRedirect applies the policy and then the client's own CheckRedirect
// (the copy shares the client's Transport, Jar and Timeout; the client itself
// is not modified).
func (t *Transport) guardedClient(cfg *option.Config) *http.Client {
	c := t.client(cfg)
	if c == t.defaultClient {
		return c
	}
	cp := *c
	cp.CheckRedirect = checkRedirect(c.CheckRedirect)
	return &cp
}

// checkRedirect is the redirect policy of every client the transport sends
// through. A redirect to another origin than the attempt's first request
// (scheme, host and port: so another host, another port, and https to http
// all count) is followed without any credential: the headers the credential
// step set, every header whose name looks like a credential (see
// redact.SensitiveHeader: Authorization, Api-Key, X-Api-Key,
// VECTORVEIN-API-KEY, Cookie, ...) and the Referer are removed. net/http
// copies the first request's headers onto every hop before calling this, so
// each hop is checked against the origin afresh; a redirect back to the
// origin carries the credentials again. next, when non-nil, is the user's
// own policy and decides after that; nil stops after maxRedirects.
func checkRedirect(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) > 0 && !sameOrigin(via[0].URL, req.URL) {
			creds, _ := via[0].Context().Value(credKey{}).(*credHeaders)
			var names []string
			if creds != nil {
				names = creds.names
			}
			for _, k := range names {
				req.Header.Del(k)
			}
			for k := range req.Header {
				if redact.SensitiveHeader(k) || strings.EqualFold(k, "Referer") {
					delete(req.Header, k)
				}
			}
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		return nil
	}
}

// sameOrigin reports whether a and b have the same scheme, host and port
// (a missing port is the scheme's default).
func sameOrigin(a, b *url.URL) bool {
	if a == nil || b == nil {
		return false
	}
	return strings.EqualFold(a.Scheme, b.Scheme) &&
		strings.EqualFold(a.Hostname(), b.Hostname()) &&
		port(a) == port(b)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}
