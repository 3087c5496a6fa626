package dragoneye

import (
	"strings"
)

// KindError reports results asked for with the wrong call: ImageResults on
// a video task, or VideoResults on an image task. The service answers both
// calls alike (the results request does not say which kind is expected),
// so the client asks the task's status which kind it is, and says what to
// call instead.
type KindError struct {
	// TaskID is the prediction task.
	TaskID string
	// Kind is what the task is: PredictionTypeImage or PredictionTypeVideo.
	Kind PredictionType
	// Called is the method that was called ("ImageResults" or
	// "VideoResults"); Use is the one to call instead.
	Called, Use string
}

// Error renders e.g. "dragoneye: prediction task t-1 is a video task:
// read its results with VideoResults, not ImageResults".
func (e *KindError) Error() string {
	return ServiceName + ": prediction task " + e.TaskID + " is " + article(string(e.Kind)) + " task: read its results with " +
		e.Use + ", not " + e.Called
}

func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}

// The steps of a prediction, named in StepError.Step.
const (
	// StepBegin is POST /prediction-task/begin (no task exists yet).
	StepBegin = "begin"
	// StepUpload is the media upload to the task's presigned POST (storage,
	// not the API).
	StepUpload = "upload"
	// StepPredict is POST /predict, which starts the prediction.
	StepPredict = "predict"
	// StepStatus is a GET /prediction-task/status while waiting.
	StepStatus = "status"
	// StepResults is GET /prediction-task/results.
	StepResults = "results"
)

// StepError reports that one step of a prediction failed: which step, and
// the task it belongs to. A prediction is several HTTP calls, one of them to
// a storage bucket rather than the API; the error of the call alone (Err,
// usually an *apierror.Error or *apierror.TransportError) does not say
// whether a task exists (TaskID is "" only for StepBegin) nor which step of
// the prediction it was. A task that ran and failed is an
// *apierror.RunError instead, a wait that gave up an *apierror.TimeoutError.
type StepError struct {
	// Step is one of StepBegin, StepUpload, StepPredict, StepStatus and
	// StepResults.
	Step string
	// TaskID is the prediction task, "" when the begin step failed.
	TaskID string
	// Err is the step's error.
	Err error
}

// Error renders e.g. "dragoneye: prediction task t-1: upload: POST
// https://storage/…: HTTP 403 Forbidden: …", without repeating the service
// name of Err.
func (e *StepError) Error() string {
	var b strings.Builder
	b.WriteString(ServiceName + ": ")
	if e.TaskID == "" {
		b.WriteString("prediction")
	} else {
		b.WriteString("prediction task " + e.TaskID)
	}
	b.WriteString(": " + e.Step)
	if e.Err != nil {
		b.WriteString(": " + trimService(e.Err.Error()))
	}
	return b.String()
}

// Unwrap returns Err.
func (e *StepError) Unwrap() error { return e.Err }

// ResultsError reports a results body that could not be decoded: not a ZIP
// or Parquet file, a corrupt archive or Parquet file, a body or archive over
// its size limit (then Err is or wraps ErrResultsTooLarge), a missing
// predictions.parquet or a missing X-Frames-Per-Second header on a video.
// No shared error kind describes a bad Parquet payload.
type ResultsError struct {
	TaskID string
	Reason string
	Err    error
}

// Error implements error.
func (e *ResultsError) Error() string {
	if e.TaskID == "" {
		return ServiceName + ": bad results: " + e.Reason
	}
	return ServiceName + ": bad results of task " + e.TaskID + ": " + e.Reason
}

// Unwrap returns the underlying error, if any.
func (e *ResultsError) Unwrap() error { return e.Err }

// trimService drops the "dragoneye: " an inner error starts with, so that a
// wrapping error names the service once.
func trimService(msg string) string {
	return strings.TrimPrefix(msg, ServiceName+": ")
}
