package transport_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/internal/transport"
	"github.com/aiclients/sdk-go/pkg/option"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// step is one scripted server answer.
type step struct {
	status int
	header map[string]string
	body   string
	reset  bool // hijack the connection and reset it instead of answering
}

// script is a loopback server answering with steps in order (the last one
// repeats) and recording what it received.
type script struct {
	mu      sync.Mutex
	steps   []step
	hits    int
	bodies  []string
	headers []http.Header
	srv     *httptest.Server
}

func newScript(t *testing.T, steps ...step) *script {
	t.Helper()
	s := &script{steps: steps}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	require.True(t, strings.HasPrefix(s.srv.URL, "http://127.0.0.1:"), s.srv.URL)
	return s
}

func (s *script) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	st := s.steps[min(s.hits, len(s.steps)-1)]
	s.hits++
	s.bodies = append(s.bodies, string(b))
	s.headers = append(s.headers, r.Header.Clone())
	s.mu.Unlock()
	if st.reset {
		resetConn(w)
		return
	}
	for k, v := range st.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(st.status)
	_, _ = io.WriteString(w, st.body)
}

// received returns copies of the recorded headers and bodies.
func (s *script) received() ([]http.Header, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]http.Header(nil), s.headers...), append([]string(nil), s.bodies...)
}

func (s *script) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits
}

// resetConn closes the connection with a TCP reset.
func resetConn(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// fast makes retries wait milliseconds, not seconds.
var fast = option.WithRetryBackoff(time.Millisecond, 4*time.Millisecond, 0)

func newTransport(t *testing.T, auth transport.AuthFunc, opts ...option.RequestOption) *transport.Transport {
	t.Helper()
	cfg, err := option.NewConfig(append([]option.RequestOption{fast}, opts...)...)
	require.NoError(t, err)
	tr := transport.New("test", cfg, auth)
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

func post(t *testing.T, ctx context.Context, url, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	return req
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

func TestRetries(t *testing.T) {
	ok := step{status: 200, body: "ok"}
	s503 := step{status: 503, body: `{"error":"busy"}`}
	reset := step{reset: true}
	tests := []struct {
		name       string
		steps      []step
		opts       []option.RequestOption
		body       func(string) io.Reader // nil: strings.Reader (rewindable)
		wantHits   int
		wantStatus int // 0: want an error
		minElapsed time.Duration
		maxElapsed time.Duration // 0: 5s
	}{
		{name: "200 first time", steps: []step{ok}, wantHits: 1, wantStatus: 200},
		{name: "503 twice then 200", steps: []step{s503, s503, ok}, wantHits: 3, wantStatus: 200},
		{name: "503 until retries run out", steps: []step{s503}, wantHits: 3, wantStatus: 503},
		{name: "500 502 504 then 200", steps: []step{{status: 500}, {status: 502}, {status: 504}, ok},
			opts: []option.RequestOption{option.WithMaxRetries(3)}, wantHits: 4, wantStatus: 200},
		{name: "408 retried", steps: []step{{status: 408}, ok}, wantHits: 2, wantStatus: 200},
		{name: "400 not retried", steps: []step{{status: 400}, ok}, wantHits: 1, wantStatus: 400},
		{name: "401 not retried", steps: []step{{status: 401}, ok}, wantHits: 1, wantStatus: 401},
		{name: "409 not retried", steps: []step{{status: 409}, ok}, wantHits: 1, wantStatus: 409},
		{name: "max retries 0", steps: []step{s503, ok}, opts: []option.RequestOption{option.WithMaxRetries(0)},
			wantHits: 1, wantStatus: 503},
		{name: "429 Retry-After seconds", steps: []step{{status: 429, header: map[string]string{"Retry-After": "0.08"}}, ok},
			wantHits: 2, wantStatus: 200, minElapsed: 75 * time.Millisecond},
		{name: "429 Retry-After seconds clamped to MaxRetryAfter",
			steps:    []step{{status: 429, header: map[string]string{"Retry-After": "30"}}, ok},
			opts:     []option.RequestOption{option.WithMaxRetryAfter(60 * time.Millisecond)},
			wantHits: 2, wantStatus: 200, minElapsed: 55 * time.Millisecond, maxElapsed: 2 * time.Second},
		{name: "429 Retry-After HTTP date clamped to MaxRetryAfter",
			steps:    []step{{status: 429, header: map[string]string{"Retry-After": time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)}}, ok},
			opts:     []option.RequestOption{option.WithMaxRetryAfter(70 * time.Millisecond)},
			wantHits: 2, wantStatus: 200, minElapsed: 65 * time.Millisecond, maxElapsed: 2 * time.Second},
		{name: "429 Retry-After HTTP date in the past retries at once",
			steps:    []step{{status: 429, header: map[string]string{"Retry-After": "Mon, 02 Jan 2006 15:04:05 GMT"}}, ok},
			opts:     []option.RequestOption{option.WithRetryBackoff(time.Second, time.Second, 0)},
			wantHits: 2, wantStatus: 200, maxElapsed: 900 * time.Millisecond},
		{name: "Retry-After-Ms wins over Retry-After",
			steps:    []step{{status: 503, header: map[string]string{"Retry-After-Ms": "60", "Retry-After": "30"}}, ok},
			wantHits: 2, wantStatus: 200, minElapsed: 55 * time.Millisecond, maxElapsed: 2 * time.Second},
		{name: "x-should-retry false on 503", steps: []step{{status: 503, header: map[string]string{"X-Should-Retry": "false"}}, ok},
			wantHits: 1, wantStatus: 503},
		{name: "x-should-retry true on 400", steps: []step{{status: 400, header: map[string]string{"X-Should-Retry": "true"}}, ok},
			wantHits: 2, wantStatus: 200},
		{name: "connection reset then 200", steps: []step{reset, reset, ok}, wantHits: 3, wantStatus: 200},
		{name: "connection reset until retries run out", steps: []step{reset}, wantHits: 3},
		{name: "503 then reset then 200", steps: []step{s503, reset, ok}, wantHits: 3, wantStatus: 200},
		{name: "non-rewindable body sent once", steps: []step{s503, ok},
			body:     func(s string) io.Reader { return io.MultiReader(strings.NewReader(s)) },
			wantHits: 1, wantStatus: 503},
		{name: "non-rewindable body, connection reset, not retried", steps: []step{reset, ok},
			body:     func(s string) io.Reader { return io.MultiReader(strings.NewReader(s)) },
			wantHits: 1},
		{name: "retry time budget stops retries", steps: []step{{status: 503, header: map[string]string{"Retry-After-Ms": "200"}}, ok},
			opts:     []option.RequestOption{option.WithMaxRetryTime(100 * time.Millisecond)},
			wantHits: 1, wantStatus: 503, maxElapsed: time.Second},
		{name: "dragoneye policy: 10 retries, full jitter, 120s budget", steps: append(repeat(s503, 10), ok),
			opts: []option.RequestOption{option.WithMaxRetries(10), option.WithRetryBackoff(time.Millisecond, 2*time.Millisecond, 1),
				option.WithMaxRetryTime(120 * time.Second)},
			wantHits: 11, wantStatus: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newScript(t, tc.steps...)
			tr := newTransport(t, nil, tc.opts...)
			const payload = `{"q":"same body every time"}`
			var body io.Reader = strings.NewReader(payload)
			if tc.body != nil {
				body = tc.body(payload)
			}
			req, err := http.NewRequest(http.MethodPost, s.srv.URL+"/v1/x", body)
			require.NoError(t, err)

			start := time.Now()
			resp, err := tr.Do(req)
			elapsed := time.Since(start)

			if tc.wantStatus == 0 {
				require.Error(t, err)
				require.Nil(t, resp)
			} else {
				require.NoError(t, err)
				require.Equal(t, tc.wantStatus, resp.StatusCode)
				readAll(t, resp)
			}
			require.Equal(t, tc.wantHits, s.count())
			headers, bodies := s.received()
			for i, h := range headers {
				require.Equal(t, strconv.Itoa(i), h.Get(transport.RetryCountHeader))
				require.Equal(t, payload, bodies[i], "attempt %d body", i)
			}
			require.GreaterOrEqual(t, elapsed, tc.minElapsed)
			maxElapsed := tc.maxElapsed
			if maxElapsed == 0 {
				maxElapsed = 5 * time.Second
			}
			require.Less(t, elapsed, maxElapsed)
		})
	}
}

func repeat(s step, n int) []step {
	out := make([]step, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestContextCancelledDuringBackoffReturnsPromptly(t *testing.T) {
	tests := []struct {
		name    string
		header  map[string]string
		opts    []option.RequestOption
		cancel  func(context.CancelFunc)
		wantErr error
	}{
		{name: "Retry-After 30s, cancelled", header: map[string]string{"Retry-After": "30"}, wantErr: context.Canceled},
		{name: "backoff 30s, cancelled", opts: []option.RequestOption{option.WithRetryBackoff(30*time.Second, 30*time.Second, 0)},
			wantErr: context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newScript(t, step{status: 503, header: tc.header})
			tr := newTransport(t, nil, tc.opts...)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				// Cancel once the first attempt has been answered.
				for s.count() == 0 {
					time.Sleep(time.Millisecond)
				}
				time.Sleep(20 * time.Millisecond)
				cancel()
			}()
			start := time.Now()
			resp, err := tr.Do(post(t, ctx, s.srv.URL, "x"))
			require.Nil(t, resp)
			require.ErrorIs(t, err, tc.wantErr)
			require.Less(t, time.Since(start), time.Second)
			require.Equal(t, 1, s.count())
		})
	}
}

// A Retry-After that ends after the context's deadline cannot be honoured:
// the 429 comes back at once (not a bare deadline error after waiting).
func TestRetryAfterBeyondDeadlineReturnsTheResponseAtOnce(t *testing.T) {
	for _, hint := range []string{"10", "86400", "Wed, 21 Oct 2099 07:28:00 GMT"} {
		t.Run(hint, func(t *testing.T) {
			s := newScript(t, step{status: 429, header: map[string]string{"Retry-After": hint}}, step{status: 200})
			tr := newTransport(t, nil)
			ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
			defer cancel()
			start := time.Now()
			resp, err := tr.Do(post(t, ctx, s.srv.URL, "x"))
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, 429, resp.StatusCode)
			require.Equal(t, 1, s.count())
			require.Less(t, time.Since(start), 7*time.Second)
		})
	}
}

const secret = "sk-very-secret-key-123"
const querySecret = "q-secret-value-456"

func TestCredentialsNeverInErrorsOrLogs(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{name: "401 echoing the key", steps: []step{{status: 401,
			header: map[string]string{"X-Request-Id": "req-1", "Set-Cookie": "session=" + secret},
			body:   `{"error":{"code":"invalid_api_key","message":"Incorrect API key provided: ` + secret + `"}}`}}},
		{name: "503 then 200", steps: []step{{status: 503, body: "busy " + secret}, {status: 200}}},
		{name: "connection reset", steps: []step{{reset: true}}},
		{name: "middleware error echoing the key", steps: []step{{status: 200}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newScript(t, tc.steps...)
			var logs bytes.Buffer
			logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			auth := func(req *http.Request, cfg *option.Config) error {
				k, err := cfg.APIKey(req.Context())
				if err != nil {
					return err
				}
				req.Header.Set("Authorization", "Bearer "+k)
				req.Header.Set("Api-Key", k)
				return nil
			}
			opts := []option.RequestOption{option.WithAPIKey(secret), option.WithLogger(logger),
				option.WithHeader("X-Custom-Token", secret)}
			if strings.HasPrefix(tc.name, "middleware") {
				opts = append(opts, option.WithMiddleware(func(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
					if req.Header.Get(transport.RetryCountHeader) == "0" {
						return nil, errors.New("signer rejected key " + req.Header.Get("Api-Key"))
					}
					return next(req)
				}))
			}
			tr := newTransport(t, auth, opts...)
			u := s.srv.URL + "/v1/chat?api_key=" + querySecret + "&model=m"
			resp, err := tr.Do(post(t, context.Background(), u, "{}"))

			var texts []string
			if err != nil {
				texts = append(texts, err.Error())
			} else {
				apiErr := apierror.FromResponse("test", resp, nil)
				texts = append(texts, apiErr.Error(), string(apiErr.Body), apiErr.URL, strings.Join(apiErr.Header.Values("Set-Cookie"), ","))
				var target *apierror.Error
				require.True(t, errors.As(error(apiErr), &target))
			}
			texts = append(texts, logs.String())
			require.NotEmpty(t, logs.String())
			require.Contains(t, logs.String(), "REDACTED")
			for _, txt := range texts {
				require.NotContains(t, txt, secret)
				require.NotContains(t, txt, querySecret)
			}
			// The server did get the real credential.
			headers, _ := s.received()
			require.Equal(t, "Bearer "+secret, headers[0].Get("Authorization"))
		})
	}
}

func TestCredentialProviderCalledEveryAttempt(t *testing.T) {
	s := newScript(t, step{status: 503}, step{status: 503}, step{status: 200})
	var calls atomic.Int32
	provider := func(ctx context.Context) (string, error) {
		require.NotNil(t, ctx)
		return "tok-" + strconv.Itoa(int(calls.Add(1))), nil
	}
	auth := func(req *http.Request, cfg *option.Config) error {
		tok, err := cfg.BearerToken(req.Context())
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		return nil
	}
	tr := newTransport(t, auth, option.WithBearerTokenFunc(provider))
	resp, err := tr.Do(post(t, context.Background(), s.srv.URL, "x"))
	require.NoError(t, err)
	readAll(t, resp)
	require.EqualValues(t, 3, calls.Load())
	headers, _ := s.received()
	for i, h := range headers {
		require.Equal(t, "Bearer tok-"+strconv.Itoa(i+1), h.Get("Authorization"))
	}
}

func TestCredentialProviderErrorSendsNothing(t *testing.T) {
	s := newScript(t, step{status: 200})
	boom := errors.New("vault unavailable")
	auth := func(req *http.Request, cfg *option.Config) error {
		_, err := cfg.APIKey(req.Context())
		return err
	}
	tr := newTransport(t, auth, option.WithAPIKeyFunc(func(context.Context) (string, error) { return "", boom }))
	resp, err := tr.Do(post(t, context.Background(), s.srv.URL, "x"))
	require.Nil(t, resp)
	require.ErrorIs(t, err, boom)
	require.Equal(t, 0, s.count())
}

func TestMiddlewareRunsEveryAttemptInOrder(t *testing.T) {
	s := newScript(t, step{status: 500}, step{status: 502}, step{status: 200, body: "done"})
	var mu sync.Mutex
	var trace []string
	mw := func(name string) option.Middleware {
		return func(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
			mu.Lock()
			trace = append(trace, name+":"+req.Header.Get(transport.RetryCountHeader))
			mu.Unlock()
			req.Header.Add("X-Signed-By", name)
			return next(req)
		}
	}
	tr := newTransport(t, nil, option.WithMiddleware(mw("a"), mw("b")))
	resp, err := tr.Do(post(t, context.Background(), s.srv.URL, "x"))
	require.NoError(t, err)
	require.Equal(t, "done", readAll(t, resp))
	require.Equal(t, []string{"a:0", "b:0", "a:1", "b:1", "a:2", "b:2"}, trace)
	headers, _ := s.received()
	for _, h := range headers {
		require.Equal(t, []string{"a", "b"}, h.Values("X-Signed-By"))
	}
}

func TestMiddlewareCanAnswerAndFail(t *testing.T) {
	tests := []struct {
		name     string
		mw       option.Middleware
		wantErr  bool
		wantCode int
	}{
		{name: "answers itself", mw: func(*http.Request, option.MiddlewareNext) (*http.Response, error) {
			return &http.Response{StatusCode: 204, Header: http.Header{}}, nil
		}, wantCode: 204},
		{name: "returns nothing", mw: func(*http.Request, option.MiddlewareNext) (*http.Response, error) {
			return nil, nil
		}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTransport(t, nil, option.WithMiddleware(tc.mw), option.WithMaxRetries(0))
			resp, err := tr.Do(post(t, context.Background(), "http://127.0.0.1:1/", "x"))
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.wantCode, resp.StatusCode)
			require.NoError(t, resp.Body.Close())
		})
	}
}

// trackingBody records whether a discarded body was read and closed.
type trackingBody struct {
	io.Reader
	read   atomic.Int64
	closed atomic.Bool
}

func (b *trackingBody) Read(p []byte) (int, error) {
	n, err := b.Reader.Read(p)
	b.read.Add(int64(n))
	return n, err
}
func (b *trackingBody) Close() error { b.closed.Store(true); return nil }

func TestDiscardedBodiesDrainedBoundedAndClosed(t *testing.T) {
	var bodies []*trackingBody
	n := 0
	mw := func(req *http.Request, _ option.MiddlewareNext) (*http.Response, error) {
		n++
		status := 503
		if n == 3 {
			status = 200
		}
		// An endless body: draining must stop by itself.
		b := &trackingBody{Reader: endless{}}
		bodies = append(bodies, b)
		return &http.Response{StatusCode: status, Header: http.Header{}, Body: b, Request: req}, nil
	}
	tr := newTransport(t, nil, option.WithMiddleware(mw))
	resp, err := tr.Do(post(t, context.Background(), "http://127.0.0.1:1/", "x"))
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	require.Len(t, bodies, 3)
	for _, b := range bodies[:2] {
		require.True(t, b.closed.Load())
		require.Positive(t, b.read.Load())
		require.LessOrEqual(t, b.read.Load(), int64(64<<10))
	}
	require.False(t, bodies[2].closed.Load(), "the final body belongs to the caller")
	require.NoError(t, resp.Body.Close())
}

type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

func TestHeadersUserAgentAndResponseInto(t *testing.T) {
	s := newScript(t, step{status: 200})
	var got *http.Response
	tr := newTransport(t, nil, option.WithHeader("X-Extra", "1"), option.WithHeader("Accept", "text/plain"),
		option.WithUserAgent("sdk-test/1.0"), option.WithResponseInto(&got))
	req := post(t, context.Background(), s.srv.URL, "x")
	req.Header.Set("Accept", "application/json")
	resp, err := tr.Do(req)
	require.NoError(t, err)
	readAll(t, resp)
	require.Same(t, resp, got)
	headers, _ := s.received()
	h := headers[0]
	require.Equal(t, "1", h.Get("X-Extra"))
	require.Equal(t, "text/plain", h.Get("Accept"), "extra headers override the SDK's")
	require.Equal(t, "sdk-test/1.0", h.Get("User-Agent"))
	require.Equal(t, "application/json", req.Header.Get("Accept"), "the caller's request is not modified")
	require.Empty(t, req.Header.Get(transport.RetryCountHeader))
}

func TestPerCallConfigFromContext(t *testing.T) {
	s := newScript(t, step{status: 503}, step{status: 200})
	tr := newTransport(t, nil, option.WithHeader("X-Level", "client"))
	call := tr.Config().Clone()
	require.NoError(t, call.Apply(option.WithMaxRetries(0), option.WithHeader("X-Level", "call")))
	ctx := option.NewContext(context.Background(), call)
	resp, err := tr.Do(post(t, ctx, s.srv.URL, "x"))
	require.NoError(t, err)
	readAll(t, resp)
	require.Equal(t, 503, resp.StatusCode)
	require.Equal(t, 1, s.count())
	headers, _ := s.received()
	require.Equal(t, "call", headers[0].Get("X-Level"))
	require.Equal(t, 2, tr.Config().MaxRetries, "the client config is untouched")
}

func TestPerAttemptTimeout(t *testing.T) {
	var hits atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			select { // the first attempt hangs
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		_, _ = io.WriteString(w, "second")
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	tr := newTransport(t, nil, option.WithRequestTimeout(50*time.Millisecond))
	// The overall deadline only keeps a broken timeout from hanging the test.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	resp, err := tr.Do(post(t, ctx, srv.URL, "x"))
	require.NoError(t, err)
	require.Equal(t, "second", readAll(t, resp))
	require.EqualValues(t, 2, hits.Load())
	require.Less(t, time.Since(start), 2*time.Second)
}

func TestRequestTimeoutCoversStreamedBodyUntilClose(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: 1\n\n")
		w.(http.Flusher).Flush()
		time.Sleep(30 * time.Millisecond)
		_, _ = io.WriteString(w, "data: 2\n\n")
		w.(http.Flusher).Flush()
		select { // then stall
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	var attemptCtx context.Context
	capture := func(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		attemptCtx = req.Context()
		return next(req)
	}
	tr := newTransport(t, nil, option.WithRequestTimeout(300*time.Millisecond), option.WithMiddleware(capture))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := tr.Do(post(t, ctx, srv.URL, "x"))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.NoError(t, attemptCtx.Err(), "the attempt is still live when Do returns")
	// The timeout is not over when Do returns: the later event still arrives.
	buf := make([]byte, 0, 64)
	for !bytes.Contains(buf, []byte("data: 2")) {
		p := make([]byte, 64)
		n, err := resp.Body.Read(p)
		require.NoError(t, err)
		buf = append(buf, p[:n]...)
	}
	// The stalled stream is cut by the per-attempt timeout.
	start := time.Now()
	_, err = io.ReadAll(resp.Body)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), 2*time.Second)
}

func TestAsRoundTripper(t *testing.T) {
	s := newScript(t, step{status: 503}, step{status: 200, body: "rt"})
	tr := newTransport(t, nil)
	client := &http.Client{Transport: tr}
	resp, err := client.Post(s.srv.URL, "text/plain", strings.NewReader("x"))
	require.NoError(t, err)
	require.Equal(t, "rt", readAll(t, resp))
	require.Equal(t, 2, s.count())
}

func TestInvalidRequests(t *testing.T) {
	tr := newTransport(t, nil)
	_, err := tr.Do(nil)
	require.Error(t, err)
	_, err = tr.Do(&http.Request{Method: "GET"})
	require.Error(t, err)
	req, err := http.NewRequest(http.MethodGet, "ftp://127.0.0.1/x", nil)
	require.NoError(t, err)
	start := time.Now()
	_, err = newTransport(t, nil, option.WithRetryBackoff(time.Second, time.Second, 0)).Do(req)
	require.Error(t, err)
	require.Less(t, time.Since(start), 500*time.Millisecond, "an unsupported scheme is not retried")
}

func TestBackoff(t *testing.T) {
	const base, maxD = 500 * time.Millisecond, 8 * time.Second
	tests := []struct {
		attempt   int
		base, max time.Duration
		jitter, r float64
		want      time.Duration
	}{
		{0, base, maxD, 0.25, 0, 500 * time.Millisecond},
		{1, base, maxD, 0.25, 0, time.Second},
		{3, base, maxD, 0.25, 0, 4 * time.Second},
		{4, base, maxD, 0.25, 0, 8 * time.Second},
		{5, base, maxD, 0.25, 0, 8 * time.Second},
		{1000, base, maxD, 0.25, 0, 8 * time.Second},
		{0, base, maxD, 0.25, 1, 375 * time.Millisecond},
		{2, base, maxD, 1, 0.5, time.Second},
		{2, base, maxD, 1, 1, 0},
		{2, 0, maxD, 0.25, 0.5, 0},
	}
	for _, tc := range tests {
		got := transport.Backoff(tc.attempt, tc.base, tc.max, tc.jitter, tc.r)
		require.Equal(t, tc.want, got, "%+v", tc)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header map[string]string
		want   time.Duration
		ok     bool
	}{
		{"none", nil, 0, false},
		{"seconds", map[string]string{"Retry-After": "3"}, 3 * time.Second, true},
		{"fractional seconds", map[string]string{"Retry-After": "1.5"}, 1500 * time.Millisecond, true},
		{"zero", map[string]string{"Retry-After": "0"}, 0, true},
		{"negative", map[string]string{"Retry-After": "-5"}, 0, true},
		{"huge", map[string]string{"Retry-After": "1e30"}, 24 * time.Hour, true},
		{"http date", map[string]string{"Retry-After": now.Add(7 * time.Second).Format(http.TimeFormat)}, 7 * time.Second, true},
		{"http date in the past", map[string]string{"Retry-After": now.Add(-time.Hour).Format(http.TimeFormat)}, 0, true},
		{"garbage", map[string]string{"Retry-After": "soon"}, 0, false},
		{"NaN", map[string]string{"Retry-After": "NaN"}, 0, false},
		{"ms", map[string]string{"Retry-After-Ms": "250"}, 250 * time.Millisecond, true},
		{"ms wins", map[string]string{"Retry-After-Ms": "250", "Retry-After": "9"}, 250 * time.Millisecond, true},
		{"bad ms falls back", map[string]string{"Retry-After-Ms": "x", "Retry-After": "9"}, 9 * time.Second, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tc.header {
				h.Set(k, v)
			}
			got, ok := transport.RetryAfter(h, now)
			require.Equal(t, tc.ok, ok)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestClosingStreamedBodyReleasesAttemptTimeout(t *testing.T) {
	s := newScript(t, step{status: 200, body: "data"})
	var attemptCtx context.Context
	capture := func(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		attemptCtx = req.Context()
		return next(req)
	}
	tr := newTransport(t, nil, option.WithRequestTimeout(time.Hour), option.WithMiddleware(capture))
	resp, err := tr.Do(post(t, context.Background(), s.srv.URL, "x"))
	require.NoError(t, err)
	require.NoError(t, attemptCtx.Err())
	require.Equal(t, "data", readAll(t, resp)) // closes the body
	require.ErrorIs(t, attemptCtx.Err(), context.Canceled, "Close releases the attempt's timer at once")
	require.NoError(t, resp.Body.Close(), "a second Close is harmless")
}

func TestPerCallBaseURLMovesRequests(t *testing.T) {
	client := newScript(t, step{status: 200, body: "client"})
	call := newScript(t, step{status: 200, body: "call"})
	cfg, err := option.NewConfig(fast, option.WithBaseURL(client.srv.URL+"/base"))
	require.NoError(t, err)
	tr := transport.New("test", cfg, nil)
	t.Cleanup(tr.CloseIdleConnections)

	callCfg := cfg.Clone()
	require.NoError(t, callCfg.Apply(option.WithBaseURL(call.srv.URL+"/other/")))
	tests := []struct {
		name     string
		ctx      context.Context
		url      string
		want     string
		wantPath string
	}{
		{"client base URL", context.Background(), client.srv.URL + "/base/v1/x?a=1", "client", "/base/v1/x"},
		{"call base URL moves the request", option.NewContext(context.Background(), callCfg), client.srv.URL + "/base/v1/x?a=1", "call", "/other/v1/x"},
		{"other URLs are left alone", option.NewContext(context.Background(), callCfg), client.srv.URL + "/elsewhere", "client", "/elsewhere"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(tc.ctx, http.MethodGet, tc.url, nil)
			require.NoError(t, err)
			resp, err := tr.Do(req)
			require.NoError(t, err)
			require.Equal(t, tc.want, readAll(t, resp))
			require.Equal(t, tc.wantPath, resp.Request.URL.Path)
		})
	}
	headers, _ := call.received()
	require.Len(t, headers, 1)
}

func TestAuthErrorsAreCredentialErrors(t *testing.T) {
	provider := errors.New("vault sealed")
	tests := []struct {
		name    string
		authErr error
		want    string
	}{
		{"an input error keeps its field and reason", &apierror.InputError{Service: "test", Field: "API key", Reason: "not set"}, "test: API key: not set"},
		{"a provider error is wrapped", provider, "test: credentials provider failed: vault sealed"},
		{"a credential error passes as it is", &apierror.CredentialError{Service: "test", Credential: "token", Reason: "empty"}, "test: token: empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTransport(t, func(*http.Request, *option.Config) error { return tc.authErr })
			_, err := tr.Do(post(t, context.Background(), "http://127.0.0.1:1/", "x"))
			var ce *apierror.CredentialError
			require.ErrorAs(t, err, &ce)
			require.Equal(t, tc.want, err.Error())
			if tc.authErr == provider {
				require.ErrorIs(t, err, provider)
			}
		})
	}
}

func TestFailureIsTransportError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	// Two 503s, then the server is gone: the third attempt cannot connect.
	var n atomic.Int32
	refuse := func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		if n.Add(1) == 3 {
			return nil, errors.New("connection refused")
		}
		return next(r)
	}
	tr := newTransport(t, nil, option.WithMaxRetries(2), option.WithRetryBackoff(time.Millisecond, time.Millisecond, 0), option.WithMiddleware(refuse))
	_, err := tr.Do(post(t, context.Background(), srv.URL+"/v1/x?api-key=secret", "x"))
	var te *apierror.TransportError
	require.ErrorAs(t, err, &te)
	require.Equal(t, 3, te.Attempts)
	require.Equal(t, 503, te.LastStatus)
	require.Equal(t, "POST", te.Method)
	require.NotContains(t, err.Error(), "secret")
	require.Contains(t, err.Error(), "failed after 3 attempts (last status 503): connection refused")
}

// stalledBody blocks every Read until it is closed, like a server that stops
// sending in the middle of an error body.
type stalledBody struct {
	once   sync.Once
	closed chan struct{}
}

func (b *stalledBody) Read([]byte) (int, error) {
	<-b.closed
	return 0, errors.New("read on closed body")
}

func (b *stalledBody) Close() error {
	b.once.Do(func() { close(b.closed) })
	return nil
}

func TestStalledDiscardedBodyDoesNotStallRetry(t *testing.T) {
	var n atomic.Int32
	var stalled []*stalledBody
	mw := func(req *http.Request, _ option.MiddlewareNext) (*http.Response, error) {
		if n.Add(1) == 1 {
			b := &stalledBody{closed: make(chan struct{})}
			stalled = append(stalled, b)
			return &http.Response{StatusCode: 503, Header: http.Header{}, Body: b, Request: req}, nil
		}
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
	}
	tr := newTransport(t, nil, option.WithMiddleware(mw))
	start := time.Now()
	resp, err := tr.Do(post(t, context.Background(), "http://127.0.0.1:1/", "x"))
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	require.Less(t, time.Since(start), 2*time.Second)
	require.Len(t, stalled, 1)
	select {
	case <-stalled[0].closed:
	default:
		t.Fatal("the stalled body was not closed")
	}
}

func TestNewWithoutConfigUsesDefaults(t *testing.T) {
	tr := transport.New("svc", nil, nil)
	t.Cleanup(tr.CloseIdleConnections)
	require.Equal(t, "svc", tr.Service())
	require.Equal(t, option.DefaultMaxRetries, tr.Config().MaxRetries)
	s := newScript(t, step{status: 200, body: "ok"})
	resp, err := tr.Do(post(t, context.Background(), s.srv.URL, "x"))
	require.NoError(t, err)
	require.Equal(t, "ok", readAll(t, resp))
	headers, _ := s.received()
	require.Equal(t, "0", headers[0].Get(transport.RetryCountHeader))
}

// roundTripFunc is an http.RoundTripper made from a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestHTTPClientOption(t *testing.T) {
	var calls atomic.Int32
	fake := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Body != nil {
			_ = r.Body.Close()
		}
		status := 503
		if calls.Add(1) == 2 {
			status = 200
		}
		return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("fake")), Request: r}, nil
	})}
	tr := newTransport(t, nil, option.WithHTTPClient(fake))
	resp, err := tr.Do(post(t, context.Background(), "http://127.0.0.1:1/never-dialled", "x"))
	require.NoError(t, err)
	require.Equal(t, "fake", readAll(t, resp))
	require.EqualValues(t, 2, calls.Load())

	// A client whose transport is this Transport would recurse; the default
	// client is used instead.
	s := newScript(t, step{status: 200, body: "real"})
	self := newTransport(t, nil)
	self.Config().HTTPClient = &http.Client{Transport: self}
	resp, err = self.Do(post(t, context.Background(), s.srv.URL, "x"))
	require.NoError(t, err)
	require.Equal(t, "real", readAll(t, resp))
}

// MaxRetryAfter 0 ignores the server's hint and waits the backoff; it used
// to clamp every hint to 0, so a 429 asking for a pause was retried at once.
func TestMaxRetryAfterZeroIgnoresHintsAndUsesBackoff(t *testing.T) {
	tests := []struct {
		name       string
		header     map[string]string
		minElapsed time.Duration
	}{
		{"Retry-After seconds", map[string]string{"Retry-After": "30"}, 140 * time.Millisecond},
		{"Retry-After 0", map[string]string{"Retry-After": "0"}, 140 * time.Millisecond},
		{"Retry-After-Ms", map[string]string{"Retry-After-Ms": "5000"}, 140 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newScript(t, step{status: 429, header: tc.header}, step{status: 200, body: "ok"})
			tr := newTransport(t, nil, option.WithMaxRetryAfter(0),
				option.WithRetryBackoff(150*time.Millisecond, 150*time.Millisecond, 0))
			start := time.Now()
			resp, err := tr.Do(post(t, context.Background(), s.srv.URL, "x"))
			elapsed := time.Since(start)
			require.NoError(t, err)
			require.Equal(t, "ok", readAll(t, resp))
			require.Equal(t, 2, s.count())
			require.GreaterOrEqual(t, elapsed, tc.minElapsed, "the backoff is waited, not the hint clamped to 0")
			require.Less(t, elapsed, 5*time.Second, "the 30s hint is not honoured either")
		})
	}
}

// A middleware that answers (or fails) without calling next never hands the
// request body to the HTTP client, so the transport must close it, as a
// RoundTripper has to.
func TestBodyClosedWhenMiddlewareDoesNotSend(t *testing.T) {
	tests := []struct {
		name string
		mw   option.Middleware
	}{
		{"answers itself", func(*http.Request, option.MiddlewareNext) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Header: http.Header{}}, nil
		}},
		{"fails", func(*http.Request, option.MiddlewareNext) (*http.Response, error) {
			return nil, errors.New("offline")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTransport(t, nil, option.WithMiddleware(tc.mw), option.WithMaxRetries(0))
			body := &trackingBody{Reader: strings.NewReader("payload")}
			req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/", body)
			require.NoError(t, err)
			resp, err := tr.Do(req)
			if err == nil {
				require.NoError(t, resp.Body.Close())
			}
			require.True(t, body.closed.Load(), "request body closed")
		})
	}
}

// A hand-built request without a Header map is sent (with the SDK's
// headers), not a panic on assignment to a nil map.
func TestRequestWithoutHeaderMap(t *testing.T) {
	s := newScript(t, step{status: 200, body: "ok"})
	tr := newTransport(t, nil, option.WithHeader("X-Extra", "1"))
	u, err := url.Parse(s.srv.URL + "/x")
	require.NoError(t, err)
	var resp *http.Response
	require.NotPanics(t, func() {
		resp, err = tr.Do(&http.Request{Method: http.MethodGet, URL: u})
	})
	require.NoError(t, err)
	require.Equal(t, "ok", readAll(t, resp))
	headers, _ := s.received()
	require.Equal(t, "1", headers[0].Get("X-Extra"))
	require.Equal(t, "0", headers[0].Get(transport.RetryCountHeader))
}

// WithHeader replaces what the SDK would send, the user agent included: a
// User-Agent header given per call beats the client's (default) user agent,
// which used to overwrite it on every attempt.
func TestUserAgentHeaderOptionWins(t *testing.T) {
	s := newScript(t, step{status: 200})
	tr := newTransport(t, nil, option.WithUserAgent("sdk-default/1"))
	call := tr.Config().Clone()
	require.NoError(t, call.Apply(option.WithHeader("User-Agent", "per-call/2")))
	resp, err := tr.Do(post(t, option.NewContext(context.Background(), call), s.srv.URL, "x"))
	require.NoError(t, err)
	readAll(t, resp)
	headers, _ := s.received()
	require.Equal(t, "per-call/2", headers[0].Get("User-Agent"))
}

// A Retry-After date is relative to the server's Date header, not to the
// client's clock: with the server's clock an hour ahead, "Date + 1s" means
// one second, not an hour clamped to MaxRetryAfter.
func TestRetryAfterDateUsesServerDate(t *testing.T) {
	serverNow := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	s := newScript(t,
		step{status: 503, header: map[string]string{
			"Date":        serverNow.Format(http.TimeFormat),
			"Retry-After": serverNow.Add(time.Second).Format(http.TimeFormat),
		}},
		step{status: 200, body: "ok"})
	tr := newTransport(t, nil, option.WithMaxRetryAfter(5*time.Second))
	start := time.Now()
	resp, err := tr.Do(post(t, context.Background(), s.srv.URL, "x"))
	elapsed := time.Since(start)
	require.NoError(t, err)
	require.Equal(t, "ok", readAll(t, resp))
	require.GreaterOrEqual(t, elapsed, 900*time.Millisecond)
	require.Less(t, elapsed, 3*time.Second, "waited by the client's clock (clamped to MaxRetryAfter)")
}

// A burst of concurrent calls, then another: the second reuses the first's
// connections instead of opening new ones (net/http keeps 2 idle per host
// unless told otherwise).
func TestConcurrentBurstsReuseConnections(t *testing.T) {
	var opened atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond) // keep the burst's calls in flight together
		_, _ = io.WriteString(w, "ok")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	tr := newTransport(t, nil)
	burst := func() {
		var wg sync.WaitGroup
		for range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
				if err != nil {
					t.Error(err)
					return
				}
				resp, err := tr.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			}()
		}
		wg.Wait()
	}
	burst()
	first := opened.Load()
	burst()
	second := opened.Load() - first
	require.LessOrEqual(t, second, int32(4), "the second burst opened %d new connections (the first %d)", second, first)
}
