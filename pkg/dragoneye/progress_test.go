package dragoneye_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/dragoneye"
	"github.com/aiclients/sdk-go/pkg/dragoneye/dragoneyetest"
	"github.com/aiclients/sdk-go/pkg/internal/upload/progresstest"
)

// TestPredictProgress: the media upload of Predictions.Image and
// Predictions.Video reports the media's bytes (not the form's policy
// fields) up to its size; an empty media gives one report.
func TestPredictProgress(t *testing.T) {
	srv := dragoneyetest.NewServer(t)
	c := newClient(t, srv)
	ctx := context.Background()
	big := append(append([]byte{}, jpegBytes...), bytes.Repeat([]byte{1}, 1<<20)...)
	for _, tc := range []struct {
		name  string
		media func() (*dragoneye.Media, error)
		video bool
		size  int
	}{
		{"house.jpg", func() (*dragoneye.Media, error) { return dragoneye.MediaFromBytes(big, "house.jpg") }, false, len(big)},
		{"street.mp4", func() (*dragoneye.Media, error) {
			return dragoneye.MediaFromReader(io.MultiReader(bytes.NewReader(mp4Bytes)), "street.mp4")
		}, true, len(mp4Bytes)},
		{"empty.jpg", func() (*dragoneye.Media, error) { return dragoneye.MediaFromBytes(nil, "empty.jpg") }, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := tc.media()
			require.NoError(t, err)
			rec := progresstest.New()
			var task string
			if tc.video {
				res, err := c.Predictions.Video(ctx, m, dragoneye.PredictParams{ModelName: "m/video", Wait: fast.Wait}, rec.Option())
				require.NoError(t, err)
				task = res.PredictionTaskUUID
			} else {
				res, err := c.Predictions.Image(ctx, m, fast, rec.Option())
				require.NoError(t, err)
				task = res.PredictionTaskUUID
			}
			st, ok := srv.Task(task)
			require.True(t, ok)
			require.EqualValues(t, tc.size, st.UploadBytes)
			rec.Check(t, tc.name, int64(tc.size), int64(tc.size))
		})
	}
}
