// Package dragoneyetest is an in-process emulator of the Dragoneye API for
// tests, built on the shared emulator kit and validated against
// specs/dragoneye.yaml, plus encoders that write results archives exactly
// as the service serves them (a STORED ZIP of ZSTD-compressed Parquet files
// in the v2 object-forward schema).
//
// # Surface
//
// NewServer(t, opts...) starts one for a test (closed at its end; a reply
// that breaks the spec fails the test), Start(opts...) outside a test.
// srv.URL is the base URL to give the client (dragoneye.EnvBaseURL or
// option.WithBaseURL), APIKey the key it accepts (WithAPIKey changes it).
// srv.InjectFault, srv.Requests and srv.Violations come from the kit (types
// in package github.com/aiclients/sdk-go/pkg/emulator); srv.Task tells what
// the emulator knows of a task.
//
// Requests are dispatched on the spec's operation (beginPredictionTask,
// uploadMedia, predict, getPredictionTaskStatus, getPredictionTaskResults);
// the handlers take and return the generated wire types of package
// dragoneye. The presigned upload is served at UploadPath + "/<task id>".
//
// # Scripted predictions
//
// What a task returns is a Prediction, chosen when /predict is called: the
// newest Script whose non-empty fields (Model, FileName — the media's name
// given at begin — and Kind) match the task, then the built-in models
// FailModel and SlowModel, then DefaultPrediction (the official SDKs' README
// example: a detached house, tracked in a video over four frames, the third
// a gap frame). A Prediction lists Objects with their Categories, each
// with its Attributes (the traits: the chosen option of each attribute, with
// its score), and one box per processed frame (nil: a gap frame); how many status checks answer in progress first (Polls); and a
// failure status (Fail).
//
// Video frame timestamps follow the frames_per_second the task was begun
// with: frame i is at i*1,000,000/fps microseconds (FrameTimestampUs), so at
// 2 frames per second the frames are 0.5 s apart. Without
// frames_per_second (dragoneye-python 2.0.1 omits it) the emulator uses 1.
// ImageObjects and VideoObjects give decoded results verbatim instead.
//
// In Go: WithScript, WithModel, srv.AddScript, srv.SetModel,
// srv.ClearScripts, srv.Scripts. Over HTTP (cmd/emulator, other languages),
// with no API key:
//
//	POST   /_emulator/predictions  add a Script given as JSON (204; 400 says what is wrong)
//	GET    /_emulator/predictions  list the scripts in force (JSON)
//	DELETE /_emulator/predictions  forget the added scripts (204)
//
// For example, a video named street.mp4 whose object is seen on frames 0,
// 1 and 3 (frame 2 a gap), with one category and one trait:
//
//	{"file_name": "street.mp4", "kind": "video", "prediction": {"objects": [
//	  {"object_id": 1, "first_frame": 0,
//	   "boxes": [{"normalized_bbox": [0.1, 0.2, 0.5, 0.8], "bbox_score": 0.9}, {...}, null, {...}],
//	   "categories": [{"category_id": 11, "name": "Car", "score": 0.8,
//	     "attributes": [{"attribute_id": 21, "attribute_name": "Color",
//	                     "option_id": 31, "option_name": "Red", "score": 0.7}]}]}]}}
//
// Fields of "prediction": "polls", "fail", "objects", "frames" (how many
// frames were processed; default up to the last box), and the verbatim
// "image_objects", "video_objects", "frame_timestamps_us".
//
// # Faithful answers
//
// The results call is the same for image and video tasks, as in the real
// service: the request does not say which kind the caller expects. A video
// task's answer carries X-Frames-Per-Second and frame_timestamps.parquet,
// an image task's neither; the dragoneye client turns a call of the wrong
// kind into a *dragoneye.KindError naming the task's kind and the call to
// make instead.
package dragoneyetest
