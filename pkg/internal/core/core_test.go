package core_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	sdk "github.com/aiclients/sdk-go"
	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/internal/core"
	"github.com/aiclients/sdk-go/pkg/option"
)

func testService() core.Service {
	return core.Service{
		Name:       "dial",
		EnvAPIKey:  "DIAL_API_KEY",
		EnvBaseURL: "DIAL_URL",
		// Optional: several tests build clients without a key to check
		// options and environment handling.
		Credentials: &core.Auth{APIKey: &core.Credential{Name: "API key", Header: "Api-Key"}, Optional: true},
		ParseError: func(body []byte) (string, string) {
			var e struct {
				Error struct{ Code, Message string }
			}
			_ = json.Unmarshal(body, &e)
			return e.Error.Code, e.Error.Message
		},
	}
}

// fast keeps retry waits in milliseconds.
var fast = option.WithRetryBackoff(time.Millisecond, 2*time.Millisecond, 0)

func clearEnv(t *testing.T) {
	t.Setenv("DIAL_URL", "")
	t.Setenv("DIAL_API_KEY", "")
}

func TestNewConfiguration(t *testing.T) {
	tests := []struct {
		name        string
		env         map[string]string
		svc         func(*core.Service)
		opts        []option.RequestOption
		wantBaseURL string
		wantKey     string // "" = no API key
		wantErr     string // substring of the *apierror.InputError text
	}{
		{name: "missing base URL", wantErr: "dial: invalid base URL: not set; set DIAL_URL or pass option.WithBaseURL"},
		{name: "missing base URL, no env name", svc: func(s *core.Service) { s.EnvBaseURL = "" },
			wantErr: "dial: invalid base URL: not set; pass option.WithBaseURL"},
		{name: "base URL from env, normalised", env: map[string]string{"DIAL_URL": "https://dial.example/"},
			wantBaseURL: "https://dial.example"},
		{name: "option beats env", env: map[string]string{"DIAL_URL": "https://env.example"},
			opts: []option.RequestOption{option.WithBaseURL("https://opt.example/x/")}, wantBaseURL: "https://opt.example/x"},
		{name: "invalid env ignored when the option is given", env: map[string]string{"DIAL_URL": "not a url"},
			opts: []option.RequestOption{option.WithBaseURL("https://opt.example")}, wantBaseURL: "https://opt.example"},
		{name: "invalid env base URL", env: map[string]string{"DIAL_URL": "dial.example"},
			wantErr: "dial: invalid base URL from DIAL_URL: must be an absolute http or https URL"},
		{name: "default base URL", svc: func(s *core.Service) { s.DefaultBaseURL = "https://default.example/" },
			wantBaseURL: "https://default.example"},
		{name: "env beats default", env: map[string]string{"DIAL_URL": "https://env.example"},
			svc: func(s *core.Service) { s.DefaultBaseURL = "https://default.example" }, wantBaseURL: "https://env.example"},
		{name: "API key from env", env: map[string]string{"DIAL_URL": "https://h", "DIAL_API_KEY": "env-key"},
			wantBaseURL: "https://h", wantKey: "env-key"},
		{name: "API key option beats env", env: map[string]string{"DIAL_URL": "https://h", "DIAL_API_KEY": "env-key"},
			opts: []option.RequestOption{option.WithAPIKey("opt-key")}, wantBaseURL: "https://h", wantKey: "opt-key"},
		{name: "bearer option suppresses env key", env: map[string]string{"DIAL_URL": "https://h", "DIAL_API_KEY": "env-key"},
			opts: []option.RequestOption{option.WithBearerToken("tok")}, wantBaseURL: "https://h"},
		{name: "invalid option names the service", opts: []option.RequestOption{option.WithMaxRetries(-1)},
			wantErr: "dial: invalid max retries: must not be negative"},
		{name: "invalid base URL option", opts: []option.RequestOption{option.WithBaseURL("ftp://h")},
			wantErr: "dial: invalid base URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			svc := testService()
			if tc.svc != nil {
				tc.svc(&svc)
			}
			c, err := core.New(svc, tc.opts)
			if tc.wantErr != "" {
				var ie *apierror.InputError
				require.True(t, errors.As(err, &ie), "got %v", err)
				require.Contains(t, err.Error(), tc.wantErr)
				require.Nil(t, c)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.wantBaseURL, c.Config.BaseURL)
			if tc.wantKey == "" {
				require.Nil(t, c.Config.APIKey)
			} else {
				k, err := c.Config.APIKey(context.Background())
				require.NoError(t, err)
				require.Equal(t, tc.wantKey, k)
			}
			require.NotNil(t, c.Transport)
			require.Equal(t, "dial", c.Transport.Service())
		})
	}
}

// server records requests and answers from a queue of handlers (the last
// one repeats).
type server struct {
	*httptest.Server
	mu       sync.Mutex
	requests []*http.Request
	bodies   []string
	answers  []http.HandlerFunc
}

func newServer(t *testing.T, answers ...http.HandlerFunc) *server {
	t.Helper()
	s := &server{answers: answers}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		n := len(s.requests)
		s.requests = append(s.requests, r.Clone(context.Background()))
		s.bodies = append(s.bodies, string(b))
		h := s.answers[min(n, len(s.answers)-1)]
		s.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) received() ([]*http.Request, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.requests...), append([]string(nil), s.bodies...)
}

func status(code int, header map[string]string, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		if body != "" && w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

func newClient(t *testing.T, url string, opts ...option.RequestOption) *core.Client {
	t.Helper()
	clearEnv(t)
	c, err := core.New(testService(), append([]option.RequestOption{option.WithBaseURL(url), option.WithAPIKey(testKey), fast}, opts...))
	require.NoError(t, err)
	t.Cleanup(c.Transport.CloseIdleConnections)
	return c
}

// testKey is the API key newClient gives its clients (options may replace it).
const testKey = "test-key-1234"

func TestDo(t *testing.T) {
	type out struct {
		Answer string `json:"answer"`
	}
	tests := []struct {
		name      string
		answers   []http.HandlerFunc
		method    string
		path      string
		in        any
		callOpts  []option.RequestOption
		wantOut   string
		wantHits  int
		wantPath  string
		wantQuery string
		wantBody  string
		wantCType string
		wantErr   func(t *testing.T, err error)
	}{
		{name: "JSON in and out", answers: []http.HandlerFunc{status(200, nil, `{"answer":"42"}`)},
			method: "post", path: "/v1/ask?x=1", in: map[string]string{"q": "life"},
			wantOut: "42", wantHits: 1, wantPath: "/base/v1/ask", wantQuery: "x=1", wantBody: `{"q":"life"}`, wantCType: "application/json"},
		{name: "path without leading slash, bytes body", answers: []http.HandlerFunc{status(200, nil, `{"answer":"b"}`)},
			method: "PUT", path: "files/a.txt", in: []byte("raw"),
			wantOut: "b", wantHits: 1, wantPath: "/base/files/a.txt", wantBody: "raw", wantCType: "application/octet-stream"},
		{name: "503 then 200 is retried", answers: []http.HandlerFunc{status(503, nil, ""), status(200, nil, `{"answer":"later"}`)},
			method: "GET", path: "/v1/x", wantOut: "later", wantHits: 2, wantPath: "/base/v1/x"},
		{name: "per-call option disables retries", answers: []http.HandlerFunc{status(503, nil, ""), status(200, nil, `{}`)},
			method: "GET", path: "/v1/x", callOpts: []option.RequestOption{option.WithMaxRetries(0)}, wantHits: 1,
			wantPath: "/base/v1/x",
			wantErr: func(t *testing.T, err error) {
				var e *apierror.Error
				require.True(t, errors.As(err, &e))
				require.Equal(t, 503, e.StatusCode)
			}},
		{name: "API error with service parser and request id",
			answers: []http.HandlerFunc{status(404, map[string]string{"X-Request-Id": "req-77"}, `{"error":{"code":"not_found","message":"no such deployment"}}`)},
			method:  "GET", path: "/v1/x", wantHits: 1, wantPath: "/base/v1/x",
			wantErr: func(t *testing.T, err error) {
				var e *apierror.Error
				require.True(t, errors.As(err, &e))
				require.Equal(t, "not_found", e.Code)
				require.Equal(t, "no such deployment", e.Message)
				require.Equal(t, "req-77", e.RequestID)
				require.Contains(t, err.Error(), "dial: GET http://127.0.0.1:")
				require.Contains(t, err.Error(), "/base/v1/x: 404 Not Found: not_found: no such deployment (request id req-77)")
				require.False(t, e.Retryable())
			}},
		{name: "invalid JSON response", answers: []http.HandlerFunc{status(200, nil, `{"answer":`)},
			method: "GET", path: "/v1/x", wantHits: 1, wantPath: "/base/v1/x",
			wantErr: func(t *testing.T, err error) {
				var re *apierror.ResponseError
				require.ErrorAs(t, err, &re, "a 200 that is not JSON is a typed error")
				require.Equal(t, "GET /base/v1/x", re.Request)
				require.ErrorContains(t, err, "dial: GET /base/v1/x: unusable 200 response: decoding the body:")
			}},
		{name: "empty method", method: " ", path: "/x",
			wantErr: func(t *testing.T, err error) {
				var ie *apierror.InputError
				require.True(t, errors.As(err, &ie))
				require.Equal(t, "dial: invalid method: must not be empty", err.Error())
			}},
		{name: "invalid per-call option", method: "GET", path: "/x", callOpts: []option.RequestOption{option.WithRequestTimeout(-1)},
			wantErr: func(t *testing.T, err error) {
				require.EqualError(t, err, "dial: invalid request timeout: must not be negative, got -1ns")
			}},
		{name: "unencodable body", method: "POST", path: "/x", in: func() {},
			wantErr: func(t *testing.T, err error) {
				var ie *apierror.InputError
				require.True(t, errors.As(err, &ie))
				require.Equal(t, "request body", ie.Field)
			}},
		{name: "invalid method token", method: "BAD METHOD", path: "/x",
			wantErr: func(t *testing.T, err error) {
				var ie *apierror.InputError
				require.True(t, errors.As(err, &ie))
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			answers := tc.answers
			if answers == nil {
				answers = []http.HandlerFunc{status(200, nil, "{}")}
			}
			s := newServer(t, answers...)
			c := newClient(t, s.URL+"/base/", option.WithAPIKey("key-1"))
			var got out
			err := c.Do(context.Background(), tc.method, tc.path, tc.in, &got, tc.callOpts...)
			reqs, bodies := s.received()
			require.Len(t, reqs, tc.wantHits)
			if tc.wantErr != nil {
				require.Error(t, err)
				tc.wantErr(t, err)
			} else {
				require.NoError(t, err)
				require.Equal(t, tc.wantOut, got.Answer)
			}
			if tc.wantHits == 0 {
				return
			}
			r := reqs[0]
			require.Equal(t, strings.ToUpper(tc.method), r.Method)
			require.Equal(t, tc.wantPath, r.URL.Path)
			require.Equal(t, tc.wantQuery, r.URL.RawQuery)
			require.Equal(t, tc.wantBody, bodies[0])
			require.Equal(t, tc.wantCType, r.Header.Get("Content-Type"))
			require.Equal(t, "key-1", r.Header.Get("Api-Key"), "the service AuthFunc ran")
		})
	}
}

func TestContextPerCallOptionsOverrideClient(t *testing.T) {
	s := newServer(t, status(200, nil, "{}"))
	var clientCalls, callCalls atomic.Int32
	c := newClient(t, s.URL,
		option.WithHeader("X-Level", "client"),
		option.WithAPIKeyFunc(func(context.Context) (string, error) { clientCalls.Add(1); return "client-key", nil }))

	ctx, err := c.Context(context.Background(), []option.RequestOption{
		option.WithHeader("X-Level", "call"),
		option.WithAPIKeyFunc(func(context.Context) (string, error) { callCalls.Add(1); return "call-key", nil }),
		option.WithMaxRetries(7),
	})
	require.NoError(t, err)
	cfg, ok := option.FromContext(ctx)
	require.True(t, ok)
	require.Equal(t, 7, cfg.MaxRetries)
	require.Equal(t, 2, c.Config.MaxRetries, "the client is not changed")
	require.Equal(t, "client", c.Config.Header.Get("X-Level"))

	// Nested: a context from this client builds on the call's options.
	inner, err := c.Context(ctx, []option.RequestOption{option.WithUserAgent("inner")})
	require.NoError(t, err)
	innerCfg := c.CallConfig(inner)
	require.Equal(t, 7, innerCfg.MaxRetries)
	require.Equal(t, "inner", innerCfg.UserAgent)
	same, err := c.Context(ctx, nil)
	require.NoError(t, err)
	require.Same(t, cfg, c.CallConfig(same))

	// Another client's context is not inherited.
	other := newClient(t, s.URL)
	octx, err := other.Context(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, 2, other.CallConfig(octx).MaxRetries)
	ocfg, ok := option.FromContext(octx) // what the transport reads
	require.True(t, ok)
	require.Same(t, other.Config, ocfg, "the transport must see the other client's config, not the call's")

	require.NoError(t, c.Do(ctx, "GET", "/a", nil, nil))
	require.NoError(t, c.Do(context.Background(), "GET", "/b", nil, nil))
	reqs, _ := s.received()
	require.Len(t, reqs, 2)
	require.Equal(t, "call", reqs[0].Header.Get("X-Level"))
	require.Equal(t, "call-key", reqs[0].Header.Get("Api-Key"))
	require.Equal(t, "client", reqs[1].Header.Get("X-Level"))
	require.Equal(t, "client-key", reqs[1].Header.Get("Api-Key"))
	require.EqualValues(t, 1, callCalls.Load())
	require.EqualValues(t, 1, clientCalls.Load())

	// Without options and outside any call, the client's own config is used.
	plain, err := c.Context(context.Background(), nil)
	require.NoError(t, err)
	require.Same(t, c.Config, c.CallConfig(plain))
	require.Equal(t, context.Background(), plain, "nothing to carry: the context is returned as it is")
	//nolint:staticcheck // a nil context is an input error, not a panic
	_, err = c.Context(nil, nil)
	require.Error(t, err)
}

func TestCheckAndResponseInto(t *testing.T) {
	s := newServer(t, status(429, map[string]string{"Retry-After": "0", "X-Ratelimit-Remaining": "0"}, `{"error":{"code":"rate_limit","message":"slow down"}}`))
	c := newClient(t, s.URL, option.WithMaxRetries(0))
	var raw *http.Response
	ctx, err := c.Context(context.Background(), []option.RequestOption{option.WithResponseInto(&raw)})
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/x", nil)
	require.NoError(t, err)
	resp, err := c.Check(c.Transport.Do(req))
	var e *apierror.Error
	require.True(t, errors.As(err, &e))
	require.True(t, e.Retryable())
	require.Equal(t, "rate_limit", e.Code)
	require.NotNil(t, resp, "the response is returned with the error")
	require.Same(t, resp, raw)
	require.Equal(t, "0", raw.Header.Get("X-Ratelimit-Remaining"))
	_, err = resp.Body.Read(make([]byte, 1))
	require.Error(t, err, "the body is already closed")

	// A transport error passes through unchanged.
	boom := errors.New("boom")
	_, err = c.Check(nil, boom)
	require.Same(t, boom, err)
	_, err = c.Check(nil, nil)
	require.Error(t, err)
}

func TestDecodeJSONTargets(t *testing.T) {
	tests := []struct {
		name string
		resp func() *http.Response
		v    func() any
		want any
	}{
		{name: "nil target discards", resp: func() *http.Response { return okResp(`{"a":1}`) },
			v: func() any { return nil }, want: nil},
		{name: "raw bytes", resp: func() *http.Response { return okResp(`{"a":1}`) },
			v: func() any { return new([]byte) }, want: ptr([]byte(`{"a":1}`))},
		{name: "empty body leaves target", resp: func() *http.Response { return okResp("") },
			v: func() any { return &map[string]int{"kept": 1} }, want: &map[string]int{"kept": 1}},
		{name: "map", resp: func() *http.Response { return okResp(`{"a":1}`) },
			v: func() any { return &map[string]int{} }, want: &map[string]int{"a": 1}},
	}
	c := &core.Client{Service: testService()}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := tc.resp()
			body := &closeCounter{ReadCloser: resp.Body}
			resp.Body = body
			v := tc.v()
			require.NoError(t, c.DecodeJSON(resp, nil, v))
			require.Equal(t, tc.want, v)
			require.EqualValues(t, 1, body.closes.Load())
		})
	}
}

type closeCounter struct {
	io.ReadCloser
	closes atomic.Int32
}

func (c *closeCounter) Close() error { c.closes.Add(1); return c.ReadCloser.Close() }

func okResp(body string) *http.Response {
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
}

func ptr[T any](v T) *T { return &v }

func TestSecretsNeverInErrorsOrLogs(t *testing.T) {
	const key = "env-secret-key-9876"
	s := newServer(t, status(401, nil, `{"error":{"code":"unauthorized","message":"key `+key+` revoked"}}`))
	clearEnv(t)
	t.Setenv("DIAL_URL", s.URL)
	t.Setenv("DIAL_API_KEY", key)
	var logs bytes.Buffer
	c, err := core.New(testService(), []option.RequestOption{
		option.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
	})
	require.NoError(t, err)
	t.Cleanup(c.Transport.CloseIdleConnections)
	err = c.Do(context.Background(), "GET", "/v1/me?api_key="+key, nil, nil)
	var e *apierror.Error
	require.True(t, errors.As(err, &e))
	require.Equal(t, "key REDACTED revoked", e.Message)
	for _, txt := range []string{err.Error(), string(e.Body), e.URL, logs.String()} {
		require.NotContains(t, txt, key)
	}
	require.Contains(t, logs.String(), "http attempt")
	reqs, _ := s.received()
	require.Equal(t, key, reqs[0].Header.Get("Api-Key"), "the real key was sent")
}

func TestUserAgent(t *testing.T) {
	tests := []struct {
		name string
		opts []option.RequestOption
		want string
	}{
		{"default", nil, "aiclients-sdk-go/" + sdk.Version + " (dial) go/" + strings.TrimPrefix(runtime.Version(), "go")},
		{"option", []option.RequestOption{option.WithUserAgent("app/2")}, "app/2"},
		{"header option", []option.RequestOption{option.WithHeader("User-Agent", "hdr/3")}, "hdr/3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, status(200, nil, "{}"))
			c := newClient(t, s.URL, tc.opts...)
			require.NoError(t, c.Do(context.Background(), "GET", "/", nil, nil))
			reqs, _ := s.received()
			require.Equal(t, tc.want, reqs[0].Header.Get("User-Agent"))
		})
	}
}

func TestURL(t *testing.T) {
	clearEnv(t)
	c, err := core.New(testService(), []option.RequestOption{option.WithBaseURL("https://h.example/api/")})
	require.NoError(t, err)
	callCtx, err := c.Context(context.Background(), []option.RequestOption{option.WithBaseURL("https://call.example")})
	require.NoError(t, err)
	tests := []struct {
		name    string
		ctx     context.Context
		path    string
		want    string
		wantErr bool
	}{
		{"relative with slash", context.Background(), "/v1/x?a=b", "https://h.example/api/v1/x?a=b", false},
		{"relative without slash", context.Background(), "v1/x", "https://h.example/api/v1/x", false},
		{"empty path", context.Background(), "", "https://h.example/api/", false},
		{"per-call base URL", callCtx, "/v1/x", "https://call.example/v1/x", false},
		{"absolute URL kept", context.Background(), "https://other.example/x", "https://other.example/x", false},
		{"bad absolute URL", context.Background(), "https://[::1/x", "", true},
		{"bad escape", context.Background(), "/v1/%zz", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.URL(tc.ctx, tc.path)
			if tc.wantErr {
				var ie *apierror.InputError
				require.True(t, errors.As(err, &ie), "got %v", err)
				require.Equal(t, "dial", ie.Service)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestNewWithInvalidEnvAPIKey(t *testing.T) {
	clearEnv(t)
	t.Setenv("DIAL_URL", "https://h")
	t.Setenv("DIAL_API_KEY", "line1\nline2")
	_, err := core.New(testService(), nil)
	var ie *apierror.InputError
	require.True(t, errors.As(err, &ie), "got %v", err)
	require.Equal(t, "dial: invalid DIAL_API_KEY: contains a line break or NUL", err.Error())
	require.NotContains(t, err.Error(), "line1")
}
