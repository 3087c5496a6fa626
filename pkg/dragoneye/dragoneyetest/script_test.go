package dragoneyetest_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/dragoneye"
	"github.com/aiclients/sdk-go/pkg/dragoneye/dragoneyetest"
	"github.com/aiclients/sdk-go/pkg/option"
)

var mp4 = []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")

func predictVideo(t *testing.T, srv *dragoneyetest.Server, name, model string, fps int) *dragoneye.VideoResult {
	t.Helper()
	c, err := dragoneye.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(dragoneyetest.APIKey))
	require.NoError(t, err)
	video, err := dragoneye.MediaFromBytes(mp4, name)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := c.Predictions.Video(ctx, video, dragoneye.PredictParams{ModelName: model, FramesPerSecond: fps,
		Wait: dragoneye.WaitOptions{Interval: time.Millisecond}})
	require.NoError(t, err)
	return res
}

func timestamps(o dragoneye.VideoDetectedObject) []int64 {
	var out []int64
	for _, b := range o.BboxObservations {
		out = append(out, b.TimestampUs)
	}
	return out
}

// TestDefaultVideoFollowsFramesPerSecond: the built-in prediction's frames
// are 1/fps apart (at 2 frames per second they were 1 s apart).
func TestDefaultVideoFollowsFramesPerSecond(t *testing.T) {
	srv := dragoneyetest.NewServer(t)
	for fps, want := range map[int][]int64{
		1: {0, 1_000_000, 2_000_000, 3_000_000},
		2: {0, 500_000, 1_000_000, 1_500_000},
		3: {0, 333_333, 666_666, 1_000_000},
	} {
		res := predictVideo(t, srv, "street.mp4", dragoneyetest.DefaultModel, fps)
		require.Equal(t, fps, res.FramesPerSecond)
		require.Equal(t, want, res.FrameTimestampsUs, "fps %d", fps)
		obj := res.Objects[0]
		require.Equal(t, want, timestamps(obj), "fps %d", fps)
		require.Nil(t, obj.BboxObservations[2].Observation, "the gap frame")
		require.Equal(t, []dragoneye.TimestampRange{{StartUs: 0, EndUs: want[3]}}, obj.TimestampRanges)
		require.Equal(t, want[3], obj.Categories[0].Attributes[0].TimestampRanges[0].EndUs)
	}
	require.Empty(t, srv.Violations())
}

func box(x float32) *dragoneye.BboxObservation {
	return &dragoneye.BboxObservation{NormalizedBbox: dragoneye.NormalizedBbox{x, 0.1, x + 0.2, 0.5}, BboxScore: 0.9}
}

// TestScriptPerMedia: scripts chosen by file name, model and kind; the
// newest match wins; objects, categories, traits, boxes and gap frames come
// back as scripted, at the task's frame rate.
func TestScriptPerMedia(t *testing.T) {
	car := dragoneyetest.Object{ObjectID: 7, FirstFrame: 2, Boxes: []*dragoneye.BboxObservation{box(0.1), nil, box(0.3)},
		Categories: []dragoneyetest.Category{{CategoryID: 11, Name: "Car", Score: 0.8,
			Attributes: []dragoneyetest.Trait{{AttributeID: 21, AttributeName: "Color", OptionID: 31, OptionName: "Red", Score: 0.7}}}}}
	srv := dragoneyetest.NewServer(t,
		dragoneyetest.WithScript(dragoneyetest.Script{FileName: "cars.mp4", Prediction: dragoneyetest.Prediction{Objects: []dragoneyetest.Object{car}, Frames: 6}}),
		dragoneyetest.WithScript(dragoneyetest.Script{FileName: "cars.mp4", Model: "m/empty", Prediction: dragoneyetest.Prediction{Polls: -1}}),
	)
	res := predictVideo(t, srv, "cars.mp4", dragoneyetest.DefaultModel, 4)
	require.Equal(t, []int64{0, 250_000, 500_000, 750_000, 1_000_000, 1_250_000}, res.FrameTimestampsUs)
	require.Len(t, res.Objects, 1)
	obj := res.Objects[0]
	require.Equal(t, int64(7), obj.ObjectID)
	require.Equal(t, []int64{500_000, 750_000, 1_000_000}, timestamps(obj))
	require.Equal(t, box(0.1), obj.BboxObservations[0].Observation)
	require.Nil(t, obj.BboxObservations[1].Observation)
	require.Equal(t, []dragoneye.TimestampRange{{StartUs: 500_000, EndUs: 1_000_000}}, obj.TimestampRanges)
	require.Equal(t, []dragoneye.VideoCategoryPrediction{{CategoryID: 11, Name: "Car", Score: 0.8,
		Attributes: []dragoneye.VideoAttributePrediction{{AttributeID: 21, AttributeName: "Color", OptionID: 31, OptionName: "Red",
			TimestampRanges: []dragoneye.ScoredTimestampRange{{StartUs: 500_000, EndUs: 1_000_000, Score: 0.7}}}}}}, obj.Categories)

	// The more specific, newer script wins for its model.
	require.Empty(t, predictVideo(t, srv, "cars.mp4", "m/empty", 4).Objects)
	// Another file gets the default.
	require.Len(t, predictVideo(t, srv, "other.mp4", dragoneyetest.DefaultModel, 1).FrameTimestampsUs, 4)

	// The same script read as an image: the first box, the traits' scores.
	require.NoError(t, srv.AddScript(dragoneyetest.Script{Kind: "image", Prediction: dragoneyetest.Prediction{
		Objects: []dragoneyetest.Object{{Boxes: car.Boxes, Categories: car.Categories}}}}))
	c, err := dragoneye.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(dragoneyetest.APIKey))
	require.NoError(t, err)
	img, err := dragoneye.MediaFromBytes([]byte{0xff, 0xd8, 0xff, 0xe0}, "a.jpg")
	require.NoError(t, err)
	ires, err := c.Predictions.Image(context.Background(), img, dragoneye.PredictParams{ModelName: "x", Wait: dragoneye.WaitOptions{Interval: time.Millisecond}})
	require.NoError(t, err)
	require.Equal(t, []dragoneye.ImageDetectedObject{{ObjectID: 1, BboxObservation: *box(0.1),
		Categories: []dragoneye.ImageCategoryPrediction{{CategoryID: 11, Name: "Car", Score: 0.8,
			Attributes: []dragoneye.ImageAttributePrediction{{AttributeID: 21, AttributeName: "Color", OptionID: 31, OptionName: "Red", Score: 0.7}}}}}},
		ires.Objects)

	srv.ClearScripts()
	require.Len(t, srv.Scripts(), 2, "the built-in models stay")
	require.Len(t, predictVideo(t, srv, "cars.mp4", dragoneyetest.DefaultModel, 1).Objects[0].BboxObservations, 4)
	require.Empty(t, srv.Violations())
}

// TestScriptValidation: scripts that cannot be served are refused with a
// message saying what is wrong, in Go and over HTTP.
func TestScriptValidation(t *testing.T) {
	srv := dragoneyetest.NewServer(t)
	for _, tc := range []struct {
		sc   dragoneyetest.Script
		want string
	}{
		{dragoneyetest.Script{Kind: "audio"}, `kind "audio"`},
		{dragoneyetest.Script{Prediction: dragoneyetest.Prediction{Objects: []dragoneyetest.Object{{}}}}, "objects[0]: boxes must not be empty"},
		{dragoneyetest.Script{Prediction: dragoneyetest.Prediction{Objects: []dragoneyetest.Object{{Boxes: []*dragoneye.BboxObservation{nil}}}}}, "gap frame"},
		{dragoneyetest.Script{Prediction: dragoneyetest.Prediction{Frames: -1}}, "frames must be between 0 and 100000"},
		{dragoneyetest.Script{Prediction: dragoneyetest.Prediction{Frames: 1 << 40}}, "frames must be between 0 and 100000"},
		{dragoneyetest.Script{Prediction: dragoneyetest.Prediction{Objects: []dragoneyetest.Object{{FirstFrame: 1 << 62, Boxes: []*dragoneye.BboxObservation{box(0)}}}}}, "go past 100000"},
	} {
		err := srv.AddScript(tc.sc)
		require.ErrorContains(t, err, tc.want)
		body, _ := json.Marshal(tc.sc)
		code, reply, _ := do(t, http.MethodPost, srv.URL+dragoneyetest.AdminPredictionsPath, "application/json", strings.NewReader(string(body)), "")
		require.Equal(t, http.StatusBadRequest, code)
		require.Contains(t, adminMessage(t, reply), tc.want)
	}
	_, err := dragoneyetest.Start(dragoneyetest.WithScript(dragoneyetest.Script{Kind: "audio"}))
	require.ErrorContains(t, err, `kind "audio"`)

	code, reply, _ := do(t, http.MethodPost, srv.URL+dragoneyetest.AdminPredictionsPath, "application/json", strings.NewReader(`{"prediction":{"objets":[]}}`), "")
	require.Equal(t, http.StatusBadRequest, code)
	require.Contains(t, adminMessage(t, reply), `unknown field "objets"`)
	code, _, _ = do(t, http.MethodPut, srv.URL+dragoneyetest.AdminPredictionsPath, "", nil, "")
	require.Equal(t, http.StatusMethodNotAllowed, code)
	code, reply, _ = do(t, http.MethodGet, srv.URL+"/_emulator/nothing-here", "", nil, "")
	require.Equal(t, http.StatusNotFound, code)
	require.Contains(t, string(reply), dragoneyetest.AdminPredictionsPath)
	require.Len(t, srv.Scripts(), 2, "nothing refused was added")
}

func adminMessage(t *testing.T, body []byte) string {
	t.Helper()
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal(body, &e), string(body))
	return e.Error.Message
}

// TestAdminScriptsOverHTTP: POST /_emulator/predictions scripts a video for
// a file name, GET lists the scripts, DELETE forgets them; the admin
// calls need no API key and are not recorded as API requests.
func TestAdminScriptsOverHTTP(t *testing.T) {
	srv := dragoneyetest.NewServer(t)
	script := `{"file_name": "two.mp4", "kind": "video", "prediction": {"polls": -1, "objects": [
		{"object_id": 3, "boxes": [{"normalized_bbox": [0.1, 0.2, 0.3, 0.4], "bbox_score": 0.5}, null, {"normalized_bbox": [0.2, 0.2, 0.4, 0.4], "bbox_score": 0.6}],
		 "categories": [{"category_id": 9, "name": "Dog", "score": 0.9, "attributes": [{"attribute_id": 1, "attribute_name": "Breed", "option_id": 2, "option_name": "Corgi", "score": 0.8}]}]}]}}`
	code, body, _ := do(t, http.MethodPost, srv.URL+dragoneyetest.AdminPredictionsPath, "application/json", strings.NewReader(script), "")
	require.Equal(t, http.StatusNoContent, code, string(body))

	code, body, _ = do(t, http.MethodGet, srv.URL+dragoneyetest.AdminPredictionsPath, "", nil, "")
	require.Equal(t, http.StatusOK, code)
	var listed []dragoneyetest.Script
	require.NoError(t, json.Unmarshal(body, &listed))
	require.Len(t, listed, 3)
	require.Equal(t, "two.mp4", listed[2].FileName)

	res := predictVideo(t, srv, "two.mp4", "any/model", 2)
	require.Equal(t, []int64{0, 500_000, 1_000_000}, res.FrameTimestampsUs)
	obj := res.Objects[0]
	require.Equal(t, int64(3), obj.ObjectID)
	require.Equal(t, []int64{0, 500_000, 1_000_000}, timestamps(obj))
	require.Nil(t, obj.BboxObservations[1].Observation)
	require.Equal(t, "Corgi", obj.Categories[0].Attributes[0].OptionName)
	for _, r := range srv.Requests() {
		require.NotContains(t, r.Path, "/_emulator/")
	}

	code, _, _ = do(t, http.MethodDelete, srv.URL+dragoneyetest.AdminPredictionsPath, "", nil, "")
	require.Equal(t, http.StatusNoContent, code)
	require.Len(t, srv.Scripts(), 2)
	require.Len(t, predictVideo(t, srv, "two.mp4", "any/model", 2).Objects[0].BboxObservations, 4)
	require.Empty(t, srv.Violations())
}

// TestDispatchOnOperation: requests reach a handler only through an
// operation of the spec; others get the kit's 404/405, and an operation
// called without its API key the service's 401.
func TestDispatchOnOperation(t *testing.T) {
	srv := dragoneyetest.NewServer(t)
	code, _, _ := do(t, http.MethodGet, srv.URL+"/prediction-task/begin", "", nil, dragoneyetest.APIKey)
	require.Equal(t, http.StatusMethodNotAllowed, code)
	code, _, _ = do(t, http.MethodGet, srv.URL+"/no-such-path", "", nil, dragoneyetest.APIKey)
	require.Equal(t, http.StatusNotFound, code)
	code, body, _ := do(t, http.MethodGet, srv.URL+"/prediction-task/status?predictionTaskUuid=x", "", nil, "")
	require.Equal(t, http.StatusUnauthorized, code)
	require.JSONEq(t, `{"detail":"Invalid API key"}`, string(body))
	var ops []string
	for _, r := range srv.Requests() {
		ops = append(ops, r.Operation)
	}
	require.Equal(t, []string{"", "", "getPredictionTaskStatus"}, ops)
	require.Empty(t, srv.Violations())
}

// TestResultsSameRequestForBothKinds: as the service, the emulator answers
// one results request for both kinds; only a video's answer carries
// X-Frames-Per-Second and frame_timestamps.parquet. A video begun without
// frames_per_second (dragoneye-python 2.0.1 omits it) is sampled at 1.
func TestResultsSameRequestForBothKinds(t *testing.T) {
	srv := dragoneyetest.NewServer(t, dragoneyetest.WithModel("m", dragoneyetest.Prediction{Polls: -1, Objects: dragoneyetest.DefaultPrediction().Objects}))
	finish := func(mimeType string) string {
		br := beginMultipart(t, srv, mimeType)
		f := br.SignedURLs[0].PresignedPostRequest.Fields
		ct, body := uploadBody(t, []part{{"key", f["key"]}, {"policy", f["policy"]}, {"x-amz-signature", f["x-amz-signature"]}, {"file", "x"}})
		code, _, _ := do(t, http.MethodPost, br.SignedURLs[0].PresignedPostRequest.URL, ct, body, "")
		require.Equal(t, http.StatusNoContent, code)
		code, _, _ = do(t, http.MethodPost, srv.URL+"/predict", "application/x-www-form-urlencoded",
			strings.NewReader("model_name=m&prediction_task_uuid="+br.PredictionTaskUUID), dragoneyetest.APIKey)
		require.Equal(t, http.StatusOK, code)
		return br.PredictionTaskUUID
	}
	results := func(id string) (int, []byte, http.Header) {
		return do(t, http.MethodGet, srv.URL+"/prediction-task/results?response_version=parquet_object&predictionTaskUuid="+id, "", nil, dragoneyetest.APIKey)
	}
	members := func(b []byte) []string {
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		require.NoError(t, err)
		var names []string
		for _, f := range zr.File {
			names = append(names, f.Name)
		}
		return names
	}
	code, body, hdr := results(finish("image/png"))
	require.Equal(t, http.StatusOK, code)
	require.Empty(t, hdr.Values("X-Frames-Per-Second"))
	require.Equal(t, []string{"predictions.parquet"}, members(body))

	video := finish("video/mp4")
	code, body, hdr = results(video)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "1", hdr.Get("X-Frames-Per-Second"))
	require.ElementsMatch(t, []string{"predictions.parquet", "frame_timestamps.parquet"}, members(body))
	task, _ := srv.Task(video)
	require.Equal(t, 1, task.FramesPerSecond)

	// The request has no way to say which kind is expected: a parameter
	// the spec does not declare is refused.
	code, _, _ = do(t, http.MethodGet, srv.URL+"/prediction-task/results?prediction_type=image&predictionTaskUuid="+video, "", nil, dragoneyetest.APIKey)
	require.Equal(t, http.StatusBadRequest, code)
	require.Len(t, srv.Violations(), 1)
}

// TestRequestViolationsAnswerInTheServiceShape: a request that breaks the
// spec is answered {"detail": ...} (the shape the SDKs read from a 400),
// not the kit's own error shape; without the API key it is a 401 first.
func TestRequestViolationsAnswerInTheServiceShape(t *testing.T) {
	srv := dragoneyetest.NewServer(t)
	code, body, hdr := do(t, http.MethodPost, srv.URL+"/prediction-task/begin", "application/x-www-form-urlencoded",
		strings.NewReader("file_name=a.jpg"), dragoneyetest.APIKey)
	require.Equal(t, http.StatusBadRequest, code)
	require.Equal(t, "application/json", hdr.Get("Content-Type"))
	var e struct {
		Detail string `json:"detail"`
	}
	require.NoError(t, json.Unmarshal(body, &e), string(body))
	require.Contains(t, e.Detail, "mimetype")
	require.Len(t, srv.Violations(), 1)

	code, body, _ = do(t, http.MethodGet, srv.URL+"/prediction-task/status", "", nil, "")
	require.Equal(t, http.StatusUnauthorized, code)
	require.JSONEq(t, `{"detail":"Invalid API key"}`, string(body))
	for _, v := range srv.Violations() {
		require.Equal(t, "request", v.Direction, v.Message)
	}
}
