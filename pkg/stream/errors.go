package stream

import (
	"errors"
	"fmt"
	"time"
)

// ErrSkip is returned by a DecodeFunc to drop an event without yielding an
// item, e.g. a heartbeat or a ping. Skipped events do not reset the idle
// timeout.
var ErrSkip = errors.New("stream: skip event")

// ErrDone is returned by a DecodeFunc to end the stream cleanly (Err() stays
// nil), e.g. on a service's own end-of-stream event. Data "[DONE]" ends a
// stream the same way without reaching the DecodeFunc.
var ErrDone = errors.New("stream: done")

// EventTooLargeError ends a stream whose event (SSE data, or one line) is
// larger than the limit. The rest of the event is not read into memory.
type EventTooLargeError struct {
	// Limit is the maximum event size in bytes that was exceeded.
	Limit int
}

// Error implements error.
func (e *EventTooLargeError) Error() string {
	return fmt.Sprintf("stream: event larger than the %d-byte limit (raise it with WithMaxEventSize if such events are expected)", e.Limit)
}

// IdleTimeoutError ends a stream when no item was yielded for Timeout while
// the stream waited for one. Keep-alive comments and skipped events do not
// count as activity. The request can usually be retried.
type IdleTimeoutError struct {
	// Timeout is the idle timeout that elapsed.
	Timeout time.Duration
}

// Error implements error.
func (e *IdleTimeoutError) Error() string {
	return fmt.Sprintf("stream: no event received for %s (idle timeout: the server went quiet; retry the request or lengthen WithIdleTimeout)", e.Timeout)
}

// Retryable reports true: an idle stream is worth retrying, like
// apierror.Error.Retryable for 408, 429 and 5xx.
func (e *IdleTimeoutError) Retryable() bool { return true }
