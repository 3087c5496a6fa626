package core_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
