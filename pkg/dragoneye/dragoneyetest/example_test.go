package dragoneyetest_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/aiclients/sdk-go/pkg/dragoneye"
	"github.com/aiclients/sdk-go/pkg/dragoneye/dragoneyetest"
	"github.com/aiclients/sdk-go/pkg/option"
)

// WithScript chooses what a video returns: here a tracked object whose
// third frame is a gap. Read at 2 frames per second, its frames are 0.5 s
// apart. (In a test, use NewServer(t, ...), which also fails the test on a
// spec violation.)
func ExampleWithScript() {
	box := &dragoneye.BboxObservation{NormalizedBbox: dragoneye.NormalizedBbox{0.1, 0.2, 0.4, 0.8}, BboxScore: 0.9}
	srv, err := dragoneyetest.Start(dragoneyetest.WithScript(dragoneyetest.Script{
		FileName: "street.mp4",
		Prediction: dragoneyetest.Prediction{Polls: -1, Objects: []dragoneyetest.Object{{
			Boxes:      []*dragoneye.BboxObservation{box, box, nil, box},
			Categories: []dragoneyetest.Category{{CategoryID: 1, Name: "Car", Score: 0.8}},
		}}},
	}))
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	client, err := dragoneye.NewClient(option.WithAPIKey(dragoneyetest.APIKey), option.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}
	video, err := dragoneye.MediaFromBytes([]byte("\x00\x00\x00\x18ftypmp42"), "street.mp4")
	if err != nil {
		panic(err)
	}
	res, err := client.Predictions.Video(context.Background(), video, dragoneye.PredictParams{
		ModelName: dragoneyetest.DefaultModel, FramesPerSecond: 2, Wait: dragoneye.WaitOptions{Interval: time.Millisecond}})
	if err != nil {
		panic(err)
	}
	for _, o := range res.Objects[0].BboxObservations {
		fmt.Println(time.Duration(o.TimestampUs)*time.Microsecond, o.Observation != nil)
	}
	// Output:
	// 0s true
	// 500ms true
	// 1s false
	// 1.5s true
}

// AddScript scripts a running server from Go; other languages and
// cmd/emulator users send the same Script as JSON to POST
// /_emulator/predictions (no API key).
func ExampleServer_AddScript() {
	srv, err := dragoneyetest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	err = srv.AddScript(dragoneyetest.Script{Model: "m/empty", Prediction: dragoneyetest.Prediction{Polls: -1}})
	if err != nil {
		panic(err)
	}
	script := `{"kind": "image", "prediction": {"objects": [{"boxes": [{"normalized_bbox": [0, 0, 1, 1], "bbox_score": 1}]}]}}`
	resp, err := http.Post(srv.URL+dragoneyetest.AdminPredictionsPath, "application/json", bytes.NewBufferString(script))
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	scripts := srv.Scripts()
	fmt.Println(resp.StatusCode, len(scripts), scripts[2].Model, scripts[3].Kind)
	// Output: 204 4 m/empty image
}
