package core_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/internal/core"
	"github.com/aiclients/sdk-go/pkg/option"
)

// A 200 whose body is cut mid-way (the server promised 1000 bytes and
// closed after a few) is an *apierror.TransportError naming the service,
// the operation, the attempts and the status, whether the body is decoded
// directly or read whole for an Unwrap hook; a body that arrived whole but
// is not JSON stays a decoding error.
func TestBodyCutMidwayIsATransportError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "1000")
		_, _ = w.Write([]byte(`{"id":"r-1","name":"abc`))
		// The handler returns: the server closes the connection short.
	}))
	t.Cleanup(srv.Close)
	unwrap := func(_ *http.Response, body []byte) ([]byte, error) { return body, nil }
	for _, svc := range []core.Service{{Name: "svc"}, {Name: "svc", Unwrap: unwrap}} {
		t.Run("unwrap="+boolText(svc.Unwrap != nil), func(t *testing.T) {
			c := newCore(t, svc, option.WithBaseURL(srv.URL))
			var out map[string]any
			err := c.Call(context.Background(), nil, get(c, "/runs/x"), &out)
			var te *apierror.TransportError
			require.ErrorAs(t, err, &te)
			require.Equal(t, "svc", te.Service)
			require.Equal(t, http.MethodGet, te.Method)
			require.Contains(t, te.URL, "/runs/x")
			require.Equal(t, 1, te.Attempts)
			require.Equal(t, 200, te.LastStatus)
			require.Contains(t, err.Error(), "svc: GET ")
		})
	}
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// core.SendPresigned never sends a credential: not to the presigned URL,
// and not to where it redirects (another host, or the API's own host).
func TestSendPresignedFollowsRedirectsWithoutCredentials(t *testing.T) {
	api := newRecorder(t, 200, `{}`)
	other := newRecorder(t, 200, `{}`)
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Key") != "" || r.Header.Get("Authorization") != "" {
			w.WriteHeader(http.StatusTeapot)
			return
		}
		target := other.URL
		if r.URL.Path == "/to-api" {
			target = api.URL
		}
		http.Redirect(w, r, target+"/landed", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(storage.Close)
	const secret = "presign-test-secret-key"
	c := newCore(t, core.Service{Credentials: keyAuth}, option.WithBaseURL(api.URL), option.WithAPIKey(secret),
		option.WithHeader("Authorization", "Bearer "+secret))
	for _, path := range []string{"/to-other", "/to-api"} {
		ctx, err := c.Context(context.Background(), nil)
		require.NoError(t, err)
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, storage.URL+path, strings.NewReader("data"))
		require.NoError(t, err)
		resp, err := c.SendPresigned(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
	}
	for _, r := range []*recorder{api, other} {
		r.mu.Lock()
		require.Len(t, r.headers, 1)
		for _, h := range r.headers {
			b, _ := json.Marshal(h)
			require.NotContains(t, string(b), secret)
		}
		r.mu.Unlock()
	}
}

// Every error of a call passes one scrubbing step with the credentials the
// call sent, whatever built it: here an Unwrap hook and a MapError hook that
// copy server text into errors of their own.
func TestEveryCallErrorIsScrubbed(t *testing.T) {
	const secret = "scrub-test-secret/key+42"
	srv := newRecorder(t, 200, `{"error":"key scrub-test-secret\/key+42 refused"}`)
	unwrap := func(resp *http.Response, body []byte) ([]byte, error) {
		var env struct{ Error string }
		_ = json.Unmarshal(body, &env)
		return nil, &apierror.RunError{Service: "svc", Message: env.Error, ID: env.Error,
			Err: errors.New("untyped: " + env.Error)}
	}
	c := newCore(t, core.Service{Credentials: keyAuth, Unwrap: unwrap}, option.WithBaseURL(srv.URL), option.WithAPIKey(secret))
	err := c.Call(context.Background(), nil, get(c, "/x"), nil)
	var re *apierror.RunError
	require.ErrorAs(t, err, &re)
	require.NotContains(t, err.Error(), "42")
	require.NotContains(t, re.Message, "42")
	require.NotContains(t, re.ID, "42")
	require.Contains(t, re.Message, "refused")
}

// A GET whose body is cut is sent again (up to MaxRetries times); a POST is
// not (the server may have acted on it). The error of the last cut counts
// every attempt.
func TestCutBodyOfAGetIsRetried(t *testing.T) {
	var mu sync.Mutex
	hits := map[string]int{}
	cuts := 1 // how many answers per method are cut before a whole one
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.Method]++
		n := hits[r.Method]
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if n <= cuts {
			w.Header().Set("Content-Length", "1000")
			_, _ = w.Write([]byte(`{"id":"r-`))
			return
		}
		_, _ = w.Write([]byte(`{"id":"r-1"}`))
	}))
	t.Cleanup(srv.Close)
	count := func(method string) int {
		mu.Lock()
		defer mu.Unlock()
		return hits[method]
	}
	c := newCore(t, core.Service{}, option.WithBaseURL(srv.URL), option.WithMaxRetries(2),
		option.WithRetryBackoff(time.Millisecond, time.Millisecond, 0))
	send := func(method string) core.SendFunc {
		return c.SendRequest(func(ctx context.Context, base string) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, method, base+"/r", nil)
		})
	}

	var out struct{ ID string }
	require.NoError(t, c.Call(context.Background(), nil, send(http.MethodGet), &out))
	require.Equal(t, "r-1", out.ID)
	require.Equal(t, 2, count(http.MethodGet))

	err := c.Call(context.Background(), nil, send(http.MethodPost), &out)
	var te *apierror.TransportError
	require.ErrorAs(t, err, &te)
	require.Equal(t, 1, count(http.MethodPost), "a POST is not sent again")

	// Every GET cut: MaxRetries+1 sends, all counted.
	mu.Lock()
	cuts, hits = 100, map[string]int{}
	mu.Unlock()
	err = c.Call(context.Background(), nil, send(http.MethodGet), &out)
	require.ErrorAs(t, err, &te)
	require.Equal(t, 3, te.Attempts)
	require.Equal(t, 3, count(http.MethodGet))
	require.Contains(t, err.Error(), "failed after 3 attempts (last status 200): reading the response body")
}
