package dragoneye_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/dragoneye"
	"github.com/aiclients/sdk-go/pkg/dragoneye/dragoneyetest"
	"github.com/aiclients/sdk-go/pkg/option"
)

// startEmulator stands in for the real service in these examples.
func startEmulator() (*dragoneyetest.Server, *dragoneye.Client) {
	srv, err := dragoneyetest.Start()
	if err != nil {
		log.Fatal(err)
	}
	client, err := dragoneye.NewClient(option.WithAPIKey(dragoneyetest.APIKey), option.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	return srv, client
}

func ExampleNewClient() {
	// With DRAGONEYE_API_KEY set, NewClient() is enough; options override
	// the environment and the retry defaults.
	client, err := dragoneye.NewClient(
		option.WithAPIKey("my-key"),
		option.WithMaxRetries(3),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(client.BaseURL())
	// Output: https://api.dragoneye.ai
}

func ExamplePredictionService_Image() {
	srv, client := startEmulator()
	defer srv.Close()

	// MediaFromPath("house.jpg") reads a file; the MIME type comes from the
	// extension or the content.
	media, err := dragoneye.MediaFromBytes(jpegBytes, "house.jpg")
	if err != nil {
		log.Fatal(err)
	}
	res, err := client.Predictions.Image(context.Background(), media, dragoneye.PredictParams{
		ModelName: "recognize_anything/demo",
		Wait: dragoneye.WaitOptions{
			Interval: 10 * time.Millisecond, // default 1 s
			Timeout:  time.Minute,
		},
	})
	var timeout *apierror.TimeoutError
	var failed *apierror.RunError
	switch {
	case errors.As(err, &timeout):
		log.Fatalf("task %s is still running", timeout.ID)
	case errors.As(err, &failed):
		log.Fatalf("task %s failed: %s", failed.ID, failed.Status)
	case err != nil:
		log.Fatal(err)
	}
	for _, o := range res.Objects {
		top, _ := o.TopCategory()
		fmt.Printf("object %d: %s %.2f box %v\n", o.ObjectID, top.Name, top.Score, o.BboxObservation.NormalizedBbox)
	}
	// Output: object 1: House (detached) 0.92 box [0.12 0.25 0.55 0.78]
}

func ExamplePredictionService_Video() {
	srv, client := startEmulator()
	defer srv.Close()

	media, err := dragoneye.MediaFromBytes(mp4Bytes, "street.mp4")
	if err != nil {
		log.Fatal(err)
	}
	res, err := client.Predictions.Video(context.Background(), media, dragoneye.PredictParams{
		ModelName:       "recognize_anything/demo",
		FramesPerSecond: 1,
		Wait:            dragoneye.WaitOptions{Interval: 10 * time.Millisecond},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("frames:", res.FrameTimestampsUs)
	for _, o := range res.Objects {
		fmt.Println("object", o.ObjectID, "on screen", o.TimestampRanges)
		for _, b := range o.BboxObservations {
			if b.Observation == nil {
				fmt.Println(" ", time.Duration(b.TimestampUs)*time.Microsecond, "gap")
				continue
			}
			fmt.Println(" ", time.Duration(b.TimestampUs)*time.Microsecond, b.Observation.NormalizedBbox)
		}
	}
	// Output:
	// frames: [0 1000000 2000000 3000000]
	// object 1 on screen [0s-3s]
	//   0s [0.12 0.25 0.55 0.78]
	//   1s [0.14 0.25 0.57 0.78]
	//   2s gap
	//   3s [0.18 0.25 0.61 0.78]
}

func ExampleVideoResult_DetectionsAt() {
	objs, frames := sampleVideo()
	res := &dragoneye.VideoResult{Objects: objs, FrameTimestampsUs: frames, FramesPerSecond: 1}
	// Keep the frame list sorted, as the decoder does.
	res.FrameTimestampsUs = []int64{0, 1_000_000, 2_000_000, 3_000_000, 4_000_000}

	frame, dets := res.DetectionsAt(1300 * time.Millisecond)
	fmt.Println("nearest frame (µs):", frame)
	for _, d := range dets {
		top, _ := d.Object.TopCategory()
		fmt.Printf("object %d (%s) at %v\n", d.Object.ObjectID, top.Name, d.Observation.NormalizedBbox)
	}
	// Output:
	// nearest frame (µs): 1000000
	// object 1 (House (detached)) at [0.13 0.25 0.53 0.78]
	// object 3 (Truck) at [0.5 0.25 0.9 0.78]
}

// Status and Wait work on a task id, e.g. one kept from an earlier run;
// Progress sees every status read.
func ExamplePredictionService_Wait() {
	srv, client := startEmulator()
	defer srv.Close()

	media, err := dragoneye.MediaFromBytes(jpegBytes, "house.jpg")
	if err != nil {
		log.Fatal(err)
	}
	res, err := client.Predictions.Image(context.Background(), media, dragoneye.PredictParams{
		ModelName: "recognize_anything/demo",
		Wait:      dragoneye.WaitOptions{Interval: time.Millisecond},
	})
	if err != nil {
		log.Fatal(err)
	}
	st, err := client.Predictions.Wait(context.Background(), res.PredictionTaskUUID, dragoneye.WaitOptions{
		Interval: 10 * time.Millisecond,
		Progress: func(check int, s dragoneye.TaskStatus) { fmt.Println("check", check, s.Status) },
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(st.PredictionType, st.Succeeded())
	// Output:
	// check 1 predicted
	// image true
}

// Do reaches an endpoint through the client's call path (API key, retries,
// errors); here the status of a task, decoded into the generated type.
func ExampleClient_Do() {
	srv, client := startEmulator()
	defer srv.Close()

	var st dragoneye.TaskStatus
	err := client.Do(context.Background(), "GET", "/prediction-task/status?predictionTaskUuid=no-such-task", nil, &st)
	var apiErr *apierror.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Message)
	}
	// Output: 404 Prediction task not found
}

// Image and Video check the kind of a media where it is made, as the
// official SDK's Image and Video classes do.
func ExampleVideo() {
	mp4 := append([]byte{0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'm', 'p', '4', '2', 0, 0, 0, 0, 'm', 'p', '4', '2', 'i', 's', 'o', 'm'}, make([]byte, 64)...)
	if _, err := dragoneye.Image(dragoneye.MediaFromBytes(mp4, "street.mp4")); err != nil {
		fmt.Println(err)
	}
	video, err := dragoneye.Video(dragoneye.MediaFromBytes(mp4, "street.mp4"))
	fmt.Println(video.MIMEType(), err)
	// Output:
	// dragoneye: invalid media: Predictions.Image requires a MIME type starting with image/; got "video/mp4"
	// video/mp4 <nil>
}
