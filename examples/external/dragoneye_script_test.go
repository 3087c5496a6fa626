package sdkuser_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/dragoneye"
	"github.com/aiclients/sdk-go/pkg/dragoneye/dragoneyetest"
	"github.com/aiclients/sdk-go/pkg/emulator"
	"github.com/aiclients/sdk-go/pkg/option"
)

// TestDragoneyeScriptedPrediction scripts what the emulator predicts for
// one video (a tracked object with a gap frame, a category and a trait),
// then reads it with the client at 2 frames per second: the frames are
// 0.5 s apart.
func TestDragoneyeScriptedPrediction(t *testing.T) {
	box := func(x float32) *dragoneye.BboxObservation {
		return &dragoneye.BboxObservation{NormalizedBbox: dragoneye.NormalizedBbox{x, 0.25, x + 0.25, 0.75}, BboxScore: 0.9}
	}
	bike := dragoneyetest.Object{
		ObjectID: 5,
		Boxes:    []*dragoneye.BboxObservation{box(0.1), nil, box(0.3)},
		Categories: []dragoneyetest.Category{{CategoryID: 101, Name: "Bicycle", Score: 0.8,
			Attributes: []dragoneyetest.Trait{{AttributeID: 201, AttributeName: "Color", OptionID: 301, OptionName: "Blue", Score: 0.7}}}},
	}
	srv := dragoneyetest.NewServer(t, dragoneyetest.WithScript(dragoneyetest.Script{
		FileName: "ride.mp4", Kind: "video",
		Prediction: dragoneyetest.Prediction{Polls: -1, Objects: []dragoneyetest.Object{bike}},
	}))

	// The first status check is rate limited; the client retries it.
	srv.InjectFault(emulator.Fault{Method: "GET", Path: "/prediction-task/status", Nth: 1, Status: 429, RetryAfter: "0"})

	client, err := dragoneye.NewClient(option.WithAPIKey(dragoneyetest.APIKey), option.WithBaseURL(srv.URL),
		option.WithRetryBackoff(time.Millisecond, 10*time.Millisecond, 1))
	require.NoError(t, err)
	video, err := dragoneye.MediaFromBytes([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), "ride.mp4")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := client.Predictions.Video(ctx, video, dragoneye.PredictParams{
		ModelName:       "recognize_anything/bikes",
		FramesPerSecond: 2,
		Wait:            dragoneye.WaitOptions{Interval: 10 * time.Millisecond},
	})
	require.NoError(t, err)

	require.Equal(t, []int64{0, 500_000, 1_000_000}, res.FrameTimestampsUs)
	require.Len(t, res.Objects, 1)
	got := res.Objects[0]
	require.Equal(t, int64(5), got.ObjectID)
	require.Nil(t, got.BboxObservations[1].Observation, "the gap frame")
	require.Equal(t, int64(1_000_000), got.BboxObservations[2].TimestampUs)
	require.Equal(t, "Blue", got.Categories[0].Attributes[0].OptionName)
	// What the emulator saw: the media's name and the rate.
	task, ok := srv.Task(res.PredictionTaskUUID)
	require.True(t, ok)
	require.Equal(t, 2, task.FramesPerSecond)
	var ops []string
	for _, r := range srv.Requests() {
		ops = append(ops, r.Operation)
	}
	require.Equal(t, []string{"beginPredictionTask", "uploadMedia", "predict",
		"getPredictionTaskStatus", "getPredictionTaskStatus", "getPredictionTaskResults"}, ops)
	require.Empty(t, srv.Violations())
}
