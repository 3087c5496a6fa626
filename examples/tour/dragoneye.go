package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aiclients/sdk-go/pkg/dragoneye"
	"github.com/aiclients/sdk-go/pkg/dragoneye/dragoneyetest"
	"github.com/aiclients/sdk-go/pkg/option"
)

// tourDragoneye predicts on an image and on a video against the in-process
// Dragoneye emulator and prints the detections: begin, presigned upload,
// predict, status polling and the Parquet results, decoded.
func tourDragoneye(ctx context.Context, w io.Writer) error {
	srv, err := dragoneyetest.Start()
	if err != nil {
		return err
	}
	defer srv.Close()
	fmt.Fprintf(w, "emulator: %s\n", srv.URL)

	client, err := dragoneye.NewClient(option.WithAPIKey(dragoneyetest.APIKey), option.WithBaseURL(srv.URL))
	if err != nil {
		return err
	}
	params := dragoneye.PredictParams{
		ModelName: dragoneyetest.DefaultModel,
		Wait: dragoneye.WaitOptions{
			Interval: 50 * time.Millisecond, // the official SDK polls every second (the default)
			Timeout:  30 * time.Second,
			Progress: func(_ int, s dragoneye.TaskStatus) { fmt.Fprintf(w, "  status: %s\n", s.Status) },
		},
	}

	// 1. An image (the bytes of a JPEG header are enough for the emulator).
	jpeg := append([]byte{0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F', 0}, make([]byte, 1024)...)
	image, err := dragoneye.MediaFromBytes(jpeg, "house.jpg")
	if err != nil {
		return err
	}
	img, err := client.Predictions.Image(ctx, image, params)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "image %s (task %s): %d object(s)\n", img.OriginalFileName, img.PredictionTaskUUID, len(img.Objects))
	for _, o := range img.Objects {
		top, _ := o.TopCategory()
		fmt.Fprintf(w, "  object %d: %s (%.2f) at %v, box score %.2f\n", o.ObjectID, top.Name, top.Score,
			o.BboxObservation.NormalizedBbox, o.BboxObservation.BboxScore)
		for _, a := range top.Attributes {
			fmt.Fprintf(w, "    %s: %s (%.2f)\n", a.AttributeName, a.OptionName, a.Score)
		}
	}

	// 2. A video, sampled at 1 frame per second.
	mp4 := append([]byte{0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'm', 'p', '4', '2', 0, 0, 0, 0, 'm', 'p', '4', '2', 'i', 's', 'o', 'm'}, make([]byte, 4096)...)
	video, err := dragoneye.MediaFromBytes(mp4, "street.mp4")
	if err != nil {
		return err
	}
	params.FramesPerSecond = 1
	vid, err := client.Predictions.Video(ctx, video, params)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "video %s: %d object(s), %d processed frames at %d fps\n", vid.OriginalFileName, len(vid.Objects),
		len(vid.FrameTimestampsUs), vid.FramesPerSecond)
	for _, o := range vid.Objects {
		top, _ := o.TopCategory()
		fmt.Fprintf(w, "  object %d: %s, on screen %v\n", o.ObjectID, top.Name, o.TimestampRanges)
		for _, b := range o.BboxObservations {
			if b.Observation == nil {
				fmt.Fprintf(w, "    %5.1fs: (gap frame: tracked, not detected)\n", float64(b.TimestampUs)/1e6)
				continue
			}
			fmt.Fprintf(w, "    %5.1fs: %v score %.2f\n", float64(b.TimestampUs)/1e6, b.Observation.NormalizedBbox, b.Observation.BboxScore)
		}
	}
	// Snap a playback position to the nearest processed frame.
	at := 2600 * time.Millisecond
	frame, dets := vid.DetectionsAt(at)
	fmt.Fprintf(w, "at %s the nearest frame is %.1fs with %d detection(s)\n", at, float64(frame)/1e6, len(dets))
	return nil
}
