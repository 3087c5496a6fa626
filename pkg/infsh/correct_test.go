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

// rejectsBodies answers each body with 200 and checks that call, made with a
// client of that server, returns an *apierror.ResponseError of the service
// and a zero result (call reports whether its result was zero).
func rejectsBodies(t *testing.T, bodies []string, call func(*infsh.Client) (zero bool, err error)) {
	t.Helper()
	for _, body := range bodies {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, body)
		}))
		c, err := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("k"), option.WithMaxRetries(0))
		require.NoError(t, err)
		zero, err := call(c)
		srv.Close()
		var re *apierror.ResponseError
		require.ErrorAs(t, err, &re, "body %q", body)
		require.Equal(t, infsh.ServiceName, re.Service)
		require.True(t, zero, "body %q gave a non-zero result", body)
	}
}

// TestTaskGetRejectsEmptyBodies: a 200 whose task is empty, null or {}
// (bare or in a {"success": true} envelope) is an *apierror.ResponseError,
// not a zero task; the spec requires the task's id.
func TestTaskGetRejectsEmptyBodies(t *testing.T) {
	rejectsBodies(t, []string{``, `null`, `{}`, `{"success":true,"data":null}`, `{"success":true,"data":{}}`, `{"success":true}`},
		func(c *infsh.Client) (bool, error) {
			task, err := c.Tasks.Get(context.Background(), "t-1")
			return task == nil, err
		})
}

// TestTaskStatusRejectsEmptyBodies: the same for Tasks.Status, whose body
// the spec requires to carry the task's id and status.
func TestTaskStatusRejectsEmptyBodies(t *testing.T) {
	rejectsBodies(t, []string{``, `null`, `{}`, `{"success":true,"data":null}`, `{"success":true,"data":{}}`, `{"success":true,"data":{"id":"t-1"}}`},
		func(c *infsh.Client) (bool, error) {
			st, err := c.Tasks.Status(context.Background(), "t-1")
			return st == infsh.StatusUnknown, err
		})
}

// TestChatStatusRejectsBadBodies: the same for Agents.ChatStatus, whose
// body the spec requires to carry the status, a string (a number is a
// decoding error, also a ResponseError).
func TestChatStatusRejectsBadBodies(t *testing.T) {
	rejectsBodies(t, []string{``, `null`, `{}`, `{"data":null}`, `{"data":{}}`, `{"success":true,"data":{"status":null}}`, `{"data":{"status":7}}`},
		func(c *infsh.Client) (bool, error) {
			st, err := c.Agents.ChatStatus(context.Background(), "c-1")
			return st == "", err
		})
}
