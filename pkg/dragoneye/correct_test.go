package dragoneye_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/dragoneye"
	"github.com/aiclients/sdk-go/pkg/option"
)

// TestStatusRejectsEmptyBodies: a 200 whose status body is empty, null, {}
// or has an empty "status" is an *apierror.ResponseError; Wait (with no
// timeout) returns it after one poll instead of polling for ever.
func TestStatusRejectsEmptyBodies(t *testing.T) {
	for _, body := range []string{``, `null`, `{}`,
		`{"prediction_task_uuid":"t-1","prediction_type":"image","status":""}`} {
		var polls atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			polls.Add(1)
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, body)
		}))
		c, err := dragoneye.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("k"), option.WithMaxRetries(0))
		require.NoError(t, err)
		ctx := context.Background()
		st, err := c.Predictions.Status(ctx, "t-1")
		var re *apierror.ResponseError
		require.ErrorAs(t, err, &re, "body %q", body)
		require.Equal(t, dragoneye.ServiceName, re.Service)
		require.Nil(t, st)

		polls.Store(0)
		// The deadline only keeps a regression from hanging the suite.
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		st, err = c.Predictions.Wait(wctx, "t-1", dragoneye.WaitOptions{Interval: time.Millisecond})
		cancel()
		srv.Close()
		require.ErrorAs(t, err, &re, "body %q", body)
		require.Nil(t, st)
		require.Equal(t, int32(1), polls.Load())
	}
}
