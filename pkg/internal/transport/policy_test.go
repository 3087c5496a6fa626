package transport_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/internal/transport"
	"github.com/aiclients/sdk-go/pkg/option"
)

func allUnsafe(*http.Request) transport.RetryPolicy { return transport.RetryUnsafe }

// TestUnsafeWithCustomRoundTripper: an HTTP client that never reports a
// connection is retried for a RetryUnsafe request only on an error of
// establishing a connection, not on any other error.
func TestUnsafeWithCustomRoundTripper(t *testing.T) {
	for _, tc := range []struct {
		name  string
		err   error
		tries int32
	}{
		{"dial error retried", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, 3},
		{"dns error retried", &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}, 3},
		{"read error not retried", &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}, 1},
		{"other error not retried", errors.New("unexpected EOF"), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			// A custom RoundTripper reports no connection (no httptrace events).
			hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				n.Add(1)
				return nil, tc.err
			})}
			tr := newTransport(t, nil, option.WithHTTPClient(hc), option.WithMaxRetries(2))
			tr.SetRetryPolicy(allUnsafe)
			_, err := tr.RoundTrip(post(t, context.Background(), "http://127.0.0.1:1/run", "{}"))
			var te *apierror.TransportError
			require.ErrorAs(t, err, &te)
			require.Equal(t, tc.tries, n.Load())
			require.Equal(t, int(tc.tries), te.Attempts)
		})
	}
}

// TestUnsafeOptIn: option.WithRetryUnsafe on the client or on the call
// retries a RetryUnsafe request on 5xx; without it the 503 comes back at
// once, and the debug log says why.
func TestUnsafeOptIn(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	tr := newTransport(t, nil, option.WithMaxRetries(2), option.WithLogger(logger))
	tr.SetRetryPolicy(allUnsafe)
	resp, err := tr.RoundTrip(post(t, context.Background(), srv.URL, "{}"))
	require.NoError(t, err)
	readAll(t, resp)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.Equal(t, int32(1), n.Load())
	require.Contains(t, logs.String(), "x-retry: unsafe")

	// Per call: the call's Config travels in the context.
	n.Store(0)
	cfg := tr.Config().Clone()
	require.NoError(t, cfg.Apply(option.WithRetryUnsafe()))
	resp, err = tr.RoundTrip(post(t, option.NewContext(context.Background(), cfg), srv.URL, "{}"))
	require.NoError(t, err)
	readAll(t, resp)
	require.Equal(t, int32(3), n.Load())

	// On the client.
	n.Store(0)
	all := newTransport(t, nil, option.WithMaxRetries(2), option.WithRetryUnsafe())
	all.SetRetryPolicy(allUnsafe)
	resp, err = all.RoundTrip(post(t, context.Background(), srv.URL, "{}"))
	require.NoError(t, err)
	readAll(t, resp)
	require.Equal(t, int32(3), n.Load())
}

// TestUnsafeRetriedOn429: a 429 says the server did not take the request on,
// so even an operation that creates work is retried; a 503 is not.
func TestUnsafeRetriedOn429(t *testing.T) {
	for _, tc := range []struct {
		status int
		tries  int32
	}{{http.StatusTooManyRequests, 3}, {http.StatusServiceUnavailable, 1}} {
		var n atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			w.WriteHeader(tc.status)
		}))
		tr := newTransport(t, nil, option.WithMaxRetries(2))
		tr.SetRetryPolicy(allUnsafe)
		resp, err := tr.RoundTrip(post(t, context.Background(), srv.URL+"/run", "{}"))
		require.NoError(t, err)
		require.Equal(t, tc.status, resp.StatusCode)
		_ = resp.Body.Close()
		require.Equal(t, tc.tries, n.Load(), "status %d", tc.status)
		srv.Close()
	}
}
