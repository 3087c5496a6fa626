package option_test

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/option"
)

func TestDefaults(t *testing.T) {
	c, err := option.NewConfig()
	require.NoError(t, err)
	require.Equal(t, 2, c.MaxRetries)
	require.Equal(t, 500*time.Millisecond, c.RetryBaseDelay)
	require.Equal(t, 8*time.Second, c.RetryMaxDelay)
	require.Equal(t, 0.25, c.RetryJitter)
	require.Equal(t, 60*time.Second, c.MaxRetryAfter)
	require.Zero(t, c.MaxRetryTime)
	require.False(t, c.RetryUnsafe)
	require.Zero(t, c.RequestTimeout)
	require.Empty(t, c.BaseURL)
	require.Nil(t, c.HTTPClient)
	require.NotNil(t, c.Header)
}

func TestBaseURL(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "https://api.example.com", want: "https://api.example.com"},
		{in: "https://api.example.com/", want: "https://api.example.com"},
		{in: "  HTTPS://API.Example.com/v1//  ", want: "https://api.example.com/v1"},
		{in: "http://127.0.0.1:8080/openai/", want: "http://127.0.0.1:8080/openai"},
		{in: "http://[::1]:80/x", want: "http://[::1]:80/x"},
		{in: "", wantErr: true},
		{in: "   ", wantErr: true},
		{in: "api.example.com", wantErr: true},
		{in: "/relative/path", wantErr: true},
		{in: "ftp://h/x", wantErr: true},
		{in: "https://", wantErr: true},
		{in: "https://:80", wantErr: true},
		{in: "http://[::1", wantErr: true},
		{in: "https://user:secret@h", wantErr: true},
		{in: "https://h/?a=1", wantErr: true},
		{in: "https://h/#frag", wantErr: true},
		{in: "https://h\n/x", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			c, err := option.NewConfig(option.WithBaseURL(tc.in))
			if tc.wantErr {
				var ie *apierror.InputError
				require.True(t, errors.As(err, &ie), "got %v", err)
				require.Equal(t, "base URL", ie.Field)
				require.NotContains(t, err.Error(), "secret")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, c.BaseURL)
		})
	}
}

func TestInvalidOptions(t *testing.T) {
	tests := []struct {
		name  string
		opt   option.RequestOption
		field string
	}{
		{"negative retries", option.WithMaxRetries(-1), "max retries"},
		{"negative base", option.WithRetryBackoff(-time.Second, time.Second, 0), "retry backoff"},
		{"max below base", option.WithRetryBackoff(2*time.Second, time.Second, 0), "retry backoff"},
		{"jitter above 1", option.WithRetryBackoff(time.Second, time.Second, 1.5), "retry backoff"},
		{"jitter negative", option.WithRetryBackoff(time.Second, time.Second, -0.1), "retry backoff"},
		{"jitter NaN", option.WithRetryBackoff(time.Second, time.Second, math.NaN()), "retry backoff"},
		{"negative retry-after cap", option.WithMaxRetryAfter(-1), "max retry-after"},
		{"negative retry time", option.WithMaxRetryTime(-1), "max retry time"},
		{"negative timeout", option.WithRequestTimeout(-1), "request timeout"},
		{"empty header name", option.WithHeader("", "v"), "header"},
		{"bad header name", option.WithHeader("X Bad", "v"), "header"},
		{"header value injection", option.WithHeader("X-A", "v\r\nEvil: 1"), "header"},
		{"nil middleware", option.WithMiddleware(nil), "middleware"},
		{"user agent injection", option.WithUserAgent("a\nb"), "user agent"},
		{"empty api key", option.WithAPIKey(""), "api key"},
		{"api key with newline", option.WithAPIKey("sk-1\n"), "api key"},
		{"nil api key func", option.WithAPIKeyFunc(nil), "api key"},
		{"empty bearer token", option.WithBearerToken(" "), "bearer token"},
		{"nil bearer func", option.WithBearerTokenFunc(nil), "bearer token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.NotPanics(t, func() {
				_, err := option.NewConfig(tc.opt)
				var ie *apierror.InputError
				require.True(t, errors.As(err, &ie), "got %v", err)
				require.Equal(t, tc.field, ie.Field)
				require.NotEmpty(t, ie.Reason)
			})
		})
	}
}

func TestOptionsApply(t *testing.T) {
	hc := &http.Client{}
	logger := slog.New(slog.DiscardHandler)
	var into *http.Response
	mw := func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) { return next(r) }
	c, err := option.NewConfig(
		option.WithHTTPClient(hc),
		option.WithMaxRetries(10),
		option.WithRetryBackoff(time.Millisecond, time.Second, 1),
		option.WithMaxRetryAfter(5*time.Second),
		option.WithMaxRetryTime(2*time.Minute),
		option.WithRetryUnsafe(),
		option.WithRequestTimeout(30*time.Second),
		option.WithHeader("x-extra", "1"),
		option.WithHeader("X-Gone", "1"),
		option.WithHeader("X-Gone", ""),
		option.WithMiddleware(mw, mw),
		option.WithLogger(logger),
		option.WithUserAgent("ua/1"),
		option.WithAPIKey("k-1"),
		option.WithBearerTokenFunc(func(context.Context) (string, error) { return "t-1", nil }),
		option.WithResponseInto(&into),
		nil, // skipped
	)
	require.NoError(t, err)
	require.Same(t, hc, c.HTTPClient)
	require.Equal(t, 10, c.MaxRetries)
	require.Equal(t, time.Millisecond, c.RetryBaseDelay)
	require.Equal(t, time.Second, c.RetryMaxDelay)
	require.Equal(t, 1.0, c.RetryJitter)
	require.Equal(t, 5*time.Second, c.MaxRetryAfter)
	require.Equal(t, 2*time.Minute, c.MaxRetryTime)
	require.True(t, c.RetryUnsafe)
	require.Equal(t, 30*time.Second, c.RequestTimeout)
	require.Equal(t, "1", c.Header.Get("X-Extra"))
	require.NotContains(t, c.Header, "X-Gone")
	require.Len(t, c.Middleware, 2)
	require.Same(t, logger, c.Logger)
	require.Equal(t, "ua/1", c.UserAgent)
	k, err := c.APIKey(context.Background())
	require.NoError(t, err)
	require.Equal(t, "k-1", k)
	tok, err := c.BearerToken(context.Background())
	require.NoError(t, err)
	require.Equal(t, "t-1", tok)
	require.True(t, c.ResponseInto == &into)

	// Later options win.
	require.NoError(t, c.Apply(option.WithMaxRetries(1), option.WithHTTPClient(nil)))
	require.Equal(t, 1, c.MaxRetries)
	require.Nil(t, c.HTTPClient)
}

func TestApplyStopsAtFirstError(t *testing.T) {
	c, err := option.NewConfig()
	require.NoError(t, err)
	err = c.Apply(option.WithMaxRetries(5), option.WithMaxRetries(-1), option.WithMaxRetries(7))
	require.Error(t, err)
	require.Equal(t, 5, c.MaxRetries)
}

func TestCloneIsIndependent(t *testing.T) {
	mw := func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) { return next(r) }
	a, err := option.NewConfig(option.WithHeader("X-A", "1"), option.WithMiddleware(mw))
	require.NoError(t, err)
	b := a.Clone()
	require.NoError(t, b.Apply(option.WithHeader("X-A", "2"), option.WithHeader("X-B", "1"), option.WithMiddleware(mw), option.WithMaxRetries(0)))
	require.Equal(t, "1", a.Header.Get("X-A"))
	require.Empty(t, a.Header.Get("X-B"))
	require.Len(t, a.Middleware, 1)
	require.Len(t, b.Middleware, 2)
	require.Equal(t, 2, a.MaxRetries)
	require.Nil(t, (*option.Config)(nil).Clone())

	// Appending to a clone never writes into the original's backing array.
	c1, c2 := a.Clone(), a.Clone()
	require.NoError(t, c1.Apply(option.WithMiddleware(mw)))
	require.NoError(t, c2.Apply(option.WithMiddleware(mw)))
	require.Len(t, a.Middleware, 1)
}

func TestContext(t *testing.T) {
	_, ok := option.FromContext(context.Background())
	require.False(t, ok)
	c, err := option.NewConfig(option.WithMaxRetries(4))
	require.NoError(t, err)
	got, ok := option.FromContext(option.NewContext(context.Background(), c))
	require.True(t, ok)
	require.Same(t, c, got)
	_, ok = option.FromContext(option.NewContext(context.Background(), nil))
	require.False(t, ok)
	//nolint:staticcheck // a nil context must not panic
	_, ok = option.FromContext(nil)
	require.False(t, ok)
}

type versionKey struct{}

func TestValues(t *testing.T) {
	withVersion := func(v string) option.RequestOption {
		return func(c *option.Config) error {
			if v == "" {
				c.SetValue(versionKey{}, nil)
			} else {
				c.SetValue(versionKey{}, v)
			}
			return nil
		}
	}
	a, err := option.NewConfig(withVersion("2024-01-01"))
	require.NoError(t, err)
	require.Equal(t, "2024-01-01", a.Value(versionKey{}))
	b := a.Clone()
	require.NoError(t, b.Apply(withVersion("2025-01-01")))
	require.Equal(t, "2024-01-01", a.Value(versionKey{}), "clones do not share values")
	require.Equal(t, "2025-01-01", b.Value(versionKey{}))
	require.NoError(t, b.Apply(withVersion("")))
	require.Nil(t, b.Value(versionKey{}))
	require.Nil(t, (*option.Config)(nil).Value(versionKey{}))
}
