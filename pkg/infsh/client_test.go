package infsh_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/infsh/infshtest"
	"github.com/aiclients/sdk-go/pkg/option"
)

func TestNewClientFromEnvironment(t *testing.T) {
	srv := infshtest.NewServer(t)
	t.Setenv(infsh.EnvAPIKey, srv.APIKey)
	t.Setenv(infsh.EnvBaseURL, srv.URL)
	c, err := infsh.NewClient()
	require.NoError(t, err)
	_, err = c.Sessions.List(context.Background())
	require.NoError(t, err)
	for _, r := range srv.Requests() {
		require.Equal(t, "Bearer "+srv.APIKey, r.Header.Get("Authorization"))
	}
}

func TestMissingOrWrongKey(t *testing.T) {
	srv := infshtest.NewServer(t)
	t.Setenv(infsh.EnvAPIKey, "")
	_, err := infsh.NewClient(option.WithBaseURL(srv.URL))
	var ce *apierror.CredentialError
	require.ErrorAs(t, err, &ce, "a client without a key is refused at NewClient")
	require.Contains(t, err.Error(), infsh.EnvAPIKey)
	require.Empty(t, srv.Requests(), "nothing sent without a key")

	// A key provider that fails is reported the same way, at the call.
	c, err := infsh.NewClient(option.WithBaseURL(srv.URL),
		option.WithAPIKeyFunc(func(context.Context) (string, error) { return "", errors.New("vault sealed") }))
	require.NoError(t, err)
	_, err = c.Sessions.List(context.Background())
	require.ErrorAs(t, err, &ce)
	require.Contains(t, err.Error(), "vault sealed")
	require.Empty(t, srv.Requests(), "nothing sent without a key")

	c, err = infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("inf_wrong_secret"))
	require.NoError(t, err)
	_, err = c.Sessions.List(context.Background())
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 401, ae.StatusCode)
	require.NotContains(t, err.Error(), "inf_wrong_secret")
}

func TestRawSharesTransport(t *testing.T) {
	c, srv := newClient(t)
	resp, err := c.Raw().ListSessions(context.Background())
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	require.Equal(t, 200, resp.StatusCode, string(body))
	require.Equal(t, "Bearer "+srv.APIKey, srv.Requests()[0].Header.Get("Authorization"))
}

func TestTaskStreamAsSSE(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, ": keep-alive\n\n")
		fmt.Fprint(w, "event: update\ndata: {\"data\":{\"id\":\"t1\",\"status\":7},\"fields\":[\"status\"]}\n\n")
		fmt.Fprint(w, "data: {\"id\":\"t1\",\"status\":10,\"output\":{\"ok\":true}}\n\n")
	}))
	defer srv.Close()
	c, err := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("k"))
	require.NoError(t, err)
	task, err := c.Tasks.Wait(context.Background(), "t1", infsh.WaitOptions{})
	require.NoError(t, err)
	require.JSONEq(t, `{"ok":true}`, string(task.Output))
}

// TestRetriesOnServerErrors: apps/run creates work (x-retry: unsafe), so its
// 503 is retried only with option.WithRetryUnsafe.
func TestRetriesOnServerErrors(t *testing.T) {
	c, srv := newClient(t)
	srv.InjectFault(emulatorFault503())
	task, err := c.Tasks.Run(context.Background(), infsh.RunParams{App: "infsh/echo", Input: map[string]any{"a": 1}}, infsh.WaitOptions{}, option.WithRetryUnsafe())
	require.NoError(t, err)
	require.Equal(t, infsh.StatusCompleted, task.Status)
}
