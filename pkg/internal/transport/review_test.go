package transport_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/internal/transport"
	"github.com/aiclients/sdk-go/pkg/option"
)

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
