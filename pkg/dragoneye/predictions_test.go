package dragoneye_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/dragoneye"
	"github.com/aiclients/sdk-go/pkg/dragoneye/dragoneyetest"
	"github.com/aiclients/sdk-go/pkg/internal/emulator"
	"github.com/aiclients/sdk-go/pkg/internal/stalltest"
	"github.com/aiclients/sdk-go/pkg/option"
)

var fast = dragoneye.PredictParams{ModelName: dragoneyetest.DefaultModel, Wait: dragoneye.WaitOptions{Interval: time.Millisecond}}

func TestPredictImage(t *testing.T) {
	srv := dragoneyetest.NewServer(t)
	c := newClient(t, srv)
	media, err := dragoneye.MediaFromBytes(jpegBytes, "house.jpg")
	require.NoError(t, err)
	require.Equal(t, "image/jpeg", media.MIMEType())

	var seen []string
	p := fast
	p.Fields = map[string]string{"molecule_backend_override": "x"}
	p.Wait.Progress = func(_ int, s dragoneye.TaskStatus) { seen = append(seen, s.Status) }
	res, err := c.Predictions.Image(context.Background(), media, p)
	require.NoError(t, err)
	require.Equal(t, dragoneyetest.DefaultPrediction().Image(), res.Objects)
	require.Equal(t, "house.jpg", res.OriginalFileName)
	require.Equal(t, []string{"queued", "predicting", "predicted"}, seen)

	task, ok := srv.Task(res.PredictionTaskUUID)
	require.True(t, ok)
	require.Equal(t, "image", task.Kind)
	require.Equal(t, int64(len(jpegBytes)), task.UploadBytes)
	require.Equal(t, "image/jpeg", task.UploadContentType)
	require.Equal(t, "house.jpg", task.FileName)
	require.Equal(t, 0, task.FramesPerSecond)
	require.Equal(t, map[string]string{"molecule_backend_override": "x"}, task.Fields)

	// The upload carried no API key and a Content-Length; every API call did.
	var ops []string
	for _, r := range srv.Requests() {
		ops = append(ops, r.Operation)
		if r.Operation == "uploadMedia" {
			require.Empty(t, r.Header.Get("X-API-Key"))
			require.NotEmpty(t, r.Header.Get("Content-Length"))
		} else {
			require.Equal(t, dragoneyetest.APIKey, r.Header.Get("X-API-Key"))
		}
	}
	require.Equal(t, []string{"beginPredictionTask", "uploadMedia", "predict", "getPredictionTaskStatus",
		"getPredictionTaskStatus", "getPredictionTaskStatus", "getPredictionTaskResults"}, ops)
	begin := string(srv.Requests()[0].Body)
	require.Contains(t, begin, "mimetype=image%2Fjpeg")
	require.Contains(t, begin, "response_version=parquet_object")
	require.NotContains(t, begin, "frames_per_second")
	require.Empty(t, srv.Violations())
}

func TestPredictVideo(t *testing.T) {
	objs, frames := sampleVideo()
	srv := dragoneyetest.NewServer(t, dragoneyetest.WithModel("m/video", dragoneyetest.Prediction{
		Polls: -1, VideoObjects: objs, FrameTimestampsUs: frames,
	}))
	c := newClient(t, srv)
	path := filepath.Join(t.TempDir(), "clip.mp4")
	require.NoError(t, os.WriteFile(path, mp4Bytes, 0o600))

	tests := []struct {
		name  string
		media func() *dragoneye.Media
		fps   int
		want  int
	}{
		{"path", func() *dragoneye.Media { m, err := dragoneye.MediaFromPath(path); require.NoError(t, err); return m }, 0, 1},
		{"reader of unknown size", func() *dragoneye.Media {
			m, err := dragoneye.MediaFromReader(io.MultiReader(bytes.NewReader(mp4Bytes)), "")
			require.NoError(t, err)
			return m
		}, 3, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.media()
			require.Equal(t, "video/mp4", m.MIMEType())
			res, err := c.Predictions.Video(context.Background(), m, dragoneye.PredictParams{ModelName: "m/video", FramesPerSecond: tc.fps, Wait: dragoneye.WaitOptions{Interval: time.Millisecond}})
			require.NoError(t, err)
			require.Equal(t, tc.want, res.FramesPerSecond)
			require.Equal(t, normaliseVideo(objs), res.Objects)
			require.Equal(t, []int64{0, 1_000_000, 2_000_000, 3_000_000, 4_000_000}, res.FrameTimestampsUs)
			task, _ := srv.Task(res.PredictionTaskUUID)
			require.Equal(t, int64(len(mp4Bytes)), task.UploadBytes)
			require.Equal(t, tc.want, task.FramesPerSecond)
			require.Equal(t, m.Name(), res.OriginalFileName)
			for _, r := range srv.Requests() {
				if r.Operation == "uploadMedia" {
					require.NotEmpty(t, r.Header.Get("Content-Length"), "uploads carry a Content-Length")
				}
			}

			frame, dets := res.DetectionsAt(1100 * time.Millisecond)
			require.Equal(t, int64(1_000_000), frame)
			require.Len(t, dets, 2)
		})
	}
	require.Empty(t, srv.Violations())
}

func TestPredictRefusesBadInputBeforeAnyRequest(t *testing.T) {
	srv := dragoneyetest.NewServer(t)
	c := newClient(t, srv)
	video, err := dragoneye.MediaFromBytes(mp4Bytes, "a.mp4")
	require.NoError(t, err)
	image, err := dragoneye.MediaFromBytes(jpegBytes, "")
	require.NoError(t, err)
	require.Equal(t, "image/jpeg", image.MIMEType(), "sniffed from the content")

	tests := []struct {
		name string
		call func() error
	}{
		{"video to PredictImage", func() error { _, err := c.Predictions.Image(context.Background(), video, fast); return err }},
		{"image to PredictVideo", func() error { _, err := c.Predictions.Video(context.Background(), image, fast); return err }},
		{"nil media", func() error { _, err := c.Predictions.Image(context.Background(), nil, fast); return err }},
		{"no model", func() error {
			_, err := c.Predictions.Image(context.Background(), image, dragoneye.PredictParams{})
			return err
		}},
		{"negative fps", func() error {
			_, err := c.Predictions.Video(context.Background(), video, dragoneye.PredictParams{ModelName: "m", FramesPerSecond: -1})
			return err
		}},
		{"empty task id", func() error { _, err := c.Predictions.Status(context.Background(), " "); return err }},
		{"reserved extra field", func() error {
			_, err := c.Predictions.Image(context.Background(), image, dragoneye.PredictParams{ModelName: "m", Fields: map[string]string{"mimetype": "video/mp4"}})
			return err
		}},
		{"bad max results size", func() error {
			_, err := c.Predictions.ImageResults(context.Background(), "t", dragoneye.WithMaxResultsSize(0))
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ie *apierror.InputError
			require.ErrorAs(t, tc.call(), &ie)
		})
	}
	require.Empty(t, srv.Requests())
}

func TestPredictErrors(t *testing.T) {
	srv := dragoneyetest.NewServer(t,
		dragoneyetest.WithModel("m/fail", dragoneyetest.Prediction{Polls: 1, Fail: "failed_prediction"}),
		dragoneyetest.WithModel("m/slow", dragoneyetest.Prediction{Polls: 1 << 30}),
	)
	image, err := dragoneye.MediaFromBytes(jpegBytes, "a.jpg")
	require.NoError(t, err)
	ctx := context.Background()

	t.Run("failed task", func(t *testing.T) {
		c := newClient(t, srv)
		_, err := c.Predictions.Image(ctx, image, dragoneye.PredictParams{ModelName: "m/fail", Wait: dragoneye.WaitOptions{Interval: time.Millisecond}})
		var re *apierror.RunError
		require.ErrorAs(t, err, &re)
		require.Equal(t, "failed_prediction", re.Status)
		require.Equal(t, "prediction task", re.Kind)
		require.Equal(t, dragoneye.ServiceName, re.Service)
		require.NotEmpty(t, re.ID)
		last, ok := re.Last.(*dragoneye.TaskStatus)
		require.True(t, ok, "%T", re.Last)
		require.Equal(t, "failed_prediction", last.Status)
		require.Equal(t, "dragoneye: prediction task "+re.ID+" did not succeed (status failed_prediction)", err.Error())
		// Its results are unavailable, with the service's detail.
		_, err = c.Predictions.ImageResults(ctx, re.ID)
		var se *dragoneye.StepError
		require.ErrorAs(t, err, &se)
		require.Equal(t, dragoneye.StepResults, se.Step)
		require.Equal(t, re.ID, se.TaskID)
		var ae *apierror.Error
		require.ErrorAs(t, err, &ae)
		require.Equal(t, http.StatusBadRequest, ae.StatusCode)
		require.Contains(t, ae.Message, "has not completed")
		require.Equal(t, 1, strings.Count(err.Error(), "dragoneye:"), "the service is named once: %v", err)
	})

	t.Run("timeout", func(t *testing.T) {
		c := newClient(t, srv)
		start := time.Now()
		_, err := c.Predictions.Image(ctx, image, dragoneye.PredictParams{ModelName: "m/slow", Wait: dragoneye.WaitOptions{Timeout: 60 * time.Millisecond, Interval: 5 * time.Millisecond}})
		var te *apierror.TimeoutError
		require.ErrorAs(t, err, &te)
		require.NotEmpty(t, te.ID)
		require.Equal(t, "prediction task", te.Kind)
		last, ok := te.Last.(*dragoneye.TaskStatus)
		require.True(t, ok, "%T", te.Last)
		require.Equal(t, "predicting", last.Status)
		require.Regexp(t, `^dragoneye: waiting for prediction task \S+: gave up after \S+: context deadline exceeded$`, err.Error())
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Less(t, time.Since(start), 5*time.Second)
	})

	t.Run("cancelled", func(t *testing.T) {
		c := newClient(t, srv)
		cctx, cancel := context.WithCancel(ctx)
		p := dragoneye.PredictParams{ModelName: "m/slow", Wait: dragoneye.WaitOptions{Interval: 5 * time.Millisecond}}
		p.Wait.Progress = func(int, dragoneye.TaskStatus) { cancel() }
		_, err := c.Predictions.Image(cctx, image, p)
		var te *apierror.TimeoutError
		require.ErrorAs(t, err, &te)
		require.ErrorIs(t, err, context.Canceled)
	})

	t.Run("wrong API key", func(t *testing.T) {
		c := newClient(t, srv, option.WithAPIKey("nope"))
		_, err := c.Predictions.Image(ctx, image, fast)
		var se *dragoneye.StepError
		require.ErrorAs(t, err, &se)
		require.Equal(t, dragoneye.StepBegin, se.Step)
		require.Empty(t, se.TaskID)
		var ae *apierror.Error
		require.ErrorAs(t, err, &ae)
		require.Equal(t, "Invalid API key", ae.Message)
		require.NotContains(t, err.Error(), "nope")
		require.Equal(t, 1, strings.Count(err.Error(), "dragoneye:"), "the service is named once: %v", err)
	})

	t.Run("429 retried with Retry-After", func(t *testing.T) {
		srv.InjectFault(emulator.Fault{Method: http.MethodPost, Path: "/prediction-task/begin", Nth: 1, Times: 2, Status: 429, RetryAfter: "0"})
		srv.InjectFault(emulator.Fault{Method: http.MethodGet, Path: "/prediction-task/results", Nth: 1, Status: 429, RetryAfter: "0"})
		c := newClient(t, srv)
		// begin creates work (x-retry: unsafe): its 429 is retried only
		// with the opt-in; the results GET is retried anyway.
		_, err := c.Predictions.Image(ctx, image, fast, option.WithRetryUnsafe())
		require.NoError(t, err)
		srv.ClearFaults()
	})

	t.Run("429 without retries", func(t *testing.T) {
		srv.InjectFault(emulator.Fault{Method: http.MethodPost, Path: "/prediction-task/begin", Status: 429})
		defer srv.ClearFaults()
		c := newClient(t, srv, option.WithMaxRetries(0))
		_, err := c.Predictions.Image(ctx, image, fast)
		var se *dragoneye.StepError
		require.ErrorAs(t, err, &se)
		require.Equal(t, dragoneye.StepBegin, se.Step)
		var ae *apierror.Error
		require.ErrorAs(t, err, &ae)
		require.Equal(t, http.StatusTooManyRequests, ae.StatusCode)
	})

	t.Run("upload rejected", func(t *testing.T) {
		srv.InjectFault(emulator.Fault{Method: http.MethodPost, Path: "/presigned-upload/{prediction_task_uuid}", Status: 403})
		defer srv.ClearFaults()
		c := newClient(t, srv)
		_, err := c.Predictions.Image(ctx, image, fast)
		var se *dragoneye.StepError
		require.ErrorAs(t, err, &se)
		require.Equal(t, dragoneye.StepUpload, se.Step)
		require.NotEmpty(t, se.TaskID)
		var ae *apierror.Error
		require.ErrorAs(t, err, &ae)
		require.Equal(t, http.StatusForbidden, ae.StatusCode)
	})

	t.Run("predict rejected", func(t *testing.T) {
		srv.InjectFault(emulator.Fault{Method: http.MethodPost, Path: "/predict", Status: 400, Body: `{"detail":"unknown model"}`})
		defer srv.ClearFaults()
		c := newClient(t, srv)
		_, err := c.Predictions.Image(ctx, image, fast)
		var se *dragoneye.StepError
		require.ErrorAs(t, err, &se)
		require.Equal(t, dragoneye.StepPredict, se.Step)
		require.NotEmpty(t, se.TaskID)
		require.Contains(t, err.Error(), "unknown model")
	})

	t.Run("status fails while waiting", func(t *testing.T) {
		srv.InjectFault(emulator.Fault{Method: http.MethodGet, Path: "/prediction-task/status", Status: 404, Body: `{"detail":"Prediction task not found"}`})
		defer srv.ClearFaults()
		c := newClient(t, srv)
		_, err := c.Predictions.Image(ctx, image, fast)
		var se *dragoneye.StepError
		require.ErrorAs(t, err, &se)
		require.Equal(t, dragoneye.StepStatus, se.Step)
		require.NotEmpty(t, se.TaskID)
		var ae *apierror.Error
		require.ErrorAs(t, err, &ae)
		require.Equal(t, 404, ae.StatusCode)
	})
}

func TestStatusAndResultsOfKnownTask(t *testing.T) {
	srv := dragoneyetest.NewServer(t)
	c := newClient(t, srv)
	video, err := dragoneye.MediaFromBytes(mp4Bytes, "v.mp4")
	require.NoError(t, err)
	res, err := c.Predictions.Video(context.Background(), video, fast)
	require.NoError(t, err)

	st, err := c.Predictions.Status(context.Background(), res.PredictionTaskUUID)
	require.NoError(t, err)
	require.True(t, st.Succeeded())
	require.Equal(t, dragoneye.PredictionTypeVideo, st.PredictionType)

	again, err := c.Predictions.VideoResults(context.Background(), res.PredictionTaskUUID)
	require.NoError(t, err)
	require.Equal(t, res, again)

	_, err = c.Predictions.Status(context.Background(), "no-such-task")
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 404, ae.StatusCode)
}

func TestMaxResultsSize(t *testing.T) {
	srv := dragoneyetest.NewServer(t)
	c := newClient(t, srv)
	image, err := dragoneye.MediaFromBytes(jpegBytes, "a.jpg")
	require.NoError(t, err)
	res, err := c.Predictions.Image(context.Background(), image, fast)
	require.NoError(t, err)

	_, err = c.Predictions.ImageResults(context.Background(), res.PredictionTaskUUID, dragoneye.WithMaxResultsSize(100))
	var re *dragoneye.ResultsError
	require.ErrorAs(t, err, &re)
	require.Equal(t, res.PredictionTaskUUID, re.TaskID)
	require.Contains(t, re.Reason, "over the limit of 100")

	again, err := c.Predictions.ImageResults(context.Background(), res.PredictionTaskUUID, dragoneye.WithMaxResultsSize(1<<20))
	require.NoError(t, err)
	require.Equal(t, res, again)
}

// A 24 MiB video from a reader of unknown size: spooled, uploaded with a
// Content-Length, and counted in full by the emulator (which skips body
// validation above 8 MiB and streams the multipart body).
func TestLargeUploadFromReader(t *testing.T) {
	srv := dragoneyetest.NewServer(t, dragoneyetest.WithModel("m", dragoneyetest.Prediction{Polls: -1}))
	c := newClient(t, srv)
	const size = 24 << 20
	r := io.MultiReader(bytes.NewReader(mp4Bytes), io.LimitReader(zeroReader{}, size-int64(len(mp4Bytes))))
	m, err := dragoneye.MediaFromReader(r, "big.mp4")
	require.NoError(t, err)
	require.Equal(t, int64(-1), m.Size())
	res, err := c.Predictions.Video(context.Background(), m, dragoneye.PredictParams{ModelName: "m", Wait: dragoneye.WaitOptions{Interval: time.Millisecond}})
	require.NoError(t, err)
	task, _ := srv.Task(res.PredictionTaskUUID)
	require.Equal(t, int64(size), task.UploadBytes)
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestPredictImageReturnsWhileReaderStalls: media from a reader whose Read
// blocks does not keep the prediction past the end of its context. The
// abandoned Read ends when the pipe is closed (goleak checks it).
func TestPredictImageReturnsWhileReaderStalls(t *testing.T) {
	srv := dragoneyetest.NewServer(t, dragoneyetest.WithModel("m", dragoneyetest.Prediction{}))
	c := newClient(t, srv)
	r := stalltest.New(t, jpegBytes)
	m, err := dragoneye.MediaFromReader(r, "stalled.jpg")
	require.NoError(t, err)
	stalltest.ReturnsOnCancel(t, r, "Predictions.Image", func(ctx context.Context) error {
		_, err := c.Predictions.Image(ctx, m, dragoneye.PredictParams{ModelName: "m"})
		return err
	})
}
