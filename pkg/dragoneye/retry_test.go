package dragoneye_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/dragoneye"
	"github.com/aiclients/sdk-go/pkg/dragoneye/dragoneyetest"
	"github.com/aiclients/sdk-go/pkg/internal/emulator"
	"github.com/aiclients/sdk-go/pkg/option"
)

func count(srv *dragoneyetest.Server, method, path string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == method && strings.HasPrefix(r.Path, path) {
			n++
		}
	}
	return n
}

// The default policy retries a 429 ten times (as the official SDK), then
// gives up with the 429, except on begin (x-retry: unsafe), retried so only
// with option.WithRetryUnsafe; the presigned upload is never retried; a
// Retry-After is waited for.
func TestRetryPolicy(t *testing.T) {
	srv := dragoneyetest.NewServer(t)
	image, err := dragoneye.MediaFromBytes(jpegBytes, "a.jpg")
	require.NoError(t, err)
	ctx := context.Background()

	t.Run("ten retries by default", func(t *testing.T) {
		srv.ResetRequests()
		srv.InjectFault(emulator.Fault{Method: http.MethodGet, Path: "/prediction-task/status", Status: 429})
		defer srv.ClearFaults()
		c := newClient(t, srv) // default retry count, millisecond backoff
		_, err := c.Predictions.Image(ctx, image, fast)
		var se *dragoneye.StepError
		require.ErrorAs(t, err, &se)
		var ae *apierror.Error
		require.ErrorAs(t, err, &ae)
		require.Equal(t, http.StatusTooManyRequests, ae.StatusCode)
		require.Equal(t, 1+dragoneye.DefaultMaxRetries, count(srv, http.MethodGet, "/prediction-task/status"))
		require.Equal(t, 10, dragoneye.DefaultMaxRetries)
		require.Equal(t, 120*time.Second, dragoneye.DefaultMaxRetryTime)
	})

	t.Run("begin retried on 429 as the official SDK, on 503 only with the opt-in", func(t *testing.T) {
		// A 429 says the server did not take the request on: retrying cannot
		// begin two tasks, so it is retried like the official SDK does.
		srv.ResetRequests()
		srv.InjectFault(emulator.Fault{Method: http.MethodPost, Path: "/prediction-task/begin", Status: 429})
		c := newClient(t, srv)
		_, err := c.Predictions.Image(ctx, image, fast)
		var se *dragoneye.StepError
		require.ErrorAs(t, err, &se)
		require.Equal(t, dragoneye.StepBegin, se.Step)
		require.Equal(t, 1+dragoneye.DefaultMaxRetries, count(srv, http.MethodPost, "/prediction-task/begin"))
		srv.ClearFaults()

		// A 503 may come after the server began the task: not retried...
		srv.ResetRequests()
		srv.InjectFault(emulator.Fault{Method: http.MethodPost, Path: "/prediction-task/begin", Status: 503})
		defer srv.ClearFaults()
		_, err = c.Predictions.Image(ctx, image, fast)
		require.ErrorAs(t, err, &se)
		require.Equal(t, 1, count(srv, http.MethodPost, "/prediction-task/begin"))

		// ...unless the call opts in.
		srv.ResetRequests()
		_, err = c.Predictions.Image(ctx, image, fast, option.WithRetryUnsafe())
		require.ErrorAs(t, err, &se)
		require.Equal(t, 1+dragoneye.DefaultMaxRetries, count(srv, http.MethodPost, "/prediction-task/begin"))
	})

	t.Run("upload not retried", func(t *testing.T) {
		srv.ResetRequests()
		srv.InjectFault(emulator.Fault{Method: http.MethodPost, Path: "/presigned-upload/{prediction_task_uuid}", Status: 503})
		defer srv.ClearFaults()
		c := newClient(t, srv)
		_, err := c.Predictions.Image(ctx, image, fast)
		var se *dragoneye.StepError
		require.ErrorAs(t, err, &se)
		require.Equal(t, dragoneye.StepUpload, se.Step)
		require.Equal(t, 1, count(srv, http.MethodPost, "/presigned-upload/"))
	})

	t.Run("Retry-After honoured", func(t *testing.T) {
		srv.InjectFault(emulator.Fault{Method: http.MethodGet, Path: "/prediction-task/status", Nth: 1, Status: 429, RetryAfter: "1"})
		defer srv.ClearFaults()
		c := newClient(t, srv)
		start := time.Now()
		_, err := c.Predictions.Image(ctx, image, fast)
		require.NoError(t, err)
		require.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond)
	})
}

// The API key never reaches an error or the debug log, on success or
// failure, nor the presigned upload.
func TestAPIKeyNeverLeaks(t *testing.T) {
	const key = "sk-dragoneye-very-secret-0123456789"
	srv := dragoneyetest.NewServer(t, dragoneyetest.WithAPIKey(key))
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	image, err := dragoneye.MediaFromBytes(jpegBytes, "a.jpg")
	require.NoError(t, err)
	ctx := context.Background()

	c := newClient(t, srv, option.WithAPIKey(key), option.WithLogger(logger))
	res, err := c.Predictions.Image(ctx, image, fast)
	require.NoError(t, err)
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.Path, "/presigned-upload/") {
			require.Empty(t, r.Header.Get(dragoneye.HeaderAPIKey))
		}
	}
	_, err = c.Predictions.VideoResults(ctx, "no-such-task")
	require.Error(t, err)
	require.NotContains(t, err.Error(), key)
	_, err = c.Predictions.Status(ctx, res.PredictionTaskUUID, option.WithAPIKey(key+"-wrong"))
	require.Error(t, err)
	require.NotContains(t, err.Error(), key)
	require.NotEmpty(t, logs.String())
	require.NotContains(t, logs.String(), key)
	require.NotContains(t, logs.String(), "very-secret")
}

// A results response announcing 400 MiB (under the default limit) that
// then sends a few bytes must not make the client allocate 400 MiB.
func TestResultsContentLengthIsNotTrustedForAllocation(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, bw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		_, _ = bw.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/zip\r\nContent-Length: 419430400\r\n\r\nPK\x03\x04short")
		_ = bw.Flush()
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	c, err := dragoneye.NewClient(option.WithBaseURL("http://"+ln.Addr().String()), option.WithAPIKey("k"), option.WithMaxRetries(0))
	require.NoError(t, err)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = c.Predictions.ImageResults(context.Background(), "task")
	runtime.ReadMemStats(&after)
	require.Error(t, err)
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20), "allocated for a length the server never sent")
}
