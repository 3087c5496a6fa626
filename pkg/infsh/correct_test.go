package infsh_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/option"
)

// TestTaskGetRejectsEmptyBodies: a 200 whose task is empty, null or {}
// (bare or in a {"success": true} envelope) is an *apierror.ResponseError,
// not a zero task; the spec requires the task's id.
func TestTaskGetRejectsEmptyBodies(t *testing.T) {
	for _, body := range []string{``, `null`, `{}`, `{"success":true,"data":null}`, `{"success":true,"data":{}}`, `{"success":true}`} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, body)
		}))
		c, err := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("k"), option.WithMaxRetries(0))
		require.NoError(t, err)
		task, err := c.Tasks.Get(context.Background(), "t-1")
		srv.Close()
		var re *apierror.ResponseError
		require.ErrorAs(t, err, &re, "body %q", body)
		require.Equal(t, infsh.ServiceName, re.Service)
		require.Nil(t, task)
	}
}

// TestTaskStatusRejectsEmptyBodies: the same for Tasks.Status, whose body
// the spec requires to carry the task's id and status.
func TestTaskStatusRejectsEmptyBodies(t *testing.T) {
	for _, body := range []string{``, `null`, `{}`, `{"success":true,"data":null}`, `{"success":true,"data":{}}`, `{"success":true,"data":{"id":"t-1"}}`} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, body)
		}))
		c, err := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("k"), option.WithMaxRetries(0))
		require.NoError(t, err)
		st, err := c.Tasks.Status(context.Background(), "t-1")
		srv.Close()
		var re *apierror.ResponseError
		require.ErrorAs(t, err, &re, "body %q", body)
		require.Equal(t, infsh.ServiceName, re.Service)
		require.Equal(t, infsh.StatusUnknown, st)
	}
}
