package dragoneye_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/dragoneye"
	"github.com/aiclients/sdk-go/pkg/dragoneye/dragoneyetest"
	"github.com/aiclients/sdk-go/pkg/option"
)

// The shapes below are the ones specs/dragoneye.yaml marks "not confirmed by
// any source": the official SDKs never read them, so the real service may
// send anything there. These tests play such a service (a plain loopback
// server, not the emulator, which answers only what the spec documents) and
// check the client stays clear: typed errors, no panic, no hang.

// unconfirmed is a scripted Dragoneye service: every step answers as the
// emulator would, unless a test replaces it.
type unconfirmed struct {
	srv      *httptest.Server
	mu       sync.Mutex
	step     map[string]http.HandlerFunc // key: "begin", "upload", "predict", "status", "results"
	statuses []string                    // answered in order by the default status step; the last repeats
	polls    int
}

func newUnconfirmed(t *testing.T) *unconfirmed {
	t.Helper()
	u := &unconfirmed{step: map[string]http.HandlerFunc{}, statuses: []string{dragoneye.StatusPredicted}}
	u.srv = httptest.NewServer(http.HandlerFunc(u.serve))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *unconfirmed) set(step string, h http.HandlerFunc) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.step[step] = h
}

func (u *unconfirmed) serve(w http.ResponseWriter, r *http.Request) {
	name := map[string]string{
		"/prediction-task/begin": "begin", "/upload": "upload", "/predict": "predict",
		"/prediction-task/status": "status", "/prediction-task/results": "results",
	}[r.URL.Path]
	u.mu.Lock()
	h := u.step[name]
	if name == "status" {
		u.polls++
	}
	u.mu.Unlock()
	if h != nil {
		h(w, r)
		return
	}
	_, _ = io.Copy(io.Discard, r.Body)
	switch name {
	case "begin":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"prediction_task_uuid":"t-1","prediction_type":"image","signed_urls":[{"blob_path":"b","presigned_post_request":{"url":%q,"fields":{"key":"b"}}}]}`, u.srv.URL+"/upload")
	case "upload":
		w.WriteHeader(http.StatusNoContent)
	case "predict":
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{}`)
	case "status":
		u.mu.Lock()
		st := u.statuses[min(u.polls-1, len(u.statuses)-1)]
		u.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"prediction_task_uuid": "t-1", "prediction_type": "image", "status": st})
	case "results":
		body, err := dragoneyetest.EncodeImageResults(dragoneyetest.DefaultPrediction().Image())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = w.Write(body)
	default:
		http.NotFound(w, r)
	}
}

func (u *unconfirmed) client(t *testing.T) *dragoneye.Client {
	t.Helper()
	c, err := dragoneye.NewClient(option.WithBaseURL(u.srv.URL), option.WithAPIKey("secret-key-123"), option.WithMaxRetries(0))
	require.NoError(t, err)
	return c
}

func predictImage(t *testing.T, c *dragoneye.Client) (*dragoneye.ImageResult, error) {
	t.Helper()
	media, err := dragoneye.MediaFromBytes(jpegBytes, "a.jpg")
	require.NoError(t, err)
	// The deadline only keeps a regression from hanging the suite.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return c.Predictions.Image(ctx, media, dragoneye.PredictParams{ModelName: "m", Wait: dragoneye.WaitOptions{Interval: time.Millisecond}})
}

// TestUnconfirmedErrorBodiesAreTypedErrors: the 401, 404, 422 (and other)
// bodies have no source; whatever the service sends there (JSON, text, HTML,
// XML or nothing) every step's failure is a *StepError wrapping an
// *apierror.Error with the status, and the message when the body has one.
func TestUnconfirmedErrorBodiesAreTypedErrors(t *testing.T) {
	bodies := []struct {
		name, contentType, body, message string
	}{
		{"detail string", "application/json", `{"detail":"Invalid API key"}`, "Invalid API key"},
		{"detail list", "application/json", `{"detail":[{"loc":["body","mimetype"],"msg":"field required","type":"value_error.missing"}]}`, "field required"},
		{"plain text", "text/plain", "Not authenticated\n", "Not authenticated"},
		{"no content type", "", "Forbidden by gateway", "Forbidden by gateway"},
		{"empty", "", "", ""},
		{"json null", "application/json", "null", ""},
		{"json string", "application/json", `"nope"`, ""},
		{"truncated json", "application/json", `{"detail":`, ""},
	}
	steps := []string{dragoneye.StepBegin, dragoneye.StepUpload, dragoneye.StepPredict, dragoneye.StepStatus, dragoneye.StepResults}
	for _, status := range []int{http.StatusUnauthorized, http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusBadGateway} {
		for _, step := range steps {
			for _, b := range bodies {
				t.Run(fmt.Sprintf("%d/%s/%s", status, step, b.name), func(t *testing.T) {
					u := newUnconfirmed(t)
					u.set(step, func(w http.ResponseWriter, r *http.Request) {
						_, _ = io.Copy(io.Discard, r.Body)
						if b.contentType != "" {
							w.Header().Set("Content-Type", b.contentType)
						}
						w.WriteHeader(status)
						_, _ = io.WriteString(w, b.body)
					})
					_, err := predictImage(t, u.client(t))
					var se *dragoneye.StepError
					require.ErrorAs(t, err, &se)
					require.Equal(t, step, se.Step)
					var ae *apierror.Error
					require.ErrorAs(t, err, &ae)
					require.Equal(t, status, ae.StatusCode)
					require.Contains(t, ae.Message, b.message)
					require.Contains(t, err.Error(), fmt.Sprint(status))
					require.NotContains(t, err.Error(), "secret-key-123")
				})
			}
		}
	}
}

// TestPredictBodyIsIgnored: the body of a 200 from POST /predict has no
// source (the SDKs check only the status), so none of these stops a
// prediction.
func TestPredictBodyIsIgnored(t *testing.T) {
	for _, b := range []struct{ contentType, body string }{
		{"application/json", `{"prediction_task_uuid":"t-1","status":"predicting"}`},
		{"application/json", `null`},
		{"application/json", `[1,2`},
		{"text/plain", "OK"},
		{"text/html", "<html><body>started</body></html>"},
		{"", ""},
	} {
		u := newUnconfirmed(t)
		u.set("predict", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			if b.contentType != "" {
				w.Header().Set("Content-Type", b.contentType)
			}
			_, _ = io.WriteString(w, b.body)
		})
		res, err := predictImage(t, u.client(t))
		require.NoError(t, err, "predict body %q", b.body)
		require.Equal(t, dragoneyetest.DefaultPrediction().Image(), res.Objects)
	}
}

// TestUnknownStatusesKeepWaiting: only "predicted" and the prefix "failed"
// are known; every other status (the in-progress names have no source) keeps
// the client polling, and an unknown prediction_type is accepted.
func TestUnknownStatusesKeepWaiting(t *testing.T) {
	u := newUnconfirmed(t)
	u.statuses = []string{"queued", "PREDICTING", "waiting_for_gpu", "uploaded", "predicted"}
	var seen []string
	c := u.client(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := c.Predictions.Wait(ctx, "t-1", dragoneye.WaitOptions{Interval: time.Millisecond,
		Progress: func(_ int, s dragoneye.TaskStatus) { seen = append(seen, s.Status) }})
	require.NoError(t, err)
	require.Equal(t, dragoneye.StatusPredicted, st.Status)
	require.Equal(t, []string{"queued", "PREDICTING", "waiting_for_gpu", "uploaded", "predicted"}, seen)

	t.Run("any failed prefix fails", func(t *testing.T) {
		u := newUnconfirmed(t)
		u.statuses = []string{"queued", "failed_out_of_credits"}
		_, err := predictImage(t, u.client(t))
		var re *apierror.RunError
		require.ErrorAs(t, err, &re)
		require.Equal(t, "failed_out_of_credits", re.Status)
	})

	t.Run("unknown prediction type", func(t *testing.T) {
		u := newUnconfirmed(t)
		u.set("status", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"prediction_task_uuid":"t-1","prediction_type":"audio","status":"predicted","extra":{"x":1}}`)
		})
		st, err := u.client(t).Predictions.Status(context.Background(), "t-1")
		require.NoError(t, err)
		require.Equal(t, dragoneye.PredictionType("audio"), st.PredictionType)
	})
}

// TestNonJSONStatusIsATypedError: a 200 status answer that is not JSON (a
// proxy's HTML page, say) is a typed error after one poll, not a hang.
func TestNonJSONStatusIsATypedError(t *testing.T) {
	for _, body := range []string{"<html>maintenance</html>", "predicted", `{"status":`} {
		u := newUnconfirmed(t)
		u.set("status", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, body)
		})
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		_, err := u.client(t).Predictions.Wait(ctx, "t-1", dragoneye.WaitOptions{Interval: time.Millisecond})
		cancel()
		require.Error(t, err, "body %q", body)
		var se *dragoneye.StepError
		require.ErrorAs(t, err, &se, "body %q: %v", body, err)
		require.Equal(t, dragoneye.StepStatus, se.Step)
		require.Equal(t, 1, u.polls, "body %q", body)
		require.True(t, strings.HasPrefix(err.Error(), "dragoneye: "), err.Error())
	}
}

// TestRetryAfterIsOptional: the Retry-After header has no source; a 429
// without it, or with a value that is not a number, is still retried.
func TestRetryAfterIsOptional(t *testing.T) {
	for _, ra := range []string{"", "soon", "-3", "0"} {
		u := newUnconfirmed(t)
		var n int
		u.set("results", func(w http.ResponseWriter, r *http.Request) {
			u.mu.Lock()
			n++
			first := n == 1
			u.mu.Unlock()
			if first {
				if ra != "" {
					w.Header().Set("Retry-After", ra)
				}
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			body, err := dragoneyetest.EncodeImageResults(nil)
			require.NoError(t, err)
			_, _ = w.Write(body)
		})
		c, err := dragoneye.NewClient(option.WithBaseURL(u.srv.URL), option.WithAPIKey("k"),
			option.WithMaxRetries(2), option.WithRetryBackoff(time.Millisecond, 5*time.Millisecond, 1))
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		res, err := c.Predictions.ImageResults(ctx, "t-1")
		cancel()
		require.NoError(t, err, "Retry-After %q", ra)
		require.Empty(t, res.Objects)
		require.Equal(t, 2, n)
	}
}

// TestUndecodableSuccessBodies: a 200 whose body is not what the SDKs read
// (a proxy's HTML page, an empty body) is a typed error at that step.
func TestUndecodableSuccessBodies(t *testing.T) {
	for _, body := range []string{"<html>hello</html>", "", "null", `{"prediction_task_uuid":`} {
		u := newUnconfirmed(t)
		u.set("begin", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			_, _ = io.WriteString(w, body)
		})
		_, err := predictImage(t, u.client(t))
		var se *dragoneye.StepError
		require.ErrorAs(t, err, &se, "begin body %q: %v", body, err)
		require.Equal(t, dragoneye.StepBegin, se.Step)
	}
	for _, body := range []string{"<html>hello</html>", "", `{"objects":[]}`} {
		u := newUnconfirmed(t)
		u.set("results", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/zip")
			_, _ = io.WriteString(w, body)
		})
		_, err := predictImage(t, u.client(t))
		var re *dragoneye.ResultsError
		require.ErrorAs(t, err, &re, "results body %q: %v", body, err)
		require.Equal(t, "t-1", re.TaskID)
	}
}
