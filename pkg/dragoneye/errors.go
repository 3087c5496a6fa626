package dragoneye

import (
	"fmt"
	"time"
)

// BeginError reports that a prediction task could not be begun
// (POST /prediction-task/begin). Err is usually an *apierror.Error; Detail
// is the service's message when it gave one.
type BeginError struct {
	Detail string
	Err    error
}

// Error implements error.
func (e *BeginError) Error() string {
	return "dragoneye: beginning prediction task: " + errText(e.Detail, e.Err)
}

// Unwrap returns the underlying error.
func (e *BeginError) Unwrap() error { return e.Err }

// UploadError reports that the media could not be uploaded to the presigned
// POST of a task.
type UploadError struct {
	TaskID string
	Err    error
}

// Error implements error.
func (e *UploadError) Error() string {
	return fmt.Sprintf("dragoneye: uploading media of task %s: %v", e.TaskID, e.Err)
}

// Unwrap returns the underlying error.
func (e *UploadError) Unwrap() error { return e.Err }

// TaskError reports a prediction task that could not be started
// (POST /predict failed; Err is set), whose status could not be read while
// waiting (Err is set), or that ended in a status starting with "failed"
// (Status is set).
type TaskError struct {
	TaskID string
	Status string
	Err    error
}

// Error implements error.
func (e *TaskError) Error() string {
	if e.Status != "" {
		return fmt.Sprintf("dragoneye: prediction task %s failed: %s", e.TaskID, e.Status)
	}
	return fmt.Sprintf("dragoneye: prediction task %s: %v", e.TaskID, e.Err)
}

// Unwrap returns the underlying error, if any.
func (e *TaskError) Unwrap() error { return e.Err }

// TimeoutError reports that a task did not finish within the wait's timeout
// or before its context ended. Err is the *poll.TimeoutError (which unwraps
// to context.DeadlineExceeded or context.Canceled).
type TimeoutError struct {
	TaskID     string
	LastStatus string
	Elapsed    time.Duration
	Err        error
}

// Error implements error.
func (e *TimeoutError) Error() string {
	return fmt.Sprintf("dragoneye: prediction task %s did not complete within %s (last status %q): %v",
		e.TaskID, e.Elapsed.Round(time.Millisecond), e.LastStatus, e.Err)
}

// Unwrap returns the underlying error.
func (e *TimeoutError) Unwrap() error { return e.Err }

// ResultsUnavailableError reports that the results of a task could not be
// fetched (GET /prediction-task/results failed, e.g. 400 while the task is
// not finished). Err is usually an *apierror.Error.
type ResultsUnavailableError struct {
	TaskID string
	Detail string
	Err    error
}

// Error implements error.
func (e *ResultsUnavailableError) Error() string {
	return fmt.Sprintf("dragoneye: results of task %s unavailable: %s", e.TaskID, errText(e.Detail, e.Err))
}

// Unwrap returns the underlying error.
func (e *ResultsUnavailableError) Unwrap() error { return e.Err }

// ResultsError reports a results body that could not be decoded: not a ZIP
// or Parquet file, a corrupt archive or Parquet file, a member over the size
// limit, a missing predictions.parquet or a missing X-Frames-Per-Second
// header on a video.
type ResultsError struct {
	TaskID string
	Reason string
	Err    error
}

// Error implements error.
func (e *ResultsError) Error() string {
	if e.TaskID == "" {
		return "dragoneye: bad results: " + e.Reason
	}
	return fmt.Sprintf("dragoneye: bad results of task %s: %s", e.TaskID, e.Reason)
}

// Unwrap returns the underlying error, if any.
func (e *ResultsError) Unwrap() error { return e.Err }

func errText(detail string, err error) string {
	switch {
	case detail != "":
		return detail
	case err != nil:
		return err.Error()
	default:
		return "unknown error"
	}
}
