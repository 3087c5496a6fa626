package poll

import "time"

// WaitOptions is the one waiting shape of every "run and wait" call of this
// SDK (inference.sh tasks, VectorVein workflow runs, Dragoneye predictions):
// how often to look, for how long, and whom to tell. Each service names it
// with its own state type, e.g. dragoneye.WaitOptions is
// poll.WaitOptions[dragoneye.TaskStatus]. The zero value uses the service's
// default interval and waits until ctx ends.
type WaitOptions[T any] struct {
	// Interval is the wait between checks; 0 means the service's default.
	Interval time.Duration
	// Timeout bounds the whole wait; 0 means only ctx bounds it. When it
	// elapses the service returns an *apierror.TimeoutError carrying the
	// task or run id (the work may still be running on the server).
	Timeout time.Duration
	// Progress, if set, is called after every check with its 1-based number
	// and the state read.
	Progress Progress[T]
}

// Policy turns w into a Policy that checks at once and then every
// Interval (defaultInterval when w sets none).
func (w WaitOptions[T]) Policy(defaultInterval time.Duration) Policy {
	iv := w.Interval
	if iv <= 0 {
		iv = defaultInterval
	}
	return Policy{Interval: iv, Timeout: w.Timeout, Immediate: true}
}
