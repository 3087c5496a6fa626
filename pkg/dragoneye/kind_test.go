package dragoneye_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/dragoneye"
	"github.com/aiclients/sdk-go/pkg/dragoneye/dragoneyetest"
)

// TestResultsOfTheWrongKind: the service answers the results call the same
// for both kinds of task, so the client finds out the kind and says which
// call to make. ImageResults on a video task used to succeed (reading the
// first frame of each track); VideoResults on an image task failed with
// "missing X-Frames-Per-Second header".
func TestResultsOfTheWrongKind(t *testing.T) {
	srv := dragoneyetest.NewServer(t)
	c := newClient(t, srv)
	ctx := context.Background()
	image, err := dragoneye.MediaFromBytes(jpegBytes, "a.jpg")
	require.NoError(t, err)
	video, err := dragoneye.MediaFromBytes(mp4Bytes, "v.mp4")
	require.NoError(t, err)
	img, err := c.Predictions.Image(ctx, image, fast)
	require.NoError(t, err)
	vid, err := c.Predictions.Video(ctx, video, fast)
	require.NoError(t, err)

	_, err = c.Predictions.ImageResults(ctx, vid.PredictionTaskUUID)
	var ke *dragoneye.KindError
	require.ErrorAs(t, err, &ke)
	require.Equal(t, dragoneye.KindError{TaskID: vid.PredictionTaskUUID, Kind: dragoneye.PredictionTypeVideo,
		Called: "ImageResults", Use: "VideoResults"}, *ke)
	require.Equal(t, "dragoneye: prediction task "+vid.PredictionTaskUUID+" is a video task: read its results with VideoResults, not ImageResults", err.Error())

	_, err = c.Predictions.VideoResults(ctx, img.PredictionTaskUUID)
	require.ErrorAs(t, err, &ke)
	require.Equal(t, dragoneye.KindError{TaskID: img.PredictionTaskUUID, Kind: dragoneye.PredictionTypeImage,
		Called: "VideoResults", Use: "ImageResults"}, *ke)
	require.Contains(t, err.Error(), "is an image task: read its results with ImageResults, not VideoResults")

	// The right calls still work, without a status call.
	srv.ResetRequests()
	_, err = c.Predictions.ImageResults(ctx, img.PredictionTaskUUID)
	require.NoError(t, err)
	_, err = c.Predictions.VideoResults(ctx, vid.PredictionTaskUUID)
	require.NoError(t, err)
	for _, r := range srv.Requests() {
		require.Equal(t, "getPredictionTaskResults", r.Operation)
	}
	require.Empty(t, srv.Violations())
}

// TestResultsWithoutFrameRate: a video's results without X-Frames-Per-Second
// are still a *ResultsError when the status says the task is a video (or
// cannot be read), not a *KindError.
func TestResultsWithoutFrameRate(t *testing.T) {
	for _, status := range []string{
		`{"prediction_task_uuid":"t-1","prediction_type":"video","status":"predicted"}`,
		`{"prediction_task_uuid":"t-1","prediction_type":"hologram","status":"predicted"}`,
		``,
	} {
		u := newUnconfirmed(t)
		u.set("status", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, status)
		})
		_, err := u.client(t).Predictions.VideoResults(context.Background(), "t-1")
		var re *dragoneye.ResultsError
		require.ErrorAs(t, err, &re, "status %q", status)
		require.Contains(t, re.Reason, "X-Frames-Per-Second")
		var ke *dragoneye.KindError
		require.False(t, errors.As(err, &ke))
	}
}
